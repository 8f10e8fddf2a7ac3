#!/usr/bin/env bash
# Relay user equipment registering through stird (RFC 9248 §5, RFC 5626 §5,
# RFC 3327): the RUE simulator (tools/rue_sim.py register) fetches its
# configuration, registers over one TLS connection to stird with Digest
# (SHA-256, the generated sip-password), +sip.instance and reg-id; stird
# relays the REGISTER to a real registrar (Kamailio: registrar, usrloc,
# use_path) with a Path naming the connection (flow token, `ob`). A signed
# call from SIPp to the RUE's number goes through Kamailio (lookup, the
# stored Path as Route) to stird, which verifies it and sends it over that
# same connection; the RUE answers 200, gets the ACK and the BYE. The RUE's
# own call is signed with attestation A. Refused: an altered flow token
# (403, RFC 5626 §5.3: tampered) and, once the RUE closed its connection, a
# call to it (430 Flow Failed); the registrations gauge goes 1 -> 0.
# Every process is bounded in time and stopped by PID.
source "$(dirname "$0")/lib.sh"
source "$ROOT/Tests/SIPp/tools/stir_lib.sh"
bash "$ROOT/Scripts/install-deps" kamailio kamailio-tls-modules > /dev/null 2>&1 || { fail "kamailio installs"; finish; }
STIRD_PORT=28710; STIRD_TLS_PORT=28711; RUE_PORT=28720; UAS_PORT=28730
K_PORT=28740; K_TLS_PORT=28741; UAC_PORT=28750
setup_pki 28763 28764 28765 || { fail "test PKI and x5u server"; finish; }
CALLEE_LOG=$WORK/callee.jsonl
LOGIN='rue-login-Correct-8'
KEYS=$WORK/rue-keys
RUE_TN=12155551234; CALLER_TN=12155550100

KEY=$("$STIRCTL_BIN" apikey new --file "$KEYS" --label "test app") || { fail "stirctl apikey new"; finish; }
login_hash=$(printf '%s\n' "$LOGIN" | "$STIRCTL_BIN" passwd --kdf --iterations 20000 --user alice --realm stird.test) \
    || { fail "stirctl passwd --kdf"; finish; }

{ stird_header 127.0.0.2 $STIRD_PORT; verify_section; cat <<EOT
[tls]
certificate = $PKI/sip-server.pem
private_key = $PKI/sip-server.key
ca_file = $PKI/sip-ca.pem
[hosts]
localhost = 127.0.0.1
[auth]
realm = stird.test
authenticate_register = yes
[account "alice"]
$login_hash
tns = $RUE_TN
[peer "rue"]
addresses = 127.0.0.3
trusted = yes
sign = yes
authenticate = digest
$(signing_credential)
[peer "registrar"]
addresses = 127.0.0.1
verify = yes
on_failure = reject
[route "callee"]
next_hop = 127.0.0.1:$UAS_PORT
[rue]
listen = 127.0.0.1:$RUE_PORT
certificate = $PKI/sip-server.pem
private_key = $PKI/sip-server.key
provider_domain = stird.test
outbound_proxies = sips:localhost:$STIRD_TLS_PORT
api_keys_file = $KEYS
store_file = $WORK/rue.sqlite
registrar = sip:localhost:$K_TLS_PORT;transport=tls
EOT
} | sed "s|^tcp = 127.0.0.2:$STIRD_PORT\$|&\ntls = 127.0.0.1:$STIRD_TLS_PORT|" > "$WORK/stird.ini"
out=$("$STIRD_BIN" --check-config "$WORK/stird.ini" 2>&1)
check "the configuration checks ($out)" test $? -eq 0

# The registrar: Kamailio keeping bindings in memory with their Path
# (registrar use_path; path_mode 2 stores it when the REGISTER says
# Supported: path) and routing calls to them by lookup + t_relay, which
# sends to the first Path URI with the Path as Route.
mkdir -p "$WORK/kam"
cat > "$WORK/kam/tls.cfg" <<EOT
[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
certificate = $PKI/sip-server.pem
private_key = $PKI/sip-server.key

[client:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
ca_list = $PKI/sip-ca.pem
EOT
{ kamailio_tls_cfg "$WORK/kam" $K_PORT $K_TLS_PORT "usrloc registrar" 'modparam("usrloc", "db_mode", 0)
modparam("registrar", "use_path", 1)
modparam("registrar", "path_mode", 2)'; cat <<EOT
    if (is_method("REGISTER")) {
        if (!save("location")) { sl_reply_error(); }
        exit;
    }
    if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
    record_route();
    if (!t_relay()) { sl_reply_error(); }
}
EOT
} > "$WORK/kam/kamailio.cfg"
timeout 120 kamailio -f "$WORK/kam/kamailio.cfg" -DD -E -m 64 -M 8 -Y "$WORK/kam" -w "$WORK/kam" > "$WORK/kamailio.log" 2>&1 &
KAM_PID=$!; PIDS+=("$KAM_PID")

rue_up() {
    for _ in $(seq 1 100); do ss -ltn | grep -q "127.0.0.1:$RUE_PORT " && return 0; sleep 0.05; done
    return 1
}
start_named edge "$WORK/stird.ini" 127.0.0.2 $STIRD_PORT || { fail "stird starts"; finish; }
STIRD_PID=${PIDS[-1]}
rue_up; check "the configuration service listens" test $? -eq 0
for _ in $(seq 1 100); do ss -ltn | grep -q "127.0.0.1:$K_TLS_PORT " && break; sleep 0.1; done
kamailio_up() { ss -ltn | grep -q "127.0.0.1:$K_TLS_PORT "; }
check "Kamailio (registrar) listens on TLS" kamailio_up || { tail -20 "$WORK/kamailio.log"; finish; }
python3 "$TOOLS/responder.py" $UAS_PORT 486 "$CALLEE_LOG" 90 &
PIDS+=("$!")

member() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2"; }
rmetric() {
    python3 - "$((STIRD_PORT + 5))" "$1" <<'PY'
import sys, urllib.request
body = urllib.request.urlopen("http://127.0.0.2:%s/metrics" % sys.argv[1], timeout=3).read().decode()
print(next((l.rsplit(" ", 1)[1] for l in body.splitlines() if l.startswith(sys.argv[2] + " ")), "absent"))
PY
}
# wait_line FILE PATTERN SECONDS: true once FILE has a line matching PATTERN.
wait_line() { for _ in $(seq 1 $(($3 * 10))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
# wait_metric NAME VALUE SECONDS
wait_metric() { for _ in $(seq 1 $(($3 * 10))); do [ "$(rmetric "$1")" = "$2" ] && return 0; sleep 0.1; done; return 1; }

# 1. Configuration, as in 27.
BASE="https://localhost:$RUE_PORT/rum/v1"
r=$(timeout 20 python3 "$TOOLS/rue_sim.py" fetch --ca "$PKI/sip-ca.pem" "$BASE/ProviderConfig?apiKey=$KEY" --out "$WORK/provider.json")
check "ProviderConfig: 200 ($r)" test "$r" = 200
r=$(timeout 20 python3 "$TOOLS/rue_sim.py" fetch --ca "$PKI/sip-ca.pem" "$BASE/RueConfig?apiKey=$KEY&instanceId=dev-1" \
    --user alice --password "$LOGIN" --out "$WORK/rue.json")
check "RueConfig: 200 with phone-number +$RUE_TN ($r)" test "$r" = 200 -a "$(member "$WORK/rue.json" phone-number)" = "+$RUE_TN"
check "stird_rue_registrations is 0 before any REGISTER" test "$(rmetric stird_rue_registrations)" = 0

# 2. Register through stird over one TLS connection, kept open. The RUE
# advertises an address nobody can reach (as behind a NAT): everything for
# it must come over its connection.
RUE_OUT=$WORK/rue-register.out
timeout 60 python3 "$TOOLS/rue_sim.py" register --ca "$PKI/sip-ca.pem" --host 127.0.0.1 --port $STIRD_TLS_PORT --bind 127.0.0.3 \
    --config "$WORK/rue.json" --contact-host 192.0.2.1 --seconds 45 --keepalive 0.5 --close-file "$WORK/rue.close" > "$RUE_OUT" 2>&1 &
RUE_PID=$!; PIDS+=("$RUE_PID")
wait_line "$RUE_OUT" '^register [0-9]* path=' 10
check "REGISTER without credentials: 401 from stird ($(sed -n 1p "$RUE_OUT"))" test "$(sed -n 1p "$RUE_OUT")" = "register 401"
reg=$(sed -n 2p "$RUE_OUT")
check "REGISTER with Digest SHA-256: relayed, Kamailio answers 200 ($reg)" grep -q '^register 200 ' <<< "$reg"
check "  ... the 200 carries stird's Path: flow token, lr, ob" \
    grep -qE "path=<sip:[A-Za-z0-9_-]{30,}@127\.0\.0\.1:$STIRD_TLS_PORT;transport=tls;lr;ob>" <<< "$reg"
check "stird_rue_registrations: 1" wait_metric stird_rue_registrations 1 5
PATH_URI=$(sed -n 's/.*path=<\([^>]*\)>.*/\1/p' <<< "$reg")

# 3. A signed call to the RUE's number: SIPp -> Kamailio (lookup, Path as
# Route) -> stird (verifies) -> the RUE's connection; ACK and BYE follow by
# the Record-Route stird wrote with the flow token (RFC 5626 §5.3), never
# to the unreachable Contact.
NOW=$(date +%s)
good=$(sign --key "$PKI/leaf-spc.key" --x5u "$X5U/leaf-spc-chain.pem" --orig $CALLER_TN --dest $RUE_TN --attest A)
render "$SCEN/uac-rr-identity.xml" "$WORK/uac-in.xml" FROM=+$CALLER_TN "DATE=$(date -u -d "@$NOW" '+%a, %d %b %Y %H:%M:%S GMT')" \
    "IDENTITY=$good"
UAC_PORT=$UAC_PORT run_uac incoming -sf "$WORK/uac-in.xml" 127.0.0.1:$K_PORT -s +$RUE_TN -m 1 -l 1
check "call to +$RUE_TN via Kamailio and stird: 200, ACK, BYE complete" test $? -eq 0
check "  ... the RUE got the INVITE over its registered connection, verified (verstat=TN-Validation-Passed)" \
    grep -q '^invite .*verstat=TN-Validation-Passed' "$RUE_OUT"
check "  ... then the ACK, stateless over the flow (stird's Record-Route names it)" grep -q '^ack ' "$RUE_OUT"
check "  ... and the BYE" grep -q '^bye ' "$RUE_OUT"

# 4. The RUE calls out (its own TLS connection, as 27): signed A.
r=$(timeout 20 python3 "$TOOLS/rue_sim.py" call --ca "$PKI/sip-ca.pem" --host 127.0.0.1 --port $STIRD_TLS_PORT --bind 127.0.0.3 \
    --to 12155559999 --config "$WORK/rue.json" --from $RUE_TN)
out2=$(echo "$r" | sed -n 2p)
check "the RUE's call: 407, then Digest accepted and forwarded ($out2)" test "$(echo "$r" | sed -n 1p | cut -d' ' -f1)" = 407 \
    -a "$(echo "$out2" | cut -d' ' -f1)" = 486
attest=$(callee_header "$CALLEE_LOG" "$(call_id_of "$out2")" Identity | head -1 | python3 -c '
import base64, json, sys
t = sys.stdin.read().split(";")[0].strip()
print(json.loads(base64.urlsafe_b64decode(t.split(".")[1] + "==="))["attest"] if t.count(".") == 2 else "none")')
check "  ... signed with attestation A ($attest)" test "$attest" = A

# 5. An altered flow token: 403 (RFC 5626 §5.3: tampered), nothing sent on.
token=${PATH_URI#sip:}; token=${token%%@*}
flip=$(python3 -c 'import sys; t=sys.argv[1]; i=len(t)-3; print(t[:i] + ("B" if t[i] != "B" else "C") + t[i+1:])' "$token")
r=$(timeout 20 python3 "$TOOLS/stir_call.py" --bind 127.0.0.1 --host 127.0.0.2 --port $STIRD_PORT \
    --from "sip:+$CALLER_TN@127.0.0.1" --to "sip:+$RUE_TN@stird.test" --ruri "sip:alice@127.0.0.3:9;transport=tls" \
    --identity "$good" --header "Route: <${PATH_URI/$token/$flip}>")
check "altered flow token: 403 ($r)" grep -q '^403 ' <<< "$r"
check "  ... the RUE saw one INVITE only" test "$(grep -c '^invite ' "$RUE_OUT")" -eq 1

# 6. The RUE closes its connection: the binding stays at Kamailio, but
# stird answers a call for it 430 Flow Failed; the gauge goes back to 0.
touch "$WORK/rue.close"
for _ in $(seq 1 50); do kill -0 "$RUE_PID" 2>/dev/null || break; sleep 0.1; done
check "the RUE closed its connection and ended" wait_line "$RUE_OUT" '^closed' 1
pongs=$(sed -n 's/^pongs //p' "$RUE_OUT")
check "stird answered the RUE's keep-alives on the registered connection (${pongs:-no} pongs)" test "${pongs:-0}" -ge 1
check "stird_rue_registrations: 0 after the flow closed" wait_metric stird_rue_registrations 0 5
NOW=$(date +%s)
good=$(sign --key "$PKI/leaf-spc.key" --x5u "$X5U/leaf-spc-chain.pem" --orig $CALLER_TN --dest $RUE_TN --attest A)
r=$(timeout 20 python3 "$TOOLS/stir_call.py" --bind 127.0.0.1 --host 127.0.0.1 --port $K_PORT \
    --from "sip:+$CALLER_TN@127.0.0.1" --to "sip:+$RUE_TN@127.0.0.1:$K_PORT" --identity "$good")
check "call to the RUE after its flow closed: 430 Flow Failed through Kamailio ($r)" grep -q '^430 ' <<< "$r"
check "stird_rue_flow_failures_total: 1" test "$(rmetric stird_rue_flow_failures_total)" = 1
check "stird still runs" kill -0 "$STIRD_PID"

# 7. No cleartext credential: the generated sip-password and the login
# appear nowhere in stird's logs or its store (debug logging on).
pw=$(member "$WORK/rue.json" sip-password)
check "the sip-password and the login are in no log and not in the store" \
    test -n "$pw" -a "$(cat "$WORK"/stird.log "$WORK"/stird.out "$WORK"/*.sqlite* 2>/dev/null | grep -caF -e "$pw" -e "$LOGIN")" -eq 0
finish
