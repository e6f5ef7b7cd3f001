import ConcordCore
import Hummingbird

/// An error answered as `{"error", "detail"}` JSON with an HTTP status. Status mapping happens only here, at the
/// server's edge.
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    public var detail: Wire.Detail?
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ message: String, detail: Wire.Detail? = nil, headers: HTTPFields = [:])
    {
        self.status = status
        self.message = message
        self.detail = detail
        self.headers = headers
    }

    public var body: Wire.ErrorBody { Wire.ErrorBody(error: message, detail: detail) }

    static func badRequest(_ message: String, detail: String? = nil) -> APIError {
        APIError(.badRequest, message, detail: detail.map(Wire.Detail.text))
    }

    static func unauthorized(_ message: String) -> APIError {
        APIError(
            .unauthorized, message,
            detail: .text(
                "send `Authorization: Bearer <token>` with the token `concord-server analyst add NAME` printed; "
                    + "ask the server's administrator for a new one if yours was revoked or lost"),
            headers: [.wwwAuthenticate: "Bearer"])
    }
}
