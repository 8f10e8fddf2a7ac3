// One X.509 certificate, owning its OpenSSL X509* (ARCHITECTURE.md rule 4).
import COpenSSL
import Crypto
import Foundation

/// An immutable parsed certificate. Internal: C types never leave the module.
final class X509Certificate: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Takes ownership of one reference of `pointer`.
    init(owning pointer: OpaquePointer) { self.pointer = pointer }

    deinit { X509_free(pointer) }

    /// Parses every certificate of a PEM bundle in order (x5u: leaf first,
    /// then intermediates, RFC 8226 §7 / ATIS-1000080).
    static let maximumChainLength = 10

    static func parsePEMChain(_ pem: [UInt8]) throws -> [X509Certificate] {
        try parsePEMBundle(pem, limit: maximumChainLength)
    }

    /// Every certificate of a PEM bundle, at most `limit`.
    static func parsePEMBundle(_ pem: [UInt8], limit: Int = .max) throws -> [X509Certificate] {
        let read = try OpenSSLSupport.withMemoryBIO(pem) { bio -> [X509Certificate] in
            var certificates: [X509Certificate] = []
            while let x509 = PEM_read_bio_X509(bio, nil, nil, nil) {
                certificates.append(X509Certificate(owning: x509))
                // x5u is hostile input: bound the path-building work.
                guard certificates.count <= limit else {
                    OpenSSLErrorQueue.clear()
                    throw CertificateFailure.malformed("more than \(limit) certificates")
                }
            }
            return certificates
        }
        guard let certificates = read else { throw CertificateFailure.malformed("BIO_new_mem_buf failed") }
        // PEM_read ends with PEM_R_NO_START_LINE at EOF; anything else is junk.
        OpenSSLErrorQueue.clear()
        guard !certificates.isEmpty else { throw CertificateFailure.malformed("no PEM certificate") }
        return certificates
    }

    static func parseDER(_ der: [UInt8]) throws -> X509Certificate {
        let x509: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        }
        guard let x509 else { throw CertificateFailure.malformed("bad DER certificate: \(OpenSSLErrorQueue.drainText())") }
        return X509Certificate(owning: x509)
    }

    var notBefore: Date { OpenSSLSupport.date(X509_get0_notBefore(pointer)) ?? .distantFuture }
    var notAfter: Date { OpenSSLSupport.date(X509_get0_notAfter(pointer)) ?? .distantPast }

    /// DER encoding of the whole certificate.
    var der: [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(pointer, &out)
        guard length > 0, let out else { return [] }
        defer { stird_OPENSSL_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    /// PEM encoding, for disk persistence and `stirctl cache list`.
    var pem: String {
        (try? OpenSSLSupport.writeToString("encode certificate PEM") { PEM_write_bio_X509($0, pointer) }) ?? ""
    }

    /// DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
    var subjectPublicKeyInfo: [UInt8] {
        guard let spki = X509_get_X509_PUBKEY(pointer) else { return [] }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509_PUBKEY(spki, &out)
        guard length > 0, let out else { return [] }
        defer { stird_OPENSSL_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    /// The EC curve name of the public key ("prime256v1"), nil if not EC.
    var ecCurveName: String? {
        guard let key = X509_get0_pubkey(pointer), EVP_PKEY_get_base_id(key) == EVP_PKEY_EC else { return nil }
        var name = [CChar](repeating: 0, count: 64)
        var length = 0
        guard EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1 else { return nil }
        return String(cString: name)
    }

    /// Subject commonName, first occurrence.
    var commonName: String? {
        guard let subject = X509_get_subject_name(pointer) else { return nil }
        let index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(subject, index),
              let data = X509_NAME_ENTRY_get_data(entry) else { return nil }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let utf8 else { return nil }
        defer { stird_OPENSSL_free(utf8) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    var isCA: Bool { X509_check_ca(pointer) != 0 }

    /// keyUsage bits (KU_*), or nil when the extension is absent.
    var keyUsage: UInt32? {
        X509_get_extension_flags(pointer) & UInt32(EXFLAG_KUSAGE) != 0 ? X509_get_key_usage(pointer) : nil
    }

    /// Whether subject and issuer names are equal (a self-issued root).
    var isSelfIssued: Bool { X509_NAME_cmp(X509_get_subject_name(pointer), X509_get_issuer_name(pointer)) == 0 }

    /// Raw value (OCTET STRING contents) of the extension with dotted `oid`.
    func extensionValue(oid: String) -> [UInt8]? {
        guard let object = OBJ_txt2obj(oid, 1) else { return nil }
        defer { ASN1_OBJECT_free(object) }
        let index = X509_get_ext_by_OBJ(pointer, object, -1)
        guard index >= 0, let ext = X509_get_ext(pointer, index), let data = X509_EXTENSION_get_data(ext) else {
            return nil
        }
        let length = Int(ASN1_STRING_length(data))
        guard let bytes = ASN1_STRING_get0_data(data) else { return [] }
        return Array(UnsafeBufferPointer(start: bytes, count: length))
    }

    /// OCSP responder URLs from Authority Information Access (RFC 5280 §4.2.2.1).
    var ocspURLs: [String] {
        guard let stack = X509_get1_ocsp(pointer) else { return [] }
        defer { X509_email_free(stack) }
        return (0..<stird_sk_OPENSSL_STRING_num(stack)).compactMap { index in
            stird_sk_OPENSSL_STRING_value(stack, index).map { String(cString: $0) }
        }
    }

    /// URIs of the CRL distribution points (RFC 5280 §4.2.1.13).
    var crlURLs: [String] {
        var urls: [String] = []
        while urls.count < 8, let uri = stird_crl_dp_uri(pointer, Int32(urls.count)) {
            urls.append(String(cString: uri))
        }
        return urls
    }

    /// Hex serial number, for logs and `stirctl cache list`.
    var serialHex: String {
        guard let serial = X509_get0_serialNumber(pointer), let bn = ASN1_INTEGER_to_BN(serial, nil) else { return "" }
        defer { BN_free(bn) }
        guard let hex = BN_bn2hex(bn) else { return "" }
        defer { stird_OPENSSL_free(hex) }
        return String(cString: hex)
    }
}
