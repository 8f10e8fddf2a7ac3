#!/usr/bin/env bash
# stird --check-config: 0 for etc/stird.ini; non-zero with file:line: key: why
# for bad files; the daemon refuses to start on a bad file. Paths the STIR
# sections name (trust anchors, HTTPS CA file, cache directory, credential
# certificate) are checked alike by --check-config, by start-up and by
# SIGHUP, which keeps the running configuration and logs the same error.
source "$(dirname "$0")/lib.sh"
STIRD_PORT=26190
check "etc/stird.ini is valid" "$STIRD_BIN" --check-config "$ROOT/etc/stird.ini"
expect_error() { # NAME EXPECTED-TEXT INI-TEXT
    printf '%s\n' "$3" > "$WORK/bad.ini"
    out=$("$STIRD_BIN" --check-config "$WORK/bad.ini" 2>&1); rc=$?
    if [ $rc -ne 0 ] && echo "$out" | grep -qF "$2"; then pass "$1: $out"; else fail "$1: rc=$rc out=$out"; fi
}
expect_error "unknown key" "bad.ini:3: colour: unknown key" $'[general]\nlog_level = info\ncolour = blue'
expect_error "unknown section" "bad.ini:1:" $'[gneral]\nlog_level = info'
expect_error "bad integer" "bad.ini:2: t1_ms:" $'[transaction]\nt1_ms = fast'
expect_error "out of range" "bad.ini:2: max_message_size: must be in" $'[transport]\nmax_message_size = 10'
expect_error "bad address" "bad.ini:2: udp:" $'[listen]\nudp = localhost:5060'
expect_error "route without next_hop" "next_hop" $'[route "a"]\nuser_prefix = 1555'
expect_error "bad log level" "bad.ini:2: log_level:" $'[general]\nlog_level = loud'
expect_error "line without =" "bad.ini:2:" $'[proxy]\nrecord_route'
rm -f "$WORK/bad.ini"; out=$("$STIRD_BIN" --check-config "$WORK/nonexistent.ini" 2>&1); rc=$?
check "missing file is an error" test $rc -ne 0
printf '[general]\ncolour = blue\n' > "$WORK/bad2.ini"
"$STIRD_BIN" --config "$WORK/bad2.ini" > /dev/null 2>&1; rc=$?
check "stird --config refuses a bad file" test $rc -ne 0

# Control bytes in a value are echoed escaped, never raw (ESC would drive
# the terminal the error is printed on).
printf '[general]\nlog_level = \033[2J\033]0;owned\007loud\n' > "$WORK/ctl.ini"
out=$("$STIRD_BIN" --check-config "$WORK/ctl.ini" 2>&1); rc=$?
check "a value with control bytes is refused ($out)" test $rc -ne 0
check "  ... echoed as \\x1b and \\x07" grep -qF 'ctl.ini:2: log_level: must be one of' <<< "$out"
check "  ... with no raw control byte in the output" test "$(printf '%s' "$out" | tr -d '\n' | LC_ALL=C tr -d '\040-\176' | wc -c)" -eq 0
check "  ... the escapes spelled out" grep -qF "got '\\x1b[2J\\x1b]0;owned\\x07loud'" <<< "$out"

# --- Files the STIR sections name -----------------------------------------
# A P-256 key and its self-signed certificate: trust anchor, HTTPS CA and
# signing credential at once.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
    -subj "/CN=SHAKEN 1234" -days 2 > /dev/null 2>&1
printf 'no certificate here\n' > "$WORK/empty.pem"
mkdir -p "$WORK/cache"
# good_ini: a file stird starts with, one key per line so a broken variant
# changes exactly one line.
good_ini() {
    cat <<EOF
[general]
log_level = info
drain_timeout_s = 1
[listen]
udp = 127.0.0.1:$STIRD_PORT
tcp = 127.0.0.1:$STIRD_PORT
[metrics]
listen = 127.0.0.1:$((STIRD_PORT + 5))
[verify]
trust_anchors_file = $WORK/cert.pem
https_ca_file = $WORK/cert.pem
cache_dir = $WORK/cache
[peer "carrier"]
addresses = 127.0.0.9
verify = yes
[peer "pbx"]
addresses = 127.0.0.8
trusted = yes
sign = yes
[credential "main"]
private_key = $WORK/key.pem
certificate = $WORK/cert.pem
x5u = https://cr.example.net/main.pem
[route "callee"]
next_hop = 127.0.0.1:$((STIRD_PORT + 1))
EOF
}
good_ini > "$WORK/good.ini"
check "the base file with trust anchors, CA file, cache and credential is valid" "$STIRD_BIN" --check-config "$WORK/good.ini"

# broken NAME KEY SED-EXPR: writes $WORK/NAME.ini (good.ini edited by
# SED-EXPR) and sets WANT to "NAME.ini:LINE: KEY: ", LINE being where KEY is.
broken() {
    sed -e "$3" "$WORK/good.ini" > "$WORK/$1.ini"
    local line; line=$(grep -n "^$2 = " "$WORK/$1.ini" | head -1 | cut -d: -f1)
    WANT="$WORK/$1.ini:$line: $2: "
}
CASES=(
    "anchors-missing|trust_anchors_file|s#^trust_anchors_file = .*#trust_anchors_file = $WORK/missing-roots.pem#"
    "anchors-empty|trust_anchors_file|s#^trust_anchors_file = .*#trust_anchors_file = $WORK/empty.pem#"
    "anchor-dir-missing|trust_anchors_dir|s#^trust_anchors_file = .*#trust_anchors_dir = $WORK/missing-anchors#"
    "ca-missing|https_ca_file|s#^https_ca_file = .*#https_ca_file = $WORK/missing-web-ca.pem#"
    "ca-empty|https_ca_file|s#^https_ca_file = .*#https_ca_file = $WORK/empty.pem#"
    "cache-missing|cache_dir|s#^cache_dir = .*#cache_dir = $WORK/missing-cache#"
    "cache-unwritable|cache_dir|s#^cache_dir = .*#cache_dir = /proc/1#"
    "certificate-missing|certificate|s#^certificate = .*#certificate = $WORK/missing-cert.pem#"
)
for c in "${CASES[@]}"; do
    IFS='|' read -r name key expr <<< "$c"
    broken "$name" "$key" "$expr"
    out=$("$STIRD_BIN" --check-config "$WORK/$name.ini" 2>&1); rc=$?
    if [ $rc -ne 0 ] && grep -qF "$WANT" <<< "$out"; then pass "$name: --check-config refuses it: $out"
    else fail "$name: --check-config rc=$rc, want '$WANT', got: $out"; fi
    # Start-up must refuse it the same way (bounded: a stird that started is stopped by timeout).
    out=$(timeout 10 "$STIRD_BIN" --config "$WORK/$name.ini" 2>&1 > /dev/null); rc=$?
    if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -qF "$WANT" <<< "$out"; then pass "$name: start-up refuses it (exit $rc)"
    else fail "$name: start-up rc=$rc, want '$WANT', got: $(tail -3 <<< "$out")"; fi
done

# SIGHUP with each broken file: the error is logged in the same form and the
# running configuration stays (stird alive, still bound, a good file reloads).
cp "$WORK/good.ini" "$WORK/stird.ini"
if start_stird "$WORK/stird.ini"; then
    for c in "${CASES[@]}"; do
        IFS='|' read -r name key expr <<< "$c"
        broken "$name" "$key" "$expr"
        cp "$WORK/$name.ini" "$WORK/stird.ini"
        WANT="$WORK/stird.ini:${WANT#"$WORK/$name.ini:"}"
        before=$(grep -c "reload failed" "$WORK/stird.log")
        kill -HUP "$STIRD_PID"
        for _ in $(seq 1 50); do [ "$(grep -c "reload failed" "$WORK/stird.log")" -gt "$before" ] && break; sleep 0.1; done
        line=$(grep "reload failed" "$WORK/stird.log" | tail -1)
        if [ "$(grep -c "reload failed" "$WORK/stird.log")" -gt "$before" ] && grep -qF "$WANT" <<< "$line" && stird_alive; then
            pass "$name: SIGHUP keeps the old configuration and logs: ${line#*STIR): }"
        else fail "$name: SIGHUP want '$WANT' in a 'reload failed' line, got: $line"; fi
    done
    check "stird still listens after the failed reloads" bash -c "ss -lun | grep -q '127.0.0.1:$STIRD_PORT '"
    check "no failed reload was applied" test "$(grep -c 'routes reloaded' "$WORK/stird.log")" -eq 0
    cp "$WORK/good.ini" "$WORK/stird.ini"
    kill -HUP "$STIRD_PID"
    for _ in $(seq 1 50); do grep -q "routes reloaded" "$WORK/stird.log" && break; sleep 0.1; done
    check "the good file then reloads" grep -q "routes reloaded" "$WORK/stird.log"
else
    fail "stird starts with the good file"
fi
finish
