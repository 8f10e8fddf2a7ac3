#!/usr/bin/env bash
# UDP retransmissions: the caller sends each INVITE twice (same branch);
# stird absorbs the copy, so the callee sees one INVITE transaction per call
# and the caller still gets its 486 (the callee answers after 300 ms, so
# the copy reaches stird while the transaction is pending).
source "$(dirname "$0")/lib.sh"
STIRD_PORT=25660; UAS_PORT=25670
write_config "$WORK/stird.ini" <<EOF
[route "uas"]
next_hop = 127.0.0.1:$UAS_PORT
EOF
start_stird "$WORK/stird.ini" || { fail "stird starts"; finish; }
python3 "$ROOT/Tests/SIPp/tools/responder.py" $UAS_PORT 486 "$WORK/callee.jsonl" 30 0.3 &
PIDS+=("$!")
sleep 0.3
run_uac rtx -sf "$SCEN/uac-retransmit.xml" 127.0.0.1:$STIRD_PORT -s callee -m 10 -r 10 -t u1
check "caller gets 486 for each of 10 doubly-sent INVITEs" test $? -eq 0
sleep 0.5
invites=$(grep -c '"method": "INVITE"' "$WORK/callee.jsonl")
branches=$(python3 -c "
import json; print(len({json.loads(l)['branch'] for l in open('$WORK/callee.jsonl') if json.loads(l)['method']=='INVITE'}))")
acks=$(grep -c '"method": "ACK"' "$WORK/callee.jsonl")
echo "callee: $invites INVITE datagrams, $branches distinct branches, $acks ACKs"
check "callee saw exactly 10 INVITE transactions (retransmissions absorbed)" test "$branches" -eq 10
check "callee got no duplicated INVITE from stird" test "$invites" -eq 10
check "stird ACKed each 486 (hop-by-hop)" test "$acks" -eq 10
finish
