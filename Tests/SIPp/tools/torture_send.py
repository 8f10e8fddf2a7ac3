#!/usr/bin/env python3
"""Sends one file's bytes as a UDP datagram to stird from 127.0.0.1:5060 and
prints the first line of every reply arriving within WAIT seconds.

The RFC 4475 messages carry Vias without rport, so a compliant proxy answers
to the received address and the sent-by port (RFC 3261 §18.2.2): 5060 for
most, 5050 and 5070 for two. We listen on all three.
Replies that carry another Call-ID are skipped: the previous message may
have been an INVITE answered 503, whose final response stird keeps
retransmitting (Timer G) until Timer H, since nobody ACKs it.
usage: torture_send.py PORT FILE WAIT
"""
import select, socket, sys, time

port, path, wait = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
socks = []
for p in (5060, 5050, 5070):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Another test's SIPp may hold the port for a moment: retry for 5 s.
    for attempt in range(50):
        try:
            s.bind(("127.0.0.1", p))
            break
        except OSError:
            if attempt == 49:
                sys.exit("torture_send: port %d stays in use" % p)
            time.sleep(0.1)
    socks.append(s)


def call_id(message):
    """The Call-ID (or compact i) value of a message, None when absent."""
    head = message.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep and name.strip().lower() in (b"call-id", b"i"):
            return value.strip()
    return None


sent = open(path, "rb").read()
ours = call_id(sent)
socks[0].sendto(sent, ("127.0.0.1", port))
end = time.time() + wait
while time.time() < end:
    ready, _, _ = select.select(socks, [], [], max(0.0, end - time.time()))
    for s in ready:
        data, _ = s.recvfrom(65535)
        theirs = call_id(data)
        if ours is not None and theirs is not None and theirs != ours:
            continue
        print(data.split(b"\r\n", 1)[0].decode("utf-8", "replace"))
