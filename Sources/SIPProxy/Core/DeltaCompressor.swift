import CZlib

/// Compresses a message against a reference message with zlib (raw deflate
/// with a preset dictionary, RFC 1951 / zlib's deflateSetDictionary).
///
/// Lingering non-INVITE transactions keep their final response for Timer J
/// (32 s over UDP). Responses of one kind are nearly identical (the same
/// header fields, addresses and lengths; only branch, tags, Call-ID and
/// CSeq differ), so with an earlier response as the dictionary a 340-byte
/// 200 OK to a BYE deflates to about 25–40 bytes.
///
/// One instance holds one deflate and one inflate stream, reused with
/// reset (a new stream per message would allocate its window each time).
/// Not thread-safe: one per loop, like the table that owns it.
final class DeltaCompressor {
    private var deflater = z_stream()
    private var inflater = z_stream()
    private let ready: Bool
    private var output = [UInt8](repeating: 0, count: 1024)

    /// Window of 2^12 bytes: covers the dictionary and a typical response;
    /// longer messages still compress, with shorter back-references.
    private static let windowBits: Int32 = 12

    init() {
        let d = stird_deflate_init_raw(&deflater, 1, DeltaCompressor.windowBits, 2)
        let i = stird_inflate_init_raw(&inflater, 15)
        ready = d == Z_OK && i == Z_OK
    }

    deinit {
        deflateEnd(&deflater)
        inflateEnd(&inflater)
    }

    /// `bytes` deflated against `reference`; nil when that is not smaller.
    func compress(_ bytes: [UInt8], reference: [UInt8]) -> [UInt8]? {
        guard ready, !bytes.isEmpty, deflateReset(&deflater) == Z_OK else { return nil }
        let dictionaryOK = reference.withUnsafeBufferPointer {
            deflateSetDictionary(&deflater, $0.baseAddress, uInt($0.count)) == Z_OK
        }
        guard dictionaryOK else { return nil }
        let limit = bytes.count - 1
        if output.count < limit { output = [UInt8](repeating: 0, count: limit) }
        let (status, produced) = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                deflater.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                deflater.avail_in = uInt(input.count)
                deflater.next_out = out.baseAddress
                deflater.avail_out = uInt(limit)
                let status = deflate(&deflater, Z_FINISH)
                return (status, limit - Int(deflater.avail_out))
            }
        }
        // Z_STREAM_END: all of it fitted in fewer bytes than the original.
        guard status == Z_STREAM_END else { return nil }
        return Array(output[0..<produced])
    }

    /// Restores what `compress` produced; nil when the data is damaged or
    /// does not inflate to exactly `length` bytes.
    func decompress(_ data: ArraySlice<UInt8>, reference: [UInt8], length: Int) -> [UInt8]? {
        guard ready, length > 0, inflateReset(&inflater) == Z_OK else { return nil }
        let dictionaryOK = reference.withUnsafeBufferPointer {
            inflateSetDictionary(&inflater, $0.baseAddress, uInt($0.count)) == Z_OK
        }
        guard dictionaryOK else { return nil }
        var result = [UInt8](repeating: 0, count: length)
        let (status, produced) = data.withUnsafeBufferPointer { input in
            result.withUnsafeMutableBufferPointer { out in
                inflater.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                inflater.avail_in = uInt(input.count)
                inflater.next_out = out.baseAddress
                inflater.avail_out = uInt(length)
                let status = inflate(&inflater, Z_FINISH)
                return (status, length - Int(inflater.avail_out))
            }
        }
        guard status == Z_STREAM_END, produced == length else { return nil }
        return result
    }
}
