#!/usr/bin/env bash
# One live call per verification outcome (RFC 8224 §6.2.2): Identity headers made
# with stirctl sign, secsipidx-independent forging (forge_passport.py) and
# the test PKI are injected into a verifying stird; the final status, and
# for forwarded calls the verstat / Reason the callee saw, are checked.
source "$(dirname "$0")/lib.sh"
source "$ROOT/Tests/SIPp/tools/stir_lib.sh"
VERIFIER_PORT=26120; UAS_PORT=26130
setup_pki 26143 26144 26145 || { fail "test PKI and x5u server"; finish; }
CALLEE_LOG=$WORK/callee.jsonl

{ stird_header 127.0.0.3 $VERIFIER_PORT; verify_section; cat <<EOF
[peer "reject"]
addresses = 127.0.0.4
verify = yes
on_failure = reject
[peer "reason-sip"]
addresses = 127.0.0.7
verify = yes
on_failure = continue_with_reason
reason_form = sip
[peer "reason-stir"]
addresses = 127.0.0.9
verify = yes
on_failure = continue_with_reason
reason_form = stir
require_identity = yes
[peer "trusted"]
addresses = 127.0.0.10
trusted = yes
verify = yes
on_failure = reject
[route "callee"]
next_hop = 127.0.0.1:$UAS_PORT
EOF
} > "$WORK/verifier.ini"
start_named verifier "$WORK/verifier.ini" 127.0.0.3 $VERIFIER_PORT || { fail "verifying stird starts"; finish; }
VERIFIER_PID=${PIDS[-1]}
python3 "$TOOLS/responder.py" $UAS_PORT 486 "$CALLEE_LOG" 200 &
PIDS+=("$!")
sleep 0.3

ORIG=12155551010; DEST=12155559999; NOW=$(date +%s)
KEY=$PKI/leaf-spc.key; URL=$X5U/leaf-spc-chain.pem
forge() { python3 "$TOOLS/forge_passport.py" --orig $ORIG --dest $DEST "$@"; }
# call BIND [stir_call args...]: a call from +ORIG to +DEST from address BIND.
call() { local b=$1; shift; inject "$b" --from "sip:+$ORIG@$b" --to "sip:+$DEST@127.0.0.3" "$@"; }
good=$(sign --key "$KEY" --x5u "$URL" --orig $ORIG --dest $DEST --attest A)

expect_outcome "valid A full form" 486 TN-Validation-Passed "$(call 127.0.0.4 --identity "$good")"
# Freshness (RFC 8224 §6.2 step 4): 403 Stale Date.
old=$(sign --key "$KEY" --x5u "$URL" --orig $ORIG --dest $DEST --attest A --iat $((NOW - 120)))
expect_outcome "stale Date in the past: 403" 403 "" "$(call 127.0.0.4 --identity "$old" --date-offset -120)"
new=$(sign --key "$KEY" --x5u "$URL" --orig $ORIG --dest $DEST --attest A --iat $((NOW + 120)))
expect_outcome "stale Date in the future: 403" 403 "" "$(call 127.0.0.4 --identity "$new" --date-offset 120)"
old=$(sign --key "$KEY" --x5u "$URL" --orig $ORIG --dest $DEST --attest A --iat $((NOW - 300)))
expect_outcome "stale iat with a fresh Date: 403" 403 "" "$(call 127.0.0.4 --identity "$old")"
# Token and header consistency (RFC 8224 §4.1, RFC 8225 §4): 438 / 437.
expect_outcome "bad signature: 438" 438 "" "$(call 127.0.0.4 --identity "$(forge --key "$KEY" --x5u "$URL" --bad-signature)")"
expect_outcome "x5u differs from info: 438" 438 "" "$(call 127.0.0.4 --identity "$(forge --key "$KEY" --x5u "$URL" --info "$X5U/leaf-range-chain.pem")")"
expect_outcome "alg in token differs from alg parameter: 438" 438 "" "$(call 127.0.0.4 --identity "$(forge --key "$KEY" --x5u "$URL" --set-header alg=ES384)")"
expect_outcome "unsupported alg ES384: 437" 437 "" "$(call 127.0.0.4 --identity "$(forge --key "$KEY" --x5u "$URL" --set-header alg=ES384 --alg ES384)")"
expect_outcome "ppt in token differs from ppt parameter: 438" 438 "" "$(call 127.0.0.4 --identity "$(forge --key "$KEY" --x5u "$URL" --set-header ppt=div)")"
expect_outcome "wrong typ (JWT): 438 Invalid PASSporT" 438 "" "$(call 127.0.0.4 --identity "$(forge --key "$KEY" --x5u "$URL" --set-header typ=JWT)")"
expect_outcome "missing attest claim: 438 Invalid PASSporT" 438 "" "$(call 127.0.0.4 --identity "$(forge --key "$KEY" --x5u "$URL" --drop-claim attest)")"
r=$(call 127.0.0.9 --identity "$(forge --key "$KEY" --x5u "$URL" --ppt div --set-header ppt=div)")
expect_outcome "only an unsupported ppt, identity required: 428" 428 "" "$r"
check "  ... reason phrase Use Supported PASSporT Format" test "${r#428 Use Supported PASSporT Format}" != "$r"
expect_outcome "only an unsupported ppt, not required: forwarded No-TN-Validation" 486 No-TN-Validation "$(call 127.0.0.4 --identity "$(forge --key "$KEY" --x5u "$URL" --ppt div --set-header ppt=div)")"
# Identity match (RFC 8224 §6.2.4; ATIS-1000074 §5.3.1: PAI if present, else From).
expect_outcome "orig differs from From: 438" 438 "" "$(inject 127.0.0.4 --from "sip:+12155551011@127.0.0.4" --to "sip:+$DEST@127.0.0.3" --identity "$good")"
expect_outcome "orig differs from P-Asserted-Identity (trusted peer): 438" 438 "" "$(call 127.0.0.10 --pai "sip:+12155551011@127.0.0.10" --identity "$good")"
expect_outcome "orig matches P-Asserted-Identity, From differs: valid" 486 "" "$(inject 127.0.0.10 --from "sip:+12155551011@127.0.0.10" --pai "sip:+$ORIG@127.0.0.10" --to "sip:+$DEST@127.0.0.3" --identity "$good")"
expect_outcome "untrusted peer's P-Asserted-Identity is ignored (removed): From decides" 486 TN-Validation-Passed "$(call 127.0.0.4 --pai "sip:+12155551011@127.0.0.4" --identity "$good")"
expect_outcome "dest differs from To: 438" 438 "" "$(inject 127.0.0.4 --from "sip:+$ORIG@127.0.0.4" --to "sip:+12155550000@127.0.0.3" --identity "$good")"
# Certificates (RFC 8224 §6.2.2: 436 cannot get it, 437 cannot use it).
expect_outcome "untrusted CA: 437" 437 "" "$(call 127.0.0.4 --identity "$(sign --key "$PKI/leaf-untrusted.key" --x5u "$X5U/leaf-untrusted-chain.pem" --orig $ORIG --dest $DEST --attest A)")"
expect_outcome "expired certificate: 437" 437 "" "$(call 127.0.0.4 --identity "$(sign --key "$PKI/leaf-expired.key" --x5u "$X5U/leaf-expired-chain.pem" --orig $ORIG --dest $DEST --attest A)")"
expect_outcome "certificate without TNAuthList: 437" 437 "" "$(call 127.0.0.4 --identity "$(sign --key "$PKI/leaf-notn.key" --x5u "$X5U/leaf-notn-chain.pem" --orig $ORIG --dest $DEST --attest A)")"
expect_outcome "TN outside the TNAuthList: 437" 437 "" "$(call 127.0.0.4 --identity "$(sign --key "$PKI/leaf-one.key" --x5u "$X5U/leaf-one-chain.pem" --orig $ORIG --dest $DEST --attest A)")"
ORIG=12155551212 expect_outcome "TN inside a TNAuthList 'one' entry: valid" 486 TN-Validation-Passed "$(ORIG=12155551212; call 127.0.0.4 --identity "$(sign --key "$PKI/leaf-one.key" --x5u "$X5U/leaf-one-chain.pem" --orig 12155551212 --dest $DEST --attest A)")"
# RFC 8226 §8: leaf-jcc permits only attest A.
expect_outcome "JWT Claim Constraints allow attest A: valid" 486 TN-Validation-Passed "$(call 127.0.0.4 --identity "$(sign --key "$PKI/leaf-jcc.key" --x5u "$X5U/leaf-jcc-chain.pem" --orig $ORIG --dest $DEST --attest A)")"
expect_outcome "JWT Claim Constraints forbid attest B: 438 Invalid PASSporT" 438 "" "$(call 127.0.0.4 --identity "$(sign --key "$PKI/leaf-jcc.key" --x5u "$X5U/leaf-jcc-chain.pem" --orig $ORIG --dest $DEST --attest B)")"
expect_outcome "x5u answers 404: 436" 436 "" "$(call 127.0.0.4 --identity "$(sign --key "$KEY" --x5u "$X5U/status/404" --orig $ORIG --dest $DEST --attest A)")"
start=$(date +%s%N)
expect_outcome "x5u times out: 436" 436 "" "$(call 127.0.0.4 --identity "$(sign --key "$KEY" --x5u "$X5U/slow" --orig $ORIG --dest $DEST --attest A)")"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "  ... answered within the 2 s lookup deadline ($ms ms)" test "$ms" -lt 3500
# Rule 1: a hanging x5u server must not delay calls whose certificate is cached.
call 127.0.0.4 --identity "$(sign --key "$KEY" --x5u "$X5U/slow/again" --orig $ORIG --dest $DEST --attest A)" > "$WORK/hung.out" &
hung=$!
sleep 0.2
start=$(date +%s%N)
expect_outcome "while another x5u hangs, a cached-certificate call still verifies" 486 TN-Validation-Passed "$(call 127.0.0.4 --identity "$good")"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "  ... without waiting for the hung fetch ($ms ms)" test "$ms" -lt 700
wait $hung
check "  ... and the hung call ends with 436 ($(cat "$WORK/hung.out"))" grep -q '^436 ' "$WORK/hung.out"
expect_outcome "x5u serves garbage: 436" 436 "" "$(call 127.0.0.4 --identity "$(sign --key "$KEY" --x5u "$X5U/garbage" --orig $ORIG --dest $DEST --attest A)")"
expect_outcome "x5u on a port not allowed: 436" 436 "" "$(call 127.0.0.4 --identity "$(sign --key "$KEY" --x5u "https://127.0.0.1:$UAS_PORT/cert.pem" --orig $ORIG --dest $DEST --attest A)")"
expect_outcome "x5u over plain http: 436" 436 "" "$(call 127.0.0.4 --identity "$(sign --key "$KEY" --x5u "http://127.0.0.1:$X5U_PORT/leaf-spc-chain.pem" --orig $ORIG --dest $DEST --attest A)")"
# Several headers (RFC 8224 §6.2.1) and the compact form (ATIS-1000074 §5.3.3: full form only).
bad=$(forge --key "$KEY" --x5u "$URL" --bad-signature)
expect_outcome "two Identity headers, one bad one good: valid" 486 TN-Validation-Passed "$(call 127.0.0.4 --identity "$bad" --identity "$good")"
expect_outcome "compact form: 438" 438 "" "$(call 127.0.0.4 --identity "$(sign --key "$KEY" --x5u "$URL" --orig $ORIG --dest $DEST --attest A --compact)")"
# Hostile values (GHSA-mrq5-74j5-f5cr: Identity without ";"; kamailio #4284).
expect_outcome "Identity without parameters: 438" 438 "" "$(call 127.0.0.4 --identity "eyJhbGciOiJFUzI1NiJ9")"
expect_outcome "Identity with an empty info: 438" 438 "" "$(call 127.0.0.4 --identity "a.b.c;info=<>")"
expect_outcome "Identity whose token is not base64url JSON: 438" 438 "" "$(call 127.0.0.4 --identity "%%%.@@@.!!!;info=<$URL>;alg=ES256;ppt=shaken")"
# continue_with_reason: Reason in SIP form (ATIS-1000074) and STIR form with ppi (RFC 9410).
r=$(call 127.0.0.7 --identity "$bad")
expect_outcome "continue_with_reason (SIP form): forwarded TN-Validation-Failed" 486 TN-Validation-Failed "$r"
reason=$(callee_header "$CALLEE_LOG" "$(call_id_of "$r")" Reason)
check "  ... Reason: $reason" test "$reason" = 'SIP ;cause=438 ;text="Invalid Identity Header"'
r=$(call 127.0.0.9 --identity "$bad" --identity "$(forge --key "$KEY" --x5u "$URL" --set-header typ=JWT)")
expect_outcome "continue_with_reason (STIR form), two bad headers: forwarded TN-Validation-Failed" 486 TN-Validation-Failed "$r"
reason=$(callee_header "$CALLEE_LOG" "$(call_id_of "$r")" Reason)
check "  ... Reason: $reason" bash -c '[[ "$1" == STIR\ \;cause=438\ \;text=*\ \;ppi=\"..* ]]' _ "$reason"
check "verifying stird still running" kill -0 "$VERIFIER_PID"
finish
