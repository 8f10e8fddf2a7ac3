# Helpers for the live STIR suites (Tests/SIPp/2N-*.sh), sourced after lib.sh.
# Loopback addresses tell peers apart: 127.0.0.1 callers and callee,
# 127.0.0.2 the signing stird, 127.0.0.3 the verifying stird, 127.0.0.4-9
# injected calls from peers with different failure policies.
TOOLS=$ROOT/Tests/SIPp/tools
STIRCTL_BIN=${STIRCTL_BIN:-$ROOT/.build/debug/stirctl}

# setup_pki X5U_PORT OCSP_PORT CRL_PORT: test PKI in $WORK/pki plus the
# HTTPS x5u server and plain-HTTP OCSP / CRL servers (all on 127.0.0.1).
setup_pki() {
    X5U_PORT=$1; OCSP_PORT=$2; CRL_PORT=$3
    PKI=$WORK/pki
    "$ROOT/Scripts/make-test-pki" "$PKI" "$OCSP_PORT" "$CRL_PORT" > "$WORK/pki.log" 2>&1 || { cat "$WORK/pki.log"; return 1; }
    openssl x509 -in "$PKI/leaf-spc.pem" -pubkey -noout > "$PKI/leaf-spc-pub.pem"
    python3 "$TOOLS/x5u_server.py" "$X5U_PORT" tls "$PKI" 280 > "$WORK/x5u.log" 2>&1 &
    X5U_SERVER_PID=$!; PIDS+=("$!")
    python3 "$TOOLS/x5u_server.py" "$OCSP_PORT" plain "$PKI" 280 > "$WORK/ocsp.log" 2>&1 &
    OCSP_SERVER_PID=$!; PIDS+=("$!")
    python3 "$TOOLS/x5u_server.py" "$CRL_PORT" plain "$PKI" 280 > "$WORK/crl.log" 2>&1 &
    CRL_SERVER_PID=$!; PIDS+=("$!")
    for port in "$X5U_PORT" "$OCSP_PORT" "$CRL_PORT"; do
        for _ in $(seq 1 100); do ss -ltn 2>/dev/null | grep -q "127.0.0.1:$port " && break; sleep 0.05; done
    done
    X5U="https://127.0.0.1:$X5U_PORT"
}

# start_named NAME CONFIG ADDR PORT: starts one stird; its log is $WORK/NAME.log.
start_named() {
    local name=$1 config=$2 addr=$3 port=$4
    "$STIRD_BIN" --config "$config" > "$WORK/$name.out" 2> "$WORK/$name.log" &
    local pid=$!
    PIDS+=("$pid")
    for _ in $(seq 1 100); do
        if ss -lun 2>/dev/null | grep -q "$addr:$port "; then return 0; fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    echo "stird $name did not start:"; tail -20 "$WORK/$name.log"
    return 1
}

# stird_header ADDR PORT: the [general] and [listen] sections of a test stird.
stird_header() {
    printf '[general]\nlog_level = debug\ndrain_timeout_s = 2\n[listen]\nudp = %s:%s\ntcp = %s:%s\n' "$1" "$2" "$1" "$2"
    # Each test stird gets its own metrics port (port + 5), so several can run.
    printf '[metrics]\nlisten = %s:%s\n' "$1" "$(($2 + 5))"
}

# signing_credential: the [credential "main"] every signing test stird uses
# (the test PKI's SPC leaf, its chain served at $X5U).
signing_credential() {
    printf '[credential "main"]\nprivate_key = %s\ncertificate = %s\nx5u = %s\n' \
        "$PKI/leaf-spc.key" "$PKI/leaf-spc.pem" "$X5U/leaf-spc-chain.pem"
}

# verify_section: a [verify] section trusting the test PKI's root over loopback.
verify_section() {
    cat <<EOT
[verify]
trust_anchors_file = $PKI/root.pem
https_ca_file = $PKI/web-ca.pem
x5u_ports = $X5U_PORT
allow_special_purpose_addresses = yes
fetch_timeout_ms = 1000
lookup_deadline_ms = 2000
negative_ttl_s = 0
verstat_headers = pai, from
EOT
}

# callee_header LOG CALL_ID NAME: values of header NAME in the INVITE the callee got.
callee_header() {
    python3 - "$1" "$2" "$3" <<'PY'
import json, sys
log, call_id, name = sys.argv[1], sys.argv[2], sys.argv[3].lower()
for line in open(log):
    r = json.loads(line)
    if r["call_id"] == call_id and r["method"] == "INVITE":
        for h in r["headers"]:
            k, _, v = h.partition(":")
            if k.strip().lower() == name:
                print(v.strip())
        break
PY
}

# call_id_of OUTPUT: the call-id=... of a stir_call.py result line.
call_id_of() { echo "$1" | sed -n 's/.*call-id=\([^ ]*\).*/\1/p'; }

# inject BIND ARGS...: one call from BIND to the verifying stird; prints the result line.
inject() {
    local bind=$1; shift
    python3 "$TOOLS/stir_call.py" --bind "$bind" --port "$VERIFIER_PORT" --host 127.0.0.3 "$@"
}

# expect_outcome NAME EXPECTED_STATUS EXPECTED_VERSTAT RESULT_LINE: checks the
# final status and, when forwarded, the verstat the callee saw on From.
expect_outcome() {
    local name=$1 status=$2 verstat=$3 result=$4
    local got=${result%% *}
    if [ "$got" != "$status" ]; then fail "$name: expected $status, got '$result'"; return; fi
    if [ -n "$verstat" ]; then
        local from
        from=$(callee_header "$CALLEE_LOG" "$(call_id_of "$result")" From)
        if [[ "$from" != *"verstat=$verstat"* ]]; then fail "$name: callee From '$from' lacks verstat=$verstat"; return; fi
    fi
    pass "$name ($result)"
}

# sign ARGS...: stirctl sign with the test PKI.
sign() { "$STIRCTL_BIN" sign "$@"; }

# kamailio_tls_cfg DIR UDP_PORT TLS_PORT ["MODULE..."] ["PARAMETER LINES"]:
# the head of a Kamailio configuration with UDP and TLS listeners (TLS
# settings in DIR/tls.cfg), the modules every suite's peer needs plus
# MODULE..., their modparam lines, and the start of a request_route that
# relays CANCEL and in-dialog requests statefully. The caller appends its
# own initial-request handling and the closing brace.
kamailio_tls_cfg() {
    local dir=$1 udp=$2 tls=$3 modules=${4:-} params=${5:-}
    cat <<EOT
#!KAMAILIO
debug=2
log_stderror=yes
children=2
tcp_children=2
auto_aliases=no
enable_tls=yes
listen=udp:127.0.0.1:$udp
listen=tls:127.0.0.1:$tls
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
EOT
    local m
    for m in tls tm sl rr maxfwd pv siputils textops $modules; do echo "loadmodule \"$m.so\""; done
    echo "modparam(\"tls\", \"config\", \"$dir/tls.cfg\")"
    [ -n "$params" ] && echo "$params"
    cat <<EOT
request_route {
    if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
    if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
    if (has_totag()) {
        if (loose_route()) { t_relay(); exit; }
        if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
        sl_send_reply("404", "Not here");
        exit;
    }
    t_check_trans();
EOT
}
