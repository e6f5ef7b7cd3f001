/// The server database could not be opened, set up or read, in one sentence; ``cause`` keeps the database library's
/// own error, for logs and for callers that need its code.
public struct ServerStoreError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    /// The error this one reports (a PostgresNIO or GRDB error), when there was one.
    public var cause: (any Error & Sendable)?

    public init(path: String, message: String, cause: (any Error & Sendable)? = nil) {
        self.path = path
        self.message = message
        self.cause = cause
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
