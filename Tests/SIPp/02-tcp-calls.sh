#!/usr/bin/env bash
# UAC -> stird -> UAS over TCP (one connection each side): 500 calls at 50/s.
source "$(dirname "$0")/lib.sh"
STIRD_PORT=25160; UAS_PORT=25170
STIRD_LOG_LEVEL=info write_config "$WORK/stird.ini" <<EOF
[route "uas"]
next_hop = 127.0.0.1:$UAS_PORT
transport = tcp
EOF
start_stird "$WORK/stird.ini" || { fail "stird starts"; finish; }
start_uas $UAS_PORT -sn uas -t t1 || { fail "uas starts"; finish; }
run_uac tcp-calls -sn uac 127.0.0.1:$STIRD_PORT -s callee -m 500 -r 50 -l 300 -t t1
rc=$?
ok=$(stat_field "$WORK/tcp-calls.csv" "SuccessfulCall(C)")
bad=$(stat_field "$WORK/tcp-calls.csv" "FailedCall(C)")
echo "tcp: successful=$ok failed=$bad"
check "500 calls at 50/s over TCP, 0 failed" test "$rc" -eq 0 -a "$ok" = 500 -a "$bad" = 0
check "stird alive after TCP load" stird_alive
finish
