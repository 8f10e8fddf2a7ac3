#!/usr/bin/env python3
"""A relay user equipment (RUE) for the tests, written from RFC 9248 with
Python's ssl, urllib and hashlib only (nothing shared with stird).

fetch URL --ca CA [--user U --password P] [--out FILE]
    GET over HTTPS (certificate and name checked against CA); prints
    `STATUS` and, for 200, writes the JSON body to FILE. Members it does not
    know are ignored (RFC 9248 §9.2.3).
ping --ca CA --host H --port P --bind ADDR
    Sends a double-CRLF keep-alive over TLS (RFC 5626 §4.4.1) and prints
    `pong` when a CRLF comes back within 2 s, else `none`.
call --ca CA --host H --port P --bind ADDR --config FILE --from TN --to TN
    [--password P] [--algorithm SHA-256] [--wait S]
    One INVITE over TLS (server name localhost) to stird: the 407 is ACKed
    and answered with Digest (RFC 7616 §3.4.1, qop=auth) computed from the
    configuration's user-name and sip-password (or --password). Prints
    `STATUS REASON call-id=ID` per INVITE answered.
register --ca CA --host H --port P --bind ADDR --config FILE [--seconds S]
    [--keepalive S] [--close-file PATH] [--instance UUID] [--contact-host H]
    One TLS connection to stird, kept open (RFC 5626 §4.2): a REGISTER
    for the configuration's phone-number at its provider-domain, Contact
    with +sip.instance and reg-id, answered 401 and sent again with Digest
    (SHA-256, the sip-password); then double-CRLF keep-alives every
    --keepalive seconds (§4.4.1), and requests arriving over the same
    connection are answered: INVITE 200, BYE 200, ACK absorbed. One line
    per event on stdout: `register STATUS path=PATH`, `invite call-id=ID
    from=FROM`, `ack call-id=ID`, `bye call-id=ID`, then `pongs N` (CRLFs
    received for the keep-alives) and `closed`. Ends after
    --seconds, or as soon as --close-file exists (closing the connection).
Every step has a timeout; the process ends by itself.
"""
import argparse, base64, hashlib, json, random, re, socket, ssl, sys, time, urllib.error, urllib.request

p = argparse.ArgumentParser()
sub = p.add_subparsers(dest="cmd", required=True)
f = sub.add_parser("fetch")
f.add_argument("url")
f.add_argument("--ca", required=True)
f.add_argument("--user")
f.add_argument("--password")
f.add_argument("--out")
c = sub.add_parser("call")
for name in ("--ca", "--host", "--bind", "--config", "--from", "--to"):
    c.add_argument(name, required=True, dest=name[2:].replace("-", "_") if name != "--from" else "frm")
c.add_argument("--port", type=int, required=True)
c.add_argument("--password")
c.add_argument("--algorithm", default="SHA-256")
c.add_argument("--wait", type=float, default=6)
g = sub.add_parser("register")
for name in ("--ca", "--host", "--bind", "--config"):
    g.add_argument(name, required=True)
g.add_argument("--port", type=int, required=True)
g.add_argument("--seconds", type=float, default=30)
g.add_argument("--keepalive", type=float, default=2)
g.add_argument("--close-file")
g.add_argument("--contact-host", help="advertise this host in Contact (a RUE behind a NAT)")
g.add_argument("--instance", default="00000000-0000-4000-8000-%012x" % random.getrandbits(48))
k = sub.add_parser("ping")
for name in ("--ca", "--host", "--bind"):
    k.add_argument(name, required=True)
k.add_argument("--port", type=int, required=True)
a = p.parse_args()


def fetch():
    ctx = ssl.create_default_context(cafile=a.ca)
    req = urllib.request.Request(a.url)
    if a.user is not None:
        token = base64.b64encode(("%s:%s" % (a.user, a.password)).encode()).decode()
        req.add_header("Authorization", "Basic " + token)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            body = r.read()
            print(r.status)
            doc = json.loads(body)
            if a.out:
                with open(a.out, "w") as out:
                    json.dump(doc, out)
    except urllib.error.HTTPError as e:
        print(e.code)


HASHES = {"SHA-256": "sha256", "SHA-512-256": "sha512_256"}


def read_message(sock, buf):
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return None, buf
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    m = re.search(rb"(?im)^(?:content-length|l)\s*:\s*(\d+)", head)
    length = int(m.group(1)) if m else 0
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None, buf
        rest += chunk
    return head.decode("utf-8", "replace").split("\r\n"), rest[length:]


def call():
    with open(a.config) as cf:
        config = json.load(cf)
    user = config["user-name"]
    password = a.password if a.password is not None else config["sip-password"]
    ctx = ssl.create_default_context(cafile=a.ca)
    raw = socket.create_connection((a.host, a.port), timeout=a.wait, source_address=(a.bind, 0))
    s = ctx.wrap_socket(raw, server_hostname="localhost")
    lport = s.getsockname()[1]
    call_id = "rue-%d@%s" % (random.getrandbits(48), a.bind)
    ruri = "sip:%s@%s;user=phone" % (a.to, a.host)
    from_hdr = "From: <sip:%s@%s;user=phone>;tag=r%x" % (a.frm, a.bind, random.getrandbits(32))
    buf = b""

    def transact(cseq, extra):
        nonlocal buf
        via = "Via: SIP/2.0/TLS %s:%d;branch=z9hG4bK%x;rport" % (a.bind, lport, random.getrandbits(48))
        lines = ["INVITE %s SIP/2.0" % ruri, via, "Max-Forwards: 70", from_hdr, "To: <%s>" % ruri, "Call-ID: " + call_id,
                 "CSeq: %d INVITE" % cseq, "Contact: <sips:%s@%s:%d;transport=tls>" % (user, a.bind, lport)] + extra
        s.sendall(("\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode())
        end = time.time() + a.wait
        while time.time() < end:
            head, buf = read_message(s, buf)
            if head is None:
                return None
            if not head[0].startswith("SIP/2.0 ") or ("CSeq: %d INVITE" % cseq) not in head:
                continue
            code = int(head[0].split(" ", 2)[1])
            if code < 200:
                continue
            if code >= 300:
                to = next(h for h in head if h.lower().startswith("to:"))
                ack = ["ACK %s SIP/2.0" % ruri, via, "Max-Forwards: 70", from_hdr, to, "Call-ID: " + call_id,
                       "CSeq: %d ACK" % cseq, "Content-Length: 0", "", ""]
                s.sendall("\r\n".join(ack).encode())
            return head
        return None

    def report(head):
        if head is None:
            print("timeout call-id=%s" % call_id)
        else:
            status = head[0].split(" ", 2)
            print("%s %s call-id=%s" % (status[1], status[2] if len(status) > 2 else "", call_id))

    head = transact(1, [])
    report(head)
    challenges = [h.split(":", 1)[1].strip() for h in (head or []) if h.lower().startswith("proxy-authenticate:")]
    chosen = next((x for x in challenges if re.search(r"algorithm=%s(,|$)" % re.escape(a.algorithm), x)), None)
    if chosen is None:
        return
    param = lambda name: re.search(r'%s="([^"]*)"' % name, chosen).group(1)
    realm, nonce = param("realm"), param("nonce")
    H = lambda text: hashlib.new(HASHES[a.algorithm], text.encode()).hexdigest()
    cnonce, nc = "%016x" % random.getrandbits(64), "00000001"
    ha1 = H("%s:%s:%s" % (user, realm, password))
    response = H("%s:%s:%s:%s:auth:%s" % (ha1, nonce, nc, cnonce, H("INVITE:" + ruri)))
    cred = ('Proxy-Authorization: Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", '
            'algorithm=%s, cnonce="%s", qop=auth, nc=%s' % (user, realm, nonce, ruri, response, a.algorithm, cnonce, nc))
    report(transact(2, [cred]))
    s.close()


def ping():
    ctx = ssl.create_default_context(cafile=a.ca)
    raw = socket.create_connection((a.host, a.port), timeout=5, source_address=(a.bind, 0))
    s = ctx.wrap_socket(raw, server_hostname="localhost")
    s.sendall(b"\r\n\r\n")
    s.settimeout(2)
    try:
        got = s.recv(16)
    except socket.timeout:
        got = b""
    print("pong" if got == b"\r\n" else "none")
    s.close()


def say(text):
    print(text, flush=True)


def register():
    """RFC 5626 §4.2 registration over one TLS flow, then a UAS on it."""
    import os, select
    with open(a.config) as cf:
        config = json.load(cf)
    user, password = config["user-name"], config["sip-password"]
    domain, aor = config["provider-domain"], config["phone-number"]
    ctx = ssl.create_default_context(cafile=a.ca)
    raw = socket.create_connection((a.host, a.port), timeout=5, source_address=(a.bind, 0))
    s = ctx.wrap_socket(raw, server_hostname="localhost")
    lport = s.getsockname()[1]
    contact = "<sip:%s@%s:%d;transport=tls>" % (user, a.contact_host or a.bind, lport)
    call_id = "reg-%d@%s" % (random.getrandbits(48), a.bind)
    tag = "%x" % random.getrandbits(32)
    end = time.time() + a.seconds
    buf = b""
    pongs = [0]

    def next_message(deadline):
        """One message (head lines, body) or None at the deadline or EOF."""
        nonlocal buf
        while True:
            if buf.startswith(b"\r\n"):  # a CRLF answering our keep-alive (RFC 5626 §4.4.1)
                pongs[0] += 1
                buf = buf[2:]
                continue
            if b"\r\n\r\n" in buf:
                head, rest = buf.split(b"\r\n\r\n", 1)
                m = re.search(rb"(?im)^(?:content-length|l)\s*:\s*(\d+)", head)
                length = int(m.group(1)) if m else 0
                if len(rest) >= length:
                    buf = rest[length:]
                    return head.decode("utf-8", "replace").split("\r\n"), rest[:length]
            left = deadline - time.time()
            if left <= 0:
                return None
            if s.pending() == 0:
                ready, _, _ = select.select([s], [], [], min(left, 0.2))
                if not ready:
                    continue
            chunk = s.recv(65536)
            if not chunk:
                raise EOFError
            buf += chunk

    def header(head, name):
        names = {name.lower()} | ({"f"} if name.lower() == "from" else {"t"} if name.lower() == "to" else set())
        return [h.split(":", 1)[1].strip() for h in head[1:] if h.split(":", 1)[0].strip().lower() in names]

    def send_register(cseq, extra):
        via = "Via: SIP/2.0/TLS %s:%d;branch=z9hG4bK%x;rport" % (a.bind, lport, random.getrandbits(48))
        lines = ["REGISTER sip:%s SIP/2.0" % domain, via, "Max-Forwards: 70",
                 "From: <sip:%s@%s>;tag=%s" % (aor, domain, tag), "To: <sip:%s@%s>" % (aor, domain),
                 "Call-ID: " + call_id, "CSeq: %d REGISTER" % cseq,
                 'Contact: %s;+sip.instance="<urn:uuid:%s>";reg-id=1' % (contact, a.instance),
                 "Supported: outbound", "Expires: 600"] + extra
        s.sendall(("\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode())

    def await_register(cseq):
        while True:
            got = next_message(min(end, time.time() + 10))
            if got is None:
                return None
            head, _ = got
            if head[0].startswith("SIP/2.0 ") and header(head, "cseq") == ["%d REGISTER" % cseq]:
                code = int(head[0].split(" ", 2)[1])
                if code >= 200:
                    return head

    def respond(head, code, reason, to_tag=None):
        to = header(head, "to")[0]
        if to_tag and ";tag=" not in to:
            to += ";tag=" + to_tag
        lines = ["SIP/2.0 %d %s" % (code, reason)] + ["Via: " + v for v in header(head, "via")] \
            + ["Record-Route: " + v for v in header(head, "record-route")] \
            + ["From: " + header(head, "from")[0], "To: " + to, "Call-ID: " + header(head, "call-id")[0],
               "CSeq: " + header(head, "cseq")[0], "Contact: " + contact, "Content-Length: 0"]
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())

    try:
        send_register(1, [])
        head = await_register(1)
        code = head[0].split(" ", 2)[1] if head else "timeout"
        say("register %s" % code)
        challenge = next((v for v in (header(head, "www-authenticate") if head else [])
                          if re.search(r"algorithm=SHA-256(,|$)", v)), None)
        if challenge:
            param = lambda name: re.search(r'%s="([^"]*)"' % name, challenge).group(1)
            realm, nonce = param("realm"), param("nonce")
            H = lambda text: hashlib.sha256(text.encode()).hexdigest()
            cnonce, nc, uri = "%016x" % random.getrandbits(64), "00000001", "sip:" + domain
            response = H("%s:%s:%s:%s:auth:%s" % (H("%s:%s:%s" % (user, realm, password)), nonce, nc, cnonce, H("REGISTER:" + uri)))
            send_register(2, ['Authorization: Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", '
                              'algorithm=SHA-256, cnonce="%s", qop=auth, nc=%s' % (user, realm, nonce, uri, response, cnonce, nc)])
            head = await_register(2)
            code = head[0].split(" ", 2)[1] if head else "timeout"
            say("register %s path=%s" % (code, ",".join(header(head, "path")) if head else ""))
        next_ping = time.time() + a.keepalive
        while time.time() < end and not (a.close_file and os.path.exists(a.close_file)):
            if time.time() >= next_ping:
                s.sendall(b"\r\n\r\n")
                next_ping = time.time() + a.keepalive
            got = next_message(min(end, time.time() + 0.2))
            if got is None:
                continue
            head, _ = got
            if head[0].startswith("SIP/2.0 "):
                continue
            method, cid = head[0].split(" ", 1)[0], header(head, "call-id")[0]
            if method == "INVITE":
                say("invite call-id=%s from=%s" % (cid, header(head, "from")[0]))
                respond(head, 200, "OK", to_tag="rue%x" % random.getrandbits(32))
            elif method == "ACK":
                say("ack call-id=%s" % cid)
            elif method == "BYE":
                say("bye call-id=%s" % cid)
                respond(head, 200, "OK")
            else:
                respond(head, 200, "OK")
    except EOFError:
        say("eof")
    s.close()
    say("pongs %d" % pongs[0])
    say("closed")


{"fetch": fetch, "call": call, "ping": ping, "register": register}[a.cmd]()
