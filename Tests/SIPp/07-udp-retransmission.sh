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

# A non-INVITE retransmitted after its final response (Timer J, RFC 3261
# §17.2.2): stird answers from its lingering table with the same bytes and
# the callee never sees the copy. Two transactions, so the second's stored
# response is the one deflated against the first.
python3 - "$STIRD_PORT" > "$WORK/options.out" 2>&1 <<'PY'
import socket, sys, time
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(3)
me = s.getsockname()[1]
def options(n):
    return ("OPTIONS sip:callee@127.0.0.1:%d SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKlinger%d;rport\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:caller@127.0.0.1>;tag=l%d\r\nTo: <sip:callee@127.0.0.1>\r\n"
            "Call-ID: linger-%d@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" % (port, me, n, n, n)).encode()
first = {}
for n in (1, 2):
    s.sendto(options(n), ("127.0.0.1", port))
    first[n] = s.recvfrom(65535)[0]
time.sleep(0.5)
s.sendto(options(2), ("127.0.0.1", port))
again = s.recvfrom(65535)[0]
print("first", first[2].split(b"\r\n")[0].decode(), "retransmission answer identical:", again == first[2])
sys.exit(0 if again == first[2] and first[2].startswith(b"SIP/2.0 486") else 1)
PY
check "a retransmitted OPTIONS after its 486 gets the same 486 from stird" test $? -eq 0
cat "$WORK/options.out"
sleep 0.3
copies=$(grep -c '"branch": "z9hG4bKsd[^"]*", "call_id": "linger-2@127.0.0.1"' "$WORK/callee.jsonl")
check "the callee saw the second OPTIONS once (copy absorbed)" test "$copies" -eq 1
finish
