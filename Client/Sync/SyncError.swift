import ConcordStore
/// Why a sync stopped. Local data is never touched by a failed sync; running it again finishes the job.
public enum SyncError: ConcordError, Sendable, Equatable {
    /// The store has no server configured.
    case noServer
    /// The store has a server but no token.
    case noToken(server: String)
    /// The server could not be reached (connection refused, DNS, timeout) after retries.
    case unreachable(server: String, reason: String, cause: SyncCause = SyncCause())
    /// The token was missing, wrong or revoked (401).
    case unauthorized(server: String, message: String)
    /// The server answered with an error that retrying will not fix.
    case server(status: Int, message: String)
    /// The server answered something that is not the sync protocol.
    case protocolViolation(String)
    /// A transient failure (5xx, reset connection) that may be retried.
    case transient(String, cause: SyncCause = SyncCause())
    /// The certificate authorities to check an `https` server against cannot be read, or the server's certificate
    /// is not signed by one of them.
    case badTrust(String)
    /// The server's log is older than what this store saw (protocol.md §5): a restored backup. The sync repairs
    /// it by itself; this reaches the user only if the repair fails.
    case logRewound(String)

    public var description: String {
        switch self {
        case .noServer:
            return
                "no server configured; run `concord init --analyst NAME --server URL --token TOKEN` or set it again with init"
        case .noToken(let server):
            return "no token for \(server); ask your server admin for one (`concord-server analyst add NAME`) and run "
                + "`concord init --analyst NAME --token TOKEN`"
        case .unreachable(let server, let reason, _):
            return
                "cannot reach \(server): \(reason). Your local changes are safe; run `concord sync` again when the server is up"
        case .unauthorized(let server, let message):
            return
                "\(server) refused the token: \(message). Ask your server admin for a token (`concord-server analyst add NAME --db DB`, on the database the server serves) and run `concord init --analyst NAME --token TOKEN`"
        case .server(let status, let message):
            return "the server answered \(status): \(message)"
        case .protocolViolation(let message):
            return "unexpected answer from the server: \(message)"
        case .transient(let message, _):
            return "temporary failure: \(message). Your local changes are safe; run `concord sync` again"
        case .badTrust(let message):
            return message
        case .logRewound(let message):
            return message + "; run `concord sync` again to repair (your own changes are pushed again)"
        }
    }

    /// Every sync failure exits 3: local data is untouched and a later `concord sync` finishes the job.
    public var category: ErrorCategory { .network }

    /// Whether waiting and retrying may help.
    public var isTransient: Bool {
        switch self {
        case .transient, .unreachable: return true
        default: return false
        }
    }
}

/// The error a ``SyncError`` reports (NIO's or AsyncHTTPClient's), kept for logs and for callers that need its type;
/// the sentence says what to do. Every cause equals every other, so two sync errors compare by what they say.
public struct SyncCause: Sendable, Equatable, CustomStringConvertible {
    public let error: (any Error)?

    public init(_ error: (any Error)? = nil) { self.error = error }

    public static func == (_: SyncCause, _: SyncCause) -> Bool { true }

    public var description: String { error.map { String(reflecting: $0) } ?? "none" }
}
