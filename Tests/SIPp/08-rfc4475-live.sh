#!/usr/bin/env bash
# Sends each of the 49 RFC 4475 torture messages to the live daemon over UDP
# and compares its first answer with rfc4475-expect.tsv; then checks that the
# daemon is alive and still proxies. A callee (responder.py) answers 200 to
# whatever stird forwards.
source "$(dirname "$0")/lib.sh"
STIRD_PORT=25760; UAS_PORT=25770
FIX=$ROOT/Tests/SIPCoreTests/Fixtures/rfc4475
write_config "$WORK/stird.ini" <<EOF
[transaction]
t1_ms = 50
t2_ms = 400
[proxy]
resolve_names = no
[route "callee"]
next_hop = 127.0.0.1:$UAS_PORT
EOF
start_stird "$WORK/stird.ini" || { fail "stird starts"; finish; }
python3 "$ROOT/Tests/SIPp/tools/responder.py" $UAS_PORT 200 "$WORK/callee.jsonl" 120 &
PIDS+=("$!")
sleep 0.3
count=0
while IFS=$'\t' read -r file allowed wait why; do
    case "$file" in ''|\#*) continue;; esac
    count=$((count + 1))
    # The first non-100 answer counts (100 Trying may precede a final).
    reply=$(python3 "$ROOT/Tests/SIPp/tools/torture_send.py" $STIRD_PORT "$FIX/$file" "$wait" | grep -v '^SIP/2.0 100 ' | head -1)
    code=$(echo "$reply" | awk '{print $2}')
    [ -n "$code" ] || code=none
    if echo ",$allowed," | grep -q ",$code,"; then
        pass "$file -> $code ($why)"
    else
        fail "$file -> $code, expected one of $allowed ($why): $reply"
    fi
done < "$ROOT/Tests/SIPp/rfc4475-expect.tsv"
check "all 49 messages sent" test "$count" -eq 49
mpart_forwarded() { grep -q "decision=forward to UDP 127.0.0.1:5080 .*method=MESSAGE" "$WORK/stird.log"; }
check "mpart01 (binary multipart MESSAGE) was forwarded along its Route" mpart_forwarded
check "stird alive after the torture messages" stird_alive
ping=$(options_ping $STIRD_PORT)
echo "after torture: $ping"
check "stird still proxies (OPTIONS answered 200 through it)" test "$(echo "$ping" | awk '{print $2}')" = 200
# dblreq: one REGISTER with Content-Length 0 went on; the INVITE-looking
# octets after it were neither forwarded nor kept as a body (RFC 3261 §18.3).
dbl=$(python3 -c "
import json
rs=[json.loads(l) for l in open('$WORK/callee.jsonl')]
d=[r for r in rs if r['call_id'].startswith('dblreq')]
cl=[h.split(':',1)[1].strip() for r in d for h in r['headers'] if h.lower().startswith(('content-length','l:'))]
print(len(d), ','.join(r['method'] for r in d), ','.join(cl))")
echo "dblreq at callee: $dbl"
check "dblreq: only the REGISTER, with Content-Length 0, was forwarded" test "$dbl" = "1 REGISTER 0"
finish
