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

    public init(
        dbPath: String? = nil, host: String = "127.0.0.1", port: Int = 8080,
        logger: Logger = Logger(label: "concord-server"), now: @escaping @Sendable () -> Int64 = WallClock.millis
    ) {
        self.dbPath = dbPath
        self.host = host
        self.port = port
        self.logger = logger
        self.now = now
    }

    /// The default database path: `$CONCORD_SERVER_DB`, else `./concord-server.sqlite`.
    public static func defaultDBPath(environment: [String: String]) -> String {
        environment["CONCORD_SERVER_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? "concord-server.sqlite"
    }
}
