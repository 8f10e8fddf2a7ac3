// swift-tools-version:6.1
import PackageDescription

// Release builds of the libraries every message goes through skip Swift's run-time exclusivity
// checks (the compile-time ones stay): every class property access on the
// hot path called `swift_beginAccess` (a thread-local access set), about 4%
// of the samples, and without the checks the in-process call flow
// (`CallFlowBenchmarkTests`) went from 111 to 97 µs of CPU per call. Debug
// builds, which every unit test and live SIPp suite runs, keep the checks;
// this code runs on one queue per loop.
let hotPathSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
// A plain `import` is internal in the targets that wrap C libraries, so no
// libosip2 or OpenSSL type can appear in their public API (the compiler
// refuses it); Swift modules their API does use are imported `public`.
// SIPProxy (CDatagrams) is left out for now: it needs `public import` of
// SIPCore, Dispatch and Logging in five core and transport files first.
let internalImports: [SwiftSetting] = [.enableUpcomingFeature("InternalImportsByDefault")]

let package = Package(
    name: "stird",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "stird", targets: ["stird"]),
        .executable(name: "stirctl", targets: ["stirctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C libraries, each behind one shim header.
        .systemLibrary(name: "COSIP2", pkgConfig: "libosip2", providers: [.apt(["libosip2-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // The daemon's allocator (linked into `stird` only; see README, Performance).
        // The RUE credential store (RFC 9248 §9: generated SIP credentials, hashed).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CJemalloc", pkgConfig: "jemalloc", providers: [.apt(["libjemalloc-dev"])]),

        // recvmmsg(2) for the UDP reader (glibc declares it only under _GNU_SOURCE).
        .target(name: "CDatagrams"),

        // Generic INI reader with file:line errors.
        .target(name: "INIConfig"),
        // Swift face of libosip2.
        .target(name: "SIPCore", dependencies: ["COSIP2"], swiftSettings: hotPathSettings + internalImports),
        // Swift face of OpenSSL: ES256 keys, raw R||S.
        .target(name: "Crypto", dependencies: ["COpenSSL"], swiftSettings: hotPathSettings + internalImports),
        // PASSporT, Identity header, TN canonicalization, AS/VS logic. No sockets.
        .target(name: "STIRCore", dependencies: ["Crypto", "SIPCore"], swiftSettings: hotPathSettings),
        // X.509, TNAuthList, chain validation, x5u fetch + cache, revocation.
        .target(name: "Certificates", dependencies: ["Crypto", "COpenSSL", "CCurl", .product(name: "Logging", package: "swift-log")],
                swiftSettings: hotPathSettings + internalImports),
        // Dispatch transports (UDP, TCP, TLS over OpenSSL memory BIOs), transactions,
        // proxy core, processor chain. Knows no STIR.
        .target(name: "SIPProxy", dependencies: ["SIPCore", "Crypto", "CDatagrams", "COpenSSL", .product(name: "Logging", package: "swift-log")], swiftSettings: hotPathSettings),
        // Glue: processors from config, signals, reload, metrics.
        .target(name: "StirDaemon", dependencies: [
            "SIPProxy", "SIPCore", "INIConfig", "STIRCore", "Certificates", "Crypto", "COpenSSL", "CSQLite",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], swiftSettings: hotPathSettings),
        .executableTarget(name: "stird", dependencies: [
            "StirDaemon", "CJemalloc",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "stirctl", dependencies: [
            "STIRCore", "Crypto", "Certificates", "StirDaemon",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Test doubles and live loopback servers shared by the test targets
        // (manual timer scheduler, capturing sender, test PKI, python HTTP/OCSP/CRL
        // servers). Only test targets depend on it.
        .target(name: "TestSupport", dependencies: ["SIPProxy", "SIPCore"], path: "Tests/TestSupport"),

        .testTarget(name: "INIConfigTests", dependencies: ["INIConfig"]),
        .testTarget(name: "SIPCoreTests", dependencies: ["SIPCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CryptoTests", dependencies: ["Crypto"]),
        .testTarget(name: "STIRCoreTests", dependencies: ["STIRCore", "Crypto"]),
        .testTarget(name: "CertificatesTests", dependencies: ["Certificates", "Crypto", "TestSupport"]),
        .testTarget(name: "SIPProxyTests", dependencies: ["SIPProxy", "SIPCore", "TestSupport"]),
        // Drives the built `stirctl` binary (Process) against a temp test PKI and loopback servers.
        .testTarget(name: "StirctlTests", dependencies: ["TestSupport"]),
        .testTarget(name: "StirDaemonTests", dependencies: ["StirDaemon", "SIPProxy", "SIPCore", "INIConfig", "Crypto", "Certificates", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
