#!/usr/bin/env bash
# Silent callee: with T1 = 50 ms, Timer B (64*T1 = 3.2 s) fires and the
# caller gets stird's 408 Request Timeout.
source "$(dirname "$0")/lib.sh"
STIRD_PORT=25460; UAS_PORT=25470
write_config "$WORK/stird.ini" <<EOF
[transaction]
t1_ms = 50
t2_ms = 400
timer_c_s = 5
[route "nobody"]
next_hop = 127.0.0.1:$UAS_PORT
EOF
start_stird "$WORK/stird.ini" || { fail "stird starts"; finish; }
# A UDP socket that reads and never answers.
python3 -c "
import socket,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('127.0.0.1',$UAS_PORT)); s.settimeout(0.5)
n=0; end=time.time()+30
while time.time()<end:
    try: s.recvfrom(65535); n+=1; open('$WORK/silent.count','w').write(str(n))
    except socket.timeout: pass
" &
PIDS+=("$!")
render "$SCEN/uac-expect-final.xml" "$WORK/uac-408.xml" STATUS=408 MF=70
start=$(date +%s.%N)
run_uac timeout -sf "$WORK/uac-408.xml" 127.0.0.1:$STIRD_PORT -s callee -m 3 -r 3 -t u1
rc=$?
elapsed=$(python3 -c "print(round($(date +%s.%N)-$start,1))")
echo "408 after ${elapsed}s; silent callee received $(cat "$WORK/silent.count" 2>/dev/null) INVITEs"
check "silent callee: caller gets 408" test $rc -eq 0
check "stird retransmitted the INVITE (Timer A) to the silent callee" test "$(cat "$WORK/silent.count" 2>/dev/null || echo 0)" -gt 3
finish
