#!/usr/bin/env bash
# stird --check-config: 0 for etc/stird.ini; non-zero with file:line: key: why
# for bad files; the daemon refuses to start on a bad file.
source "$(dirname "$0")/lib.sh"
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
finish
