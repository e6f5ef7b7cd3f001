import CZlib

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#else
    import Darwin
#endif

private func posixWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(fd, bytes, count) }
private func posixRead(_ fd: Int32, _ bytes: UnsafeMutableRawPointer, _ count: Int) -> Int { read(fd, bytes, count) }

/// An unsigned LEB128 number from the bytes `next` gives, the pack's varint.
package func decodeVarint(_ next: () throws -> UInt8) throws -> UInt64 {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while true {
        let byte = try next()
        guard shift < 64 else { throw PackError("a number in it is too long") }
        value |= UInt64(byte & 0x7F) << shift
        if byte < 0x80 { return value }
        shift += 7
    }
}

/// Why a packed file could not be written or read: the sentence says what is wrong with it.
public struct PackError: Error, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// A zlib stream (deflate with an Adler-32 trailer) written to a file descriptor as bytes are given to it.
final class DeflateWriter {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
    private let fd: Int32
    private let path: String
    private var open = false
    /// Bytes written to the file so far.
    private(set) var written: Int64 = 0

    init(fd: Int32, path: String, level: Int32) throws {
        self.fd = fd
        self.path = path
        stream.initialize(to: z_stream())
        let code = deflateInit2_(
            stream, level, Z_DEFLATED, 15, 9, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard code == Z_OK else { throw PackError("cannot start zlib (code \(code))") }
        open = true
    }

    deinit {
        if open { deflateEnd(stream) }
        stream.deallocate()
        output.deallocate()
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        try run(bytes, flush: Z_NO_FLUSH)
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Ends the stream and writes what zlib still holds.
    func finish() throws {
        try run(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH)
        deflateEnd(stream)
        open = false
    }

    private func run(_ bytes: UnsafeRawBufferPointer, flush: Int32) throws {
        stream.pointee.next_in = bytes.baseAddress.map {
            UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self))
        }
        stream.pointee.avail_in = UInt32(bytes.count)
        while true {
            stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = UInt32(output.count)
            let code = deflate(stream, flush)
            guard code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR else {
                throw PackError("zlib failed while compressing (code \(code))")
            }
            let produced = output.count - Int(stream.pointee.avail_out)
            try Self.writeAll(fd, UnsafeRawBufferPointer(rebasing: output[0..<produced]), path: path)
            written += Int64(produced)
            if flush == Z_FINISH ? code == Z_STREAM_END : stream.pointee.avail_out > 0 { return }
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var done = 0
        while done < bytes.count {
            let count = posixWrite(fd, bytes.baseAddress! + done, bytes.count - done)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw PackError("cannot write \(path): \(String(cString: strerror(errno)))") }
            done += count
        }
    }
}

/// A file still being written (a download): a reader at its end waits for more instead of stopping there.
public protocol GrowingFile: AnyObject, Sendable {
    /// Waits until the file holds more than `size` bytes: true then, false once it never will.
    func waitBeyond(_ size: Int64) -> Bool
}

/// Reads the zlib stream of a file, exactly as many bytes at a time as asked for; of a ``GrowingFile``, as it
/// grows.
final class InflateReader {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private let input = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
    private let fd: Int32
    private let path: String
    private var open = false
    private var endOfFile = false
    private var endOfStream = false
    private let growing: (any GrowingFile)?
    private var consumed: Int64 = 0

    init(fd: Int32, path: String, growing: (any GrowingFile)? = nil) throws {
        self.fd = fd
        self.path = path
        self.growing = growing
        stream.initialize(to: z_stream())
        let code = inflateInit2_(stream, 15, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard code == Z_OK else { throw PackError("cannot start zlib (code \(code))") }
        open = true
    }

    deinit {
        if open { inflateEnd(stream) }
        stream.deallocate()
        input.deallocate()
    }

    /// Fills `buffer` whole; throws if the stream ends first or is not valid zlib.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws {
        guard buffer.count > 0 else { return }
        stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = UInt32(buffer.count)
        while stream.pointee.avail_out > 0 {
            guard !endOfStream else { throw PackError("it ends early") }
            try refill()
            let code = inflate(stream, Z_NO_FLUSH)
            switch code {
            case Z_OK: continue
            case Z_STREAM_END: endOfStream = true
            case Z_BUF_ERROR where endOfFile && stream.pointee.avail_in == 0: throw PackError("it ends early")
            case Z_BUF_ERROR: continue
            default: throw PackError("it is not a valid zlib stream (code \(code))")
            }
        }
    }

    func readByte() throws -> UInt8 {
        var byte: UInt8 = 0
        try withUnsafeMutableBytes(of: &byte) { try read(into: $0) }
        return byte
    }

    func readVarint() throws -> UInt64 { try decodeVarint { try readByte() } }

    /// Checks that the stream ends here and that nothing follows it in the file.
    func expectEnd() throws {
        var byte: UInt8 = 0
        let more = try withUnsafeMutableBytes(of: &byte) { buffer -> Bool in
            do {
                try read(into: buffer)
                return true
            } catch let error as PackError where error.description == "it ends early" && endOfStream {
                return false
            }
        }
        guard !more, stream.pointee.avail_in == 0 else { throw PackError("it has bytes past its end") }
        try refill()
        guard stream.pointee.avail_in == 0 else { throw PackError("it has bytes past its end") }
    }

    private func refill() throws {
        guard stream.pointee.avail_in == 0, !endOfFile else { return }
        while true {
            let count = posixRead(fd, input.baseAddress!, input.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw PackError("cannot read \(path): \(String(cString: strerror(errno)))") }
            if count == 0, let growing, growing.waitBeyond(consumed) { continue }
            consumed += Int64(count)
            endOfFile = count == 0
            stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_in = UInt32(count)
            return
        }
    }
}
