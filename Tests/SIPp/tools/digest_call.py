#!/usr/bin/env python3
"""An INVITE that answers a Digest challenge, computed independently of stird
with Python's hashlib (RFC 7616 §3.4.1, qop=auth).

Sends the INVITE, takes the 407, ACKs it, picks the Proxy-Authenticate with
ALGORITHM, and sends the INVITE again (same Call-ID, CSeq 2) with
Proxy-Authorization. Prints one line per INVITE answered:
`STATUS REASON call-id=ID`, for the first also `challenges=N first=ALGORITHM`.

usage: digest_call.py --bind ADDR --port PORT [--host H] --from TN --to TN
         --user U --password P [--algorithm SHA-256] [--header 'Name: value']...
         [--replay] [--stale-wait S] [--wait S]
--replay sends the credentialed INVITE a second time as a new transaction
with the same nonce and nc (a replay), and prints its outcome too.
--stale-wait waits S seconds before answering; when the answer gets a 407
with stale=true (printed with ` stale=true`), the new nonce is answered once.
"""
import argparse, hashlib, random, re, socket, time

p = argparse.ArgumentParser()
p.add_argument("--bind", default="127.0.0.1")
p.add_argument("--host", default="127.0.0.1")
p.add_argument("--port", type=int, required=True)
p.add_argument("--from", dest="frm", required=True)
p.add_argument("--to", required=True)
p.add_argument("--user", required=True)
p.add_argument("--password", required=True)
p.add_argument("--algorithm", default="SHA-256")
p.add_argument("--header", action="append", default=[])
p.add_argument("--replay", action="store_true")
p.add_argument("--stale-wait", type=float, default=0)
p.add_argument("--wait", type=float, default=6)
a = p.parse_args()

HASHES = {"MD5": "md5", "SHA-256": "sha256", "SHA-512-256": "sha512_256"}
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((a.bind, 0))
lport = s.getsockname()[1]
dest = (a.host, a.port)
call_id = "digest-%d@%s" % (random.getrandbits(48), a.bind)
ruri = "sip:%s@%s;user=phone" % (a.to, a.host)
from_hdr = "From: <sip:%s@%s;user=phone>;tag=f%x" % (a.frm, a.bind, random.getrandbits(32))


def invite(cseq, extra):
    branch = "z9hG4bK%x" % random.getrandbits(48)
    lines = ["INVITE %s SIP/2.0" % ruri, "Via: SIP/2.0/UDP %s:%d;branch=%s;rport" % (a.bind, lport, branch),
             "Max-Forwards: 70", from_hdr, "To: <%s>" % ruri, "Call-ID: " + call_id, "CSeq: %d INVITE" % cseq,
             "Contact: <sip:caller@%s:%d>" % (a.bind, lport)] + extra
    return lines


def transact(lines, cseq):
    """Sends an INVITE (retransmitting), ACKs the final response, returns its header lines."""
    data = ("\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode()
    s.sendto(data, dest)
    s.settimeout(0.25)
    end, retransmit, provisional = time.time() + a.wait, time.time() + 0.5, False
    while time.time() < end:
        try:
            reply, _ = s.recvfrom(65535)
        except socket.timeout:
            if not provisional and time.time() >= retransmit:
                s.sendto(data, dest)
                retransmit = time.time() + 1
            continue
        head = reply.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace").split("\r\n")
        if not head[0].startswith("SIP/2.0 ") or ("CSeq: %d INVITE" % cseq) not in head:
            continue
        code = int(head[0].split(" ", 2)[1])
        if code < 200:
            provisional = True
            continue
        to = next(h for h in head if h.lower().startswith("to:"))
        ack = ["ACK %s SIP/2.0" % ruri, lines[1], "Max-Forwards: 70", from_hdr, to, "Call-ID: " + call_id,
               "CSeq: %d ACK" % cseq, "Content-Length: 0", "", ""]
        if code < 300:
            ack[1] = "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%x;rport" % (a.bind, lport, random.getrandbits(48))
        s.sendto("\r\n".join(ack).encode(), dest)
        return head
    return None


def report(head, extra=""):
    if head is None:
        print("timeout call-id=%s%s" % (call_id, extra))
    else:
        status = head[0].split(" ", 2)
        print("%s %s call-id=%s%s" % (status[1], status[2] if len(status) > 2 else "", call_id, extra))


head = transact(invite(1, a.header), 1)
challenges = [h.split(":", 1)[1].strip() for h in (head or []) if h.lower().startswith("proxy-authenticate:")]
first_alg = re.search(r"algorithm=([A-Za-z0-9-]+)", challenges[0]).group(1) if challenges else "-"
report(head, " challenges=%d first=%s" % (len(challenges), first_alg))
def pick(head):
    challenges = [h.split(":", 1)[1].strip() for h in (head or []) if h.lower().startswith("proxy-authenticate:")]
    return next((c for c in challenges if re.search(r"algorithm=%s(,|$)" % re.escape(a.algorithm), c)), None)


def answer(challenge):
    param = lambda name: re.search(r'%s="([^"]*)"' % name, challenge).group(1)
    realm, nonce = param("realm"), param("nonce")
    H = lambda text: hashlib.new(HASHES[a.algorithm], text.encode()).hexdigest()
    cnonce, nc, uri = "%016x" % random.getrandbits(64), "00000001", ruri
    ha1 = H("%s:%s:%s" % (a.user, realm, a.password))
    response = H("%s:%s:%s:%s:auth:%s" % (ha1, nonce, nc, cnonce, H("INVITE:" + uri)))
    return ('Proxy-Authorization: Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", '
            'algorithm=%s, cnonce="%s", qop=auth, nc=%s' % (a.user, realm, nonce, uri, response, a.algorithm, cnonce, nc))


chosen = pick(head)
if head is None or not head[0].startswith("SIP/2.0 407") or chosen is None:
    raise SystemExit(0)
time.sleep(a.stale_wait)
credentials = answer(chosen)
head = transact(invite(2, [credentials] + a.header), 2)
again = pick(head) if head and head[0].startswith("SIP/2.0 407") else None
if a.stale_wait and again and again.endswith("stale=true"):
    report(head, " stale=true")
    credentials = answer(again)
    head = transact(invite(3, [credentials] + a.header), 3)
report(head)
if a.replay:
    report(transact(invite(4, [credentials] + a.header), 4))
