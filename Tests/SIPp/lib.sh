# Shared helpers for the live SIPp suites (sourced by NN-*.sh).
# Every process started here is recorded by PID and stopped by cleanup.
# Every SIPp run is bounded by -m (calls) and -timeout (seconds).
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STIRD_BIN=${STIRD_BIN:-$ROOT/.build/debug/stird}
SCEN=$ROOT/Tests/SIPp/scenarios
WORK=$(mktemp -d "${TMPDIR:-/tmp}/stird-sipp.XXXXXX")
PIDS=()
PASSED=0
FAILED=0
SUITE=$(basename "$0" .sh)

cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
    done
    if [ "${KEEP_WORK:-0}" != 1 ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

pass() { PASSED=$((PASSED + 1)); echo "PASS $SUITE: $1"; }
fail() { FAILED=$((FAILED + 1)); printf "\nFAIL %s: %s\n" "$SUITE" "$1"; }
# check NAME COMMAND...: PASS when the command succeeds.
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }

finish() {
    echo "suite $SUITE: $PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
    exit $?
}

# write_config FILE: writes an INI with [listen] on $STIRD_PORT (and TLS on
# $STIRD_TLS_PORT when set) plus extra text from stdin.
write_config() {
    local file=$1
    {
        echo "[general]"
        echo "log_level = ${STIRD_LOG_LEVEL:-debug}"
        echo "drain_timeout_s = 5"
        echo "[listen]"
        echo "udp = 127.0.0.1:$STIRD_PORT"
        echo "tcp = 127.0.0.1:$STIRD_PORT"
        if [ -n "${STIRD_TLS_PORT:-}" ]; then echo "tls = 127.0.0.1:$STIRD_TLS_PORT"; fi
        echo "[metrics]"
        echo "listen = 127.0.0.1:$((STIRD_PORT + 5))"
        cat
    } > "$file"
}

# start_stird CONFIG: starts stird, waits until it answers OPTIONS-free check (port bound).
start_stird() {
    local config=$1
    "$STIRD_BIN" --config "$config" > "$WORK/stird.out" 2> "$WORK/stird.log" &
    STIRD_PID=$!
    PIDS+=("$STIRD_PID")
    for _ in $(seq 1 100); do
        if ss -lun 2>/dev/null | grep -q "127.0.0.1:$STIRD_PORT "; then return 0; fi
        kill -0 "$STIRD_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "stird did not start:"; tail -20 "$WORK/stird.log"
    return 1
}

stird_alive() { kill -0 "$STIRD_PID" 2>/dev/null; }

# start_uas PORT [sipp args...]: SIPp UAS in the background (bounded by -timeout).
start_uas() {
    local port=$1; shift
    (cd "$WORK" && exec sipp -nostdin -i 127.0.0.1 -p "$port" -timeout 120s "$@" > "$WORK/uas-$port.out" 2>&1) &
    PIDS+=("$!")
    UAS_PID=$!
    for _ in $(seq 1 100); do
        if ss -lun 2>/dev/null | grep -q "127.0.0.1:$port " || ss -ltn 2>/dev/null | grep -q "127.0.0.1:$port "; then return 0; fi
        sleep 0.05
    done
    echo "UAS on $port did not start"; cat "$WORK/uas-$port.out"; return 1
}

# run_uac NAME [sipp args...]: SIPp UAC in the foreground; returns SIPp's exit code
# (0 = every call succeeded). Stats land in $WORK/NAME.csv.
run_uac() {
    local name=$1; shift
    # Local port: UAC_PORT, else STIRD_PORT + 20, else SIPp's default.
    local port=()
    if [ -n "${UAC_PORT:-}" ]; then port=(-p "$UAC_PORT")
    elif [ -n "${STIRD_PORT:-}" ]; then port=(-p "$((STIRD_PORT + 20))"); fi
    (cd "$WORK" && sipp -nostdin -i 127.0.0.1 "${port[@]}" -timeout 90s -timeout_error \
        -trace_stat -stf "$WORK/$name.csv" -trace_err "$@" > "$WORK/$name.out" 2>&1)
    local rc=$?
    if [ $rc -ne 0 ]; then
        echo "--- $name: sipp exit $rc"; tail -5 "$WORK/$name.out"
        ls "$WORK"/*errors.log >/dev/null 2>&1 && tail -30 "$WORK"/*errors.log
    fi
    return $rc
}

# stat_field FILE COLUMN: last value of a SIPp -trace_stat column (e.g. SuccessfulCall(C)).
stat_field() {
    python3 - "$1" "$2" <<'PY'
import sys
rows = [l.rstrip("\n").split(";") for l in open(sys.argv[1]) if l.strip()]
head, last = rows[0], rows[-1]
print(last[head.index(sys.argv[2])])
PY
}

# send_udp PORT FILE [WAIT_S]: sends FILE's bytes as one datagram from a fresh
# socket; prints the first line of each reply received within WAIT_S.
send_udp() {
    python3 - "$1" "$2" "${3:-1}" <<'PY'
import socket, sys, time
port, path, wait = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.sendto(open(path, "rb").read(), ("127.0.0.1", port))
s.settimeout(0.2)
end = time.time() + wait
while time.time() < end:
    try:
        data, _ = s.recvfrom(65535)
        print(data.split(b"\r\n", 1)[0].decode("utf-8", "replace"))
    except socket.timeout:
        pass
PY
}

# options_ping PORT: sends OPTIONS to stird for a user routed nowhere and
# prints the status line of the answer (proves the daemon answers).
options_ping() {
    local f="$WORK/ping.sip"
    printf 'OPTIONS sip:ping@127.0.0.1:%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKping%s;rport\r\nMax-Forwards: 70\r\nFrom: <sip:t@127.0.0.1>;tag=p1\r\nTo: <sip:ping@127.0.0.1>\r\nCall-ID: ping-%s@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n' "$1" "$RANDOM$RANDOM" "$RANDOM" > "$f"
    send_udp "$1" "$f" 1 | head -1
}

# wait_uas SECONDS: waits for the background UAS to exit by itself (it was
# started with -m N); returns its exit code, or 124 after SECONDS.
wait_uas() {
    local limit=$1
    for _ in $(seq 1 $((limit * 10))); do
        if ! kill -0 "$UAS_PID" 2>/dev/null; then wait "$UAS_PID"; return $?; fi
        sleep 0.1
    done
    echo "UAS still running after ${limit}s"; tail -5 "$WORK/uas-"*.out
    return 124
}

# render TEMPLATE OUT KEY=VALUE...: copies a scenario replacing @KEY@ markers.
render() {
    local in=$1 out=$2; shift 2
    cp "$in" "$out"
    for kv in "$@"; do sed -i "s|@${kv%%=*}@|${kv#*=}|g" "$out"; done
}

# metric NAME: the value of one sample from stird's Prometheus endpoint.
metric() {
    python3 - "$((STIRD_PORT + 5))" "$1" <<'PY'
import sys, urllib.request
body = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=3).read().decode()
for line in body.splitlines():
    if line.startswith(sys.argv[2] + " ") or line.startswith(sys.argv[2] + "{"):
        print(line.rsplit(" ", 1)[1]); break
PY
}
