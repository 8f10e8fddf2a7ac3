#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SIPProxy

/// A SocketAddress made from text and one made from what the kernel
/// reported must be the same address, and a send must go to the bytes the
/// text names.
struct SocketAddressTests {
    static func storage(of address: SocketAddress) -> sockaddr_storage {
        var storage = sockaddr_storage()
        address.withSockAddr { pointer, length in
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: pointer, count: Int(length))) }
        }
        return storage
    }

    @Test(arguments: ["127.0.0.1", "192.0.2.254", "0.0.0.0", "255.255.255.255", "::1", "2001:db8::1:2",
                      "[2001:db8:0:0:0:0:0:7]", "fe80::1234:5678:9abc:def0", "::ffff:192.0.2.1"])
    func sockaddrRoundTripsThroughTheKernelForm(_ text: String) throws {
        let address = try #require(SocketAddress(host: text, port: 5062))
        let storage = Self.storage(of: address)
        let back = try #require(SocketAddress(storage: storage))
        #expect(back == address)
        #expect(back.hashValue == address.hashValue)
        #expect(back.host == address.host)
        #expect(back.port == 5062)
        // The bytes of the sockaddr are what inet_pton makes of the text.
        var bare = text
        if bare.hasPrefix("[") { bare = String(bare.dropFirst().dropLast()) }
        if address.family == .inet {
            var expected = in_addr()
            #expect(inet_pton(AF_INET, bare, &expected) == 1)
            let sin = withUnsafeBytes(of: storage) { $0.loadUnaligned(as: sockaddr_in.self) }
            #expect(sin.sin_addr.s_addr == expected.s_addr)
            #expect(UInt16(bigEndian: sin.sin_port) == 5062)
        } else {
            var expected = in6_addr()
            #expect(inet_pton(AF_INET6, bare, &expected) == 1)
            let sin6 = withUnsafeBytes(of: storage) { $0.loadUnaligned(as: sockaddr_in6.self) }
            #expect(withUnsafeBytes(of: sin6.sin6_addr) { Array($0) } == withUnsafeBytes(of: expected) { Array($0) })
        }
    }

    @Test func differentAddressesDiffer() throws {
        let a = try #require(SocketAddress(host: "192.0.2.1", port: 5060))
        #expect(a != SocketAddress(host: "192.0.2.2", port: 5060))
        #expect(a != SocketAddress(host: "192.0.2.1", port: 5061))
        #expect(a != SocketAddress(host: "::ffff:192.0.2.1", port: 5060))
        #expect(SocketAddress(host: "2001:db8::1", port: 1) != SocketAddress(host: "2001:db8::2", port: 1))
        #expect(SocketAddress(host: "2001:db8::1", port: 1) == SocketAddress(host: "2001:0db8:0::1", port: 1))
    }

    /// IPv4 text is kept as given, so it must be the one text inet_ntop
    /// gives for those bytes; anything else must not parse as IPv4.
    @Test(arguments: ["192.0.2.1", "10.0.0.0", "0.0.0.0", "255.255.255.255", "1.22.133.4"])
    func ipv4TextIsTheFormattedText(_ text: String) throws {
        let address = try #require(SocketAddress(host: text, port: 5060))
        var a4 = in_addr()
        #expect(inet_pton(AF_INET, text, &a4) == 1)
        #expect(address.host == SocketAddress.numericText(family: .inet, v4: a4, v6: in6_addr()))
        #expect(address.host == text)
    }

    @Test(arguments: ["010.0.0.1", "1.2.3", "1.2.3.4.5", "256.0.0.1", " 1.2.3.4", "1.2.3.4 ", "0x7f.0.0.1", "1.2.3.04"])
    func nonCanonicalIPv4TextIsRefused(_ text: String) {
        #expect(SocketAddress(host: text, port: 5060) == nil)
    }

    @Test func withPortKeepsTheHost() throws {
        for text in ["192.0.2.7", "2001:db8::7"] {
            let address = try #require(SocketAddress(host: text, port: 5060))
            let moved = try #require(address.withPort(5099))
            #expect(moved == SocketAddress(host: text, port: 5099))
            #expect(moved.host == address.host)
            #expect(moved.family == address.family)
            #expect(address.withPort(70_000) == nil)
        }
    }

    @Test func hostNamesGiveTheSameTextAsFormatting() throws {
        let names = SocketAddress.HostNames()
        // 300 addresses through a 64-slot table, twice: misses replace slots.
        for _ in 0..<2 {
            for i in 0..<300 {
                let text = "10.\(i % 7).\(i / 7).\(i % 251)"
                let address = try #require(SocketAddress(host: text, port: 5060))
                let storage = Self.storage(of: address)
                let cached = try #require(SocketAddress(storage: storage, names: names))
                #expect(cached.host == text)
                #expect(cached == address)
            }
        }
    }
}
