#!/usr/bin/env bash
# SIP over TLS end to end: caller -TLS-> stird -TLS-> callee (Python's ssl
# module: SIPp in Debian has no TLS), TLS 1.2 and 1.3; a sips: call whose
# only route is UDP is refused 480 and nothing leaves in cleartext; bytes
# that are not TLS; a handshake that stops half-way is closed at
# handshake_timeout_ms while another call goes through; a next hop whose
# certificate names another host gets nothing; a message past
# max_message_size closes only its connection. Every peer is bounded.
source "$(dirname "$0")/lib.sh"
STIRD_PORT=26660; STIRD_TLS_PORT=26661
UAS_PORT=26670; UAS12_PORT=26671; WRONG_PORT=26672; PLAIN_PORT=26673
TOOLS=$ROOT/Tests/SIPp/tools
PKI=$WORK/pki
bash "$ROOT/Scripts/make-test-pki" "$PKI" > /dev/null || { fail "test PKI"; finish; }

STIRD_LOG_LEVEL=info write_config "$WORK/stird.ini" <<EOF
[transport]
max_message_size = 4096
tcp_max_connections = 1100
[transaction]
t1_ms = 100
[tls]
certificate = $PKI/sip-server.pem
private_key = $PKI/sip-server.key
ca_file = $PKI/sip-ca.pem
handshake_timeout_ms = 1000
[route "tls13"]
user_prefix = 1
next_hop = 127.0.0.1:$UAS_PORT
transport = tls
tls_server_name = localhost
[route "tls12"]
user_prefix = 2
next_hop = 127.0.0.1:$UAS12_PORT
transport = tls
[route "wrong"]
domain = wrong.test
next_hop = 127.0.0.1:$WRONG_PORT
transport = tls
tls_server_name = localhost
[route "plain"]
domain = plain.test
next_hop = 127.0.0.1:$PLAIN_PORT
transport = udp
EOF
start_stird "$WORK/stird.ini" || { fail "stird starts"; finish; }

# Callees: TLS 1.3 (highest) and one capped at TLS 1.2; one presenting a
# certificate for wrong.test; a plain UDP callee that answers 486.
uas() {
    python3 "$TOOLS/tls_peer.py" uas "$1" "$WORK/uas-$1.log" 90 --cert "$PKI/$2.pem" --key "$PKI/$2.key" "${@:3}" \
        > "$WORK/uas-$1.out" 2>&1 &
    PIDS+=("$!")
}
uas $UAS_PORT sip-server
uas $UAS12_PORT sip-server --max-version 1.2
uas $WRONG_PORT sip-wrongname
python3 "$TOOLS/responder.py" $PLAIN_PORT 486 "$WORK/plain.log" 90 > /dev/null 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 50); do
    [ "$(ss -ltn | grep -cE "127.0.0.1:($UAS_PORT|$UAS12_PORT|$WRONG_PORT) ")" -eq 3 ] && break
    sleep 0.1
done

uac() {
    local name=$1; shift
    timeout 60 python3 "$TOOLS/tls_peer.py" uac 127.0.0.1:$STIRD_TLS_PORT "$@" --ca "$PKI/sip-ca.pem" \
        --server-name localhost > "$WORK/$name.out" 2>&1
    local rc=$?
    [ $rc -eq 0 ] || { echo "--- $name (exit $rc)"; cat "$WORK/$name.out"; }
    return $rc
}
requests() { if [ -f "$1" ]; then grep -c "\"method\": \"$2\"" "$1"; else echo 0; fi; }

# 1. Calls over TLS 1.3 and 1.2 on both hops: INVITE, ACK, BYE through stird.
uac call13 "sip:+12025550100@127.0.0.1:$STIRD_TLS_PORT" --calls 3 --version 1.3
check "3 calls over TLS 1.3 (caller -> stird -> callee)" test $? -eq 0
check "caller hop negotiated TLS 1.3" grep -q "^version TLSv1.3" "$WORK/call13.out"
check "callee saw INVITE, ACK, BYE over TLS 1.3" test "$(requests "$WORK/uas-$UAS_PORT.log" INVITE)" -eq 3 \
    -a "$(requests "$WORK/uas-$UAS_PORT.log" ACK)" -eq 3 -a "$(requests "$WORK/uas-$UAS_PORT.log" BYE)" -eq 3
check "callee hop was TLS 1.3" grep -q '"version": "TLSv1.3"' "$WORK/uas-$UAS_PORT.log"
check "stird's Via is SIP/2.0/TLS" grep -qi "via: SIP/2.0/TLS 127.0.0.1:$STIRD_TLS_PORT;branch=" "$WORK/uas-$UAS_PORT.log"
check "stird's Record-Route says transport=tls" \
    grep -qi "record-route: <sip:127.0.0.1:$STIRD_TLS_PORT;transport=tls;lr>" "$WORK/uas-$UAS_PORT.log"
uac call12 "sip:+22025550100@127.0.0.1:$STIRD_TLS_PORT" --calls 2 --version 1.2
check "2 calls over TLS 1.2 (caller -> stird -> callee)" test $? -eq 0
check "caller hop negotiated TLS 1.2" grep -q "^version TLSv1.2" "$WORK/call12.out"
check "callee hop was TLS 1.2" grep -q '"version": "TLSv1.2"' "$WORK/uas-$UAS12_PORT.log"

# 2. sips: with only a UDP route: 480 + Warning 380, nothing sent to the
# UDP callee. The same call as sip: reaches it (so the check can fail).
uac plain-sip "sip:+12025550100@plain.test" --expect 486
check "control: a sip: call to plain.test is forwarded over UDP (486 from the callee)" \
    test $? -eq 0 -a "$(requests "$WORK/plain.log" INVITE)" -eq 1
uac plain-sips "sips:+12025550100@plain.test" --expect 480
check "a sips: call whose only route is UDP is refused 480" test $? -eq 0
check "the 480 carries Warning 380 SIPS Not Allowed" grep -q 'INVITE 480 warning=380 .* "SIPS Not Allowed"' "$WORK/plain-sips.out"
sleep 0.5
check "nothing of the sips: call was sent in cleartext" test "$(requests "$WORK/plain.log" INVITE)" -eq 1

# 3. Bytes that are not TLS: the connection is closed, the refusal logged.
python3 - $STIRD_TLS_PORT > "$WORK/nottls.out" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
s.sendall(b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n")
start = time.time()
try:
    data = s.recv(100)
    print("closed" if not data else "got %r" % data[:20], round(time.time() - start, 2))
except OSError as e:
    print("closed", e)
PY
check "plain SIP on the TLS port: closed at once" grep -q "^closed" "$WORK/nottls.out"

# 4. A handshake that stops half-way is closed at handshake_timeout_ms
# (1 s); a call meanwhile goes through.
python3 - $STIRD_TLS_PORT > "$WORK/stall.out" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]))
start = time.time()
try:
    data = s.recv(100)
    print("closed" if not data else "data", round(time.time() - start, 2))
except socket.timeout:
    print("open after", round(time.time() - start, 2))
except OSError as e:
    print("closed", round(time.time() - start, 2), e)
PY
STALL_PID=$!
PIDS+=("$STALL_PID")
sleep 0.2
uac during-stall "sip:+12025550100@127.0.0.1:$STIRD_TLS_PORT"
check "a call completes while a handshake is stalled" test $? -eq 0
wait "$STALL_PID"
read -r what after _ < "$WORK/stall.out"
check "the stalled handshake was closed after about 1 s (got: $what $after)" \
    python3 -c "import sys; sys.exit(0 if '$what' == 'closed' and 0.8 <= float('$after') <= 2.5 else 1)"

# 5. A next hop whose certificate names wrong.test, not localhost: the
# INVITE is never sent to it, and the transport error is answered 503 at
# once (RFC 3261 §16.9), not 408 after Timer B.
start=$(date +%s%N)
uac wrong-name "sip:+12025550100@wrong.test" --expect 503
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "a next hop with the wrong name: the call is answered 503 (in $ms ms)" test $rc -eq 0 -a $ms -lt 3000
check "the wrongly named next hop received no request" test "$(requests "$WORK/uas-$WRONG_PORT.log" INVITE)" -eq 0

# 6. A message past max_message_size (4096) gets 513 and closes that
# connection only; the next call goes through.
uac oversize "sip:+12025550100@127.0.0.1:$STIRD_TLS_PORT" --body-bytes 6000 --expect 513
check "an oversized INVITE over TLS is answered 513" test $? -eq 0
uac after-oversize "sip:+12025550100@127.0.0.1:$STIRD_TLS_PORT"
check "the next call over TLS goes through" test $? -eq 0

# The log names each refused handshake with its reason.
for reason in not_tls timeout name_mismatch; do
    check "log: TLS handshake refused: $reason" grep -q "TLS handshake refused: $reason from" "$WORK/stird.log"
done
check "stird alive" stird_alive

# /metrics: handshakes by result, open TLS connections.
hs() { metric "stird_tls_handshakes_total{result=\"$1\"}"; }
check "metrics: one not_tls, one timeout, one name_mismatch refused (got $(hs not_tls), $(hs timeout), $(hs name_mismatch))" \
    test "$(hs not_tls)" = 1 -a "$(hs timeout)" = 1 -a "$(hs name_mismatch)" = 1
check "metrics: completed handshakes counted (got $(hs ok))" test "$(hs ok)" -ge 12
check "metrics: open TLS connections as a gauge (got $(metric stird_tls_connections))" \
    test "$(metric stird_tls_connections)" -ge 1

# 7. Mutual TLS: a second stird requires client certificates and signs for
# the peer its certificate names (tls_identities), whatever the address:
# 127.0.0.1 belongs to no peer, so only the certificate can make the call
# signed with attestation A. Its own certificate is a copy, replaced and
# re-read on SIGHUP.
MTLS_PORT=26680; MTLS_TLS_PORT=26681
cp "$PKI/sip-server.pem" "$WORK/cur.pem"; cp "$PKI/sip-server.key" "$WORK/cur.key"
cat > "$WORK/mtls.ini" <<EOF
[general]
log_level = info
[listen]
udp = 127.0.0.1:$MTLS_PORT
tcp = 127.0.0.1:$MTLS_PORT
tls = 127.0.0.1:$MTLS_TLS_PORT
[metrics]
listen = 127.0.0.1:$((MTLS_PORT + 5))
[tls]
certificate = $WORK/cur.pem
private_key = $WORK/cur.key
ca_file = $PKI/sip-ca.pem
verify_client = yes
[peer "carrier"]
tls_identities = sip:carrier.test
trusted = yes
sign = yes
tns = 12155551212
[credential "main"]
private_key = $PKI/leaf-spc.key
certificate = $PKI/leaf-spc.pem
x5u = https://127.0.0.1:9/leaf-spc-chain.pem
[route "callee"]
next_hop = 127.0.0.1:$UAS_PORT
transport = tls
tls_server_name = localhost
EOF
"$STIRD_BIN" --config "$WORK/mtls.ini" > "$WORK/mtls.out" 2> "$WORK/mtls.log" &
MTLS_PID=$!
PIDS+=("$MTLS_PID")
for _ in $(seq 1 100); do ss -ltn | grep -q "127.0.0.1:$MTLS_TLS_PORT " && break; sleep 0.05; done
mtls_uac() {
    local name=$1; shift
    timeout 30 python3 "$TOOLS/tls_peer.py" uac 127.0.0.1:$MTLS_TLS_PORT "sip:+12025550100@127.0.0.1:$MTLS_TLS_PORT" \
        --ca "$PKI/sip-ca.pem" --server-name localhost "$@" > "$WORK/$name.out" 2>&1
}
mtls_uac mtls-nocert
check "mutual TLS: a client without a certificate gets no call through" test $? -ne 0
check "log: refused, no_client_certificate" grep -q "TLS handshake refused: no_client_certificate from" "$WORK/mtls.log"
timeout 10 openssl s_client -connect 127.0.0.1:$MTLS_TLS_PORT -CAfile "$PKI/sip-ca.pem" -cert "$PKI/sip-other.pem" \
    -key "$PKI/sip-other.key" < /dev/null > "$WORK/mtls-otherca.out" 2>&1
sleep 0.3
check "log: a client certificate from another CA is refused, unknown_ca" \
    grep -q "TLS handshake refused: unknown_ca from" "$WORK/mtls.log"
mtls_uac mtls-expired --cert "$PKI/sip-client-expired.pem" --key "$PKI/sip-client-expired.key"
check "mutual TLS: an expired client certificate gets no call through" test $? -ne 0
check "log: refused, expired" grep -q "TLS handshake refused: expired from" "$WORK/mtls.log"
before=$(requests "$WORK/uas-$UAS_PORT.log" INVITE)
mtls_uac mtls-good --cert "$PKI/sip-client.pem" --key "$PKI/sip-client.key"
check "mutual TLS: the right certificate gets its call through" test $? -eq 0
check "the callee got that INVITE" test "$(requests "$WORK/uas-$UAS_PORT.log" INVITE)" -eq $((before + 1))
attest=$(python3 - "$WORK/uas-$UAS_PORT.log" <<'PY'
import base64, json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"method": "INVITE"' in l]
ids = [h.split(":", 1)[1].strip() for h in rows[-1]["headers"] if h.lower().startswith("identity:")]
if ids:
    payload = ids[0].split(";")[0].split(".")[1]
    print(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["attest"])
PY
)
check "the call from the certificate's peer is signed with attestation A (got: ${attest:-none})" test "$attest" = A

# SIGHUP re-reads the certificate: the next connection sees the new one.
server_sans() {
    timeout 10 openssl s_client -connect 127.0.0.1:$MTLS_TLS_PORT -CAfile "$PKI/sip-ca.pem" -cert "$PKI/sip-client.pem" \
        -key "$PKI/sip-client.key" < /dev/null 2> /dev/null | openssl x509 -noout -ext subjectAltName 2> /dev/null | tail -1
}
sans=$(server_sans)
check "before SIGHUP: stird presents sip-server (got: $sans)" grep -q "DNS:localhost" <<< "$sans"
cp "$PKI/sip-urionly.pem" "$WORK/cur.pem"; cp "$PKI/sip-urionly.key" "$WORK/cur.key"
kill -HUP "$MTLS_PID"
for _ in $(seq 1 50); do grep -q "routes reloaded" "$WORK/mtls.log" && break; sleep 0.1; done
sans=$(server_sans)
check "after SIGHUP: new connections get the re-read certificate (got: $sans)" test "$sans" = "    URI:sip:localhost"
STIRD_PORT=$MTLS_PORT
check "metrics: no_client_certificate, unknown_ca, expired counted once each" \
    test "$(hs no_client_certificate)" = 1 -a "$(hs unknown_ca)" = 1 -a "$(hs expired)" = 1
check "mutual-TLS stird alive" kill -0 "$MTLS_PID"

# 8. 1,000 idle TLS connections (20 source addresses, 50 each, under the
# per-source limit): memory stays bounded, calls are still served; past
# tcp_max_connections (1100) more are refused; when they go, the count
# falls back.
STIRD_PORT=26660
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$STIRD_PID/status"; }
rss_before=$(rss_kb)
idle() {
    python3 "$TOOLS/tls_idle.py" $STIRD_TLS_PORT "$1" "$2" "$PKI/sip-ca.pem" 90 "$WORK/idle.stop" > "$WORK/$3.out" 2>&1 &
    PIDS+=("$!")
    eval "$3_PID=$!"
    for _ in $(seq 1 600); do grep -q "^established" "$WORK/$3.out" && break; sleep 0.1; done
}
idle 1000 "$(seq -s, -f '127.0.0.%g' 2 21)" idle1
check "1000 idle TLS connections established ($(cat "$WORK/idle1.out"))" grep -q "^established 1000 refused 0" "$WORK/idle1.out"
open_now=$(metric stird_tls_connections)
check "stird counts them open (stird_tls_connections $open_now)" test "$open_now" -ge 1000
rss_after=$(rss_kb)
growth=$(( (rss_after - rss_before) / 1024 ))
echo "stird RSS ${rss_before} kB -> ${rss_after} kB with 1000 idle TLS connections (+${growth} MB)"
check "memory bounded: +${growth} MB for 1000 idle TLS connections (at most 30: idle connections release their TLS buffers)" test "$growth" -le 30
uac during-idle "sip:+12025550100@127.0.0.1:$STIRD_TLS_PORT"
check "a call is served while 1000 TLS connections idle" test $? -eq 0
idle 200 "$(seq -s, -f '127.0.0.%g' 30 33)" idle2
open_now=$(metric stird_tls_connections)
check "the cap holds: $open_now open of tcp_max_connections 1100 ($(cat "$WORK/idle2.out"))" \
    test "$open_now" -le 1100 -a "$(awk '{ print $4 }' "$WORK/idle2.out")" -ge 90
check "log: the refusals at the cap" grep -q "TCP connections refused: [0-9]* at tcp_max_connections 1100" "$WORK/stird.log"
touch "$WORK/idle.stop"
wait "$idle1_PID" "$idle2_PID"
for _ in $(seq 1 50); do [ "$(metric stird_tls_connections)" -le 5 ] && break; sleep 0.1; done
check "the idle connections' slots are freed ($(metric stird_tls_connections) open)" test "$(metric stird_tls_connections)" -le 5
uac after-idle "sip:+12025550100@127.0.0.1:$STIRD_TLS_PORT"
check "a call is served afterwards" test $? -eq 0
finish
