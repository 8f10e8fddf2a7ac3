#!/usr/bin/env bash
# Relay user equipment with device certificates (RFC 9248 RUEs over mutual
# TLS, RFC 5922 §7.3): [account] tls_identities. A small device PKI made
# here with openssl (a device CA, another CA). A RUE whose certificate the
# device CA issued and an account names calls through stird without any
# 407 and is signed with attestation A for that account's TN (two accounts,
# one by fingerprint, one by SIP URI); a certificate from the same CA that
# no account names, and no certificate, get the Digest challenge; a
# certificate from another CA carrying an account's SIP URI is refused at
# the handshake (verify_client = optional and yes). Configuration errors
# name file, line and key. Every peer is bounded.
source "$(dirname "$0")/lib.sh"
source "$ROOT/Tests/SIPp/tools/stir_lib.sh"
STIRD_PORT=29710; STIRD_TLS_PORT=29711; UAS_PORT=29730
STRICT_PORT=29760; STRICT_TLS_PORT=29761
setup_pki 29743 29744 29745 || { fail "test PKI and x5u server"; finish; }
CALLEE_LOG=$WORK/callee.jsonl
DEV=$WORK/devices
mkdir -p "$DEV"

# The device PKI: rue-ca issues alice, bob and stranger; other-ca issues a
# certificate with alice's SIP URI (and its own key).
ca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$DEV/$1.key" -out "$DEV/$1.pem" \
        -subj "/O=stird test/CN=$2" -days 2 -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2> /dev/null
}
device() {
    local name=$1 ca=$2 san=$3
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$DEV/$name.key" -out "$DEV/$name.csr" \
        -subj "/CN=$name" 2> /dev/null || return 1
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectAltName=%s\n' \
        "$san" > "$DEV/$name.ext"
    openssl x509 -req -in "$DEV/$name.csr" -CA "$DEV/$ca.pem" -CAkey "$DEV/$ca.key" -set_serial "0x$(openssl rand -hex 8)" \
        -days 2 -extfile "$DEV/$name.ext" -out "$DEV/$name.pem" 2> /dev/null
}
ca rue-ca "RUE device CA" && ca other-ca "another CA" \
    && device alice rue-ca "URI:sip:alice@rue.test" && device bob rue-ca "URI:sip:bob@rue.test, DNS:bob-phone.rue.test" \
    && device stranger rue-ca "URI:sip:stranger@rue.test" && device impostor other-ca "URI:sip:alice@rue.test" \
    || { fail "device PKI"; finish; }
ALICE_FP=$(openssl x509 -in "$DEV/alice.pem" -noout -fingerprint -sha256 | cut -d= -f2)
check "device PKI: alice's fingerprint ($ALICE_FP)" grep -qE '^([0-9A-F]{2}:){31}[0-9A-F]{2}$' <<< "$ALICE_FP"
check "control: the impostor does not chain to the device CA" \
    bash -c "! openssl verify -CAfile '$DEV/rue-ca.pem' '$DEV/impostor.pem' > /dev/null 2>&1"

# stird_config VERIFY: a signing stird for RUEs from 127.0.0.3 (verify_client = VERIFY).
stird_config() {
    cat <<EOT
[tls]
certificate = $PKI/sip-server.pem
private_key = $PKI/sip-server.key
ca_file = $DEV/rue-ca.pem
verify_client = $1
[auth]
realm = stird.test
[account "alice"]
tns = 12155551234
tls_identities = sha256:$ALICE_FP, sip:alice@rue.test
[account "bob"]
ha1_sha256 = $(printf 'bob-pw\n' | "$STIRCTL_BIN" passwd --user bob --realm stird.test | sed -n 's/^ha1_sha256 = //p')
tns = 12155554321
tls_identities = sip:bob@rue.test
[peer "rue"]
addresses = 127.0.0.3
trusted = yes
sign = yes
authenticate = digest
$(signing_credential)
[route "callee"]
next_hop = 127.0.0.1:$UAS_PORT
EOT
}
{ stird_header 127.0.0.2 $STIRD_PORT; stird_config optional; } \
    | sed "s|^tcp = 127.0.0.2:$STIRD_PORT\$|&\ntls = 127.0.0.1:$STIRD_TLS_PORT|" > "$WORK/stird.ini"
out=$("$STIRD_BIN" --check-config "$WORK/stird.ini" 2>&1)
check "the configuration checks ($out)" test $? -eq 0

# Configuration errors: file:line: key: why.
bad() { # NAME SED-EXPRESSION EXPECTED-PATTERN
    sed "$2" "$WORK/stird.ini" > "$WORK/bad.ini"
    local out
    out=$("$STIRD_BIN" --check-config "$WORK/bad.ini" 2>&1)
    check "config error: $1 ($out)" grep -qE "$3" <<< "$out"
}
line=$(grep -n '^tls_identities = sip:bob@rue.test$' "$WORK/stird.ini" | cut -d: -f1)
bad "an identity claimed by two accounts" "s|^tls_identities = sip:bob@rue.test\$|tls_identities = sip:ALICE@rue.test|" \
    "bad.ini:$line: tls_identities: 'sip:alice@rue.test' already identifies account alice"
bad "a bad fingerprint" "s|^tls_identities = sip:bob@rue.test\$|tls_identities = sha256:abcd|" \
    "bad.ini:$line: tls_identities: 'sha256:abcd' is not"
line=$(grep -n '^tls_identities = sha256:' "$WORK/stird.ini" | cut -d: -f1)
bad "tls_identities without [tls] ca_file" "/^ca_file = /d; /^verify_client = /d" \
    "bad.ini:$((line - 2)): tls_identities: needs \[tls\] ca_file"
bad "tls_identities with verify_client = no" "s|^verify_client = optional|verify_client = no|" \
    "bad.ini:$line: tls_identities: needs \[tls\] verify_client = optional or yes"

start_named signer "$WORK/stird.ini" 127.0.0.2 $STIRD_PORT || { fail "stird starts"; finish; }
STIRD_PID=${PIDS[-1]}
for _ in $(seq 1 100); do ss -ltn | grep -q "127.0.0.1:$STIRD_TLS_PORT " && break; sleep 0.05; done
python3 "$TOOLS/responder.py" $UAS_PORT 486 "$CALLEE_LOG" 90 &
PIDS+=("$!")
sleep 0.3

# call PORT DEVICE FROM: one INVITE from 127.0.0.3 with DEVICE's certificate
# ("none": without one); prints "STATUS call-id=ID" or "tls-refused ...".
call() {
    local certs=()
    [ "$2" != none ] && certs=(--cert "$DEV/$2.pem" --key "$DEV/$2.key")
    timeout 40 python3 "$TOOLS/rue_flows.py" call --ca "$PKI/sip-ca.pem" --host 127.0.0.1 --port "$1" --bind 127.0.0.3 \
        --to 12155559999 --from "$3" "${certs[@]}"
}
passport() { # CALL-ID CLAIM: a claim of the callee's Identity PASSporT ("none" without one)
    callee_header "$CALLEE_LOG" "$1" Identity | head -1 | python3 -c '
import base64, json, sys
token = sys.stdin.read().split(";")[0].strip()
if token.count(".") != 2: print("none"); sys.exit()
p = token.split(".")[1]
c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
v = c.get(sys.argv[1])
print(v["tn"] if isinstance(v, dict) else v)' "$2"
}
cid() { sed -n 's/.*call-id=\([^ ]*\).*/\1/p' <<< "$1"; }
invites() { if [ -f "$CALLEE_LOG" ]; then grep -c '"method": "INVITE"' "$CALLEE_LOG"; else echo 0; fi; }
cmetric() { # NAME: one sample from this stird's /metrics (on 127.0.0.2)
    python3 - "$((STIRD_PORT + 5))" "$1" <<'PY'
import sys, urllib.request
body = urllib.request.urlopen("http://127.0.0.2:%s/metrics" % sys.argv[1], timeout=3).read().decode()
print(next((l.rsplit(" ", 1)[1] for l in body.splitlines() if l.startswith(sys.argv[2] + " ")), "0"))
PY
}

# 1. alice's device certificate (named by its fingerprint and its SIP URI):
# no 407, forwarded, signed A for alice's number.
r=$(call $STIRD_TLS_PORT alice 12155551234)
check "alice's device certificate: forwarded without a 407 ($r)" test "${r%% *}" = 486
check "  ... signed with attestation A" test "$(passport "$(cid "$r")" attest)" = A
check "  ... for alice's TN" test "$(passport "$(cid "$r")" orig)" = 12155551234
check "log: authenticated by client certificate as alice" \
    grep -q 'account=alice.*stir-auth: authenticated by client certificate' "$WORK/signer.log"

# 2. bob's certificate (named by its SIP URI): attestation for bob's TN;
# from alice's number it is not bob's own (B).
r=$(call $STIRD_TLS_PORT bob 12155554321)
check "bob's device certificate: forwarded without a 407 ($r)" test "${r%% *}" = 486
check "  ... signed A for bob's TN ($(passport "$(cid "$r")" orig))" \
    test "$(passport "$(cid "$r")" attest)" = A -a "$(passport "$(cid "$r")" orig)" = 12155554321
r=$(call $STIRD_TLS_PORT bob 12155551234)
check "bob's certificate calling from alice's number: B, not A ($r)" test "$(passport "$(cid "$r")" attest)" = B

# 3. The device CA, but a certificate no account names: the Digest challenge.
before=$(invites)
r=$(call $STIRD_TLS_PORT stranger 12155551234)
check "a certificate no account names: 407 ($r)" test "${r%% *}" = 407
r=$(call $STIRD_TLS_PORT none 12155551234)
check "no certificate (verify_client = optional): 407 ($r)" test "${r%% *}" = 407

# 4. Another CA, with alice's SIP URI in its certificate: refused at the
# handshake, never authenticated.
r=$(call $STIRD_TLS_PORT impostor 12155551234)
check "a certificate from another CA (alice's SIP URI): refused ($r)" grep -q '^tls-refused' <<< "$r"
check "log: TLS handshake refused: unknown_ca" grep -q "TLS handshake refused: unknown_ca from" "$WORK/signer.log"
check "none of the refused calls reached the callee" test "$(invites)" -eq "$before"
check "metrics: 3 authenticated by certificate, challenges counted (got $(cmetric 'stird_auth_results_total{result="certificate"}'))" \
    test "$(cmetric 'stird_auth_results_total{result="certificate"}')" = 3 \
    -a "$(cmetric 'stird_auth_results_total{result="challenged"}')" -ge 2

# 5. verify_client = yes: without a certificate or with another CA's, no
# connection; the device certificate still calls without a challenge.
{ stird_header 127.0.0.2 $STRICT_PORT; stird_config yes; } \
    | sed "s|^tcp = 127.0.0.2:$STRICT_PORT\$|&\ntls = 127.0.0.1:$STRICT_TLS_PORT|" > "$WORK/strict.ini"
start_named strict "$WORK/strict.ini" 127.0.0.2 $STRICT_PORT || { fail "strict stird starts"; finish; }
for _ in $(seq 1 100); do ss -ltn | grep -q "127.0.0.1:$STRICT_TLS_PORT " && break; sleep 0.05; done
r=$(call $STRICT_TLS_PORT impostor 12155551234)
check "verify_client = yes: another CA's certificate refused ($r)" grep -q '^tls-refused' <<< "$r"
r=$(call $STRICT_TLS_PORT none 12155551234)
check "verify_client = yes: no certificate refused ($r)" grep -q '^tls-refused' <<< "$r"
r=$(call $STRICT_TLS_PORT alice 12155551234)
check "verify_client = yes: alice's certificate forwarded and signed A ($r)" \
    test "${r%% *}" = 486 -a "$(passport "$(cid "$r")" attest)" = A
r=$(call $STRICT_TLS_PORT stranger 12155551234)
check "verify_client = yes: a certificate no account names still gets 407 ($r)" test "${r%% *}" = 407
check "log: refused unknown_ca and no_client_certificate" \
    grep -q "TLS handshake refused: unknown_ca from" "$WORK/strict.log"
check "  ... and no_client_certificate" grep -q "TLS handshake refused: no_client_certificate from" "$WORK/strict.log"
check "both stirds still run" kill -0 "$STIRD_PID" "${PIDS[-1]}"
finish
