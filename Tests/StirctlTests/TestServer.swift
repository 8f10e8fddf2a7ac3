import Foundation

/// A python3 http.server over the PKI directory on 127.0.0.1, started and
/// killed by PID; it also exits on its own after 120 s or when the test
/// process is gone.
final class TestServer: @unchecked Sendable {
    let port: Int
    private let process: Process

    /// `tls`: https with the PKI's web certificate (x5u); else plain HTTP
    /// (CRL distribution point, OCSP responder via `openssl ocsp`).
    init(pki: PKI, tls: Bool, port: Int = Harness.freePort()) throws {
        self.port = port
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", pki.path("stirctl_server.py"), String(port), tls ? "tls" : "plain", "120", String(getpid())]
        process.currentDirectoryURL = URL(fileURLWithPath: pki.directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !Harness.accepts(port) {
            guard Date() < deadline, process.isRunning else {
                stop()
                throw StartFailure()
            }
            usleep(20_000)
        }
    }

    struct StartFailure: Error {}

    func url(_ path: String) -> String { "https://127.0.0.1:\(port)/\(path)" }

    /// Kills exactly the process this object started.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// GET /F serves file F; /status/N answers N; /slow sleeps 30 s.
/// POST / answers an OCSP request with `openssl ocsp` over inter-index.txt.
let serverSource = #"""
import http.server, os, ssl, subprocess, sys, tempfile, threading, time
port, mode, lifetime, parent = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def send(self, code, body=b"", ctype="application/octet-stream"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        p = self.path.strip("/").split("/")
        if p[0] == "status": return self.send(int(p[1]), b"error")
        if p[0] == "slow":
            time.sleep(30)
            return self.send(200)
        try: body = open(os.path.basename(self.path), "rb").read()
        except OSError: return self.send(404)
        self.send(200, body, "application/pem-certificate-chain")
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with tempfile.TemporaryDirectory() as d:
            open(d + "/req.der", "wb").write(body)
            r = subprocess.run(["openssl", "ocsp", "-index", "inter-index.txt", "-rsigner", "ocsp.pem", "-rkey", "ocsp.key",
                                "-CA", "inter.pem", "-nmin", "60", "-reqin", d + "/req.der", "-respout", d + "/resp.der"],
                               capture_output=True, timeout=10)
            if r.returncode != 0: return self.send(500)
            return self.send(200, open(d + "/resp.der", "rb").read(), "application/ocsp-response")
class S(http.server.ThreadingHTTPServer):
    daemon_threads = True
srv = S(("127.0.0.1", port), H)
if mode == "tls":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain("web.pem", "web.key")
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
def watchdog():
    end = time.time() + lifetime
    while time.time() < end:
        try: os.kill(parent, 0)
        except OSError: break
        time.sleep(0.5)
    os._exit(0)
threading.Thread(target=watchdog, daemon=True).start()
srv.serve_forever()
"""#
