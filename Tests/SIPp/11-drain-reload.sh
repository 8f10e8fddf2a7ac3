#!/usr/bin/env bash
# SIGHUP reloads the route table without dropping a call in progress;
# a bad file on SIGHUP keeps the old routes; SIGTERM drains: the call in
# progress still gets its final response, new requests get 503, and stird
# exits 0 by itself.
source "$(dirname "$0")/lib.sh"
STIRD_PORT=26060; A_PORT=26070; B_PORT=26071
write_route() { # PORT
    write_config "$WORK/stird.ini" <<EOF
[route "callee"]
next_hop = 127.0.0.1:$1
EOF
}
write_route $A_PORT
start_stird "$WORK/stird.ini" || { fail "stird starts"; finish; }
python3 "$ROOT/Tests/SIPp/tools/responder.py" $A_PORT 486 "$WORK/a.jsonl" 40 1.5 &
PIDS+=("$!")
python3 "$ROOT/Tests/SIPp/tools/responder.py" $B_PORT 486 "$WORK/b.jsonl" 40 &
PIDS+=("$!")
sleep 0.3
render "$SCEN/uac-expect-final.xml" "$WORK/uac.xml" STATUS=486 MF=70

# A call to A is in progress (A answers after 1.5 s) while routes change to B.
UAC_PORT=26090 run_uac slow-a -sf "$WORK/uac.xml" 127.0.0.1:$STIRD_PORT -s callee -m 1 -t u1 &
uac=$!
sleep 0.4
write_route $B_PORT
kill -HUP "$STIRD_PID"
sleep 0.3
run_uac to-b -sf "$WORK/uac.xml" 127.0.0.1:$STIRD_PORT -s callee -m 1 -t u1
check "after SIGHUP a new call goes to the new next hop" test $? -eq 0 -a -s "$WORK/b.jsonl"
wait $uac
check "the call in progress during SIGHUP completed" test $? -eq 0
check "stird logged the reload" grep -q "routes reloaded" "$WORK/stird.log"

printf '[route "x"]\nnext_hop = nowhere\n' > "$WORK/stird.ini"
kill -HUP "$STIRD_PID"
sleep 0.3
check "a bad file on SIGHUP is reported and the old routes kept" grep -q "reload failed" "$WORK/stird.log"
: > "$WORK/b.jsonl"
run_uac still-b -sf "$WORK/uac.xml" 127.0.0.1:$STIRD_PORT -s callee -m 1 -t u1
check "calls still route to B after the failed reload" test $? -eq 0 -a -s "$WORK/b.jsonl"

# Drain: a slow call to A is in flight when SIGTERM arrives.
write_route $A_PORT; kill -HUP "$STIRD_PID"; sleep 0.3
UAC_PORT=26091 run_uac drain-a -sf "$WORK/uac.xml" 127.0.0.1:$STIRD_PORT -s callee -m 1 -t u1 &
uac=$!
sleep 0.4
kill -TERM "$STIRD_PID"
sleep 0.2
ping=$(options_ping $STIRD_PORT)
echo "during drain: $ping"
check "a new request during the drain gets 503" test "$(echo "$ping" | awk '{print $2}')" = 503
wait $uac
check "the call in flight at SIGTERM got its final response" test $? -eq 0
rc=124
for _ in $(seq 1 60); do
    if ! kill -0 "$STIRD_PID" 2>/dev/null; then wait "$STIRD_PID"; rc=$?; break; fi
    sleep 0.1
done
check "stird exited 0 by itself after the drain (rc=$rc)" test "$rc" -eq 0
finish
