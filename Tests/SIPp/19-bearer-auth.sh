#!/usr/bin/env bash
# Bearer tokens (RFC 8898) on loopback: a caller from 127.0.0.3 presents
# Proxy-Authorization: Bearer <JWT> to an authenticating, signing stird
# (127.0.0.2) -> callee (127.0.0.1). Tokens are made with the openssl
# command line (Tests/SIPp/tools/bearer_token.py). Valid ES256 and RS256
# tokens are signed for the account; expired, wrong audience, wrong key and
# alg none are refused with 407 error="invalid_token"; no token gets the
# Bearer challenge; the token is not forwarded.
source "$(dirname "$0")/lib.sh"
source "$ROOT/Tests/SIPp/tools/stir_lib.sh"
STIRD_PORT=26710; UAS_PORT=26730
setup_pki 26743 26744 26745 || { fail "test PKI and x5u server"; finish; }
CALLEE_LOG=$WORK/callee.jsonl
K=$WORK/keys; mkdir -p "$K"
openssl ecparam -name prime256v1 -genkey -noout -out "$K/ec.key" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$K/other.key" 2>/dev/null
openssl genrsa -out "$K/rsa.key" 2048 2>/dev/null
python3 "$TOOLS/bearer_token.py" jwks --ec "$K/ec.key" --rsa "$K/rsa.key" > "$K/jwks.json" || { fail "JWKS"; finish; }
ISS=https://as.stird.test; AUD=sip:stird.test

{ stird_header 127.0.0.2 $STIRD_PORT; cat <<EOF
[auth]
realm = stird.test
[bearer]
jwks_file = $K/jwks.json
issuer = $ISS
audience = $AUD
authz_server = https://as.stird.test/token
leeway_s = 5
[account "alice"]
bearer_subject = alice@stird.test
tns = 12155551000-12155551099
[peer "pbx"]
addresses = 127.0.0.3
trusted = yes
sign = yes
authenticate = bearer
$(signing_credential)
[route "callee"]
next_hop = 127.0.0.1:$UAS_PORT
EOF
} > "$WORK/stird.ini"

start_named signer "$WORK/stird.ini" 127.0.0.2 $STIRD_PORT || { fail "stird starts"; finish; }
STIRD_PID=${PIDS[-1]}
python3 "$TOOLS/responder.py" $UAS_PORT 486 "$CALLEE_LOG" 60 &
PIDS+=("$!")
sleep 0.3

token() { python3 "$TOOLS/bearer_token.py" token --iss "$ISS" --aud "$AUD" --sub alice@stird.test "$@"; }
# call FROM [--header ...]: one INVITE from 127.0.0.3; prints the result line.
call() {
    local from=$1; shift
    python3 "$TOOLS/stir_call.py" --bind 127.0.0.3 --host 127.0.0.2 --port $STIRD_PORT --wait 4 \
        --from "sip:+$from@127.0.0.3;user=phone" --to "sip:+12155559999@127.0.0.2;user=phone" "$@"
}
attest() {
    callee_header "$CALLEE_LOG" "$1" Identity | head -1 | python3 -c '
import base64, json, sys
token = sys.stdin.read().split(";")[0].strip()
if token.count(".") != 2: print("none"); sys.exit()
p = token.split(".")[1]
print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["attest"])'
}

r=$(call 12155551010 --print-header Proxy-Authenticate)
check "no token: 407 with the Bearer challenge ($r)" \
    grep -q '^407 .* Proxy-Authenticate=Bearer realm="stird.test", authz_server="https://as.stird.test/token"$' <<< "$r"
r=$(call 12155551010 --header "Proxy-Authorization: Bearer $(token --key "$K/ec.key" --alg ES256 --kid ec1)")
check "valid ES256 token: forwarded ($r)" test "${r%% *}" = 486
check "  ... signed with A for the account" test "$(attest "$(call_id_of "$r")")" = A
check "  ... the token was not forwarded" test -z "$(callee_header "$CALLEE_LOG" "$(call_id_of "$r")" Proxy-Authorization)"
r=$(call 12155552000 --header "Proxy-Authorization: Bearer $(token --key "$K/rsa.key" --alg RS256 --kid rsa1)")
check "valid RS256 token, TN not owned: forwarded ($r)" test "${r%% *}" = 486
check "  ... signed with B" test "$(attest "$(call_id_of "$r")")" = B
for bad in "expired:--key $K/ec.key --alg ES256 --exp-offset -60" \
           "wrong audience:--key $K/ec.key --alg ES256 --aud sip:other.test" \
           "wrong key:--key $K/other.key --alg ES256 --kid ec1" \
           "alg none:--alg none"; do
    name=${bad%%:*}
    # shellcheck disable=SC2086
    r=$(call 12155551010 --print-header Proxy-Authenticate --header "Proxy-Authorization: Bearer $(token ${bad#*:})")
    check "$name token: 407 error=invalid_token ($r)" grep -q '^407 .*, error="invalid_token"$' <<< "$r"
done
check "the four refused tokens were logged with their reason" \
    test "$(grep -c 'reason=bearer token' "$WORK/signer.log")" -eq 4
check "only the two valid calls reached the callee" test "$(grep -c '"method": "INVITE"' "$CALLEE_LOG")" -eq 2
results=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=3).read().decode())' \
    "http://127.0.0.2:$((STIRD_PORT + 5))/metrics" | grep '^stird_auth_results_total')
check "stird_auth_results_total counts invalid_token and success" \
    test -n "$(grep 'result="invalid_token"' <<< "$results")" -a -n "$(grep 'result="success"' <<< "$results")"
check "stird still running" kill -0 "$STIRD_PID"
finish
