#!/usr/bin/env bash
# IPv6: UAC -> stird [::1] -> UAS [::1] over UDP, 50 calls at 25/s.
source "$(dirname "$0")/lib.sh"
STIRD_PORT=26260; UAS_PORT=26270
{
    echo "[general]"; echo "log_level = info"
    echo "[listen]"; echo "udp = [::1]:$STIRD_PORT"; echo "tcp = [::1]:$STIRD_PORT"
    echo "[metrics]"; echo "listen = [::1]:$((STIRD_PORT + 5))"
    echo "[route \"uas\"]"; echo "next_hop = [::1]:$UAS_PORT"
} > "$WORK/stird.ini"
"$STIRD_BIN" --config "$WORK/stird.ini" > "$WORK/stird.out" 2> "$WORK/stird.log" &
STIRD_PID=$!
PIDS+=("$STIRD_PID")
for _ in $(seq 1 100); do ss -lun | grep -q "\[::1\]:$STIRD_PORT " && break; sleep 0.05; done
listening_v6() { ss -lun | grep -q "\[::1\]:$STIRD_PORT "; }
check "stird listens on [::1]" listening_v6
(cd "$WORK" && exec sipp -nostdin -i ::1 -p $UAS_PORT -sn uas -timeout 60s > "$WORK/uas.out" 2>&1) &
PIDS+=("$!")
sleep 0.5
(cd "$WORK" && sipp -nostdin -i ::1 -p $((STIRD_PORT + 20)) -sn uac "[::1]:$STIRD_PORT" -s callee -m 50 -r 25 \
    -timeout 60s -timeout_error -trace_stat -stf "$WORK/v6.csv" > "$WORK/v6.out" 2>&1)
rc=$?
ok=$(stat_field "$WORK/v6.csv" "SuccessfulCall(C)")
echo "ipv6: successful=$ok"
check "50 calls over IPv6 UDP, 0 failed" test "$rc" -eq 0 -a "$ok" = 50
check "stird alive after IPv6 calls" stird_alive
finish
