#!/usr/bin/env bash
# SIP Digest authentication of originators on loopback (RFC 3261 §22.3,
# RFC 7616, RFC 8760): SIPp caller from 127.0.0.1 (MD5: SIPp 3.6 reads only
# the first challenge, so its peer is offered MD5 alone) and a Python
# hashlib client from 127.0.0.3 (SHA-256, SHA-512-256) -> authenticating,
# signing stird (127.0.0.2) -> callee (127.0.0.1). Challenge then success signed with A;
# TN not owned by the account -> B; wrong password -> 407 again; an
# expired nonce -> stale=true, then success; replayed
# nonce-count refused; unknown algorithm, malformed and 64 KB credentials;
# our credentials not forwarded, others kept; lock-out after repeated
# failures (403) and release.
source "$(dirname "$0")/lib.sh"
source "$ROOT/Tests/SIPp/tools/stir_lib.sh"
STIRD_PORT=26610; UAS_PORT=26630
setup_pki 26643 26644 26645 || { fail "test PKI and x5u server"; finish; }
CALLEE_LOG=$WORK/callee.jsonl
PASSWORD='correct-horse-42'

hashes=$(printf '%s\n' "$PASSWORD" | "$STIRCTL_BIN" passwd --user alice --realm stird.test --md5) \
    || { fail "stirctl passwd prints the account's hashes"; finish; }
check "stirctl passwd prints three ha1 lines, no password" \
    test "$(echo "$hashes" | grep -c '^ha1_')" -eq 3 -a "$(echo "$hashes" | grep -c correct-horse)" -eq 0

{ stird_header 127.0.0.2 $STIRD_PORT; cat <<EOF
[auth]
realm = stird.test
allow_md5 = yes
nonce_lifetime_s = 10
max_failures = 3
failure_window_s = 60
lockout_s = 2
[account "alice"]
$hashes
tns = 12155551000-12155551099
[peer "legacy"]
addresses = 127.0.0.1
trusted = yes
sign = yes
authenticate = digest
digest_algorithms = MD5
[peer "pbx"]
addresses = 127.0.0.3
trusted = yes
sign = yes
authenticate = digest
[peer "guesser"]
addresses = 127.0.0.7
trusted = yes
sign = yes
authenticate = digest
$(signing_credential)
[route "callee"]
next_hop = 127.0.0.1:$UAS_PORT
EOF
} > "$WORK/stird.ini"

# A config holding a cleartext password is refused at its line.
{ cat "$WORK/stird.ini"; printf '[account "bob"]\nha1_sha256 = %064d\npassword = hunter2\n' 0; } > "$WORK/bad.ini"
out=$("$STIRD_BIN" --check-config "$WORK/bad.ini" 2>&1)
check "a password key in an account is refused with file:line: key: why ($out)" \
    grep -q "bad.ini:[0-9]*: password: an account holds no password" <<< "$out"

start_named signer "$WORK/stird.ini" 127.0.0.2 $STIRD_PORT || { fail "stird starts"; finish; }
STIRD_PID=${PIDS[-1]}
python3 "$TOOLS/responder.py" $UAS_PORT 486 "$CALLEE_LOG" 90 &
PIDS+=("$!")
sleep 0.3

# attest CALL_ID: the attest claim of the Identity header the callee got.
attest() {
    callee_header "$CALLEE_LOG" "$1" Identity | head -1 | python3 -c '
import base64, json, sys
token = sys.stdin.read().split(";")[0].strip()
if token.count(".") != 2: print("none"); sys.exit()
p = token.split(".")[1]
print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["attest"])'
}
dcall() { python3 "$TOOLS/digest_call.py" --bind 127.0.0.3 --host 127.0.0.2 --port $STIRD_PORT --to 12155559999 --user alice "$@"; }
line() { echo "$1" | sed -n "$2p"; }
code() { line "$1" "$2" | cut -d' ' -f1; }

# 1. SIPp answers the challenge with MD5. Its digest uri must be the
# Request-URI (RFC 7616 §3.4.6); SIPp's default is remote_ip:remote_port.
render "$SCEN/uac-digest.xml" "$WORK/uac.xml" STATUS=486 FROM=+12155551010 "PASSWORD=$PASSWORD"
UAC_PORT=26650 run_uac sipp-md5 -sf "$WORK/uac.xml" 127.0.0.2:$STIRD_PORT -s +12155559999 -m 3 -r 10 -l 3 \
    -auth_uri "+12155559999@127.0.0.2:$STIRD_PORT"
check "3 SIPp calls: 407, then MD5 credentials accepted and forwarded" test $? -eq 0
invites=$(grep -c '"method": "INVITE"' "$CALLEE_LOG")
signed=$(grep -c '"Identity: ' "$CALLEE_LOG")
check "the callee saw 3 INVITEs, each signed ($invites, $signed)" test "$invites" -eq 3 -a "$signed" -eq 3
check "no Proxy-Authorization reached the callee" test "$(grep -ci 'Proxy-Authorization' "$CALLEE_LOG")" -eq 0
check "stird logged the account on the signed calls" grep -q 'originator=alice.*stir-sign: signed' "$WORK/signer.log"

# 2. The hashlib client with SHA-256: challenge, then signed with A.
r=$(dcall --from 12155551010 --password "$PASSWORD" --algorithm SHA-256)
check "first INVITE challenged: 407, 3 algorithms, SHA-512-256 first ($(line "$r" 1))" \
    grep -q '^407 .* challenges=3 first=SHA-512-256$' <<< "$(line "$r" 1)"
check "SHA-256: credentialed INVITE forwarded ($(line "$r" 2))" test "$(code "$r" 2)" = 486
check "SHA-256: signed with A (the account owns the TN)" test "$(attest "$(call_id_of "$(line "$r" 2)")")" = A

# 3. SHA-512-256, with another realm's credentials that must be kept.
other='Proxy-Authorization: Digest username="x", realm="downstream.test", nonce="n", uri="sip:x", response="00"'
r=$(dcall --from 12155551011 --password "$PASSWORD" --algorithm SHA-512-256 --header "$other")
check "SHA-512-256: forwarded ($(line "$r" 2))" test "$(code "$r" 2)" = 486
kept=$(callee_header "$CALLEE_LOG" "$(call_id_of "$(line "$r" 2)")" Proxy-Authorization)
check "  ... the callee got the downstream realm's credentials only ($kept)" test "$kept" = "${other#Proxy-Authorization: }"

# 4. TN not owned by the account: B.
r=$(dcall --from 12155552000 --password "$PASSWORD")
check "TN not owned: forwarded ($(line "$r" 2))" test "$(code "$r" 2)" = 486
check "TN not owned: signed with B" test "$(attest "$(call_id_of "$(line "$r" 2)")")" = B

# 5. A replayed nonce-count is refused.
r=$(dcall --from 12155551010 --password "$PASSWORD" --replay)
check "replay: first use forwarded ($(line "$r" 2))" test "$(code "$r" 2)" = 486
check "replay: the same nonce and nc again get 407 ($(line "$r" 3))" test "$(code "$r" 3)" = 407

# 5b. An answer after the nonce expired: 407 stale=true, then the new nonce works.
r=$(dcall --from 12155551010 --password "$PASSWORD" --stale-wait 11)
check "answer after nonce_lifetime_s: 407 with stale=true ($(line "$r" 2))" grep -q '^407 .* stale=true$' <<< "$(line "$r" 2)"
check "  ... the fresh nonce is accepted ($(line "$r" 3))" test "$(code "$r" 3)" = 486

# 6. Credentials stird cannot use: an algorithm it does not offer gets a new
# challenge; malformed and 64 KB Proxy-Authorization fields get 400.
sha1='Proxy-Authorization: Digest username="alice", realm="stird.test", nonce="n", uri="sip:x", response="00", algorithm=SHA-1, qop=auth, nc=00000001, cnonce="c"'
r=$(dcall --from 12155551010 --password "$PASSWORD" --header "$sha1")
check "unknown algorithm: 407 with a new challenge ($(line "$r" 1))" grep -q '^407 .* challenges=3' <<< "$(line "$r" 1)"
r=$(dcall --from 12155551010 --password "$PASSWORD" --header 'Proxy-Authorization: Digest realm="stird.test", username')
check "malformed Proxy-Authorization: 400 ($(line "$r" 1))" test "$(code "$r" 1)" = 400
big="Proxy-Authorization: Digest realm=\"stird.test\", username=\"$(head -c 64000 /dev/zero | tr '\0' a)\""
r=$(dcall --from 12155551010 --password "$PASSWORD" --header "$big")
check "64 KB Proxy-Authorization: 400 ($(line "$r" 1 | cut -c1-60))" test "$(code "$r" 1)" = 400

# 7. Wrong password from another source: 407 again, never forwarded; the
# third failure locks the source out (403), released after lockout_s.
before=$(grep -c '"method": "INVITE"' "$CALLEE_LOG")
for i in 1 2 3; do
    r=$(dcall --bind 127.0.0.7 --from 12155551010 --password wrong)
    check "wrong password $i: 407 again ($(line "$r" 2))" test "$(code "$r" 2)" = 407
done
r=$(dcall --bind 127.0.0.7 --from 12155551010 --password "$PASSWORD")
check "locked out: 403 before any credentials ($(line "$r" 1))" test "$(code "$r" 1)" = 403
check "  ... logged once" test "$(grep -c 'locking the source out' "$WORK/signer.log")" -eq 1
check "  ... no failed call reached the callee" test "$(grep -c '"method": "INVITE"' "$CALLEE_LOG")" -eq "$before"
sleep 2.2
r=$(dcall --bind 127.0.0.7 --from 12155551010 --password "$PASSWORD")
check "released after lockout_s: forwarded ($(line "$r" 2))" test "$(code "$r" 2)" = 486

results=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=3).read().decode())' \
    "http://127.0.0.2:$((STIRD_PORT + 5))/metrics" | grep '^stird_auth_results_total')
missing=""
for r in success challenged failed locked replayed stale bad_algorithm malformed; do grep -q "result=\"$r\"" <<< "$results" || missing="$missing $r"; done
check "stird_auth_results_total counts each outcome seen (missing:${missing:- none})" test -z "$missing"
check "stird still running" kill -0 "$STIRD_PID"
finish
