#!/usr/bin/env bash
# B2BUA mode (RFC 3261 §§12-17 as UAS on leg A and UAC on leg B, RFC 7092):
# basic call with BYE from the caller, BYE from the callee, CANCEL, 486,
# 481 for an unknown dialog, max_dialogs (503), a proxy-mode route in the
# same daemon unchanged, calls kept across SIGHUP and ended during a
# SIGTERM drain, and a call signed by a b2bua stird (on leg B) and
# verified by a second stird. Each b2bua flow checks on the wire (SIPp
# -trace_msg) that the callee never sees the caller's Call-ID, tag, Via or
# Contact and the caller never sees the callee's.
source "$(dirname "$0")/lib.sh"
source "$ROOT/Tests/SIPp/tools/stir_lib.sh"
STIRD_PORT=26800; UAC_PORT=26820
BASIC=26831; CALLEE_BYE=26832; CANCEL=26833; BUSY=26834; PROXIED=26835; BUILTIN=26836; INDIALOG=26837; CALLEE_DIALOG=26838; PRACK=26839
write_config "$WORK/stird.ini" <<EOF
[proxy]
mode = b2bua
loops = 2
$(for r in basic:101:$BASIC callee-bye:102:$CALLEE_BYE cancel:103:$CANCEL busy:104:$BUSY builtin:107:$BUILTIN \
             indialog:108:$INDIALOG callee-dialog:110:$CALLEE_DIALOG prack:111:$PRACK; do
      IFS=: read -r name prefix port <<< "$r"
      printf '[route "%s"]\nuser_prefix = %s\nnext_hop = 127.0.0.1:%s\n' "$name" "$prefix" "$port"
  done)
[route "proxied"]
user_prefix = 105
next_hop = 127.0.0.1:$PROXIED
mode = proxy
EOF
start_stird "$WORK/stird.ini" || { fail "stird starts"; finish; }

# hidden UAS_LOG UAC_LOG UAS_PORT: the callee's messages carry none of the
# caller's Call-ID (SIPp's "N-pid@127.0.0.1"), From tag, Via or Contact,
# and the caller's none of the callee's To tag, Via, Contact or
# Record-Route. (From and To URIs are identities and cross unchanged: STIR
# signs and verifies their TNs.)
hidden() {
    local uas=$1 uac=$2 port=$3
    grep -q '^Call-ID: ' "$uas" && grep -q '^Call-ID: ' "$uac" || return 1
    ! grep -q '^Call-ID: .*@' "$uas" && ! grep -q 'SIPpTag00' "$uas" && ! grep -qi "^Via: .*:$UAC_PORT" "$uas" \
        && ! grep -qi '^Contact: .*sipp@' "$uas" && ! grep -q 'SIPpTag01' "$uac" && ! grep -qi '^Contact: .*callee@' "$uac" \
        && ! grep -qi "^Via: .*:$port" "$uac" && ! grep -qi '^Record-Route:' "$uac"
}

# 1. Basic call, BYE from the caller (10 calls).
start_uas $BASIC -sf "$SCEN/uas-rr.xml" -m 10 -trace_msg || { fail "uas starts"; finish; }
run_uac basic -sf "$SCEN/uac-rr.xml" 127.0.0.1:$STIRD_PORT -s 1015550000 -m 10 -r 5 -trace_msg
check "10 b2bua calls: INVITE, 180, 200, ACK, BYE from the caller, 200" test $? -eq 0
check "callee completed 10 calls (ACK and BYE reached it on leg B)" wait_uas 20
check "basic: neither side saw the other's Call-ID, tag, Via or Contact" \
    hidden "$(ls "$WORK"/uas-rr_*_messages.log)" "$(ls "$WORK"/uac-rr_*_messages.log)" $BASIC

# 1b. SIPp's built-in uac and uas (they ignore Contact and Record-Route:
# the caller's ACK and BYE reach stird by its address and find the call by
# Call-ID and To tag).
start_uas $BUILTIN -sn uas -m 5 || { fail "uas starts"; finish; }
run_uac builtin -sn uac 127.0.0.1:$STIRD_PORT -s 1075550000 -m 5 -r 5
check "5 b2bua calls between SIPp's built-in uac and uas" test $? -eq 0
check "built-in callee completed 5 calls" wait_uas 20

# 1c. In-dialog requests from the caller: re-INVITE (with an SDP body,
# ACKed), UPDATE, INFO, OPTIONS, then BYE, each crossing to leg B.
start_uas $INDIALOG -sf "$SCEN/uas-indialog.xml" -m 3 -trace_msg || { fail "uas starts"; finish; }
run_uac indialog -sf "$SCEN/uac-indialog.xml" 127.0.0.1:$STIRD_PORT -s 1085550000 -m 3 -r 5 -trace_msg
check "3 b2bua calls with re-INVITE, UPDATE, INFO, OPTIONS and BYE from the caller, each answered 200" test $? -eq 0
check "callee saw each in-dialog request on leg B (re-INVITE with the caller's body) and the ACKs" wait_uas 20
check "in-dialog: neither side saw the other's Call-ID, tag, Via or Contact" \
    hidden "$(ls "$WORK"/uas-indialog_*_messages.log)" "$(ls "$WORK"/uac-indialog_*_messages.log)" $INDIALOG

# 1d. 100rel (RFC 3262): the callee's reliable 183 reaches the caller with
# its RSeq; the caller's PRACK reaches the callee with RAck naming leg B's
# INVITE; then 200, ACK, BYE.
start_uas $PRACK -sf "$SCEN/uas-prack.xml" -m 3 || { fail "uas starts"; finish; }
run_uac prack -sf "$SCEN/uac-prack.xml" 127.0.0.1:$STIRD_PORT -s 1115550000 -m 3 -r 5
check "3 b2bua calls with a reliable 183 PRACKed across the legs" test $? -eq 0
check "callee got each PRACK with RAck for leg B's INVITE, and the ACK and BYE" wait_uas 20

# 2. BYE from the callee.
start_uas $CALLEE_BYE -sf "$SCEN/uas-bye.xml" -m 5 -trace_msg || { fail "uas starts"; finish; }
run_uac callee-bye -sf "$SCEN/uac-bye-received.xml" 127.0.0.1:$STIRD_PORT -s 1025550000 -m 5 -r 5 -trace_msg
check "5 b2bua calls ended by the callee: the caller got the BYE and answered it" test $? -eq 0
check "callee's BYE was answered 200" wait_uas 20
check "callee BYE: neither side saw the other's Call-ID, tag, Via or Contact" \
    hidden "$(ls "$WORK"/uas-bye_*_messages.log)" "$(ls "$WORK"/uac-bye-received_*_messages.log)" $CALLEE_BYE

# 2b. In-dialog requests from the callee: re-INVITE with SDP (ACKed), INFO, BYE.
start_uas $CALLEE_DIALOG -sf "$SCEN/uas-indialog-callee.xml" -m 3 -trace_msg || { fail "uas starts"; finish; }
run_uac callee-dialog -sf "$SCEN/uac-indialog-callee.xml" 127.0.0.1:$STIRD_PORT -s 1105550000 -m 3 -r 5 -trace_msg
check "3 b2bua calls: the caller answered the callee's re-INVITE (with its body), INFO and BYE" test $? -eq 0
check "callee's re-INVITE, INFO and BYE were answered 200, its ACK sent" wait_uas 20
check "callee in-dialog: neither side saw the other's Call-ID, tag, Via or Contact" \
    hidden "$(ls "$WORK"/uas-indialog-callee_*_messages.log)" "$(ls "$WORK"/uac-indialog-callee_*_messages.log)" $CALLEE_DIALOG

# 3. CANCEL after 180: 200 for the CANCEL and 487 at the caller, CANCEL on leg B.
start_uas $CANCEL -sf "$SCEN/uas-cancel.xml" -m 5 -trace_msg || { fail "uas starts"; finish; }
run_uac cancel -sf "$SCEN/uac-cancel.xml" 127.0.0.1:$STIRD_PORT -s 1035550000 -m 5 -r 5 -trace_msg
check "5 cancelled b2bua calls end 200/487 at the caller" test $? -eq 0
check "callee saw 5 CANCELs on leg B and its scenario completed" wait_uas 20
check "cancel: neither side saw the other's Call-ID, tag, Via or Contact" \
    hidden "$(ls "$WORK"/uas-cancel_*_messages.log)" "$(ls "$WORK"/uac-cancel_*_messages.log)" $CANCEL

# 4. 486 from the callee, relayed; each side ACKs its own leg.
start_uas $BUSY -sf "$SCEN/uas-busy.xml" -m 5 || { fail "uas starts"; finish; }
render "$SCEN/uac-expect-final.xml" "$WORK/uac-486.xml" STATUS=486 MF=70
run_uac busy -sf "$WORK/uac-486.xml" 127.0.0.1:$STIRD_PORT -s 1045550000 -m 5 -r 5
check "5 b2bua calls: the caller receives the callee's 486" test $? -eq 0
check "callee received stird's ACK on leg B for each 486" wait_uas 20

# 5. A proxy-mode route in the same daemon: the callee sees the caller's Call-ID, tag and Via.
render "$SCEN/uas-rr.xml" "$WORK/uas-proxied.xml"
sed -i 's/name="uas-rr"/name="uas-proxied"/' "$WORK/uas-proxied.xml"
start_uas $PROXIED -sf "$WORK/uas-proxied.xml" -m 3 -trace_msg || { fail "uas starts"; finish; }
run_uac proxied -sf "$SCEN/uac-rr.xml" 127.0.0.1:$STIRD_PORT -s 1055550000 -m 3 -r 5
check "3 calls on the proxy-mode route complete" test $? -eq 0
check "proxy-mode callee finished" wait_uas 20
proxied_log=$(ls "$WORK"/uas-proxied_*_messages.log)
check "proxy mode unchanged: the callee saw the caller's Call-ID, tag and Via" \
    eval "grep -q '^Call-ID: .*@127.0.0.1' '$proxied_log' && grep -q SIPpTag00 '$proxied_log' && grep -q '127.0.0.1:$UAC_PORT' '$proxied_log'"

# 6. 481 for a request aimed at stird's B2BUA Contact in no dialog.
printf 'BYE sip:b2bua@127.0.0.1:%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKnodlg%s;rport\r\nMax-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=x1\r\nTo: <sip:b@127.0.0.1>;tag=nosuch\r\nCall-ID: nodialog-%s\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n' \
    $STIRD_PORT "$RANDOM" "$RANDOM" > "$WORK/bye481.sip"
check "BYE in an unknown dialog: 481" test "$(send_udp $STIRD_PORT "$WORK/bye481.sip" 1 | awk 'NR==1')" = "SIP/2.0 481 Call/Transaction Does Not Exist"

ended() { metric "stird_b2bua_dialogs_ended_total{cause=\"$1\"}"; }
created=$(metric stird_b2bua_dialogs_created_total); held=$(metric stird_b2bua_dialogs)
check "metrics: 39 dialogs created ($created), ended 21 bye_caller ($(ended bye_caller)), 8 bye_callee ($(ended bye_callee)), 5 cancelled ($(ended cancelled)), 5 rejected ($(ended rejected)), 0 held ($held)" \
    test "$created $(ended bye_caller) $(ended bye_callee) $(ended cancelled) $(ended rejected) $held" = "39 21 8 5 5 0"
check "stird still running" stird_alive
kill "$STIRD_PID"; wait "$STIRD_PID" 2>/dev/null

# 7. max_dialogs: two unanswered calls held (their next hop never answers),
# the third gets 503 with Retry-After; then no answer at all: 408 (Timer B,
# 64*T1 with t1_ms = 100).
STIRD_PORT=26840
write_config "$WORK/limit.ini" <<EOF
[transaction]
t1_ms = 100
[proxy]
mode = b2bua
loops = 1
max_dialogs = 2
[route "silent"]
next_hop = 127.0.0.1:9
EOF
start_stird "$WORK/limit.ini" || { fail "limited stird starts"; finish; }
for n in 1 2 3; do
    printf 'INVITE sip:1065550000@127.0.0.1:%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKlim%s;rport\r\nMax-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=l%s\r\nTo: <sip:1065550000@127.0.0.1>\r\nCall-ID: limit-%s-%s\r\nCSeq: 1 INVITE\r\nContact: <sip:a@127.0.0.1:9>\r\nContent-Length: 0\r\n\r\n' \
        $STIRD_PORT "$n$RANDOM" "$n" "$n" "$RANDOM" > "$WORK/limit$n.sip"
done
first=$(send_udp $STIRD_PORT "$WORK/limit1.sip" 0.5 | awk 'NR==1')
second=$(send_udp $STIRD_PORT "$WORK/limit2.sip" 0.5 | awk 'NR==1')
third=$(send_udp $STIRD_PORT "$WORK/limit3.sip" 0.5 | awk 'NR==1')
check "max_dialogs = 2: two calls held ($first / $second), the third refused ($third)" \
    eval "[ '$first' = 'SIP/2.0 100 Trying' ] && [ '$second' = 'SIP/2.0 100 Trying' ] && [[ '$third' == 'SIP/2.0 503 Service Unavailable'* ]]"
check "metrics: 1 call refused ($(metric stird_b2bua_dialogs_refused_total)), 2 held ($(metric stird_b2bua_dialogs))" \
    test "$(metric stird_b2bua_dialogs_refused_total) $(metric stird_b2bua_dialogs)" = "1 2"
sleep 6
render "$SCEN/uac-expect-final.xml" "$WORK/uac-408.xml" STATUS=408 MF=70
UAC_PORT=26823 run_uac noanswer -sf "$WORK/uac-408.xml" 127.0.0.1:$STIRD_PORT -s 1065550000 -m 2 -r 5
check "2 b2bua calls nobody answers: the caller gets 408" test $? -eq 0
check "metrics: 4 calls ended no_answer ($(metric 'stird_b2bua_dialogs_ended_total{cause="no_answer"}'))" \
    test "$(metric 'stird_b2bua_dialogs_ended_total{cause="no_answer"}')" = 4
kill "$STIRD_PID"; wait "$STIRD_PID" 2>/dev/null

# 7b. Calls up across SIGHUP and SIGTERM: 3 calls held 3 s each; SIGHUP
# while they are up, then SIGTERM: their BYEs are still routed during the
# drain, a new call gets 503, and stird exits once they ended.
STIRD_PORT=26890; HELD=26891
write_config "$WORK/held.ini" <<EOF
[proxy]
mode = b2bua
[route "held"]
next_hop = 127.0.0.1:$HELD
EOF
start_stird "$WORK/held.ini" || { fail "held-call stird starts"; finish; }
start_uas $HELD -sf "$SCEN/uas-rr.xml" -m 3 || { fail "uas starts"; finish; }
render "$SCEN/uac-rr.xml" "$WORK/uac-held.xml"
sed -i 's/<pause milliseconds="200"\/>/<pause milliseconds="3000"\/>/; s/name="uac-rr"/name="uac-held"/' "$WORK/uac-held.xml"
UAC_PORT=26822 run_uac held -sf "$WORK/uac-held.xml" 127.0.0.1:$STIRD_PORT -s 1095550000 -m 3 -r 10 &
HELD_UAC=$!
sleep 1
kill -HUP "$STIRD_PID"
sleep 0.5
check "SIGHUP with 3 calls up: stird reloaded and still holds them ($(metric stird_b2bua_dialogs))" \
    eval "grep -q 'reload' '$WORK/stird.log' && test '$(metric stird_b2bua_dialogs)' = 3"
kill -TERM "$STIRD_PID"
sleep 0.3
sed 's/z9hG4bKlim/z9hG4bKdrn/; s/limit-/drain-/' "$WORK/limit1.sip" | sed "s/127.0.0.1:26840/127.0.0.1:$STIRD_PORT/" > "$WORK/drain.sip"
check "during the drain a new call gets 503" \
    eval "[[ '$(send_udp $STIRD_PORT "$WORK/drain.sip" 0.5 | awk 'NR==1')' == 'SIP/2.0 503 Service Unavailable'* ]]"
wait $HELD_UAC
check "the 3 calls up ended normally during the drain (BYE routed on both legs)" test $? -eq 0
check "callee saw the 3 BYEs" wait_uas 20
for _ in $(seq 1 50); do stird_alive || break; sleep 0.1; done
check "stird exited once its calls had ended" eval "! stird_alive"

# 8. STIR across the legs: SIPp → signing stird in b2bua mode (127.0.0.2)
# → verifying stird, a proxy (127.0.0.3) → callee. The Identity made on
# leg A's request crosses with Date and the From/To TNs it covers, so the
# verifier passes it on leg B, whose Call-ID and tags are stird's own.
SIGNER_PORT=26850; VERIFIER_PORT=26860; STIR_UAS=26870
setup_pki 26883 26884 26886 || { fail "test PKI and x5u server"; finish; }
CALLEE_LOG=$WORK/callee.jsonl
{ stird_header 127.0.0.2 $SIGNER_PORT; cat <<EOF
[peer "pbx"]
addresses = 127.0.0.1
trusted = yes
sign = yes
tns = 12155551000-12155551099
$(signing_credential)
spc = 1234
[route "verifier"]
next_hop = 127.0.0.3:$VERIFIER_PORT
mode = b2bua
EOF
} > "$WORK/signer.ini"
{ stird_header 127.0.0.3 $VERIFIER_PORT; verify_section; cat <<EOF
[peer "signer"]
addresses = 127.0.0.2
verify = yes
on_failure = reject
[route "callee"]
next_hop = 127.0.0.1:$STIR_UAS
EOF
} > "$WORK/verifier.ini"
start_named signer "$WORK/signer.ini" 127.0.0.2 $SIGNER_PORT || { fail "signing b2bua stird starts"; finish; }
start_named verifier "$WORK/verifier.ini" 127.0.0.3 $VERIFIER_PORT || { fail "verifying stird starts"; finish; }
python3 "$TOOLS/responder.py" $STIR_UAS 486 "$CALLEE_LOG" 60 &
PIDS+=("$!")
sleep 0.3
render "$SCEN/uac-stir.xml" "$WORK/uac-stir.xml" STATUS=486 FROM=+12155551010
UAC_PORT=26821 run_uac stir -sf "$WORK/uac-stir.xml" 127.0.0.2:$SIGNER_PORT -s +12155559999 -m 5 -r 5
check "5 calls signed on leg B by a b2bua stird and verified by a second stird complete" test $? -eq 0
invites=$(grep -c '"method": "INVITE"' "$CALLEE_LOG")
passed=$(grep '"method": "INVITE"' "$CALLEE_LOG" | grep -c 'verstat=TN-Validation-Passed')
check "callee saw verstat=TN-Validation-Passed on all $invites INVITEs ($passed)" test "$passed" -eq 5 -a "$invites" -eq 5
check "callee saw leg B's Call-IDs, none of the caller's" \
    test "$(grep '"method": "INVITE"' "$CALLEE_LOG" | grep -c '"call_id": "[0-9a-f]\{32\}"')" -eq 5
check "signer logged attest A" grep -q 'attest=A.*stir-sign: signed' "$WORK/signer.log"
finish
