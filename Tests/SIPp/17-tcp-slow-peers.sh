#!/usr/bin/env bash
# One peer trickling bytes over many TCP connections must not lock other
# clients out: 150 connections from 127.0.0.1 each send one byte of a
# request every 0.5 s, against tcp_max_connections = 100. The per-source
# limit (20) refuses the rest at accept, so a client on 127.0.0.2 is still
# answered; the message deadline (3 s) closes the 20 that were accepted
# although none is ever idle; the refusals make a line or two in the log,
# not one each: the first at once, the rest counted in the next, 10 s later.
source "$(dirname "$0")/lib.sh"
STIRD_PORT=26360; UAS_PORT=26370
write_config "$WORK/stird.ini" <<EOF2
[transport]
tcp_max_connections = 100
tcp_max_connections_per_source = 20
tcp_message_timeout_ms = 3000
tcp_idle_timeout_s = 10
[route "callee"]
next_hop = 127.0.0.1:$UAS_PORT
EOF2
start_stird "$WORK/stird.ini" || { fail "stird starts"; finish; }
python3 "$ROOT/Tests/SIPp/tools/responder.py" $UAS_PORT 200 "$WORK/callee.jsonl" 30 &
PIDS+=("$!")
sleep 0.3
timeout 30 python3 "$ROOT/Tests/SIPp/tools/tcp_hog.py" $STIRD_PORT 150 5 555 > "$WORK/hog.out" 2>&1
cat "$WORK/hog.out"
value() { awk -v k="$1" '$1 == k {print $2}' "$WORK/hog.out"; }
check "130 of the 150 connections from one address were refused at accept (per-source limit 20)" \
    test "$(value refused-at-once)" = 130
check "a client on another address was answered while they were held" \
    grep -q "^legit SIP/2.0 200 " "$WORK/hog.out"
check "the 20 accepted connections, each sent a byte every 0.5 s, were closed by the 3 s message deadline" \
    test "$(value open-at-end)" = 0
# The first refusal is logged at once, the rest in one line once the 10 s
# report interval has passed: wait for it (bounded).
for _ in $(seq 1 80); do
    [ "$(grep -ci "TCP connection.*refus" "$WORK/stird.log")" -ge 2 ] && break
    sleep 0.1
done
# Any line about a refused TCP connection counts, whatever its wording.
lines=$(grep -ci "TCP connection.*refus" "$WORK/stird.log")
grep -i "TCP connection.*refus" "$WORK/stird.log" | head -5
check "the 130 refusals took 2 log lines (got $lines)" test "$lines" -eq 2
counted=$(sed -n 's/.*TCP connections refused: [0-9]* at tcp_max_connections [0-9]*, \([0-9]*\) past.*/\1/p' "$WORK/stird.log" | paste -sd+ | bc)
check "the log lines count all 130 refusals (got ${counted:-0})" test "${counted:-0}" = 130
check "stird alive" stird_alive
finish
