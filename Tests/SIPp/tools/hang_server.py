#!/usr/bin/env python3
"""A hung x5u server: accepts TCP connections on 127.0.0.1:PORT and never
sends a byte (no TLS handshake, no HTTP answer). Connections stay open until
the peer gives up or the server exits by itself after LIFETIME_S seconds.
Prints "accepted N connections" once a second while the count changes.

usage: hang_server.py PORT LIFETIME_S
"""
import select, socket, sys, time

port, lifetime = int(sys.argv[1]), float(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(4096)
held, accepted, reported, last = {}, 0, 0, time.time()
poll = select.poll()
poll.register(s, select.POLLIN)
end = time.time() + lifetime
while time.time() < end:
    if accepted != reported and time.time() - last >= 1:
        print("accepted %d connections" % accepted, flush=True)
        reported, last = accepted, time.time()
    for fd, _ in poll.poll(200):
        if fd == s.fileno():
            c, _ = s.accept()
            held[c.fileno()] = c
            poll.register(c, select.POLLIN)
            accepted += 1
            continue
        # The peer wrote (a TLS ClientHello: read and ignored) or closed
        # (the connection is dropped).
        c = held[fd]
        try:
            data = c.recv(65536)
        except OSError:
            data = b""
        if not data:
            poll.unregister(fd)
            del held[fd]
            c.close()
print("accepted %d connections" % accepted, flush=True)
