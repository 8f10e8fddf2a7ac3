/// Settings of the back-to-back user agent (`[proxy]` keys `b2bua_pass_headers`,
/// `max_dialogs`, `max_dialog_s`).
public struct B2BUASettings: Equatable, Sendable {
    /// Header fields copied from one leg's message to the other's. Everything
    /// else is dropped: a B2BUA builds each leg's requests itself
    /// (RFC 3261 §8.1.1), which is what hides the topology (RFC 7092 §3.1.3).
    public var passHeaders: [String] = B2BUASettings.defaultPassHeaders
    /// Dialogs held at once over all loops; past it new calls get 503.
    public var maxDialogs = 100_000
    /// A dialog is ended with a BYE on both legs after this long.
    public var maxDialogDuration: Duration = .seconds(4 * 3_600)

    /// STIR (RFC 8224), asserted identity (RFC 3325), diversion and
    /// history (RFC 5806, RFC 7044), session timers (RFC 4028), extensions
    /// and capabilities (RFC 3261 §20), and the body's type.
    public static let defaultPassHeaders = [
        "P-Asserted-Identity", "Identity", "Date", "Diversion", "History-Info", "Session-Expires", "Min-SE",
        "Supported", "Require", "Allow", "Content-Type", "Reason",
    ]

    /// Fields a B2BUA owns per leg (RFC 3261 §8.1.1, §12): never passed,
    /// whatever the configuration says.
    public static let legOwnedHeaders: Set<String> = [
        "via", "v", "route", "record-route", "contact", "m", "call-id", "i", "from", "f", "to", "t", "cseq",
        "max-forwards", "content-length", "l", "rseq", "rack",
    ]

    public init() {}
}
