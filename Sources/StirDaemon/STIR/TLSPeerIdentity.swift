/// The forms a `[peer] tls_identities` entry takes, in the form the
/// transport reports a verified certificate's identities
/// (`ReceivedMessage.tlsPeerIdentities`): a subjectAltName dNSName, a
/// subjectAltName SIP URI (RFC 5922 §7.1), or `sha256:` and the SHA-256 of
/// the certificate's DER, so that a certificate can be pinned.
enum TLSPeerIdentity {
    /// The entry lower-cased, a fingerprint as 64 hex digits without
    /// colons; nil when it is none of the three forms.
    static func normalized(_ text: String) -> String? {
        let t = text.lowercased()
        if t.hasPrefix("sha256:") {
            let hex = t.dropFirst(7).filter { $0 != ":" }
            guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else { return nil }
            return "sha256:" + hex
        }
        if t.hasPrefix("sip:") || t.hasPrefix("sips:") {
            return t.count > (t.hasPrefix("sip:") ? 4 : 5) && !t.contains(" ") ? t : nil
        }
        let labels = t.split(separator: ".", omittingEmptySubsequences: false)
        guard !labels.isEmpty, labels.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } }) else {
            return nil
        }
        return t
    }
}
