#!/usr/bin/env python3
"""Holds many idle TLS connections open (a load of quiet peers).

usage: tls_idle.py PORT COUNT SOURCES CA LIFETIME_S STOP_FILE
Opens COUNT TLS connections to 127.0.0.1:PORT, spread over the source
addresses in SOURCES (comma-separated), completing each handshake (CA
verifies the server, no name check). Prints "established N refused M" once
done, then keeps them idle until STOP_FILE exists or LIFETIME_S pass.
"""
import os, socket, ssl, sys, time

port, count, sources, ca, lifetime, stop = (int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(","),
                                            sys.argv[4], float(sys.argv[5]), sys.argv[6])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(ca)
ctx.check_hostname = False
held, refused = [], 0
end = time.time() + lifetime
for i in range(count):
    if time.time() > end:
        break
    try:
        raw = socket.create_connection(("127.0.0.1", port), timeout=3, source_address=(sources[i % len(sources)], 0))
        held.append(ctx.wrap_socket(raw))
    except (OSError, ssl.SSLError):
        refused += 1
# A connection the server refused at accept is closed at once: count the live ones.
time.sleep(0.5)
live = 0
for s in held:
    try:
        s.setblocking(False)
        s.recv(1)
    except ssl.SSLWantReadError:
        live += 1
    except (OSError, ssl.SSLError):
        pass
print("established %d refused %d" % (live, count - live), flush=True)
while time.time() < end and not os.path.exists(stop):
    time.sleep(0.1)
