#!/usr/bin/env python3
"""A stand-in for systemd's notification socket, for live tests.

Binds a unix datagram socket at PATH (what $NOTIFY_SOCKET names) and writes
one JSON line per datagram received to LOG: the lines of the message, and
what was true at that moment: the status of GET /health on HEALTH_PORT
(0 when refused) and whether UDP port SIP_PORT on 127.0.0.1 was bound
(a bind of it failing with EADDRINUSE). Stops by itself after LIFETIME seconds.
usage: notify_listener.py PATH LOG HEALTH_PORT SIP_PORT LIFETIME
"""
import errno, json, os, socket, sys, time, urllib.error, urllib.request

path, log = sys.argv[1], sys.argv[2]
health_port, sip_port, lifetime = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])


def health():
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/health" % health_port, timeout=2) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


def sip_bound():
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.bind(("127.0.0.1", sip_port))
        return False
    except OSError as e:
        return e.errno == errno.EADDRINUSE
    finally:
        probe.close()


if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(0.2)
end = time.time() + lifetime
with open(log, "a") as out:
    while time.time() < end:
        try:
            data = s.recv(4096)
        except socket.timeout:
            continue
        record = {"t": time.time(), "lines": data.decode("utf-8", "replace").split("\n"),
                  "health": health(), "sip_bound": sip_bound()}
        out.write(json.dumps(record) + "\n")
        out.flush()
os.unlink(path)
