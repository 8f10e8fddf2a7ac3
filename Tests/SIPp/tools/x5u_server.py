#!/usr/bin/env python3
"""Loopback HTTPS (or HTTP) server for x5u, OCSP and CRL in the live STIR suites.

usage: x5u_server.py PORT tls|plain DIR LIFETIME_S
GET /FILE serves DIR/FILE as application/pem-certificate-chain (404 if absent);
GET /status/N answers N; /slow sleeps 30 s; /garbage serves non-PEM bytes.
POST / answers an OCSP request with `openssl ocsp` over DIR/inter-index.txt.
Binds 127.0.0.1 only and exits by itself after LIFETIME_S seconds.
"""
import http.server, os, ssl, subprocess, sys, tempfile, threading, time

port, mode, root, lifetime = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
os.chdir(root)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body=b"", ctype="text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        if parts[0] == "status":
            return self.reply(int(parts[1]), b"error")
        if parts[0] == "slow":
            time.sleep(30)
            return self.reply(200)
        if parts[0] == "garbage":
            return self.reply(200, b"\x00\x01 not a certificate \xff" * 40, "application/pem-certificate-chain")
        name = os.path.basename(parts[-1])
        try:
            body = open(name, "rb").read()
        except OSError:
            return self.reply(404, b"not found")
        self.reply(200, body, "application/pem-certificate-chain")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with tempfile.TemporaryDirectory() as d:
            open(d + "/req.der", "wb").write(body)
            r = subprocess.run(["openssl", "ocsp", "-index", "inter-index.txt", "-rsigner", "ocsp.pem", "-rkey", "ocsp.key",
                                "-CA", "inter.pem", "-nmin", "60", "-reqin", d + "/req.der", "-respout", d + "/resp.der"],
                               capture_output=True, timeout=10)
            if r.returncode != 0:
                return self.reply(500)
            self.reply(200, open(d + "/resp.der", "rb").read(), "application/ocsp-response")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", port), Handler)
if mode == "tls":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain("web.pem", "web.key")
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
threading.Timer(lifetime, lambda: os._exit(0)).start()
srv.serve_forever()
