#!/usr/bin/env python3
"""TCP and UDP abuse against stird, each case bounded. Prints one line per
case: 'case-name: result'. usage: tcp_probe.py PORT"""
import random, socket, sys, time

port = int(sys.argv[1])

def closed_within(sock, seconds):
    sock.settimeout(seconds)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except (socket.timeout, TimeoutError):
        return False
    except ConnectionResetError:
        return True

def case(name, result):
    print(f"{name}: {result}", flush=True)

# 1. Garbage without any SIP framing: stird closes the connection.
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"HELLO THIS IS NOT SIP\r\nfoo\r\n\r\n")
case("garbage", "closed" if closed_within(s, 3) else "open")
s.close()

# 2. A header section that never ends, larger than max_message_size.
s = socket.create_connection(("127.0.0.1", port))
sent = 0
try:
    s.sendall(b"INVITE sip:a@127.0.0.1 SIP/2.0\r\n")
    while sent < 200_000:
        s.sendall(b"X-Filler: " + b"a" * 990 + b"\r\n")
        sent += 1002
except (BrokenPipeError, ConnectionResetError):
    pass
case("endless-headers", "closed" if closed_within(s, 3) else "open")
s.close()

# 3. Content-Length far larger than the limit: refused without reading the body.
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"INVITE sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKbig\r\n"
          b"Content-Length: 100000000\r\n\r\n")
case("huge-content-length", "closed" if closed_within(s, 3) else "open")
s.close()

# 4. Negative Content-Length on a stream.
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nContent-Length: -5\r\n\r\n")
case("negative-content-length", "closed" if closed_within(s, 3) else "open")
s.close()

# 5. 300 random datagrams and 50 random TCP writes.
rnd = random.Random(4475)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(300):
    u.sendto(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 1500))), ("127.0.0.1", port))
for _ in range(50):
    try:
        t = socket.create_connection(("127.0.0.1", port))
        t.sendall(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 3000))))
        t.close()
    except OSError:
        pass
case("random-bytes", "sent")

# 6. A well-formed OPTIONS over a fresh TCP connection is still proxied.
s = socket.create_connection(("127.0.0.1", port))
s.sendall(("OPTIONS sip:callee@127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKtcpok\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:callee@127.0.0.1>\r\n"
           "Call-ID: tcp-ok@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" % port).encode())
s.settimeout(3)
try:
    first = s.recv(65536).split(b"\r\n", 1)[0].decode()
except (socket.timeout, TimeoutError):
    first = "no answer"
case("valid-after-abuse", first)
s.close()
