// Live servers for tests, on 127.0.0.1 only, started and stopped by PID,
// each bounded in lifetime (they exit on their own after `lifetime` s or when
// the test process disappears).
import Foundation

final class LoopbackServer: @unchecked Sendable {
    let port: Int
    private let process: Process

    /// Starts `arguments` and waits until `port` accepts connections.
    init(executable: String, arguments: [String], port: Int, directory: String) throws {
        self.port = port
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !Self.accepts(port) {
            guard Date() < deadline, process.isRunning else {
                stop()
                throw ServerError.didNotStart(executable)
            }
            usleep(20_000)
        }
    }

    enum ServerError: Error { case didNotStart(String) }

    /// Kills exactly the process this object started.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// The python3 x5u server (http.server + ssl) over the test PKI directory.
    static func x5u(pki: TestPKI, tls: Bool = true) throws -> LoopbackServer {
        let script = pki.path("x5u_server.py")
        if !FileManager.default.fileExists(atPath: script) {
            try x5uServerSource.write(toFile: script, atomically: true, encoding: .utf8)
        }
        var port = LoopbackPort.free()
        while port == pki.ocspPort || port == pki.crlPort { port = LoopbackPort.free() }
        return try LoopbackServer(executable: "/usr/bin/env",
                                  arguments: ["python3", script, String(port), tls ? "tls" : "plain", "120", String(getpid())],
                                  port: port, directory: pki.directory)
    }

    /// `openssl ocsp` as the real responder, run per request (-reqin/-respout)
    /// behind the loopback HTTP server: OpenSSL 3.0's `-port` listens on every
    /// interface, and tests stay on 127.0.0.1.
    static func ocsp(pki: TestPKI) throws -> LoopbackServer {
        try plain(pki: pki, port: pki.ocspPort)
    }

    /// Plain-HTTP server for the CRL distribution point.
    static func crl(pki: TestPKI) throws -> LoopbackServer {
        try plain(pki: pki, port: pki.crlPort)
    }

    static func plain(pki: TestPKI, port: Int) throws -> LoopbackServer {
        let script = pki.path("x5u_server.py")
        if !FileManager.default.fileExists(atPath: script) {
            try x5uServerSource.write(toFile: script, atomically: true, encoding: .utf8)
        }
        return try LoopbackServer(executable: "/usr/bin/env",
                                  arguments: ["python3", script, String(port), "plain", "120", String(getpid())],
                                  port: port, directory: pki.directory)
    }
}

/// Paths: /plain/F, /cc/N/F (Cache-Control max-age=N), /expires/N/F,
/// /delay/MS/F, /status/N, /slow, /drip, /big, /redirect, /garbage, /empty,
/// /count/F (served like /plain, counted), /hits/F (count so far), /F.
/// POST / answers an OCSP request with `openssl ocsp` over inter-index.txt.
let x5uServerSource = #"""
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
