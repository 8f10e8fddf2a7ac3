#!/usr/bin/env python3
"""SIP over TLS peers for the live TLS suite (SIPp in Debian has no TLS).

  tls_peer.py uas PORT LOG LIFETIME_S --cert C --key K [--ca CA] [--max-version 1.2|1.3]
      A callee on 127.0.0.1:PORT: answers INVITE 180 then 200 (with a
      Contact over TLS and the Record-Route copied), BYE/OPTIONS 200, never
      ACK. One JSON line per request in LOG (method, Call-ID, TLS version,
      header fields). Stops by itself after LIFETIME_S.

  tls_peer.py uac HOST:PORT RURI [--calls N] [--cert C --key K] [--ca CA]
              [--server-name NAME] [--version 1.2|1.3] [--expect STATUS]
              [--body-bytes N]
      A caller: per call a new TLS connection, INVITE RURI, then ACK and
      BYE over the route set the 200 gave (Record-Route), on that same
      connection. Prints one line per call and "version TLSv1.x"; exits 0
      when every call ended as expected (--expect: the INVITE's final
      status; 200 by default, then the BYE must get 200 too).

Every socket operation has a timeout; the whole run is bounded.
"""
import argparse, json, random, socket, ssl, sys, threading, time


def read_message(sock, buf):
    """One SIP message from a stream framed by Content-Length, or None at EOF."""
    while b"\r\n\r\n" not in buf[0]:
        data = sock.recv(65536)
        if not data:
            return None
        buf[0] += data
    head, rest = buf[0].split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() in (b"content-length", b"l"):
            length = int(value.strip())
    while len(rest) < length:
        data = sock.recv(65536)
        if not data:
            return None
        rest += data
    buf[0] = rest[length:]
    return head.decode("utf-8", "replace"), rest[:length]


def headers(head):
    lines = head.split("\r\n")
    out = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        out.append((name.strip().lower(), value.strip()))
    return lines[0], out


def first(hs, name):
    return next((v for n, v in hs if n == name), "")


def all_of(hs, name):
    return [v for n, v in hs if n == name]


def context(server, args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)
    if args.ca:
        ctx.load_verify_locations(args.ca)
    elif not server:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    version = getattr(args, "version", None) or getattr(args, "max_version", None)
    if version:
        v = ssl.TLSVersion.TLSv1_2 if version == "1.2" else ssl.TLSVersion.TLSv1_3
        ctx.maximum_version = v
        if getattr(args, "version", None):
            ctx.minimum_version = v
    return ctx


# --- callee -------------------------------------------------------------------

def serve(conn, args, log, lock):
    buf = [b""]
    conn.settimeout(1.0)
    end = time.time() + args.lifetime
    while time.time() < end:
        try:
            msg = read_message(conn, buf)
        except socket.timeout:
            continue
        except (OSError, ssl.SSLError):
            return
        if msg is None:
            return
        start, hs = headers(msg[0])
        if start.startswith("SIP/"):
            continue
        method = start.split(" ", 1)[0]
        with lock:
            log.write(json.dumps({"method": method, "call_id": first(hs, "call-id"), "version": conn.version(),
                                  "headers": ["%s: %s" % h for h in hs]}) + "\n")
            log.flush()
        if method == "ACK":
            continue
        to = first(hs, "to")
        if "tag=" not in to:
            to += ";tag=uas%d" % random.randint(1, 1 << 30)
        common = ["Via: " + v for v in all_of(hs, "via")] + [
            "From: " + first(hs, "from"), "To: " + to, "Call-ID: " + first(hs, "call-id"), "CSeq: " + first(hs, "cseq")]
        replies = []
        if method == "INVITE":
            rr = ["Record-Route: " + v for v in all_of(hs, "record-route")]
            contact = "Contact: <sip:uas@127.0.0.1:%d;transport=tls>" % args.port
            replies.append(["SIP/2.0 180 Ringing"] + common + rr + [contact])
            replies.append(["SIP/2.0 200 OK"] + common + rr + [contact])
        else:
            replies.append(["SIP/2.0 200 OK"] + common)
        try:
            for r in replies:
                conn.sendall(("\r\n".join(r + ["Content-Length: 0", "", ""])).encode())
        except OSError:
            return


def run_uas(args):
    ctx = context(True, args)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", args.port))
    lsock.listen(64)
    lsock.settimeout(0.5)
    end = time.time() + args.lifetime
    lock = threading.Lock()
    with open(args.log, "a") as log:
        while time.time() < end:
            try:
                raw, _ = lsock.accept()
            except socket.timeout:
                continue
            raw.settimeout(5)
            try:
                conn = ctx.wrap_socket(raw, server_side=True)
            except (OSError, ssl.SSLError) as e:
                with lock:
                    log.write(json.dumps({"handshake_error": str(e)}) + "\n")
                    log.flush()
                raw.close()
                continue
            threading.Thread(target=serve, args=(conn, args, log, lock), daemon=True).start()
    return 0


# --- caller -------------------------------------------------------------------

def run_uac(args):
    host, _, port = args.target.rpartition(":")
    ctx = context(False, args)
    failures = 0
    for n in range(args.calls):
        call_id = "tls-%d-%d@127.0.0.1" % (n, random.randint(1, 1 << 30))
        try:
            ok = one_call(ctx, host, int(port), call_id, args)
        except (OSError, ssl.SSLError) as e:
            print("call %d: error %s" % (n, e))
            ok = False
        failures += 0 if ok else 1
    return 0 if failures == 0 else 1


def one_call(ctx, host, port, call_id, args):
    raw = socket.create_connection((host, port), timeout=5)
    conn = ctx.wrap_socket(raw, server_hostname=args.server_name or None)
    conn.settimeout(10)
    print("version %s" % conn.version())
    local = "127.0.0.1:%d" % conn.getsockname()[1]
    buf = [b""]
    tag = "uac%d" % random.randint(1, 1 << 30)
    body = "x" * args.body_bytes

    def request(method, ruri, cseq, to, routes, branch):
        lines = ["%s %s SIP/2.0" % (method, ruri), "Via: SIP/2.0/TLS %s;branch=z9hG4bK%s;rport" % (local, branch),
                 "Max-Forwards: 70", "From: <sip:+12155551212@127.0.0.1>;tag=" + tag, "To: " + to,
                 "Call-ID: " + call_id, "CSeq: %d %s" % (cseq, method), "Contact: <sip:uac@%s;transport=tls>" % local]
        lines += ["Route: " + r for r in routes]
        extra = body if method == "INVITE" else ""
        conn.sendall(("\r\n".join(lines + ["Content-Length: %d" % len(extra), "", ""]) + extra).encode())

    def final(method):
        while True:
            msg = read_message(conn, buf)
            if msg is None:
                return None, []
            start, hs = headers(msg[0])
            if not start.startswith("SIP/") or not first(hs, "cseq").endswith(method):
                continue
            code = int(start.split(" ")[1])
            if code >= 200:
                return code, hs

    branch = "%x" % random.randint(1, 1 << 60)
    to = "<%s>" % args.ruri
    request("INVITE", args.ruri, 1, to, [], branch)
    code, hs = final("INVITE")
    warning = first(hs, "warning")
    print("call %s: INVITE %s%s" % (call_id, code, " warning=" + warning if warning else ""))
    if code != args.expect:
        conn.close()
        return False
    if code != 200:
        conn.close()
        return True
    to = first(hs, "to")
    routes = list(reversed(all_of(hs, "record-route")))
    contact = first(hs, "contact").strip("<>").split(">")[0]
    request("ACK", contact, 1, to, routes, "%x" % random.randint(1, 1 << 60))
    request("BYE", contact, 2, to, routes, "%x" % random.randint(1, 1 << 60))
    code, _ = final("BYE")
    print("call %s: BYE %s" % (call_id, code))
    conn.close()
    return code == 200


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    u = sub.add_parser("uas")
    u.add_argument("port", type=int)
    u.add_argument("log")
    u.add_argument("lifetime", type=float)
    u.add_argument("--max-version", choices=["1.2", "1.3"])
    c = sub.add_parser("uac")
    c.add_argument("target")
    c.add_argument("ruri")
    c.add_argument("--calls", type=int, default=1)
    c.add_argument("--server-name")
    c.add_argument("--version", choices=["1.2", "1.3"])
    c.add_argument("--expect", type=int, default=200)
    c.add_argument("--body-bytes", type=int, default=0)
    for a in (u, c):
        a.add_argument("--cert")
        a.add_argument("--key")
        a.add_argument("--ca")
    args = p.parse_args()
    deadline = threading.Timer(120, lambda: (print("tls_peer: 120 s bound reached"), sys.stdout.flush(),
                                             __import__("os")._exit(3)))
    deadline.daemon = True
    deadline.start()
    sys.exit(run_uas(args) if args.mode == "uas" else run_uac(args))


if __name__ == "__main__":
    main()
