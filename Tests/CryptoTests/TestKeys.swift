/// Keys published in RFCs (never for production).
enum TestKeys {
    /// RFC 8946 Appendix A private key (SEC1).
    static let rfc8946Private = """
    -----BEGIN EC PRIVATE KEY-----
    MHcCAQEEIFKCsFZ4Wsw3ZpBxgc4Z0sOjaXDdMk07Ny1fKg6OntAkoAoGCCqGSM49
    AwEHoUQDQgAEmzGM1VsO+3IqbMF54rQMaYKQftO4hUYm9wv5wutLgEd9FsiTy3+4
    +Wa2O7pffOXPC0QzO+yD8hGEXGP/2mZo6w==
    -----END EC PRIVATE KEY-----
    """
    /// RFC 8946 Appendix A public key.
    static let rfc8946Public = """
    -----BEGIN PUBLIC KEY-----
    MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEmzGM1VsO+3IqbMF54rQMaYKQftO4
    hUYm9wv5wutLgEd9FsiTy3+4+Wa2O7pffOXPC0QzO+yD8hGEXGP/2mZo6w==
    -----END PUBLIC KEY-----
    """
    /// RFC 8225 A.1 private key (PKCS#8) — NOT the pair of A.2.
    static let rfc8225Private = """
    -----BEGIN PRIVATE KEY-----
    MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgi7q2TZvN9VDFg8Vy
    qCP06bETrR2v8MRvr89rn4i+UAahRANCAAQWfaj1HUETpoNCrOtp9KA8o0V79IuW
    ARKt9C1cFPkyd3FBP4SeiNZxQhDrD0tdBHls3/wFe8++K2FrPyQF9vuh
    -----END PRIVATE KEY-----
    """
    /// RFC 8225 A.2 public key.
    static let rfc8225Public = """
    -----BEGIN PUBLIC KEY-----
    MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE8HNbQd/TmvCKwPKHkMF9fScavGeH
    78YTU8qLS8I5HLHSSmlATLcslQMhNC/OhlWBYC626nIlo7XeebYS7Sb37g==
    -----END PUBLIC KEY-----
    """
}
