#!/usr/bin/env bash
# The processor chain's suspend/resume seam, live: every request waits 100 ms
# in a debug processor (as the verifier will while a certificate downloads)
# and calls still complete; the forwarded INVITE carries the processor's mark.
source "$(dirname "$0")/lib.sh"
STIRD_PORT=25960; UAS_PORT=25970
write_config "$WORK/stird.ini" <<EOF
[debug]
suspend_requests_ms = 100
[route "callee"]
next_hop = 127.0.0.1:$UAS_PORT
EOF
start_stird "$WORK/stird.ini" || { fail "stird starts"; finish; }
python3 "$ROOT/Tests/SIPp/tools/responder.py" $UAS_PORT 486 "$WORK/callee.jsonl" 30 &
PIDS+=("$!")
sleep 0.3
render "$SCEN/uac-expect-final.xml" "$WORK/uac.xml" STATUS=486 MF=70
run_uac suspend -sf "$WORK/uac.xml" 127.0.0.1:$STIRD_PORT -s callee -m 50 -r 25 -l 50 -t u1
check "50 calls through a suspending processor complete" test $? -eq 0
marked=$(grep -c 'X-Stird-Suspended-Ms: 100' "$WORK/callee.jsonl")
check "every forwarded INVITE was resumed by the processor ($marked/50)" test "$marked" -eq 50
check "stird logged the suspensions" grep -q "suspended" "$WORK/stird.log"
finish
