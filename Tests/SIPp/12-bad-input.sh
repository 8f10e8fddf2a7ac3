#!/usr/bin/env bash
# Hostile transport input: TCP garbage, endless or oversized messages and bad
# Content-Length close that connection only; oversized UDP datagrams are
# dropped; random bytes do not crash stird; a valid request still works.
source "$(dirname "$0")/lib.sh"
STIRD_PORT=26160; UAS_PORT=26170
write_config "$WORK/stird.ini" <<EOF
[transport]
max_message_size = 8192
[route "callee"]
next_hop = 127.0.0.1:$UAS_PORT
EOF
start_stird "$WORK/stird.ini" || { fail "stird starts"; finish; }
python3 "$ROOT/Tests/SIPp/tools/responder.py" $UAS_PORT 200 "$WORK/callee.jsonl" 60 &
PIDS+=("$!")
sleep 0.3
rss_before=$(awk '/VmRSS/ {print $2}' /proc/$STIRD_PID/status)
python3 "$ROOT/Tests/SIPp/tools/tcp_probe.py" $STIRD_PORT > "$WORK/probe.out" 2>&1
cat "$WORK/probe.out"
for c in garbage endless-headers huge-content-length negative-content-length; do
    check "TCP $c closes that connection" grep -q "^$c: closed" "$WORK/probe.out"
done
check "a valid TCP request after the abuse is proxied (200)" grep -q "^valid-after-abuse: SIP/2.0 200" "$WORK/probe.out"
# Oversized UDP datagram (9000 bytes > 8192): dropped, no answer.
python3 -c "
import sys
body='a'*9000
sys.stdout.write('OPTIONS sip:callee@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKbigudp;rport\r\nMax-Forwards: 70\r\nFrom: <sip:t@x>;tag=1\r\nTo: <sip:c@x>\r\nCall-ID: bigudp\r\nCSeq: 1 OPTIONS\r\nContent-Length: %d\r\n\r\n%s' % (len(body), body))" > "$WORK/big.sip"
reply=$(send_udp $STIRD_PORT "$WORK/big.sip" 1)
check "oversized UDP datagram is dropped (no answer)" test -z "$reply"
check "stird alive after hostile input" stird_alive
ping=$(options_ping $STIRD_PORT)
check "stird still answers over UDP ($ping)" test "$(echo "$ping" | awk '{print $2}')" = 200
rss_after=$(awk '/VmRSS/ {print $2}' /proc/$STIRD_PID/status)
echo "stird RSS before ${rss_before} kB, after ${rss_after} kB"
check "RSS grew by less than 20 MB under hostile input" test $((rss_after - rss_before)) -lt 20480
finish
