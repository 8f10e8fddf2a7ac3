#!/usr/bin/env python3
"""Places one INVITE over UDP from a chosen loopback address and prints the
final response as `STATUS REASON call-id=ID` (or `timeout call-id=ID`).

usage: stir_call.py --bind ADDR --port STIRD_PORT [--host 127.0.0.1]
         --from URI --to URI [--ruri URI] [--pai URI] [--from-name NAME] [--date TEXT | --date-offset S | --no-date]
         [--identity VALUE]... [--header 'Name: value']... [--wait S]
         [--print-header NAME]   (appends `NAME=value` per field of the final response)
Non-2xx finals are ACKed on the same branch (RFC 3261 §17.1.1.3).
"""
import argparse, email.utils, random, socket, time

p = argparse.ArgumentParser()
p.add_argument("--bind", default="127.0.0.1")
p.add_argument("--host", default="127.0.0.1")
p.add_argument("--port", type=int, required=True)
p.add_argument("--from", dest="frm", required=True)
p.add_argument("--to", required=True)
p.add_argument("--ruri")
p.add_argument("--from-name")
p.add_argument("--pai")
p.add_argument("--date")
p.add_argument("--date-offset", type=int, default=0)
p.add_argument("--no-date", action="store_true")
p.add_argument("--identity", action="append", default=[])
p.add_argument("--header", action="append", default=[])
p.add_argument("--wait", type=float, default=8)
p.add_argument("--print-header", action="append", default=[])
a = p.parse_args()

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((a.bind, 0))
lport = s.getsockname()[1]
call_id = "stir-%d@%s" % (random.getrandbits(48), a.bind)
branch = "z9hG4bK%x" % random.getrandbits(48)
ruri = a.ruri or (a.to.strip("<>").split(";")[0] if a.to.startswith("<") else a.to)
lines = ["INVITE %s SIP/2.0" % ruri,
         "Via: SIP/2.0/UDP %s:%d;branch=%s;rport" % (a.bind, lport, branch),
         "Max-Forwards: 70",
         "From: %s<%s>;tag=f%x" % ('"%s" ' % a.from_name if a.from_name else "", a.frm, random.getrandbits(32)),
         "To: <%s>" % a.to,
         "Call-ID: " + call_id, "CSeq: 1 INVITE",
         "Contact: <sip:caller@%s:%d>" % (a.bind, lport)]
if a.pai:
    lines.append("P-Asserted-Identity: <%s>" % a.pai)
if a.date is not None:
    lines.append("Date: " + a.date)
elif not a.no_date:
    lines.append("Date: " + email.utils.formatdate(time.time() + a.date_offset, usegmt=True))
lines += ["Identity: " + v for v in a.identity] + a.header
invite = ("\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode()

dest = (a.host, a.port)
s.sendto(invite, dest)
s.settimeout(0.25)
end = time.time() + a.wait
next_retransmit, interval = time.time() + 0.5, 0.5
provisional = False
while time.time() < end:
    try:
        data, _ = s.recvfrom(65535)
    except socket.timeout:
        if not provisional and time.time() >= next_retransmit:
            s.sendto(invite, dest)
            interval = min(interval * 2, 4)
            next_retransmit = time.time() + interval
        continue
    head = data.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace").split("\r\n")
    status = head[0].split(" ", 2)
    if len(status) < 2 or not head[0].startswith("SIP/2.0 ") or ("CSeq: 1 INVITE" not in head):
        continue
    code = int(status[1])
    if code < 200:
        provisional = True
        continue
    to = next((h for h in head if h.lower().startswith("to:")), "To: <%s>" % a.to)
    via = next(h for h in head if h.lower().startswith("via:"))
    ack = ["ACK %s SIP/2.0" % ruri, via, "Max-Forwards: 70", lines[3], to, "Call-ID: " + call_id, "CSeq: 1 ACK",
           "Content-Length: 0", "", ""]
    if code < 300:
        ack[1] = "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%x;rport" % (a.bind, lport, random.getrandbits(48))
    s.sendto("\r\n".join(ack).encode(), dest)
    shown = "".join(" %s=%s" % (n, h.split(":", 1)[1].strip()) for n in a.print_header for h in head[1:]
                    if h.split(":", 1)[0].strip().lower() == n.lower())
    print("%d %s call-id=%s%s" % (code, status[2] if len(status) > 2 else "", call_id, shown))
    break
else:
    print("timeout call-id=%s" % call_id)
