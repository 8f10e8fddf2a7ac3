#!/usr/bin/env bash
# Max-Forwards: 0 is answered 483 Too Many Hops and not forwarded.
source "$(dirname "$0")/lib.sh"
STIRD_PORT=25560; UAS_PORT=25570
write_config "$WORK/stird.ini" <<EOF
[route "uas"]
next_hop = 127.0.0.1:$UAS_PORT
EOF
start_stird "$WORK/stird.ini" || { fail "stird starts"; finish; }
render "$SCEN/uac-expect-final.xml" "$WORK/uac-483.xml" STATUS=483 MF=0
run_uac mf0 -sf "$WORK/uac-483.xml" 127.0.0.1:$STIRD_PORT -s callee -m 5 -r 5 -t u1
check "Max-Forwards 0 -> 483" test $? -eq 0
render "$SCEN/uac-expect-final.xml" "$WORK/uac-mf1.xml" STATUS=486 MF=1
start_uas $UAS_PORT -sf "$SCEN/uas-busy.xml" -t u1 -m 2 || { fail "uas starts"; finish; }
run_uac mf1 -sf "$WORK/uac-mf1.xml" 127.0.0.1:$STIRD_PORT -s callee -m 2 -r 2 -t u1
check "Max-Forwards 1 is still forwarded (as 0)" test $? -eq 0
finish
