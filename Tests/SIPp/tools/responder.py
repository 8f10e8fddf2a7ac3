#!/usr/bin/env python3
"""A tiny loopback UDP callee for live tests.

Answers every INVITE/OPTIONS/other request with STATUS (copying Via, From,
To (+tag), Call-ID, CSeq), never answers ACK. Records what it saw, one JSON
line per request, in LOG. Stops by itself after LIFETIME seconds.
Folded header lines (RFC 3261 §7.3.1) are joined to the line they continue.
usage: responder.py [HOST:]PORT STATUS LOG LIFETIME [DELAY_S]
HOST defaults to 127.0.0.1.
DELAY_S delays each answer (other requests are still read meanwhile).
"""
import json, re, socket, sys, threading, time

host, _, port = sys.argv[1].rpartition(":")
host, port = host or "127.0.0.1", int(port)
status, log, lifetime = int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
delay = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((host, port))
s.settimeout(0.2)
end = time.time() + lifetime
with open(log, "a") as out:
    while time.time() < end:
        try:
            data, peer = s.recvfrom(65535)
        except socket.timeout:
            continue
        head = data.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
        head = re.sub(r"\r\n[ \t]+", " ", head).split("\r\n")
        first = head[0]
        if first.startswith("SIP/"):
            continue
        method = first.split(" ", 1)[0]
        hdrs = {}
        vias = []
        for line in head[1:]:
            if ":" not in line:
                continue
            name, value = line.split(":", 1)
            name = name.strip().lower()
            value = value.strip()
            if name in ("via", "v"):
                vias.append(value)
            hdrs.setdefault(name, value)
        branch = vias[0].split("branch=", 1)[1].split(";", 1)[0] if vias and "branch=" in vias[0] else ""
        out.write(json.dumps({"method": method, "branch": branch, "call_id": hdrs.get("call-id", hdrs.get("i", "")),
                              "ruri": first.split(" ")[1] if first.count(" ") >= 2 else "", "headers": head[1:]}) + "\n")
        out.flush()
        if method == "ACK":
            continue
        to = hdrs.get("to", hdrs.get("t", ""))
        if "tag=" not in to:
            to += ";tag=resp1"
        lines = ["SIP/2.0 %d Answer" % status] + ["Via: " + v for v in vias] + [
            "From: " + hdrs.get("from", hdrs.get("f", "")), "To: " + to,
            "Call-ID: " + hdrs.get("call-id", hdrs.get("i", "")), "CSeq: " + hdrs.get("cseq", ""),
            "Content-Length: 0", "", ""]
        reply = "\r\n".join(lines).encode()
        if delay > 0:
            t = threading.Timer(delay, s.sendto, (reply, peer))
            t.daemon = True
            t.start()
        else:
            s.sendto(reply, peer)
