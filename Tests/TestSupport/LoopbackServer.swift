// Live servers for tests, on 127.0.0.1 only, started and stopped by PID,
// each bounded in lifetime (they exit on their own after 120 s or when the
// test process disappears).
import Foundation

/// A python3 http.server over the test PKI directory: https x5u server,
/// OCSP responder (`openssl ocsp` per request) or CRL distribution point.
public final class LoopbackServer: @unchecked Sendable {
    public let port: Int
    /// True when it speaks https (x5u), false for plain HTTP (OCSP, CRL).
    public let tls: Bool
    private let process: Process

    /// File name of the server script in the PKI directory (written by `TestPKI.shared`).
    static let scriptName = "loopback_server.py"

    /// Starts the server on `port` and waits (at most 10 s) until it accepts connections.
    public init(pki: TestPKI, tls: Bool, port: Int) throws {
        self.port = port
        self.tls = tls
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", pki.path(Self.scriptName), String(port), tls ? "tls" : "plain", "120", String(getpid())]
        process.currentDirectoryURL = URL(fileURLWithPath: pki.directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        guard eventually(timeout: 10, pollEvery: 20_000, { LoopbackPort.accepts(port) || !process.isRunning }),
              process.isRunning else {
            stop()
            throw ServerError.didNotStart(port)
        }
    }

    public enum ServerError: Error { case didNotStart(Int) }

    /// `https://127.0.0.1:port/path` (or `http://` for a plain server).
    public func url(_ path: String) -> String { "\(tls ? "https" : "http")://127.0.0.1:\(port)/\(path)" }

    /// Kills exactly the process this object started.
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }

    /// The https x5u server on a free port (never the PKI's OCSP or CRL port).
    public static func x5u(pki: TestPKI, tls: Bool = true) throws -> LoopbackServer {
        var port = LoopbackPort.free()
        while port == pki.ocspPort || port == pki.crlPort { port = LoopbackPort.free() }
        return try LoopbackServer(pki: pki, tls: tls, port: port)
    }

    /// `openssl ocsp` as the real responder, run per request (-reqin/-respout)
    /// behind the loopback HTTP server: OpenSSL 3.0's `-port` listens on every
    /// interface, and tests stay on 127.0.0.1.
    public static func ocsp(pki: TestPKI) throws -> LoopbackServer {
        try LoopbackServer(pki: pki, tls: false, port: pki.ocspPort)
    }

    /// Plain-HTTP server for the CRL distribution point.
    public static func crl(pki: TestPKI) throws -> LoopbackServer {
        try LoopbackServer(pki: pki, tls: false, port: pki.crlPort)
    }
}

/// Paths: /plain/F, /cc/N/F (Cache-Control max-age=N), /expires/N/F,
/// /delay/MS/F, /status/N, /slow, /drip, /big, /redirect, /garbage, /empty,
/// /count/F (served like /plain, counted), /hits/F (count so far),
/// /seen/P (requests for /P so far, any path, answered or not), /F.
/// POST / answers an OCSP request with `openssl ocsp` over inter-index.txt.
let loopbackServerSource = #"""
import http.server, os, ssl, subprocess, sys, tempfile, threading, time, email.utils
port, mode, lifetime, parent = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
hits = {}
lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *a): pass
    def send(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers: self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def file(self, name, headers=()):
        try: body = open(os.path.basename(name), "rb").read()
        except OSError: return self.send(404)
        self.send(200, body, [("Content-Type", "application/pem-certificate-chain")] + list(headers))
    def do_GET(self):
        p = self.path.strip("/").split("/")
        with lock: hits[self.path] = hits.get(self.path, 0) + 1
        k = p[0]
        if k == "plain": return self.file(p[1])
        if k == "count": return self.file(p[1])
        if k == "hits":
            with lock: n = hits.get("/count/" + p[1], 0)
            return self.send(200, str(n).encode())
        if k == "seen":
            with lock: n = hits.get("/" + "/".join(p[1:]), 0)
            return self.send(200, str(n).encode())
        if k == "cc": return self.file(p[2], [("Cache-Control", "max-age=" + p[1])])
        if k == "expires":
            return self.file(p[2], [("Expires", email.utils.formatdate(time.time() + int(p[1]), usegmt=True)),
                                    ("Date", email.utils.formatdate(time.time(), usegmt=True))])
        if k == "delay":
            time.sleep(int(p[1]) / 1000.0)
            return self.file(p[2])
        if k == "status": return self.send(int(p[1]), b"error")
        if k == "slow":
            time.sleep(30)
            return self.send(200)
        if k == "drip":
            self.send_response(200)
            self.send_header("Content-Length", "200")
            self.end_headers()
            for _ in range(200):
                self.wfile.write(b"-"); self.wfile.flush(); time.sleep(0.2)
            return
        if k == "big": return self.send(200, b"A" * (10 * 1024 * 1024))
        if k == "redirect": return self.send(302, b"", [("Location", "/plain/leaf-spc-chain.pem")])
        if k == "garbage": return self.send(200, b"\x00\x01 this is not PEM at all \xff" * 40)
        if k == "empty": return self.send(200, b"")
        return self.file(p[0])
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path != "/": return self.send(405)
        with tempfile.TemporaryDirectory() as d:
            open(d + "/req.der", "wb").write(body)
            r = subprocess.run(["openssl", "ocsp", "-index", "inter-index.txt", "-rsigner", "ocsp.pem", "-rkey", "ocsp.key",
                                "-CA", "inter.pem", "-nmin", "60", "-reqin", d + "/req.der", "-respout", d + "/resp.der"],
                               capture_output=True, timeout=10)
            if r.returncode != 0: return self.send(500)
            return self.send(200, open(d + "/resp.der", "rb").read(), [("Content-Type", "application/ocsp-response")])
class S(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
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
