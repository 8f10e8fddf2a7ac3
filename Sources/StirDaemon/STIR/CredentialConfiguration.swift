/// One `[credential "name"]`: a signing key, the x5u where its certificate
/// is published, and the TNs it may sign for (RFC 8224 §6.1: authority).
public struct CredentialConfiguration: Equatable, Sendable {
    public var name: String
    public var privateKeyFile = ""
    /// Optional local copy of the certificate, checked against the key at load.
    public var certificateFile: String?
    public var x5u = ""
    /// Service provider code (informational, logs).
    public var spc: String?
    /// TNs covered; empty covers every TN (an SPC-scoped SHAKEN certificate).
    public var tns = TNSet()

    public init(name: String) { self.name = name }
}
