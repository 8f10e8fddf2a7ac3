#!/usr/bin/env bash
# Running under systemd (Type=notify) and behind a load balancer:
# READY=1 reaches $NOTIFY_SOCKET only once the SIP and metrics sockets are
# bound; GET /health answers 200 while serving; SIGHUP is framed by
# RELOADING=1 and READY=1; after SIGTERM, STOPPING=1 is sent and /health
# answers 503 while a call is still being drained; after the drain stird
# exits 0 and the endpoint is gone.
source "$(dirname "$0")/lib.sh"
STIRD_PORT=26360; A_PORT=26370
METRICS_PORT=$((STIRD_PORT + 5))
NOTIFY=$WORK/notify.sock

# health: prints "STATUS BODY" of GET /health ("0 refused" when nothing listens).
health() {
    python3 - "$METRICS_PORT" <<'PY'
import sys, urllib.error, urllib.request
try:
    with urllib.request.urlopen("http://127.0.0.1:%s/health" % sys.argv[1], timeout=3) as r:
        print(r.status, r.read().decode().strip())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode().strip())
except OSError:
    print(0, "refused")
PY
}
# notified STATE [SECONDS]: waits until the listener has logged a message with line STATE.
notified() {
    for _ in $(seq 1 $(( ${2:-3} * 10 ))); do
        grep -q "\"$1\"" "$WORK/notify.jsonl" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
# notify_field STATE FIELD: FIELD of the first message with line STATE.
notify_field() {
    python3 - "$WORK/notify.jsonl" "$1" "$2" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if sys.argv[2] in r["lines"]:
        print(r[sys.argv[3]]); break
PY
}

python3 "$ROOT/Tests/SIPp/tools/notify_listener.py" "$NOTIFY" "$WORK/notify.jsonl" $METRICS_PORT $STIRD_PORT 40 &
PIDS+=("$!")
# The callee holds every call 3 s before its final response.
python3 "$ROOT/Tests/SIPp/tools/responder.py" $A_PORT 486 "$WORK/a.jsonl" 40 3 &
PIDS+=("$!")
for _ in $(seq 1 50); do [ -S "$NOTIFY" ] && break; sleep 0.1; done

printf '[route "callee"]\nnext_hop = 127.0.0.1:%s\n' $A_PORT | write_config "$WORK/stird.ini"
export NOTIFY_SOCKET=$NOTIFY
start_stird "$WORK/stird.ini" || { fail "stird starts"; finish; }
unset NOTIFY_SOCKET

check "READY=1 reached NOTIFY_SOCKET" notified READY=1
check "at READY=1 the SIP port was bound" test "$(notify_field READY=1 sip_bound)" = True
check "at READY=1 /health answered 200" test "$(notify_field READY=1 health)" = 200
h=$(health); echo "serving: $h"
check "GET /health answers 200 serving" test "$h" = "200 serving"

kill -HUP "$STIRD_PID"
check "SIGHUP sends RELOADING=1" notified RELOADING=1
sleep 0.5
check "READY=1 follows the reload" test "$(grep -c '"READY=1"' "$WORK/notify.jsonl")" -ge 2

# Drain: a call held by the callee is in flight when SIGTERM arrives.
render "$SCEN/uac-expect-final.xml" "$WORK/uac.xml" STATUS=486 MF=70
UAC_PORT=26390 run_uac held -sf "$WORK/uac.xml" 127.0.0.1:$STIRD_PORT -s callee -m 1 -t u1 &
uac=$!
sleep 0.5
kill -TERM "$STIRD_PID"
sleep 0.3
h=$(health); echo "draining: $h"
check "GET /health answers 503 draining while the call drains" test "$h" = "503 draining"
check "the held call had no final response yet (its caller still waits)" kill -0 $uac
check "STOPPING=1 reached NOTIFY_SOCKET" notified STOPPING=1
wait $uac
check "the held call got its final response" test $? -eq 0
rc=124
for _ in $(seq 1 80); do
    if ! kill -0 "$STIRD_PID" 2>/dev/null; then wait "$STIRD_PID"; rc=$?; break; fi
    sleep 0.1
done
check "stird exited 0 after the drain (rc=$rc)" test "$rc" -eq 0
h=$(health); echo "stopped: $h"
check "after exit /health is gone" test "$h" = "0 refused"

# The unit file: systemd's own checker, on a copy whose binary paths exist here.
if command -v systemd-analyze >/dev/null; then
    sed "s#/usr/local/bin/stird#$STIRD_BIN#g" "$ROOT/etc/stird.service" > "$WORK/stird.service"
    systemd-analyze verify "$WORK/stird.service" > "$WORK/analyze.out" 2>&1
    rc=$?; cat "$WORK/analyze.out"
    check "systemd-analyze verify accepts etc/stird.service" test "$rc" -eq 0 -a ! -s "$WORK/analyze.out"
else
    echo "SKIP $SUITE: systemd-analyze not installed (apt-get install systemd)"
fi
finish
