/// The account's `phone-number` in a RUE configuration (RFC 9248 §9) is
/// the first of its `tns` that names a single number.
extension TNPattern {
    /// The one number this pattern names, if it names exactly one.
    var exactNumber: String? {
        if case .exact(let n) = kind { return n }
        return nil
    }
}
