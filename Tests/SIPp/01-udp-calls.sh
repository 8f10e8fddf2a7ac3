#!/usr/bin/env bash
# UAC -> stird -> UAS over UDP: 500 calls at 50 calls/s, none may fail.
source "$(dirname "$0")/lib.sh"
STIRD_PORT=25060; UAS_PORT=25070
STIRD_LOG_LEVEL=info write_config "$WORK/stird.ini" <<EOF
[route "uas"]
next_hop = 127.0.0.1:$UAS_PORT
EOF
start_stird "$WORK/stird.ini" || { fail "stird starts"; finish; }
start_uas $UAS_PORT -sn uas -t u1 || { fail "uas starts"; finish; }
run_uac udp-calls -sn uac 127.0.0.1:$STIRD_PORT -s callee -m 500 -r 50 -l 300 -t u1
rc=$?
ok=$(stat_field "$WORK/udp-calls.csv" "SuccessfulCall(C)")
bad=$(stat_field "$WORK/udp-calls.csv" "FailedCall(C)")
echo "udp: successful=$ok failed=$bad"
check "500 calls at 50/s over UDP, 0 failed" test "$rc" -eq 0 -a "$ok" = 500 -a "$bad" = 0
check "stird alive after UDP load" stird_alive
fwd=$(metric stird_sip_requests_forwarded_total)
echo "metrics: stird_sip_requests_forwarded_total=$fwd"
check "Prometheus endpoint counts the forwarded requests (>= 1500 for 500 calls)" test "${fwd%.*}" -ge 1500
finish
