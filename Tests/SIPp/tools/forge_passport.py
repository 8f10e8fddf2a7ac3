#!/usr/bin/env python3
"""Builds (possibly deliberately wrong) SHAKEN Identity header values for the
live failure scenarios, signed ES256 with a PEM key (python3 cryptography).

usage: forge_passport.py --key KEY --x5u URL --orig TN --dest TN [--attest A]
         [--iat N] [--set-header k=v]... [--set-claim k=json]... [--drop-claim k]...
         [--info URL] [--alg ES256] [--ppt shaken] [--bad-signature] [--compact]
Header and claims are serialized canonically (sorted keys, no blanks, RFC 8225 §9).
"""
import argparse, base64, json, time, uuid
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

p = argparse.ArgumentParser()
p.add_argument("--key", required=True)
p.add_argument("--x5u", required=True)
p.add_argument("--orig", required=True)
p.add_argument("--dest", required=True)
p.add_argument("--attest", default="A")
p.add_argument("--iat", type=int)
p.add_argument("--set-header", action="append", default=[])
p.add_argument("--set-claim", action="append", default=[])
p.add_argument("--drop-claim", action="append", default=[])
p.add_argument("--info")
p.add_argument("--alg", default="ES256")
p.add_argument("--ppt", default="shaken")
p.add_argument("--bad-signature", action="store_true")
p.add_argument("--compact", action="store_true")
a = p.parse_args()


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def canon(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


header = {"alg": "ES256", "ppt": "shaken", "typ": "passport", "x5u": a.x5u}
for kv in a.set_header:
    k, v = kv.split("=", 1)
    if v == "":
        header.pop(k, None)
    else:
        header[k] = v
claims = {"attest": a.attest, "dest": {"tn": [a.dest]}, "iat": a.iat if a.iat is not None else int(time.time()),
          "orig": {"tn": a.orig}, "origid": str(uuid.uuid4())}
for kv in a.set_claim:
    k, v = kv.split("=", 1)
    claims[k] = json.loads(v)
for k in a.drop_claim:
    claims.pop(k, None)
key = serialization.load_pem_private_key(open(a.key, "rb").read(), password=None)
signing_input = (b64(canon(header)) + "." + b64(canon(claims))).encode()
r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
sig = bytearray(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
if a.bad_signature:
    sig[10] ^= 0x55
token = ".." + b64(bytes(sig)) if a.compact else signing_input.decode() + "." + b64(bytes(sig))
params = ";info=<%s>;alg=%s" % (a.info or a.x5u, a.alg)
if a.ppt:
    params += ";ppt=" + a.ppt
print(token + params)
