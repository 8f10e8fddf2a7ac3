#!/usr/bin/env python3
"""Sends one file's bytes to stird and prints the first line of every reply
arriving within WAIT seconds.

udp (the default): one datagram from 127.0.0.1:5060.
tcp: over a new connection from an ephemeral port, kept open for WAIT.
tcp-close: the same, but the connection is closed right after sending, so
    every reply must come on a connection stird opens (RFC 3261 §18.2.2).

The RFC 4475 messages carry Vias without rport, so a compliant proxy answers
over UDP to the received address and the sent-by port (RFC 3261 §18.2.2):
5060 for most, 5050 and 5070 for two. Over TCP it answers on the connection
the request came on, or, once that has closed, on a new connection to the
received address and the sent-by port. We listen on all three ports, for
datagrams and for connections.
Replies that carry another Call-ID are skipped: the previous message may
have been an INVITE answered 503, whose final response stird keeps
retransmitting over UDP (Timer G) until Timer H, since nobody ACKs it.
When stird closes the TCP connection, a line on stderr says after how long.
usage: torture_send.py PORT FILE WAIT [udp|tcp|tcp-close]
"""
import re, select, socket, sys, time

port, path, wait = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
mode = sys.argv[4] if len(sys.argv) > 4 else "udp"
if mode not in ("udp", "tcp", "tcp-close"):
    sys.exit("torture_send: mode must be udp, tcp or tcp-close")


def bind_retrying(kind, p):
    """A socket bound to 127.0.0.1:p; another test's SIPp may hold the port
    for a moment: retry for 5 s."""
    s = socket.socket(socket.AF_INET, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    for attempt in range(50):
        try:
            s.bind(("127.0.0.1", p))
            return s
        except OSError:
            if attempt == 49:
                sys.exit("torture_send: port %d stays in use" % p)
            time.sleep(0.1)


udp = [bind_retrying(socket.SOCK_DGRAM, p) for p in (5060, 5050, 5070)]
listeners = []
if mode != "udp":
    for p in (5060, 5050, 5070):
        s = bind_retrying(socket.SOCK_STREAM, p)
        s.listen(8)
        listeners.append(s)


def call_id(message):
    """The Call-ID (or compact i) value of a message, None when absent."""
    head = message.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep and name.strip().lower() in (b"call-id", b"i"):
            return value.strip()
    return None


def frames(buf):
    """Splits complete messages off a stream buffer by Content-Length
    (RFC 3261 §18.3); returns (messages, rest)."""
    out = []
    while True:
        buf = buf.lstrip(b"\r\n")
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            return out, buf
        m = re.search(rb"(?im)^(?:content-length|l)[ \t]*:[ \t]*(\d+)", buf[:end])
        total = end + 4 + (int(m.group(1)) if m else 0)
        if len(buf) < total:
            return out, buf
        out.append(buf[:total])
        buf = buf[total:]


sent = open(path, "rb").read()
ours = call_id(sent)
streams = {}  # socket -> bytes not yet framed
start = time.time()
client = None
if mode == "udp":
    udp[0].sendto(sent, ("127.0.0.1", port))
else:
    client = socket.create_connection(("127.0.0.1", port), timeout=2)
    client.sendall(sent)
    if mode == "tcp-close":
        client.close()
        client = None
    else:
        streams[client] = b""


def show(data):
    theirs = call_id(data)
    if ours is not None and theirs is not None and theirs != ours:
        return
    print(data.split(b"\r\n", 1)[0].decode("utf-8", "replace"), flush=True)


end = start + wait
while time.time() < end:
    ready, _, _ = select.select(udp + listeners + list(streams), [], [], max(0.0, end - time.time()))
    for s in ready:
        if s in udp:
            data, _ = s.recvfrom(65535)
            show(data)
        elif s in listeners:
            conn, _ = s.accept()
            streams[conn] = b""
        else:
            try:
                data = s.recv(65535)
            except OSError:
                data = b""
            if not data:
                if s is client:
                    print("torture_send: stird closed the connection after %.1f s" % (time.time() - start),
                          file=sys.stderr)
                del streams[s]
                s.close()
                continue
            messages, streams[s] = frames(streams[s] + data)
            for m in messages:
                show(m)
for s in list(streams) + listeners + udp:
    s.close()
