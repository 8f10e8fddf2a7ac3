#!/usr/bin/env bash
# stird between two Kamailio TLS peers: SIPp (UDP) -> Kamailio A -TLS->
# stird (signs) -TLS-> Kamailio B -> stird (verifies, 127.0.0.3) -> callee.
# Both TLS hops are mutual: Kamailio A presents carrier.test's certificate,
# which alone makes it the peer the signing stird signs for (its address
# belongs to no peer); Kamailio B asks stird for its certificate. Calls
# with a telephone number are signed with attestation A on the way in and
# verified on the way out (the callee sees verstat); full calls (INVITE,
# 200, ACK, BYE) cross the Record-Route chain over TLS. Bounded: SIPp
# -m/-timeout, every peer stopped by PID.
source "$(dirname "$0")/lib.sh"
source "$ROOT/Tests/SIPp/tools/stir_lib.sh"
bash "$ROOT/Scripts/install-deps" kamailio kamailio-tls-modules > /dev/null 2>&1 || { fail "kamailio installs"; finish; }
STIRD_PORT=26750; STIRD_TLS_PORT=26751
KA_PORT=26760; KA_TLS_PORT=26762; KB_PORT=26770; KB_TLS_PORT=26771
CALLEE_PORT=26780; UAS_PORT=26781; UAC_PORT=26790; VERIFIER_PORT=26796
setup_pki 26793 26794 26795 || { fail "test PKI and x5u server"; finish; }

STIRD_LOG_LEVEL=info write_config "$WORK/stird.ini" <<EOF
[tls]
certificate = $PKI/sip-server.pem
private_key = $PKI/sip-server.key
ca_file = $PKI/sip-ca.pem
verify_client = yes
[peer "kamailio-a"]
tls_identities = sip:carrier.test
trusted = yes
sign = yes
tns = 12155551000-12155551099
$(signing_credential)
[route "b"]
next_hop = 127.0.0.1:$KB_TLS_PORT
transport = tls
tls_server_name = localhost
EOF
STIRD_TLS_PORT=$STIRD_TLS_PORT start_stird "$WORK/stird.ini" || { fail "stird starts"; finish; }
{ stird_header 127.0.0.3 $VERIFIER_PORT; verify_section; cat <<EOF
[peer "kamailio-b"]
addresses = 127.0.0.1
verify = yes
on_failure = reject
[route "callee"]
next_hop = 127.0.0.1:$CALLEE_PORT
EOF
} > "$WORK/verifier.ini"
start_named verifier "$WORK/verifier.ini" 127.0.0.3 $VERIFIER_PORT || { fail "verifying stird starts"; finish; }

# kamailio NAME UDP_PORT TLS_PORT CERT REQUIRE_CLIENT_CERT NEXT_HOP_ROUTE
kamailio_peer() {
    local name=$1 udp=$2 tls=$3 cert=$4 require=$5 route=$6
    mkdir -p "$WORK/$name"
    cat > "$WORK/$name/tls.cfg" <<EOF
[server:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = $require
certificate = $PKI/$cert.pem
private_key = $PKI/$cert.key
ca_list = $PKI/sip-ca.pem

[client:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
certificate = $PKI/$cert.pem
private_key = $PKI/$cert.key
ca_list = $PKI/sip-ca.pem
EOF
    { kamailio_tls_cfg "$WORK/$name" "$udp" "$tls"; cat <<EOF
    record_route();
    $route
    if (!t_relay()) { sl_reply_error(); }
}
EOF
    } > "$WORK/$name/kamailio.cfg"
    kamailio -f "$WORK/$name/kamailio.cfg" -DD -E -m 64 -M 8 -w "$WORK/$name" > "$WORK/$name.log" 2>&1 &
    PIDS+=("$!")
}
kamailio_peer ka $KA_PORT $KA_TLS_PORT sip-client no "\$du = \"sip:127.0.0.1:$STIRD_TLS_PORT;transport=tls\";"
kamailio_peer kb $KB_PORT $KB_TLS_PORT sip-server yes \
    "if (\$rU =~ \"^\\\\+1215\") { \$du = \"sip:127.0.0.3:$VERIFIER_PORT\"; } else { \$du = \"sip:127.0.0.1:$UAS_PORT\"; }"
python3 "$TOOLS/responder.py" $CALLEE_PORT 486 "$WORK/callee.jsonl" 100 > /dev/null 2>&1 &
PIDS+=("$!")
start_uas $UAS_PORT -sf "$SCEN/uas-rr.xml" -m 10 || { fail "SIPp UAS starts"; finish; }
for _ in $(seq 1 100); do
    [ "$(ss -ltn | grep -cE "127.0.0.1:($KA_TLS_PORT|$KB_TLS_PORT) ")" -eq 2 ] && break
    sleep 0.1
done
check "both Kamailio TLS listeners up" test "$(ss -ltn | grep -cE "127.0.0.1:($KA_TLS_PORT|$KB_TLS_PORT) ")" -eq 2 \
    || { tail -20 "$WORK/ka.log" "$WORK/kb.log"; finish; }

# 1. Ten calls with a telephone number: signed by stird with attestation A.
render "$SCEN/uac-stir.xml" "$WORK/uac.xml" STATUS=486 FROM=+12155551010
run_uac signed -sf "$WORK/uac.xml" 127.0.0.1:$KA_PORT -s +12155559999 -m 10 -r 10 -l 10
check "10 calls SIPp -> Kamailio -TLS-> stird -TLS-> Kamailio -> callee complete" test $? -eq 0
invites=$(grep -c '"method": "INVITE"' "$WORK/callee.jsonl")
attested=$(python3 - "$WORK/callee.jsonl" <<'PY'
import base64, json, sys
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    for h in r["headers"]:
        if h.lower().startswith("identity:"):
            p = h.split(":", 1)[1].strip().split(";")[0].split(".")[1]
            n += json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))).get("attest") == "A"
print(n)
PY
)
check "callee saw all 10 INVITEs signed with attestation A ($attested of $invites)" test "$invites" -eq 10 -a "$attested" -eq 10
passed=$(grep '"method": "INVITE"' "$WORK/callee.jsonl" | grep -c 'verstat=TN-Validation-Passed')
check "verified on the way out: the callee saw verstat=TN-Validation-Passed on all 10 ($passed)" test "$passed" -eq 10
check "the INVITEs crossed stird over TLS (its Via)" \
    test "$(grep -c "Via: SIP/2.0/TLS 127.0.0.1:$STIRD_TLS_PORT;" "$WORK/callee.jsonl")" -eq 10

# 2. Ten full calls through the Record-Route chain over TLS.
run_uac full -sf "$SCEN/uac-rr.xml" 127.0.0.1:$KA_PORT -s 2025550100 -m 10 -r 10 -l 10
check "10 full calls (INVITE, 200, ACK, BYE) through both TLS hops" test $? -eq 0
check "SIPp UAS saw its 10 calls end" wait_uas 30
hs() { metric "stird_tls_handshakes_total{result=\"$1\"}"; }
check "stird completed TLS handshakes both ways and refused none (ok=$(hs ok))" \
    test "$(hs ok)" -ge 2 -a "$(grep -c 'TLS handshake refused' "$WORK/stird.log")" -eq 0
check "stird alive" stird_alive
finish
