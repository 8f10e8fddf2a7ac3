#!/usr/bin/env python3
"""Relay user equipment flows over TLS, for the device-certificate suite and
the keep-alive benchmark (Python's ssl module: SIPp in Debian has no TLS).

  rue_flows.py call --host H --port P --ca CA [--cert C --key K]
                    [--server-name NAME] --from TN --to TN [--bind ADDR]
      One INVITE over a new TLS connection (with the client certificate
      when given), no credentials. Prints "STATUS call-id=ID" for the
      final response (the INVITE's ACK is sent for a non-2xx), or
      "tls-refused REASON" when the handshake or the connection is
      refused before a response. Exits 0 either way; 2 on a timeout.

  rue_flows.py keepalive --host H --port P [--ca CA --server-name NAME]
                    [--flows N] [--interval-s K] [--hold-s D] [--idle-s I]
                    [--stird-pid PID] [--sources N]
      Opens N TLS connections from this one process (asyncio), from
      --sources addresses 127.0.0.2.. in turn (16 by default), then holds
      them D seconds, each sending an RFC 5626 §4.4.1 double-CRLF ping
      every K seconds (spread evenly) and expecting a CRLF pong before
      the next ping. No REGISTER: a flow here is the TLS connection plus
      its keep-alives. With --stird-pid, samples that process's RSS
      (/proc/PID/status VmRSS) and CPU (utime+stime of /proc/PID/stat)
      and context switches (/proc/PID/task/*/status), and prints the
      figures. First an idle window of I seconds with the
      connections open and no pings, for stird's baseline CPU.

Every wait has a timeout; the whole run is bounded.
"""
import argparse, asyncio, os, random, resource, socket, ssl, sys, threading, time


def client_context(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if getattr(args, "cert", None):
        ctx.load_cert_chain(args.cert, args.key)
    if args.ca:
        ctx.load_verify_locations(args.ca)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


# --- call ----------------------------------------------------------------------

def read_response(conn, buf):
    """(status, header lines) of the next response, or None at EOF."""
    while True:
        while b"\r\n\r\n" not in buf[0]:
            data = conn.recv(65536)
            if not data:
                return None
            buf[0] += data
        head, rest = buf[0].split(b"\r\n\r\n", 1)
        lines = head.decode("utf-8", "replace").split("\r\n")
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() in ("content-length", "l"):
                length = int(value.strip())
        while len(rest) < length:
            data = conn.recv(65536)
            if not data:
                return None
            rest += data
        buf[0] = rest[length:]
        if lines[0].startswith("SIP/2.0 "):
            return int(lines[0].split(" ")[1]), lines[1:]


def run_call(args):
    ctx = client_context(args)
    call_id = "devcert-%d@rue.test" % random.randint(1, 1 << 40)
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.settimeout(10)
    if args.bind:
        raw.bind((args.bind, 0))
    try:
        raw.connect((args.host, args.port))
        conn = ctx.wrap_socket(raw, server_hostname=args.server_name)
    except ssl.SSLError as e:
        print("tls-refused %s" % (e.reason or e))
        return 0
    except OSError as e:
        print("tls-refused %s" % e)
        return 0
    local = "%s:%d" % conn.getsockname()[:2]
    branch = "z9hG4bK%x" % random.randint(1, 1 << 60)
    ruri = "sip:+%s@%s:%d" % (args.to, args.host, args.port)
    common = ["Via: SIP/2.0/TLS %s;branch=%s;rport" % (local, branch), "Max-Forwards: 70",
              "From: <sip:+%s@rue.test;user=phone>;tag=rue%d" % (args.frm, random.randint(1, 1 << 30))]
    invite = ["INVITE %s SIP/2.0" % ruri] + common + ["To: <%s>" % ruri, "Call-ID: " + call_id, "CSeq: 1 INVITE",
                                                     "Contact: <sip:rue@%s;transport=tls>" % local, "Content-Length: 0", "", ""]
    buf = [b""]
    try:
        # TLS 1.3: a server that refuses our certificate says so after our
        # side of the handshake completed (RFC 8446 §4.4.2), here.
        conn.sendall("\r\n".join(invite).encode())
        while True:
            r = read_response(conn, buf)
            if r is None:
                print("tls-refused connection closed")
                return 0
            status, hs = r
            if status >= 200:
                break
    except socket.timeout:
        print("timeout")
        return 2
    except ssl.SSLError as e:
        print("tls-refused %s" % (e.reason or e))
        return 0
    except OSError as e:
        print("tls-refused %s" % e)
        return 0
    if status >= 300:
        to = next((l.split(":", 1)[1].strip() for l in hs if l.lower().startswith("to:")), "<%s>" % ruri)
        ack = ["ACK %s SIP/2.0" % ruri] + common + ["To: " + to, "Call-ID: " + call_id, "CSeq: 1 ACK", "Content-Length: 0", "", ""]
        try:
            conn.sendall("\r\n".join(ack).encode())
        except OSError:
            pass
    print("%d call-id=%s" % (status, call_id))
    conn.close()
    return 0


# --- keepalive -------------------------------------------------------------------

def proc_cpu_ticks(pid):
    """utime + stime of a process, in clock ticks (proc(5) stat fields 14, 15)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def proc_context_switches(pid):
    """Voluntary and involuntary context switches of all the process's threads."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def proc_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Flow:
    def __init__(self):
        self.reader = None
        self.writer = None
        self.sent = 0
        self.pongs = 0
        self.missed = 0
        self.failed = None


async def open_flow(flow, args, ctx, source, gate):
    async with gate:
        try:
            flow.reader, flow.writer = await asyncio.wait_for(
                asyncio.open_connection(args.host, args.port, ssl=ctx, server_hostname=args.server_name,
                                        local_addr=(source, 0)), timeout=30)
        except (OSError, ssl.SSLError, asyncio.TimeoutError) as e:
            flow.failed = "open: %s" % (e or type(e).__name__)


async def ping_loop(flow, args, start_at, end_at):
    """Pings every interval from start_at until end_at; each pong must come
    (as CRLF, RFC 5626 §4.4.1) before the next ping is due."""
    await asyncio.sleep(max(0, start_at - time.monotonic()))
    while time.monotonic() + 0.001 < end_at and flow.failed is None:
        due = time.monotonic() + args.interval_s
        try:
            flow.writer.write(b"\r\n\r\n")
            flow.sent += 1
            pong = await asyncio.wait_for(flow.reader.readexactly(2), timeout=min(args.interval_s, 10))
            if pong == b"\r\n":
                flow.pongs += 1
            else:
                flow.missed += 1
        except asyncio.TimeoutError:
            flow.missed += 1
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError) as e:
            flow.missed += 1
            flow.failed = "ping: %s" % (e or type(e).__name__)
            return
        await asyncio.sleep(max(0, min(due, end_at) - time.monotonic()))


async def run_keepalive_async(args):
    ctx = client_context(args)
    pid = args.stird_pid
    out = {}

    def sample(name):
        if pid:
            out[name] = (proc_rss_kb(pid), proc_cpu_ticks(pid), time.monotonic(), proc_context_switches(pid))

    sample("before")
    flows = [Flow() for _ in range(args.flows)]
    gate = asyncio.Semaphore(32)
    sources = ["127.0.0.%d" % (2 + i % args.sources) for i in range(args.flows)]
    t0 = time.monotonic()
    await asyncio.gather(*(open_flow(f, args, ctx, s, gate) for f, s in zip(flows, sources)))
    opened = [f for f in flows if f.failed is None]
    print("opened %d of %d TLS connections in %.1f s" % (len(opened), args.flows, time.monotonic() - t0), flush=True)
    await asyncio.sleep(2)  # let stird settle after the handshakes
    sample("open")
    if args.idle_s > 0:
        await asyncio.sleep(args.idle_s)
        sample("idle_end")
    start = time.monotonic() + 0.5
    end = start + args.hold_s
    # Each flow's first ping at an even offset within the interval.
    step = args.interval_s / max(1, len(opened))
    sample("hold_start")
    await asyncio.gather(*(ping_loop(f, args, start + i * step, end) for i, f in enumerate(opened)))
    sample("hold_end")
    for f in opened:
        try:
            f.writer.close()
        except Exception:
            pass
    sent = sum(f.sent for f in opened)
    pongs = sum(f.pongs for f in opened)
    missed = sum(f.missed for f in opened)
    failed = [f.failed for f in flows if f.failed]
    print("flows %d opened, %d failed%s" % (len(opened), len(failed), (" (first: %s)" % failed[0]) if failed else ""))
    print("keep-alives sent %d, pongs %d, missed %d (interval %.1f s, hold %d s)" % (sent, pongs, missed, args.interval_s,
                                                                                     args.hold_s))
    if pid and opened:
        tick_us = 1e6 / os.sysconf("SC_CLK_TCK")
        rss0, rss1, rss2 = out["before"][0], out["open"][0], out["hold_end"][0]
        print("stird RSS: %d kB before, %d kB with %d flows open, %d kB at the end" % (rss0, rss1, len(opened), rss2))
        print("memory per flow: %.1f KB after opening, %.1f KB at the end" % ((rss1 - rss0) / len(opened),
                                                                               (rss2 - rss0) / len(opened)))
        if "idle_end" in out:
            idle_ticks = out["idle_end"][1] - out["open"][1]
            idle_s = out["idle_end"][2] - out["open"][2]
            print("stird CPU idle with the flows open: %.0f us over %.1f s (%.1f us/s)" % (idle_ticks * tick_us, idle_s,
                                                                                          idle_ticks * tick_us / idle_s))
        ticks = out["hold_end"][1] - out["hold_start"][1]
        hold_s = out["hold_end"][2] - out["hold_start"][2]
        per = ticks * tick_us / pongs if pongs else float("nan")
        print("stird CPU over the hold: %.0f us in %.1f s (utime+stime, %d-us ticks) for %d keep-alives answered" % (
            ticks * tick_us, hold_s, tick_us, pongs))
        print("CPU per keep-alive: %.2f us" % per)
        switches = out["hold_end"][3] - out["hold_start"][3]
        print("stird context switches over the hold: %d (%.2f per keep-alive answered)" % (
            switches, switches / pongs if pongs else float("nan")))
    return 0 if opened and not failed and missed == 0 else 1


def run_keepalive(args):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.flows + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    return asyncio.run(run_keepalive_async(args))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    c = sub.add_parser("call")
    c.add_argument("--cert")
    c.add_argument("--key")
    c.add_argument("--from", dest="frm", required=True)
    c.add_argument("--to", required=True)
    c.add_argument("--bind")
    k = sub.add_parser("keepalive")
    k.add_argument("--flows", type=int, default=1000)
    k.add_argument("--interval-s", type=float, default=30)
    k.add_argument("--hold-s", type=float, default=300)
    k.add_argument("--idle-s", type=float, default=0)
    k.add_argument("--stird-pid", type=int)
    k.add_argument("--sources", type=int, default=16)
    for a in (c, k):
        a.add_argument("--host", default="127.0.0.1")
        a.add_argument("--port", type=int, required=True)
        a.add_argument("--ca")
        a.add_argument("--server-name", default="localhost")
    args = p.parse_args()
    bound = 30 if args.mode == "call" else args.hold_s + args.idle_s + 300
    deadline = threading.Timer(bound, lambda: (print("rue_flows: %d s bound reached" % bound), sys.stdout.flush(),
                                               os._exit(3)))
    deadline.daemon = True
    deadline.start()
    sys.exit(run_call(args) if args.mode == "call" else run_keepalive(args))


if __name__ == "__main__":
    main()
