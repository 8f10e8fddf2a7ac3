/// Read buffers shared by the stream connections of one transport queue.
///
/// A read, its decryption and the framing of what it completed finish
/// before the queue runs anything else, so one socket buffer and one
/// plaintext buffer serve every connection on the queue: a read then costs
/// no allocation and no zero-filling of 64 KiB, which for a keep-alive
/// (four bytes, RFC 5626 §4.4.1) was most of the work.
final class StreamReadBuffers {
    /// What one `read` takes from a socket.
    let socket: UnsafeMutableRawBufferPointer
    /// What one `SSL_read` returns: a TLS record's plaintext is at most
    /// 16 KiB (RFC 8446 §5.1).
    let plaintext: UnsafeMutableRawBufferPointer

    init(socketBytes: Int = 65_536, plaintextBytes: Int = 16_384) {
        socket = .allocate(byteCount: socketBytes, alignment: 64)
        plaintext = .allocate(byteCount: plaintextBytes, alignment: 64)
    }

    deinit {
        socket.deallocate()
        plaintext.deallocate()
    }
}
