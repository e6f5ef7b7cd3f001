import ConcordCore
import Logging

/// How to run a Concord server: where its database is, where it listens, how it logs, and its clock.
public struct ConcordServerConfiguration: Sendable {
    /// The SQLite file; nil keeps everything in memory (tests, demos).
    public var dbPath: String?
    public var host: String
    /// The TCP port; 0 picks a free one (``RunningServer/port`` tells which).
    public var port: Int
    public var logger: Logger
    /// The server's clock in Unix ms; tests inject a fixed one.
    public var now: @Sendable () -> Int64
    /// Serve HTTPS with this certificate and key instead of plain HTTP.
    public var tls: TLSFiles?
    /// How slow a connection may be before it is closed (slowloris), and how a refused body is drained.
    public var connectionLimits: ConnectionLimits
    /// Requests each analyst's token may make; nil serves without a limit.
    public var rateLimit: RateLimit?
    /// The longest a long poll (`GET /v1/changes?wait=`) is held, in seconds; a longer `wait` is cut to it, and 0
    /// answers every pull at once.
    public var maxWait: Int = SyncAPI.maxWait
    /// Long polls one analyst's token may hold at once; more are answered at once.
    public var pollsPerAnalyst = 32
    /// Store snapshots for bootstrapping clients (protocol.md §14); nil makes none, and a first sync pulls change by
    /// change.
    public var snapshots: SnapshotSettings?

    public init(
        dbPath: String? = nil, host: String = "127.0.0.1", port: Int = 8080,
        logger: Logger = Logger(label: "concord-server"), now: @escaping @Sendable () -> Int64 = WallClock.millis,
        tls: TLSFiles? = nil, connectionLimits: ConnectionLimits = ConnectionLimits(),
        rateLimit: RateLimit? = RateLimit()
    ) {
        self.dbPath = dbPath
        self.host = host
        self.port = port
        self.logger = logger
        self.now = now
        self.tls = tls
        self.connectionLimits = connectionLimits
        self.rateLimit = rateLimit
    }

    /// `http` or `https`.
    public var scheme: String { tls == nil ? "http" : "https" }

    /// The default database path: `$CONCORD_SERVER_DB`, else `./concord-server.sqlite`.
    public static func defaultDBPath(environment: [String: String]) -> String {
        environment["CONCORD_SERVER_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? "concord-server.sqlite"
    }
}
