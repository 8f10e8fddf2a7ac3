#!/usr/bin/env bash
# 486 from the callee reaches the caller; stird ACKs the 486 hop by hop.
source "$(dirname "$0")/lib.sh"
STIRD_PORT=25360; UAS_PORT=25370
write_config "$WORK/stird.ini" <<EOF
[route "uas"]
next_hop = 127.0.0.1:$UAS_PORT
EOF
start_stird "$WORK/stird.ini" || { fail "stird starts"; finish; }
start_uas $UAS_PORT -sf "$SCEN/uas-busy.xml" -t u1 -m 20 || { fail "uas starts"; finish; }
render "$SCEN/uac-expect-final.xml" "$WORK/uac-486.xml" STATUS=486 MF=70
run_uac busy -sf "$WORK/uac-486.xml" 127.0.0.1:$STIRD_PORT -s callee -m 20 -r 10 -t u1
check "20 calls: caller receives the callee's 486" test $? -eq 0
check "callee received stird's ACK for each 486" wait_uas 20
finish
