#!/usr/bin/env python3
"""Test tokens for the Bearer live suite, signed with the openssl command line.

usage: bearer_token.py jwks --ec EC_KEY --rsa RSA_KEY      (prints a JWKS)
       bearer_token.py token --key KEY --alg ES256|RS256|none [--kid K]
           --iss I --aud A --sub S [--exp-offset S] [--nbf-offset S]
ES256 signatures come out of openssl as DER and are turned into the raw
R || S form JWS uses (RFC 7518 §3.4).
"""
import argparse, base64, json, subprocess, sys, time

b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def der_public(key, kind):
    return subprocess.run(["openssl", kind, "-in", key, "-pubout", "-outform", "DER"], check=True,
                          capture_output=True).stdout


def raw_from_der(der):
    # SEQUENCE { INTEGER r, INTEGER s }, short lengths (P-256 signatures are under 128 bytes).
    assert der[0] == 0x30
    i, out = 2, b""
    for _ in range(2):
        assert der[i] == 0x02
        n = der[i + 1]
        out += der[i + 2:i + 2 + n].lstrip(b"\0").rjust(32, b"\0")
        i += 2 + n
    return out


p = argparse.ArgumentParser()
sub = p.add_subparsers(dest="cmd", required=True)
j = sub.add_parser("jwks")
j.add_argument("--ec", required=True)
j.add_argument("--rsa", required=True)
t = sub.add_parser("token")
t.add_argument("--key")
t.add_argument("--alg", required=True)
t.add_argument("--kid")
t.add_argument("--iss", required=True)
t.add_argument("--aud", required=True)
t.add_argument("--sub", required=True)
t.add_argument("--exp-offset", type=int, default=300)
t.add_argument("--nbf-offset", type=int, default=-10)
a = p.parse_args()

if a.cmd == "jwks":
    ec = der_public(a.ec, "ec")[-64:]
    modulus = subprocess.run(["openssl", "rsa", "-in", a.rsa, "-noout", "-modulus"], check=True,
                             capture_output=True, text=True).stdout.strip().split("=", 1)[1]
    print(json.dumps({"keys": [
        {"kty": "EC", "crv": "P-256", "kid": "ec1", "use": "sig", "x": b64(ec[:32]), "y": b64(ec[32:])},
        {"kty": "RSA", "kid": "rsa1", "alg": "RS256", "n": b64(bytes.fromhex(modulus)), "e": "AQAB"}]}))
    sys.exit()

now = int(time.time())
header = {"alg": a.alg, "typ": "JWT"}
if a.kid:
    header["kid"] = a.kid
claims = {"iss": a.iss, "aud": a.aud, "sub": a.sub, "exp": now + a.exp_offset, "nbf": now + a.nbf_offset, "iat": now}
signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
if a.alg == "none":
    signature = b""
else:
    signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", a.key], input=signing_input.encode(), check=True,
                               capture_output=True).stdout
    if a.alg == "ES256":
        signature = raw_from_der(signature)
print(signing_input + "." + b64(signature))
