import STIRCore

/// The target a call was retargeted from, as an upstream element recorded
/// it: History-Info (RFC 7044 §9: entries in order, the last one being the
/// current target, so the one before it is the target left) or, without
/// it, Diversion (RFC 5806 §3: the topmost entry is the latest diverting
/// address).
enum RetargetHistory {
    /// The URI of the target left by the last retarget; nil when neither
    /// header shows one.
    static func previousTarget(historyInfo: [String], diversion: [String]) -> String? {
        let entries = historyInfo.flatMap(SIPIdentityExtractor.addressURIs(inHeaderValue:))
        if entries.count >= 2 { return strippingHeaders(entries[entries.count - 2]) }
        if let top = diversion.first.flatMap({ SIPIdentityExtractor.addressURIs(inHeaderValue: $0).first }) {
            return strippingHeaders(top)
        }
        return nil
    }

    /// A hi-targeted-to-uri may carry escaped headers (`?Reason=...`,
    /// RFC 7044 §9.1), which are not part of the identity.
    private static func strippingHeaders(_ uri: String) -> String {
        guard let q = uri.firstIndex(of: "?") else { return uri }
        return String(uri[..<q])
    }
}
