import CompressNIO
import Foundation
import ConcordCore
import Hummingbird
import NIOCore

/// Reads request bodies within the limits of protocol.md §5, inflating gzip.
enum BodyReader {
    /// Reads the whole body: at most `limit` bytes as sent and, for `Content-Encoding: gzip`, at most `limit`
    /// once inflated (so a small gzip bomb cannot expand without bound).
    static func read(_ request: Request, limit: Int = Limits.bodyBytes) async throws -> ByteBuffer {
        let tooLarge = APIError(
            .contentTooLarge,
            "request body is larger than \(limit / (1024 * 1024)) MiB (decompressed); push fewer changes per batch",
            detail: .text("the limit is \(limit) bytes after gzip decompression"))
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw tooLarge }
        var body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        } catch is NIOTooManyBytesError {
            // A chunked body has no Content-Length to refuse up front: it is cut when it passes the limit.
            throw tooLarge
        } catch {
            // The body ended before its Content-Length, or its chunking broke: the client's mistake, not ours.
            throw APIError.badRequest(
                "the request body could not be read whole (\(error)); send the complete body, with a Content-Length "
                    + "that matches it or valid chunked encoding")
        }
        let encoding = request.headers[.contentEncoding]?.lowercased().trimmingCharacters(in: .whitespaces)
        switch encoding {
        case nil, "identity":
            return body
        case "gzip", "x-gzip":
            let inflated: ByteBuffer
            do {
                inflated = try body.decompress(with: .gzip(), maxSize: limit)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                throw tooLarge
            } catch {
                throw APIError.badRequest(
                    "request body says Content-Encoding: gzip but is not valid gzip (\(error)); send plain JSON or "
                        + "gzip it whole")
            }
            // maxSize bounds the allocation only roughly (capacities round up), so check the exact size too.
            guard inflated.readableBytes <= limit else { throw tooLarge }
            return inflated
        case let other?:
            throw APIError(
                .unsupportedMediaType, "Content-Encoding \(other) is not supported; send gzip or no encoding")
        }
    }
}
