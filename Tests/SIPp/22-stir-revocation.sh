#!/usr/bin/env bash
# Revocation live: two verifying stirds, one with `revocation = ocsp:hard`
# (openssl ocsp as the responder), one with `revocation = crl:hard` (CRL over
# loopback HTTP). A revoked leaf is refused with 437 by both; a good leaf
# passes; with the OCSP responder gone, hard-fail refuses and the CRL-only
# daemon still decides from its CRL.
source "$(dirname "$0")/lib.sh"
source "$ROOT/Tests/SIPp/tools/stir_lib.sh"
OCSP_VERIFIER=26220; CRL_VERIFIER=26221; UAS_PORT=26230
setup_pki 26243 26244 26245 || { fail "test PKI and x5u server"; finish; }
CALLEE_LOG=$WORK/callee.jsonl

verifier_config() {
    stird_header 127.0.0.3 "$1"; verify_section
    cat <<EOF
revocation = $2
[peer "reject"]
addresses = 127.0.0.4
verify = yes
on_failure = reject
[route "callee"]
next_hop = 127.0.0.1:$UAS_PORT
EOF
}
verifier_config $OCSP_VERIFIER "ocsp:hard" > "$WORK/ocsp.ini"
verifier_config $CRL_VERIFIER "crl:hard" > "$WORK/crl.ini"
start_named ocsp-verifier "$WORK/ocsp.ini" 127.0.0.3 $OCSP_VERIFIER || { fail "OCSP verifier starts"; finish; }
start_named crl-verifier "$WORK/crl.ini" 127.0.0.3 $CRL_VERIFIER || { fail "CRL verifier starts"; finish; }
python3 "$TOOLS/responder.py" $UAS_PORT 486 "$CALLEE_LOG" 100 &
PIDS+=("$!")
sleep 0.3

ORIG=12155551010; DEST=12155559999
good=$(sign --key "$PKI/leaf-spc.key" --x5u "$X5U/leaf-spc-chain.pem" --orig $ORIG --dest $DEST --attest A)
revoked=$(sign --key "$PKI/leaf-revoked.key" --x5u "$X5U/leaf-revoked-chain.pem" --orig $ORIG --dest $DEST --attest A)
call() { VERIFIER_PORT=$1; shift; inject 127.0.0.4 --from "sip:+$ORIG@127.0.0.4" --to "sip:+$DEST@127.0.0.3" "$@"; }

expect_outcome "OCSP: good leaf verifies" 486 TN-Validation-Passed "$(call $OCSP_VERIFIER --identity "$good")"
expect_outcome "OCSP: revoked leaf is refused with 437" 437 "" "$(call $OCSP_VERIFIER --identity "$revoked")"
check "  ... logged as revoked" grep -q 'detail=certificateRevoked' "$WORK/ocsp-verifier.log"
expect_outcome "CRL: good leaf verifies" 486 TN-Validation-Passed "$(call $CRL_VERIFIER --identity "$good")"
expect_outcome "CRL: revoked leaf is refused with 437" 437 "" "$(call $CRL_VERIFIER --identity "$revoked")"
check "  ... logged as revoked" grep -q 'detail=certificateRevoked' "$WORK/crl-verifier.log"
# Leaf under a revoked intermediate (the root's CRL lists it).
interrev=$(sign --key "$PKI/leaf-interrevoked.key" --x5u "$X5U/leaf-interrevoked-chain.pem" --orig $ORIG --dest $DEST --attest A)
r=$(call $CRL_VERIFIER --identity "$interrev")
check "CRL: leaf under a revoked intermediate is not accepted (${r%% call-id*})" test "${r%% *}" != 486
# The OCSP responder goes away: hard-fail refuses a leaf not yet cached.
kill "$OCSP_SERVER_PID"; wait "$OCSP_SERVER_PID" 2>/dev/null
range=$(sign --key "$PKI/leaf-range.key" --x5u "$X5U/leaf-range-chain.pem" --orig $ORIG --dest $DEST --attest A)
expect_outcome "OCSP responder down, hard-fail: 437" 437 "" "$(call $OCSP_VERIFIER --identity "$range")"
check "  ... logged as revocation_unknown" grep -q 'detail=certificateInvalid("revocation_unknown")' "$WORK/ocsp-verifier.log"
expect_outcome "OCSP responder down: the cached good leaf still verifies" 486 TN-Validation-Passed "$(call $OCSP_VERIFIER --identity "$good")"
expect_outcome "CRL-only verifier is not affected by the OCSP outage" 486 TN-Validation-Passed "$(call $CRL_VERIFIER --identity "$range")"
finish
