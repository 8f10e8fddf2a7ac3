import STIRCore

/// libFuzzer entry point for everything that parses untrusted STIR input:
/// Identity header values, PASSporT tokens, JSON, SIP URIs and Date, and
/// the certificate-free verification phase. Any crash, trap or sanitizer
/// report is a bug; every input must end in a typed outcome.
/// Built and run by Scripts/fuzz-stir (not part of the package build).
@_cdecl("LLVMFuzzerTestOneInput")
public func identityFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let text = String(decoding: bytes, as: UTF8.self)

    _ = try? JSONReader().parse(bytes)
    _ = Base64URL.decode(text)
    if let header = try? IdentityHeader.parse(text) {
        _ = header.formatted
        _ = try? PASSporT.decode(header.token)
    }
    _ = try? PASSporT.decode(text)
    _ = SIPDate.parse(text)
    let extractor = SIPIdentityExtractor()
    _ = extractor.identity(ofURI: text)
    _ = SIPIdentityExtractor.addressURIs(inHeaderValue: text)
    _ = TNCanonicalizer.nanp.canonicalize(text)

    // The verifier's first phase, with the input as one or two Identity headers.
    let sip = SIPIdentityContext(originating: [.tn("12155550121")], destinations: [.tn("12155550131")],
                                 date: "Tue, 14 Nov 2023 22:13:20 GMT", now: 1_700_000_000)
    let plan = IdentityVerifier.prepare(identityHeaders: [text, text + ";ppt=shaken"], sip: sip)
    let result = plan.finish(certificates: [:])
    _ = result.reasonHeaderValue(.stir)
    _ = result.metricLabel
    return 0
}
