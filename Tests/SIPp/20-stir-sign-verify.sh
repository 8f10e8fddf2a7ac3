#!/usr/bin/env bash
# STIR end to end on loopback: SIPp caller → signing stird (127.0.0.2) →
# verifying stird (127.0.0.3) → callee. Valid A, B and C; unsigned calls
# (continue vs 428); a bad signature; and interop with secsipidx both ways.
source "$(dirname "$0")/lib.sh"
source "$ROOT/Tests/SIPp/tools/stir_lib.sh"
SIGNER_PORT=26010; VERIFIER_PORT=26020; UAS_PORT=26030
setup_pki 26043 26044 26045 || { fail "test PKI and x5u server"; finish; }
CALLEE_LOG=$WORK/callee.jsonl

{ stird_header 127.0.0.2 $SIGNER_PORT; cat <<EOF
[peer "pbx"]
addresses = 127.0.0.1
trusted = yes
sign = yes
tns = 12155551000-12155551099
[peer "gateway"]
addresses = 127.0.0.5
trusted = yes
sign = yes
gateway = yes
[sign]
only_dest_prefixes = 1
$(signing_credential)
spc = 1234
[route "verifier"]
next_hop = 127.0.0.3:$VERIFIER_PORT
EOF
} > "$WORK/signer.ini"
# key_table_after = 5: the signer's key gets its table of multiples during
# the first 10 calls, so the later checks (B, C, the bad signature) run on it.
{ stird_header 127.0.0.3 $VERIFIER_PORT; verify_section; echo "key_table_after = 5"; cat <<EOF
[peer "signer"]
addresses = 127.0.0.2
verify = yes
on_failure = reject
[peer "reject"]
addresses = 127.0.0.4
verify = yes
on_failure = reject
[peer "continue"]
addresses = 127.0.0.6
verify = yes
on_failure = continue
[peer "require"]
addresses = 127.0.0.8
verify = yes
require_identity = yes
[route "callee"]
next_hop = 127.0.0.1:$UAS_PORT
EOF
} > "$WORK/verifier.ini"

start_named signer "$WORK/signer.ini" 127.0.0.2 $SIGNER_PORT || { fail "signing stird starts"; finish; }
SIGNER_PID=${PIDS[-1]}
start_named verifier "$WORK/verifier.ini" 127.0.0.3 $VERIFIER_PORT || { fail "verifying stird starts"; finish; }
VERIFIER_PID=${PIDS[-1]}
python3 "$TOOLS/responder.py" $UAS_PORT 486 "$CALLEE_LOG" 120 &
PIDS+=("$!")
sleep 0.3

# 1. Valid A through both proxies with SIPp (10 calls, first one fetches x5u).
render "$SCEN/uac-stir.xml" "$WORK/uac.xml" STATUS=486 FROM=+12155551010
run_uac valid-a -sf "$WORK/uac.xml" 127.0.0.2:$SIGNER_PORT -s +12155559999 -m 10 -r 10 -l 10 -t u1
check "10 SIPp calls signed by one stird and verified by the other complete" test $? -eq 0
invites=$(grep -c '"method": "INVITE"' "$CALLEE_LOG")
passed=$(grep '"method": "INVITE"' "$CALLEE_LOG" | grep -c 'verstat=TN-Validation-Passed')
check "callee saw verstat=TN-Validation-Passed on all $invites INVITEs ($passed)" test "$passed" -eq 10 -a "$invites" -eq 10
check "callee saw X-Stir-Attestation: A" test "$(grep -c 'X-Stir-Attestation: A' "$CALLEE_LOG")" -eq 10
check "callee saw one Identity header per INVITE" test "$(grep -o '"Identity: ' "$CALLEE_LOG" | wc -l)" -eq 10
check "untrusted peer's P-Asserted-Identity was removed by the verifier" test "$(grep -c 'P-Asserted-Identity' "$CALLEE_LOG")" -eq 0
check "signer logged attest A" grep -q 'attest=A.*stir-sign: signed' "$WORK/signer.log"
verifier_metric() {
    python3 - "$1" <<'PY'
import sys, urllib.request
body = urllib.request.urlopen("http://127.0.0.3:26025/metrics", timeout=3).read().decode()
print(next((l.rsplit(" ", 1)[1] for l in body.splitlines() if l.startswith(sys.argv[1] + " ")), "absent"))
PY
}
check "the verifier built one key table after 5 verifications ($(verifier_metric stird_key_tables_built_total) built, $(verifier_metric stird_key_tables) held)" \
    test "$(verifier_metric stird_key_tables_built_total)" = 1 -a "$(verifier_metric stird_key_tables)" = 1
check "the verifier logged the key table it built" grep -q 'tables=1/32 .*stir-verify: key table built' "$WORK/verifier.log"

# 2. B (TN not owned by the peer) and C (gateway trunk).
r=$(python3 "$TOOLS/stir_call.py" --bind 127.0.0.1 --host 127.0.0.2 --port $SIGNER_PORT --from "sip:+12155552000@127.0.0.1;user=phone" --to "sip:+12155559999@127.0.0.2;user=phone")
expect_outcome "valid B (calling TN not owned by the originating peer)" 486 TN-Validation-Passed "$r"
check "B: callee saw X-Stir-Attestation: B" test "$(callee_header "$CALLEE_LOG" "$(call_id_of "$r")" X-Stir-Attestation)" = B
r=$(python3 "$TOOLS/stir_call.py" --bind 127.0.0.5 --host 127.0.0.2 --port $SIGNER_PORT --from "sip:+12155551010@127.0.0.5;user=phone" --to "sip:+12155559999@127.0.0.2;user=phone")
expect_outcome "valid C (gateway trunk)" 486 TN-Validation-Passed "$r"
check "C: callee saw X-Stir-Attestation: C" test "$(callee_header "$CALLEE_LOG" "$(call_id_of "$r")" X-Stir-Attestation)" = C
SIGNED=$(callee_header "$CALLEE_LOG" "$(call_id_of "$r")" Identity)

# 2b. Egress policy: international destination not signed; stale Date refused;
# an upstream Identity is kept and ours added; our own is not signed twice.
r=$(python3 "$TOOLS/stir_call.py" --bind 127.0.0.1 --host 127.0.0.2 --port $SIGNER_PORT --from "sip:+12155551010@127.0.0.1;user=phone" --to "sip:+442079460000@127.0.0.2;user=phone")
expect_outcome "international destination (only_dest_prefixes = 1): forwarded unsigned" 486 No-TN-Validation "$r"
r=$(python3 "$TOOLS/stir_call.py" --bind 127.0.0.1 --host 127.0.0.2 --port $SIGNER_PORT --from "sip:+12155551010@127.0.0.1;user=phone" --to "sip:+12155559999@127.0.0.2;user=phone" --date-offset -120)
expect_outcome "signer refuses a Date 120 s old: 403 Stale Date" 403 "" "$r"
r=$(python3 "$TOOLS/stir_call.py" --bind 127.0.0.1 --host 127.0.0.2 --port $SIGNER_PORT --from "sip:+12155551010@127.0.0.1;user=phone" --to "sip:+12155559999@127.0.0.2;user=phone" --no-date)
expect_outcome "signer adds a missing Date" 486 TN-Validation-Passed "$r"
check "  ... callee saw a Date" test -n "$(callee_header "$CALLEE_LOG" "$(call_id_of "$r")" Date)"
upstream="e30.e30.c2ln;info=<https://upstream.example/cert.pem>;alg=ES256;ppt=shaken"
r=$(python3 "$TOOLS/stir_call.py" --bind 127.0.0.1 --host 127.0.0.2 --port $SIGNER_PORT --from "sip:+12155551010@127.0.0.1;user=phone" --to "sip:+12155559999@127.0.0.2;user=phone" --identity "$upstream")
expect_outcome "upstream Identity kept, ours added: valid" 486 TN-Validation-Passed "$r"
check "  ... callee saw both Identity headers" test "$(callee_header "$CALLEE_LOG" "$(call_id_of "$r")" Identity | wc -l)" -eq 2
ours=$(callee_header "$CALLEE_LOG" "$(call_id_of "$r")" Identity | grep -v upstream.example)
r=$(python3 "$TOOLS/stir_call.py" --bind 127.0.0.1 --host 127.0.0.2 --port $SIGNER_PORT --from "sip:+12155551010@127.0.0.1;user=phone" --to "sip:+12155559999@127.0.0.2;user=phone" --identity "$ours")
expect_outcome "a request already signed by us is not signed again" 486 TN-Validation-Passed "$r"
check "  ... callee saw exactly one Identity header" test "$(callee_header "$CALLEE_LOG" "$(call_id_of "$r")" Identity | wc -l)" -eq 1

# 3. Unsigned: continue (No-TN-Validation) vs 428.
r=$(inject 127.0.0.6 --from "sip:+12155551010@127.0.0.6" --to "sip:+12155559999@127.0.0.3")
expect_outcome "unsigned call, policy continue: forwarded with No-TN-Validation" 486 No-TN-Validation "$r"
r=$(inject 127.0.0.8 --from "sip:+12155551010@127.0.0.8" --to "sip:+12155559999@127.0.0.3")
expect_outcome "unsigned call, require_identity: 428 Use Identity Header" 428 "" "$r"

# 4. A bad signature, rejected with 438.
bad=$(python3 "$TOOLS/forge_passport.py" --key "$PKI/leaf-spc.key" --x5u "$X5U/leaf-spc-chain.pem" --orig 12155551010 --dest 12155559999 --bad-signature)
r=$(inject 127.0.0.4 --from "sip:+12155551010@127.0.0.4" --to "sip:+12155559999@127.0.0.3" --identity "$bad")
expect_outcome "bad signature: 438 Invalid Identity Header" 438 "" "$r"

# 5. Interop: stird's Identity verifies in secsipidx; secsipidx's verifies in stird.
if command -v secsipidx > /dev/null; then
    out=$(secsipidx -check -expire 60 -identity "$SIGNED" -p "$PKI/leaf-spc-pub.pem" 2>&1)
    check "a call signed by stird verifies in secsipidx ($out)" test $? -eq 0
    theirs=$(secsipidx -sign-full -k "$PKI/leaf-spc.key" -o 12155551010 -d 12155559999 -a A -x5u "$X5U/leaf-spc-chain.pem" 2>&1)
    r=$(inject 127.0.0.4 --from "sip:+12155551010@127.0.0.4" --to "sip:+12155559999@127.0.0.3" --identity "$theirs")
    expect_outcome "a call signed by secsipidx verifies in stird" 486 TN-Validation-Passed "$r"
else
    fail "secsipidx not installed (apt install secsipidx)"
fi
check "both stirds still running" kill -0 "$SIGNER_PID" "$VERIFIER_PID"
finish
