#!/usr/bin/env bash
# Relay user equipment (RFC 9248): a RUE simulator (tools/rue_sim.py:
# Python ssl, urllib, hashlib) fetches ProviderConfig and RueConfig from
# stird's HTTPS configuration service (API key, instanceId, HTTP Basic
# login), then calls over TLS through stird, answering the Digest
# challenge (SHA-256) with the generated sip-password; the call reaches
# the callee signed with attestation A. Refused: unknown and revoked API
# keys (revocation by SIGHUP), a wrong login password, no instanceId, a
# replaced password. The password still works after a restart (SQLite
# store); neither it nor the login password appears in the store or the
# logs. Every peer is bounded.
source "$(dirname "$0")/lib.sh"
source "$ROOT/Tests/SIPp/tools/stir_lib.sh"
STIRD_PORT=27710; STIRD_TLS_PORT=27711; RUE_PORT=27720; UAS_PORT=27730
setup_pki 27743 27744 27745 || { fail "test PKI and x5u server"; finish; }
CALLEE_LOG=$WORK/callee.jsonl
LOGIN='rue-login-Correct-7'
KEYS=$WORK/rue-keys
STORE=$WORK/rue.sqlite

KEY=$("$STIRCTL_BIN" apikey new --file "$KEYS" --label "test app 1") || { fail "stirctl apikey new"; finish; }
OLD_KEY=$("$STIRCTL_BIN" apikey new --file "$KEYS" --label "test app 0") || { fail "stirctl apikey new"; finish; }
check "stirctl apikey: the file holds hashes, not the keys" \
    test "$(grep -cF -e "$KEY" -e "$OLD_KEY" "$KEYS")" -eq 0 -a "$(grep -c ' active ' "$KEYS")" -eq 2
login_hash=$(printf '%s\n' "$LOGIN" | "$STIRCTL_BIN" passwd --kdf --iterations 20000 --user alice --realm stird.test) \
    || { fail "stirctl passwd --kdf"; finish; }
check "stirctl passwd --kdf prints a PBKDF2 hash, not the password ($login_hash)" \
    grep -q '^rue_login_hash = pbkdf2-sha256\$20000\$[0-9a-f]*\$[0-9a-f]\{64\}$' <<< "$login_hash"

{ stird_header 127.0.0.2 $STIRD_PORT; cat <<EOT
[tls]
certificate = $PKI/sip-server.pem
private_key = $PKI/sip-server.key
[auth]
realm = stird.test
[account "alice"]
$login_hash
tns = 12155551234
[peer "rue"]
addresses = 127.0.0.3
trusted = yes
sign = yes
authenticate = digest
$(signing_credential)
[route "callee"]
next_hop = 127.0.0.1:$UAS_PORT
[rue]
listen = 127.0.0.1:$RUE_PORT
certificate = $PKI/sip-server.pem
private_key = $PKI/sip-server.key
provider_domain = stird.test
outbound_proxies = sips:localhost:$STIRD_TLS_PORT
api_keys_file = $KEYS
store_file = $STORE
config_lifetime_s = 3600
EOT
} | sed "s|^tcp = 127.0.0.2:$STIRD_PORT\$|&\ntls = 127.0.0.1:$STIRD_TLS_PORT|" > "$WORK/stird.ini"

out=$("$STIRD_BIN" --check-config "$WORK/stird.ini" 2>&1)
check "the configuration checks ($out)" test $? -eq 0

rue_up() {
    for _ in $(seq 1 100); do ss -ltn | grep -q "127.0.0.1:$RUE_PORT " && return 0; sleep 0.05; done
    return 1
}
start_named signer "$WORK/stird.ini" 127.0.0.2 $STIRD_PORT || { fail "stird starts"; finish; }
STIRD_PID=${PIDS[-1]}
rue_up; check "the configuration service listens" test $? -eq 0
python3 "$TOOLS/responder.py" $UAS_PORT 486 "$CALLEE_LOG" 90 &
PIDS+=("$!")
sleep 0.3

BASE="https://localhost:$RUE_PORT/rum/v1"
fetch() { timeout 20 python3 "$TOOLS/rue_sim.py" fetch --ca "$PKI/sip-ca.pem" "$@"; }
rcall() { timeout 20 python3 "$TOOLS/rue_sim.py" call --ca "$PKI/sip-ca.pem" --host 127.0.0.1 --port $STIRD_TLS_PORT \
    --bind 127.0.0.3 --to 12155559999 "$@"; }
line() { echo "$1" | sed -n "$2p"; }
code() { line "$1" "$2" | cut -d' ' -f1; }
attest() {
    callee_header "$CALLEE_LOG" "$1" Identity | head -1 | python3 -c '
import base64, json, sys
token = sys.stdin.read().split(";")[0].strip()
if token.count(".") != 2: print("none"); sys.exit()
p = token.split(".")[1]
print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["attest"])'
}
# rmetric NAME: one sample from this stird's /metrics (on 127.0.0.2).
rmetric() {
    python3 - "$((STIRD_PORT + 5))" "$1" <<'PY'
import sys, urllib.request
body = urllib.request.urlopen("http://127.0.0.2:%s/metrics" % sys.argv[1], timeout=3).read().decode()
print(next((l.rsplit(" ", 1)[1] for l in body.splitlines() if l.startswith(sys.argv[2] + " ")), "absent"))
PY
}
member() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2"; }

# 1. ProviderConfig: an API key, no user credentials.
r=$(fetch "$BASE/ProviderConfig?apiKey=$KEY&instanceId=dev-1" --out "$WORK/provider.json")
check "ProviderConfig: 200 ($r)" test "$r" = 200
check "  ... provider-domain, outbound-proxies, lifetime" test "$(member "$WORK/provider.json" provider-domain)" = stird.test \
    -a "$(member "$WORK/provider.json" outbound-proxies)" = "[\"sips:localhost:$STIRD_TLS_PORT\"]" \
    -a "$(member "$WORK/provider.json" lifetime)" = 3600
check "  ... and no user settings" test "$(member "$WORK/provider.json" sip-password)" = null

# An idle client (no handshake) holds neither the listener nor a fetch up,
# and is closed after the 5 s step timeout.
exec 7<>/dev/tcp/127.0.0.1/$RUE_PORT
started=$(date +%s)
r=$(fetch "$BASE/ProviderConfig?apiKey=$KEY")
check "a fetch while a client idles: 200 within 3 s ($r)" test "$r" = 200 -a $(( $(date +%s) - started )) -le 3
timeout 10 cat <&7 > /dev/null
check "  ... the idle client was closed by the server" test $? -eq 0
exec 7<&-

# 2. RueConfig with the API key and the account's login.
r=$(fetch "$BASE/RueConfig?apiKey=$KEY&instanceId=dev-1" --user alice --password "$LOGIN" --out "$WORK/rue1.json")
check "RueConfig: 200 ($r)" test "$r" = 200
P1=$(member "$WORK/rue1.json" sip-password)
check "  ... a generated sip-password, the account's phone-number" test ${#P1} -ge 40 \
    -a "$(member "$WORK/rue1.json" phone-number)" = +12155551234 -a "$(member "$WORK/rue1.json" user-name)" = alice

# 3. A call over TLS with that password: 407, then signed with A.
r=$(rcall --config "$WORK/rue1.json" --from 12155551234)
check "call: challenged ($(line "$r" 1))" test "$(code "$r" 1)" = 407
check "call: SHA-256 Digest with the sip-password forwarded ($(line "$r" 2))" test "$(code "$r" 2)" = 486
check "call: signed with A" test "$(attest "$(call_id_of "$(line "$r" 2)")")" = A
r=$(rcall --config "$WORK/rue1.json" --from 12155551234 --password "not-$P1")
check "call with a wrong sip-password: 407 again ($(line "$r" 2))" test "$(code "$r" 2)" = 407

# A double-CRLF keep-alive on the RUE's TLS flow gets a CRLF pong (RFC 5626 §4.4.1).
r=$(timeout 10 python3 "$TOOLS/rue_sim.py" ping --ca "$PKI/sip-ca.pem" --host 127.0.0.1 --port $STIRD_TLS_PORT --bind 127.0.0.3)
check "keep-alive ping over TLS: pong ($r)" test "$r" = pong

# 4. Refusals.
r=$(fetch "$BASE/RueConfig?apiKey=not-a-key&instanceId=dev-1" --user alice --password "$LOGIN")
check "unknown API key: 403 ($r)" test "$r" = 403
r=$(fetch "$BASE/RueConfig?instanceId=dev-1" --user alice --password "$LOGIN")
check "no API key: 403 ($r)" test "$r" = 403
r=$(fetch "$BASE/RueConfig?apiKey=$KEY&instanceId=dev-1" --user alice --password "wrong-$LOGIN")
check "wrong login password: 401 ($r)" test "$r" = 401
r=$(fetch "$BASE/RueConfig?apiKey=$KEY" --user alice --password "$LOGIN")
check "no instanceId: 400 ($r)" test "$r" = 400
r=$(fetch "$BASE/RueConfig?apiKey=$OLD_KEY&instanceId=dev-9" --user alice --password "$LOGIN" --out "$WORK/old.json")
check "the second key works before revocation ($r)" test "$r" = 200
"$STIRCTL_BIN" apikey revoke --file "$KEYS" --label "test app 0" > /dev/null
# The revocation takes effect even when the rest of the file does not load.
cp "$WORK/stird.ini" "$WORK/stird.ini.good"
echo "[bogus]" >> "$WORK/stird.ini"
kill -HUP "$STIRD_PID"
for _ in $(seq 1 50); do grep -q "reload failed" "$WORK/signer.log" && break; sleep 0.1; done
cp "$WORK/stird.ini.good" "$WORK/stird.ini"
check "SIGHUP with a broken file: the reload fails" grep -q "reload failed" "$WORK/signer.log"
r=$(fetch "$BASE/RueConfig?apiKey=$OLD_KEY&instanceId=dev-9" --user alice --password "$LOGIN")
check "  ... but the revoked API key gets 403 ($r)" test "$r" = 403
kill -HUP "$STIRD_PID"
for _ in $(seq 1 50); do grep -q "routes reloaded" "$WORK/signer.log" && break; sleep 0.1; done
r=$(fetch "$BASE/RueConfig?apiKey=$OLD_KEY&instanceId=dev-9" --user alice --password "$LOGIN")
check "revoked API key after a good SIGHUP: 403 ($r)" test "$r" = 403
r=$(fetch "$BASE/ProviderConfig?apiKey=$KEY")
check "  ... the other key still works ($r)" test "$r" = 200

# 5. A second instance has its own password; fetching again replaces one.
r=$(fetch "$BASE/RueConfig?apiKey=$KEY&instanceId=dev-2" --user alice --password "$LOGIN" --out "$WORK/rue2.json")
P2=$(member "$WORK/rue2.json" sip-password)
check "second instance: its own password ($r)" test "$r" = 200 -a -n "$P2" -a "$P2" != "$P1"
r=$(rcall --config "$WORK/rue1.json" --from 12155551234)
check "  ... the first instance's password still works ($(line "$r" 2))" test "$(code "$r" 2)" = 486
r=$(fetch "$BASE/RueConfig?apiKey=$KEY&instanceId=dev-2" --user alice --password "$LOGIN" --out "$WORK/rue2b.json")
r=$(rcall --config "$WORK/rue2.json" --from 12155551234)
check "a replaced password is refused: 407 again ($(line "$r" 2))" test "$(code "$r" 2)" = 407

# 6. Metrics.
check "fetches by result in /metrics" test "$(rmetric 'stird_rue_config_fetches_total{result="rue_config"}')" = 4
check "refused API keys in /metrics" test "$(rmetric 'stird_rue_api_keys_refused_total{reason="revoked"}')" = 2 \
    -a "$(rmetric 'stird_rue_api_keys_refused_total{reason="unknown"}')" = 1

# 7. The store survives a restart: the first instance's password still works.
kill -TERM "$STIRD_PID"
for _ in $(seq 1 50); do kill -0 "$STIRD_PID" 2>/dev/null || break; sleep 0.1; done
cp "$WORK/signer.log" "$WORK/signer-1.log"
start_named signer "$WORK/stird.ini" 127.0.0.2 $STIRD_PORT || { fail "stird restarts"; finish; }
STIRD_PID=${PIDS[-1]}
rue_up
r=$(rcall --config "$WORK/rue1.json" --from 12155551234)
check "after a restart the stored credentials authenticate ($(line "$r" 2))" test "$(code "$r" 2)" = 486
check "  ... signed with A" test "$(attest "$(call_id_of "$(line "$r" 2)")")" = A

# 8. No cleartext credential in the store or the logs.
P2B=$(member "$WORK/rue2b.json" sip-password)
PO=$(member "$WORK/old.json" sip-password)
for secret in "$P1" "$P2" "$P2B" "$PO" "$LOGIN"; do
    found=$(grep -lF -- "$secret" "$STORE" "$WORK"/signer*.log "$WORK"/signer.out 2>/dev/null)
    check "no cleartext ${secret:0:6}... in the store or the logs (${found:-none})" test -z "$found" -a -n "$secret"
done
check "the store holds the account (the search can find what is there)" grep -qa alice "$STORE"
check "stird still runs" kill -0 "$STIRD_PID"
finish
