#!/usr/bin/env bash
# Requests and their responses meet on one proxy loop wherever the Call-ID
# sits: OPTIONS with a 30,000-byte header field before Call-ID, through a
# stird with 4 loops, each reach the callee once and get one 200 (no
# retransmission to a callee that answered). A request without Call-ID
# gets 400 (RFC 3261 §8.1.1).
source "$(dirname "$0")/lib.sh"
STIRD_PORT=26560; UAS_PORT=26570
write_config "$WORK/stird.ini" <<EOF
[proxy]
loops = 4
[route "callee"]
next_hop = 127.0.0.1:$UAS_PORT
EOF
start_stird "$WORK/stird.ini" || { fail "stird starts"; finish; }
python3 "$ROOT/Tests/SIPp/tools/responder.py" $UAS_PORT 200 "$WORK/callee.jsonl" 30 &
PIDS+=("$!")
sleep 0.3
padding=$(head -c 30000 /dev/zero | tr '\0' 'p')
answered=0
for i in $(seq 1 12); do
    printf 'OPTIONS sip:callee@127.0.0.1:%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKlate%s;rport\r\nMax-Forwards: 70\r\nFrom: <sip:t@127.0.0.1>;tag=l%s\r\nTo: <sip:callee@127.0.0.1>\r\nX-Padding: %s\r\nCall-ID: late-%s-%s@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n' \
        "$STIRD_PORT" "$i" "$i" "$padding" "$i" "$RANDOM" > "$WORK/late-$i.sip"
    reply=$(send_udp $STIRD_PORT "$WORK/late-$i.sip" 0.5 | head -1)
    [ "$(echo "$reply" | awk '{print $2}')" = 200 ] && answered=$((answered + 1))
done
check "12 OPTIONS with Call-ID after 30,000 bytes each answered 200 ($answered)" test "$answered" = 12
sleep 2  # T1 is 500 ms: a proxy that lost the 200 would have retransmitted by now
copies=$(grep -c '"method": "OPTIONS"' "$WORK/callee.jsonl" || true)
check "the callee saw each request once ($copies of 12)" test "$copies" = 12
printf 'OPTIONS sip:callee@127.0.0.1:%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKnocid;rport\r\nMax-Forwards: 70\r\nFrom: <sip:t@127.0.0.1>;tag=n1\r\nTo: <sip:callee@127.0.0.1>\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n' "$STIRD_PORT" > "$WORK/nocid.sip"
reply=$(send_udp $STIRD_PORT "$WORK/nocid.sip" 1 | head -1)
check "a request without Call-ID gets 400 ($reply)" test "$(echo "$reply" | awk '{print $2}')" = 400
check "stird alive" stird_alive
finish
