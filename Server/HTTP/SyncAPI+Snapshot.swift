import ConcordCore
import Foundation
import Hummingbird

/// `GET /v1/snapshot` and `GET /v1/snapshot/{seq}` (protocol.md §14): what a client with nothing pulled yet installs
/// instead of replaying the log change by change.
extension SyncAPI {
    /// The newest snapshot's manifest; 404 when there is none yet.
    func snapshotManifest(_ request: Request) async throws -> Response {
        let analyst = try await authenticate(request)
        guard let manifest = snapshots?.newest else { throw Self.noSnapshot }
        try await checkSnapshot(seq: manifest.seq, for: analyst)
        return try JSONResponse.make(manifest, for: request)
    }

    /// The snapshot file at `seq`, whole (200) or from the byte a `Range: bytes=N-` header names (206, to resume a
    /// download); 404 when that snapshot is not kept (any more), 416 when N is past its end. Sent as stored: the
    /// file is compressed already (a zlib stream, protocol.md §14.3).
    func snapshotFile<Context: RequestContext>(_ request: Request, context: Context) async throws -> Response {
        let analyst = try await authenticate(request)
        let text = context.parameters.get("seq") ?? ""
        let digits = !text.isEmpty && text.utf8.allSatisfy { (48...57).contains($0) }
        // A number too large for a seq names no snapshot (404); anything else is not a seq (400).
        guard let seq = Int64(text), seq > 0 else {
            if digits && Int64(text) == nil { throw Self.noSnapshot(at: text) }
            throw APIError.badRequest("\"\(text)\" is not a snapshot seq: expected the seq from GET /v1/snapshot")
        }
        guard let (path, manifest) = snapshots?.file(seq: seq) else { throw Self.noSnapshot(at: text) }
        try await checkSnapshot(seq: seq, for: analyst)
        let size = Int(manifest.bytes)
        var start = 0
        if let range = request.headers[.range] {
            // Only the form a resuming client sends, `bytes=N-` with N plain digits; any other (a suffix range
            // `bytes=-N`, a sign, several ranges) is ignored and the whole file sent. N past the end, however many
            // digits it has, is 416.
            let digits = range.hasPrefix("bytes=") && range.hasSuffix("-") ? range.dropFirst(6).dropLast() : ""
            if !digits.isEmpty, digits.utf8.allSatisfy({ (48...57).contains($0) }) {
                guard let from = Int(digits), from < size else {
                    throw APIError(
                        .rangeNotSatisfiable, "the snapshot has \(size) bytes; Range starts at \(digits)",
                        headers: [.contentRange: "bytes */\(size)"])
                }
                start = from
            }
        }
        var headers: HTTPFields = [
            .contentType: "application/vnd.concord.snapshot", .contentLength: String(size - start), .acceptRanges: "bytes",
            .eTag: "\"\(manifest.sha256)\"",
        ]
        if start > 0 { headers[.contentRange] = "bytes \(start)-\(size - 1)/\(size)" }
        let body = try await FileIO().loadFile(path: path, range: start...(size - 1), context: context)
        return Response(status: start > 0 ? .partialContent : .ok, headers: headers, body: body)
    }

    static func noSnapshot(at seq: String) -> APIError {
        APIError(
            .notFound, "no snapshot at seq \(seq) on this server",
            detail: .text("ask GET /v1/snapshot for the newest one"))
    }

    static var noSnapshot: APIError {
        APIError(
            .notFound, "no snapshot on this server yet",
            detail: .text("a first sync pulls change by change; the server makes snapshots once its log is large"))
    }
}
