import SIPCore

/// One table for the whole run, small so that its slots are replaced often:
/// every input is checked against what earlier inputs left in it.
let sharedTable = AcceptedFieldValues(slots: 64)

/// libFuzzer entry point for the SIP message parser and validator. Any
/// crash, trap or sanitizer report is a bug. It is also a differential
/// check of the lookup tables that let validation skip work
/// (`AcceptedFieldValues` with its `ViaShapes`): a message must get the
/// same verdict, and an accepted one the same Vias, with the shared table
/// as without any table, or the run stops here. Built and run by Scripts/fuzz-sip (not part of the package
/// build).
@_cdecl("LLVMFuzzerTestOneInput")
public func sipFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let plain = try? SIPMessage.parse(bytes), let tabled = try? SIPMessage.parse(bytes) else {
        _ = SIPMessage.parseHeaderSection(bytes)
        return 0
    }
    let accepted: Bool
    if plain.isRequest {
        let expected = plain.validateRequest()
        let got = tabled.validateRequest(accepted: sharedTable)
        if expected?.status != got?.status || expected?.reason != got?.reason {
            fatalError("request verdict differs with the table: \(String(describing: expected)) vs \(String(describing: got))")
        }
        accepted = expected == nil
    } else {
        let expected = plain.validateResponse()
        let got = tabled.validateResponse(accepted: sharedTable)
        if expected != got {
            fatalError("response verdict differs with the table: \(String(describing: expected)) vs \(String(describing: got))")
        }
        accepted = expected == nil
    }
    // An accepted message must also read the same: the Vias the table
    // answered for (a request's, a response's top one) equal the parsed ones.
    if accepted, plain.isRequest ? plain.vias != tabled.vias : plain.topVia != tabled.topVia {
        fatalError("Vias differ with the table: \(plain.vias) vs \(tabled.vias)")
    }
    // What the proxy reads and writes next.
    _ = tabled.vias
    _ = tabled.topVia?.branch
    _ = tabled.from?.tag
    _ = tabled.toTag
    _ = tabled.serialize()
    return 0
}
