#!/usr/bin/env bash
# SIGHUP rebuilds the STIR configuration: SIPp caller → signing stird
# (127.0.0.2) → verifying stird (127.0.0.3) → callee. The signer starts with
# its peer not signing; after the file says sign = yes and SIGHUP, calls
# carry an Identity that the verifier passes. A broken credential on SIGHUP
# is logged and the whole old configuration (STIR and routes) stays. The
# verifier keeps its certificate cache over a reload that leaves trust alone
# and rebuilds it when the trust settings change.
source "$(dirname "$0")/lib.sh"
source "$ROOT/Tests/SIPp/tools/stir_lib.sh"
SIGNER_PORT=26210; VERIFIER_PORT=26220; UAS_PORT=26230
setup_pki 26243 26244 26245 || { fail "test PKI and x5u server"; finish; }
CALLEE_LOG=$WORK/callee.jsonl

# signer_ini SIGN CERTIFICATE NEXT_HOP: the signer's file.
signer_ini() {
    { stird_header 127.0.0.2 $SIGNER_PORT; cat <<EOF
[peer "pbx"]
addresses = 127.0.0.1
trusted = yes
sign = $1
tns = 12155551000-12155551099
[credential "main"]
private_key = $PKI/leaf-spc.key
certificate = $2
x5u = $X5U/leaf-spc-chain.pem
[route "verifier"]
next_hop = $3
EOF
    } > "$WORK/signer.ini"
}
# verifier_ini [EXTRA [verify] LINES...]: the verifier's file.
verifier_ini() {
    { stird_header 127.0.0.3 $VERIFIER_PORT; verify_section; printf '%s\n' "$@"; cat <<EOF
[peer "signer"]
addresses = 127.0.0.2
verify = yes
on_failure = continue
[route "callee"]
next_hop = 127.0.0.1:$UAS_PORT
EOF
    } > "$WORK/verifier.ini"
}
# hup NAME PID PATTERN: SIGHUP, then wait (≤ 5 s) for one more line with PATTERN in NAME.log.
hup() {
    local log=$WORK/$1.log before
    before=$(grep -c -- "$3" "$log")
    kill -HUP "$2"
    for _ in $(seq 1 50); do
        [ "$(grep -c -- "$3" "$log")" -gt "$before" ] && return 0
        sleep 0.1
    done
    return 1
}
# calls NAME N: N SIPp calls through the signer; the callee log then holds this batch only.
calls() {
    : > "$CALLEE_LOG"
    run_uac "$1" -sf "$WORK/uac.xml" 127.0.0.2:$SIGNER_PORT -s +12155559999 -m "$2" -r 10 -l 10 -t u1
}
identities() { grep -o '"Identity: ' "$CALLEE_LOG" | wc -l; }
passed() { grep '"method": "INVITE"' "$CALLEE_LOG" | grep -c 'verstat=TN-Validation-Passed'; }
last_reload() { grep "routes reloaded and STIR rebuilt" "$WORK/$1.log" | tail -1; }

signer_ini no "$PKI/leaf-spc.pem" 127.0.0.3:$VERIFIER_PORT
verifier_ini
start_named signer "$WORK/signer.ini" 127.0.0.2 $SIGNER_PORT || { fail "signing stird starts"; finish; }
SIGNER_PID=${PIDS[-1]}
start_named verifier "$WORK/verifier.ini" 127.0.0.3 $VERIFIER_PORT || { fail "verifying stird starts"; finish; }
VERIFIER_PID=${PIDS[-1]}
python3 "$TOOLS/responder.py" $UAS_PORT 486 "$CALLEE_LOG" 100 &
PIDS+=("$!")
sleep 0.3
render "$SCEN/uac-stir.xml" "$WORK/uac.xml" STATUS=486 FROM=+12155551010

# 1. Not signing yet.
calls unsigned 3
check "3 calls before the reload complete" test $? -eq 0
check "  ... and reach the callee without Identity ($(identities))" test "$(identities)" -eq 0

# 2. sign = yes, SIGHUP: new calls are signed and verify.
signer_ini yes "$PKI/leaf-spc.pem" 127.0.0.3:$VERIFIER_PORT
check "signer logs one reload line after SIGHUP" hup signer "$SIGNER_PID" "routes reloaded and STIR rebuilt"
echo "  $(last_reload signer)"
check "  ... saying signing went on (sign off→on)" grep -q 'sign off→on' <<< "$(last_reload signer)"
calls signed 5
check "5 calls after the reload complete" test $? -eq 0
check "  ... each with one Identity header ($(identities))" test "$(identities)" -eq 5
check "  ... passed by the verifier ($(passed))" test "$(passed)" -eq 5

# 3. A broken credential (another key's certificate) and a moved route on
# SIGHUP: the error names file:line, and everything old is kept.
signer_ini yes "$PKI/leaf-untrusted.pem" 127.0.0.1:9
check "a broken credential on SIGHUP is logged as an error" hup signer "$SIGNER_PID" "reload failed"
err=$(grep "reload failed" "$WORK/signer.log" | tail -1)
echo "  $err"
check "  ... naming the file, the line and the mismatch" grep -q "signer.ini:[0-9]*: certificate: .*does not match" <<< "$err"
calls still-signed 5
check "calls after the failed reload still complete (old route kept)" test $? -eq 0
check "  ... still signed ($(identities))" test "$(identities)" -eq 5
check "  ... still passing verification ($(passed))" test "$(passed)" -eq 5

# 4. Verifier: a reload that leaves trust alone keeps the certificate cache
# (no new fetch); another revocation policy rebuilds it.
# fetches: the verifier's stird_cert_fetches_total (its metrics listen on 127.0.0.3).
fetches() {
    python3 - "$((VERIFIER_PORT + 5))" <<'PY'
import sys, urllib.request
body = urllib.request.urlopen("http://127.0.0.3:%s/metrics" % sys.argv[1], timeout=3).read().decode()
print(next(l.split()[-1] for l in body.splitlines() if l.startswith("stird_cert_fetches_total ")))
PY
}
before=$(fetches)
verifier_ini "max_date_age_s = 90"
check "verifier reload with unchanged trust settings" hup verifier "$VERIFIER_PID" "routes reloaded and STIR rebuilt"
echo "  $(last_reload verifier)"
check "  ... logs 'cache kept'" grep -q 'cache kept' <<< "$(last_reload verifier)"
calls cached 3
check "  ... calls still verify ($(passed) of 3)" test "$(passed)" -eq 3
check "  ... without fetching the certificate again (fetches $before → $(fetches))" test "$(fetches)" = "$before"
verifier_ini "max_date_age_s = 90" "revocation = short_lived"
check "verifier reload with another revocation policy" hup verifier "$VERIFIER_PID" "routes reloaded and STIR rebuilt"
echo "  $(last_reload verifier)"
check "  ... logs 'cache rebuilt (trust settings changed)'" grep -q 'cache rebuilt (trust settings changed)' <<< "$(last_reload verifier)"
check "  ... and has a new, empty cache (fetches $(fetches))" test "$(fetches)" -eq 0
calls rebuilt 3
check "  ... calls verify with the new cache ($(passed) of 3)" test "$(passed)" -eq 3
check "  ... which fetched the certificate once ($(fetches))" test "$(fetches)" -eq 1
check "both stirds still running" kill -0 "$SIGNER_PID" "$VERIFIER_PID"
finish
