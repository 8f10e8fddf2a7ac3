#!/usr/bin/env bash
# CANCEL after 180: caller gets 200 for the CANCEL and 487 for the INVITE;
# the callee sees the CANCEL forwarded and answers 487.
source "$(dirname "$0")/lib.sh"
STIRD_PORT=25260; UAS_PORT=25270
write_config "$WORK/stird.ini" <<EOF
[route "uas"]
next_hop = 127.0.0.1:$UAS_PORT
EOF
start_stird "$WORK/stird.ini" || { fail "stird starts"; finish; }
start_uas $UAS_PORT -sf "$SCEN/uas-cancel.xml" -t u1 -m 10 || { fail "uas starts"; finish; }
run_uac cancel -sf "$SCEN/uac-cancel.xml" 127.0.0.1:$STIRD_PORT -s callee -m 10 -r 5 -t u1
check "10 cancelled calls end 200/487 at the caller" test $? -eq 0
check "callee saw 10 forwarded CANCELs and its scenario completed" wait_uas 20
finish
