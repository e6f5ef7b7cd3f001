import CompressNIO
import ConcordCore
import Foundation
import Hummingbird

/// Builds JSON responses, gzipped when the client's `Accept-Encoding` allows it.
enum JSONResponse {
    /// The same canonical encoder as the CLI's `--json`, so a view is the same bytes on both sides.
    static let encoder = EventView.encoder()

    /// zlib level 4: on a 10,000-change pull page it shrinks JSON 5.7× for two thirds of the CPU of the default
    /// level 6 (5.9×); level 3 and below fall to ~5.2×. Compressing pages is most of what a pull costs the server.
    static let compressionLevel: Int32 = 4

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, for request: Request) throws
        -> Response
    {
        try make(bytes: ByteBuffer(data: encoder.encode(value)), status: status, for: request)
    }

    static func make(
        bytes: ByteBuffer, status: HTTPResponse.Status = .ok, contentType: String = "application/json",
        headers extra: HTTPFields = [:], for request: Request
    ) throws -> Response {
        var headers = extra
        headers[.contentType] = contentType
        headers[.vary] = "Accept-Encoding"
        var body = bytes
        if acceptsGzip(request) {
            body = try body.compress(with: .gzip(configuration: .init(compressionLevel: compressionLevel)))
            headers[.contentEncoding] = "gzip"
        }
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    static func error(_ error: APIError, for request: Request) -> Response {
        (try? make(
            bytes: ByteBuffer(data: encoder.encode(error.body)), status: error.status, headers: error.headers,
            for: request))
            ?? Response(status: error.status, headers: error.headers)
    }

    /// Whether `Accept-Encoding` lists gzip with a non-zero quality.
    static func acceptsGzip(_ request: Request) -> Bool {
        guard let header = request.headers[.acceptEncoding] else { return false }
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard parts.first == "gzip" || parts.first == "*" else { continue }
            if parts.dropFirst().contains(where: { $0 == "q=0" || $0 == "q=0.0" || $0 == "q=0.00" || $0 == "q=0.000" })
            {
                return false
            }
            return true
        }
        return false
    }
}
