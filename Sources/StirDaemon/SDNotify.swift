import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The service manager's readiness notification (systemd's sd_notify
/// protocol): one datagram of newline-separated `KEY=VALUE` lines sent to the
/// unix socket named by `$NOTIFY_SOCKET`. A few lines of socket code, so stird
/// needs no libsystemd. Without `$NOTIFY_SOCKET` (not run by a service
/// manager with `Type=notify`) nothing is sent.
public enum SDNotify {
    /// Every socket is bound: the manager may start units ordered after stird.
    public static let ready = "READY=1"
    /// Draining after SIGTERM/SIGINT.
    public static let stopping = "STOPPING=1"

    /// Sends `state` to `$NOTIFY_SOCKET` from `environment`. False when there
    /// is no such socket or the datagram could not be sent (never fatal: the
    /// daemon serves either way, and a manager that waits says so itself).
    @discardableResult
    public static func send(_ state: String,
                            environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty else { return false }
        return send(state, to: path)
    }

    /// `RELOADING=1` with the monotonic clock in microseconds, the form
    /// systemd 253 and later expect; sent before a SIGHUP reload, `READY=1` after it.
    public static func reloading() -> String {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return "RELOADING=1\nMONOTONIC_USEC=\(UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000)"
    }

    /// Sends one datagram to the unix socket `path`: a file system path, or
    /// `@name` for a name in Linux's abstract namespace (a leading NUL byte).
    static func send(_ state: String, to path: String) -> Bool {
        var name = Array(path.utf8)
        guard let first = name.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "@") else { return false }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        if first == UInt8(ascii: "@") {
            name[0] = 0
            guard name.count > 1, name.count <= capacity else { return false }
        } else {
            guard name.count < capacity else { return false }  // room for the terminating NUL
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: name) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + name.count + (first == UInt8(ascii: "@") ? 0 : 1))
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let bytes = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), socketAddress, length) }
            }
        }
        return sent == bytes.count
    }
}
