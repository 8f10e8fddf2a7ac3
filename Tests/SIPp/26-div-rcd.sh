#!/usr/bin/env bash
# div (RFC 8946) and rcd (RFC 9795) on loopback: caller → signing stird
# (127.0.0.2, retargets +12155559999 to +12155550199 and adds a div
# PASSporT; also for a sign_div peer's History-Info) → verifying stird
# (127.0.0.3, div chains on, destination =
# Request-URI, presents rcd names) → callee. The signer signs the caller's
# name (rcd_names_file). Broken chains and rcd from a peer that is not
# trusted are injected straight into the verifier from 127.0.0.4.
source "$(dirname "$0")/lib.sh"
source "$ROOT/Tests/SIPp/tools/stir_lib.sh"
SIGNER_PORT=26610; VERIFIER_PORT=26620; UAS_PORT=26630
setup_pki 26643 26644 26645 || { fail "test PKI and x5u server"; finish; }
CALLEE_LOG=$WORK/callee.jsonl
ORIG=12155551010; OLD=12155559999; NEW=12155550199
printf '# caller names (RFC 9795 nam)\n%s "Alice Example"\n' $ORIG > "$WORK/names.txt"

{ stird_header 127.0.0.2 $SIGNER_PORT; cat <<EOF
[peer "pbx"]
addresses = 127.0.0.1
trusted = yes
sign = yes
tns = 12155551000-12155551099
[peer "carrier"]
addresses = 127.0.0.6
trusted = yes
sign_div = ${SIGN_DIV:-yes}
$(signing_credential)
[sign]
rcd_names_file = $WORK/names.txt
[route "forward"]
user_prefix = $OLD
retarget_to = +$NEW
next_hop = 127.0.0.3:$VERIFIER_PORT
[route "verifier"]
next_hop = 127.0.0.3:$VERIFIER_PORT
EOF
} > "$WORK/signer.ini"
{ stird_header 127.0.0.3 $VERIFIER_PORT; verify_section; cat <<EOF
div_max_age_s = ${DIV_MAX_AGE_S:-3600}
rcd_present = ${RCD_PRESENT-name, call_info}
[stir]
dest_source = request_uri
[peer "signer"]
addresses = 127.0.0.2
verify = yes
on_failure = reject
[peer "inject"]
addresses = 127.0.0.4
verify = yes
on_failure = reject
[route "callee"]
next_hop = 127.0.0.1:$UAS_PORT
EOF
} > "$WORK/verifier.ini"

start_named signer "$WORK/signer.ini" 127.0.0.2 $SIGNER_PORT || { fail "signing stird starts"; finish; }
start_named verifier "$WORK/verifier.ini" 127.0.0.3 $VERIFIER_PORT || { fail "verifying stird starts"; finish; }
python3 "$TOOLS/responder.py" $UAS_PORT 486 "$CALLEE_LOG" 90 &
PIDS+=("$!")
sleep 0.3

callee_ruri() {
    python3 - "$CALLEE_LOG" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["call_id"] == sys.argv[2] and r["method"] == "INVITE":
        print(r.get("ruri", "")); break
PY
}
verifier_metric() {
    python3 - "$1" <<'PY'
import sys, urllib.request
body = urllib.request.urlopen("http://127.0.0.3:26625/metrics", timeout=3).read().decode()
print(next((l.rsplit(" ", 1)[1] for l in body.splitlines() if l.startswith(sys.argv[1] + " ")), "0"))
PY
}

# 1. Retargeted by the signing stird (retarget_to), verified as a div chain.
r=$(python3 "$TOOLS/stir_call.py" --bind 127.0.0.1 --host 127.0.0.2 --port $SIGNER_PORT \
    --from "sip:+$ORIG@127.0.0.1;user=phone" --to "sip:+$OLD@127.0.0.2;user=phone")
expect_outcome "call retargeted by stird verifies through its div chain" 486 TN-Validation-Passed "$r"
cid=$(call_id_of "$r")
check "  ... callee's Request-URI is the new target ($(callee_ruri "$cid"))" test "$(callee_ruri "$cid")" = "sip:+$NEW@127.0.0.2;user=phone"
check "  ... callee saw the SHAKEN, rcd and div PASSporTs" test "$(callee_header "$CALLEE_LOG" "$cid" Identity | grep -c 'ppt=div')" -eq 1 -a \
    "$(callee_header "$CALLEE_LOG" "$cid" Identity | grep -c 'ppt=shaken')" -eq 1 -a "$(callee_header "$CALLEE_LOG" "$cid" Identity | grep -c 'ppt=rcd')" -eq 1
check "  ... callee saw the signed name, carried by the chain" test "$(callee_header "$CALLEE_LOG" "$cid" From | cut -d'<' -f1)" = '"Alice Example" '
check "  ... callee saw X-Stir-Attestation: A" test "$(callee_header "$CALLEE_LOG" "$cid" X-Stir-Attestation)" = A
check "  ... signer logged the retarget and the div" grep -q "stir-div: signed" "$WORK/signer.log"
check "  ... verifier logged a div chain" grep -q "div_chain=.*stir-verify: valid" "$WORK/verifier.log"
check "  ... verifier counted outcome=valid_div" test "$(verifier_metric 'stird_verification_total{outcome="valid_div"}')" = 1

# 1b. A trusted peer (sign_div) hands the signer a call it retargeted itself
# (History-Info): the signer adds the div, the verifier passes the chain.
hi="History-Info: <sip:+$OLD@127.0.0.6>;index=1, <sip:+$NEW@127.0.0.2;user=phone;cause=302>;index=1.1"
orig_passport=$(python3 "$TOOLS/forge_passport.py" --key "$PKI/leaf-spc.key" --x5u "$X5U/leaf-spc-chain.pem" --orig $ORIG --dest $OLD)
r=$(python3 "$TOOLS/stir_call.py" --bind 127.0.0.6 --host 127.0.0.2 --port $SIGNER_PORT --from "sip:+$ORIG@127.0.0.6;user=phone" \
    --to "sip:+$OLD@127.0.0.2;user=phone" --ruri "sip:+$NEW@127.0.0.2;user=phone" --header "$hi" --identity "$orig_passport")
expect_outcome "call retargeted upstream (History-Info), div added for a sign_div peer" 486 TN-Validation-Passed "$r"
check "  ... callee saw the upstream SHAKEN and our div" test "$(callee_header "$CALLEE_LOG" "$(call_id_of "$r")" Identity | grep -c 'ppt=div')" -eq 1

# 2. Chains injected into the verifier: Request-URI = new target, To = old.
shaken() { python3 "$TOOLS/forge_passport.py" --key "$PKI/leaf-spc.key" --x5u "$X5U/leaf-spc-chain.pem" --orig $ORIG --dest $OLD "$@"; }
div() {
    python3 "$TOOLS/forge_passport.py" --key "$PKI/leaf-spc.key" --x5u "$X5U/leaf-spc-chain.pem" --dest $NEW --ppt div \
        --set-header ppt=div --drop-claim attest --drop-claim origid --set-claim "div={\"tn\":\"$OLD\"}" "$@"
}
chain_call() {
    inject 127.0.0.4 --from "sip:+$ORIG@127.0.0.4;user=phone" --to "sip:+$OLD@127.0.0.3;user=phone" \
        --ruri "sip:+$NEW@127.0.0.3;user=phone" "$@"
}
now=$(date +%s)
r=$(chain_call --identity "$(shaken)" --identity "$(div --orig $ORIG)")
expect_outcome "injected valid chain (control): passed" 486 TN-Validation-Passed "$r"
r=$(chain_call --identity "$(shaken)")
expect_outcome "SHAKEN for the old target without div: 438" 438 "" "$r"
r=$(chain_call --identity "$(shaken --orig 12155551011)" --identity "$(div --orig $ORIG)")
expect_outcome "orig changed along the chain: 438" 438 "" "$r"
r=$(chain_call --identity "$(shaken)" --identity "$(div --orig $ORIG --dest 12155550888)")
expect_outcome "outermost dest is not the Request-URI: 438" 438 "" "$r"
r=$(chain_call --identity "$(shaken --bad-signature)" --identity "$(div --orig $ORIG)")
expect_outcome "bad inner signature: 438" 438 "" "$r"
r=$(chain_call --identity "$(shaken --iat $((now - 120)))" --identity "$(div --orig $ORIG --iat $((now - 120)))")
expect_outcome "stale outermost div: 438" 438 "" "$r"
r=$(chain_call --identity "$(shaken --iat $((now - 1800)))" --identity "$(div --orig $ORIG)")
expect_outcome "inner SHAKEN 30 min old, within div_max_age_s: passed" 486 TN-Validation-Passed "$r"
check "verifier counted outcome=div_chain_invalid for the 4 broken chains" \
    test "$(verifier_metric 'stird_verification_total{outcome="div_chain_invalid"}')" = 4
check "verifier logged why a chain broke" grep -q "orig changed along the chain" "$WORK/verifier.log"

# 3. rcd: a call not retargeted, name presented; the caller's own name replaced.
r=$(python3 "$TOOLS/stir_call.py" --bind 127.0.0.1 --host 127.0.0.2 --port $SIGNER_PORT --from-name "Typed By Caller" \
    --from "sip:+$ORIG@127.0.0.1;user=phone" --to "sip:+12155551234@127.0.0.2;user=phone")
expect_outcome "rcd call verified" 486 TN-Validation-Passed "$r"
check "  ... callee's From shows the signed name" test "$(callee_header "$CALLEE_LOG" "$(call_id_of "$r")" From | cut -d'<' -f1)" = '"Alice Example" '
check "  ... verifier logged the rich call data" grep -q 'rcd=presented("Alice Example")' "$WORK/verifier.log"

# 4. A peer that is not trusted: its own name is removed; a signed name is shown,
# unless its rcdi digest does not match.
plain() {
    inject 127.0.0.4 --from-name "Your Bank" --from "sip:+$ORIG@127.0.0.4;user=phone" --to "sip:+$NEW@127.0.0.3;user=phone" "$@"
}
rcd() {
    python3 "$TOOLS/forge_passport.py" --key "$PKI/leaf-spc.key" --x5u "$X5U/leaf-spc-chain.pem" --orig $ORIG --dest $NEW --ppt rcd \
        --set-header ppt=rcd --drop-claim attest --drop-claim origid "$@"
}
r=$(plain --identity "$(shaken --dest $NEW)")
expect_outcome "untrusted peer, SHAKEN only" 486 TN-Validation-Passed "$r"
check "  ... its own display-name was removed" test "$(callee_header "$CALLEE_LOG" "$(call_id_of "$r")" From | cut -c1)" = "<"
r=$(plain --identity "$(shaken --dest $NEW)" --identity "$(rcd --set-claim 'rcd={"nam":"Signed Bank"}')")
expect_outcome "untrusted peer with a signed rcd name" 486 TN-Validation-Passed "$r"
check "  ... the signed name is shown" test "$(callee_header "$CALLEE_LOG" "$(call_id_of "$r")" From | cut -d'<' -f1)" = '"Signed Bank" '
wrong=$(python3 -c 'import base64,hashlib;print("sha256-"+base64.b64encode(hashlib.sha256(b"\"Other\"").digest()).decode().rstrip("="))')
r=$(plain --identity "$(shaken --dest $NEW)" --identity "$(rcd --set-claim 'rcd={"nam":"Signed Bank"}' --set-claim "rcdi={\"/nam\":\"$wrong\"}")")
expect_outcome "rcdi mismatch: the call still verifies" 486 TN-Validation-Passed "$r"
check "  ... but no name is shown" test "$(callee_header "$CALLEE_LOG" "$(call_id_of "$r")" From | cut -c1)" = "<"
check "  ... and the verifier logged the mismatch" grep -q 'integrityFailed("rcdi /nam: digest mismatch")' "$WORK/verifier.log"

# 5. rcdi over fetched content: an icon served by the test https server is
# shown (Call-Info purpose=icon) only when its digest matches.
head -c 300 /dev/urandom > "$PKI/icon.png"
good=$(python3 -c 'import base64,hashlib,sys;print("sha256-"+base64.b64encode(hashlib.sha256(open(sys.argv[1],"rb").read()).digest()).decode().rstrip("="))' "$PKI/icon.png")
icon="$X5U/icon.png"
r=$(plain --identity "$(shaken --dest $NEW)" --identity "$(rcd --set-claim "rcd={\"nam\":\"Icon Co\",\"icn\":\"$icon\"}" --set-claim "rcdi={\"/icn\":\"$good\"}")")
expect_outcome "rcd icon whose fetched content matches rcdi" 486 TN-Validation-Passed "$r"
check "  ... callee saw Call-Info with the icon" test "$(callee_header "$CALLEE_LOG" "$(call_id_of "$r")" Call-Info)" = "<$icon>;purpose=icon"
r=$(plain --identity "$(shaken --dest $NEW)" --identity "$(rcd --set-claim "rcd={\"nam\":\"Icon Co\",\"icn\":\"$icon\"}" --set-claim "rcdi={\"/icn\":\"$wrong\"}")")
expect_outcome "rcd icon whose content does not match rcdi: the call still verifies" 486 TN-Validation-Passed "$r"
check "  ... no Call-Info icon" test -z "$(callee_header "$CALLEE_LOG" "$(call_id_of "$r")" Call-Info)"
check "  ... the name is still shown" test "$(callee_header "$CALLEE_LOG" "$(call_id_of "$r")" From | cut -d'<' -f1)" = '"Icon Co" '
finish
