#!/usr/bin/env python3
"""Holds TCP connections to stird the slow way, as a hostile peer would:
COUNT connections from 127.0.0.1, each sending one byte of a request every
0.5 s (so no connection is ever idle and no message ever completes), for
SECONDS. Meanwhile, after 1 s, a well-behaved client on 127.0.0.2 sends
one OPTIONS for USER over TCP and waits up to 2 s for the answer.
Prints, one per line:
  refused-at-once N   connections stird closed within 0.5 s of opening
  open-at-end N       connections still open after SECONDS
  legit STATUS-LINE   the first non-100 answer to the OPTIONS, or 'none'
usage: tcp_hog.py PORT COUNT SECONDS USER
"""
import select, socket, sys, time

port, count, seconds, user = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
TRICKLE = b"OPTIONS sip:slow@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKhog\r\n" * 8


def peer_closed(s):
    """True when stird closed s (EOF or reset); never blocks."""
    try:
        return s.recv(1, socket.MSG_DONTWAIT | socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


hogs = []
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    s.settimeout(None)  # blocking again, so MSG_DONTWAIT reports "no data" as BlockingIOError
    hogs.append(s)
time.sleep(0.5)
print("refused-at-once", sum(1 for s in hogs if peer_closed(s)), flush=True)

legit = None
legit_buf = b""
legit_deadline = 0.0
answer = "none"
start = time.time()
step = 0
while time.time() - start < seconds:
    if step % 10 == 0:  # every 0.5 s: one more byte on each hog
        byte = TRICKLE[(step // 10) % len(TRICKLE):][:1]
        for s in hogs:
            if not peer_closed(s):
                try:
                    s.send(byte)
                except OSError:
                    pass
    if step == 20:  # after 1 s: the well-behaved client
        legit = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        legit.bind(("127.0.0.2", 0))
        legit.settimeout(2)
        legit_deadline = time.time() + 2
        try:
            legit.connect(("127.0.0.1", port))
            legit.sendall(("OPTIONS sip:%s@127.0.0.1 SIP/2.0\r\n"
                           "Via: SIP/2.0/TCP 127.0.0.2:9;branch=z9hG4bKlegit1\r\nMax-Forwards: 70\r\n"
                           "From: <sip:legit@127.0.0.2>;tag=l1\r\nTo: <sip:%s@127.0.0.1>\r\n"
                           "Call-ID: legit-1@127.0.0.2\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
                           % (user, user)).encode())
        except OSError as e:
            answer = "connect/send failed: %s" % e
            legit = None
    if legit is not None and answer == "none" and time.time() < legit_deadline:
        if select.select([legit], [], [], 0)[0]:
            try:
                data = legit.recv(65535)
            except OSError:
                data = b""
            legit_buf += data
            for line in legit_buf.split(b"\r\n"):
                if line.startswith(b"SIP/2.0 ") and not line.startswith(b"SIP/2.0 100 "):
                    answer = line.decode("utf-8", "replace")
                    break
            if not data and answer == "none":
                answer = "closed without an answer"
    step += 1
    time.sleep(0.05)
print("open-at-end", sum(1 for s in hogs if not peer_closed(s)), flush=True)
print("legit", answer, flush=True)
for s in hogs:
    s.close()
if legit is not None:
    legit.close()
