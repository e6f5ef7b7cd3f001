import Hummingbird

/// One route of the sync protocol, as documented in `openapi.yaml`.
public struct APIRoute: Hashable, Sendable {
    public var method: HTTPRequest.Method
    /// The path in OpenAPI form, parameters as `{name}`.
    public var path: String

    /// Every route the server answers (protocol.md §5).
    public static let all: [APIRoute] = [
        APIRoute(method: .post, path: "/v1/changes"),
        APIRoute(method: .get, path: "/v1/changes"),
        APIRoute(method: .get, path: "/v1/me"),
        APIRoute(method: .get, path: "/v1/analysts"),
        APIRoute(method: .get, path: "/v1/conflicts"),
        APIRoute(method: .get, path: "/v1/events/{id}"),
        APIRoute(method: .get, path: "/v1/report"),
        APIRoute(method: .get, path: "/v1/snapshot"),
        APIRoute(method: .get, path: "/v1/snapshot/{seq}"),
        APIRoute(method: .get, path: "/v1/health"),
        APIRoute(method: .get, path: "/metrics"),
        APIRoute(method: .get, path: "/openapi.yaml"),
    ]

    /// Whether `requestPath` matches this route's path, parameters matching any one segment.
    public func matches(_ requestPath: String) -> Bool {
        let pattern = path.split(separator: "/", omittingEmptySubsequences: false)
        let actual = requestPath.split(separator: "/", omittingEmptySubsequences: false)
        guard pattern.count == actual.count else { return false }
        return zip(pattern, actual).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
    }

    /// The methods allowed on `requestPath`, for a 405's `Allow` header; empty when no route has that path.
    public static func methods(for requestPath: String) -> [HTTPRequest.Method] {
        all.filter { $0.matches(requestPath) }.map(\.method)
    }
}
