import ConcordCore
import ConcordSQLite
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import PostgresNIO
import ServiceLifecycle

/// The scale-out store: several stateless `concord-server` processes on one PostgreSQL database (protocol.md §8).
///
/// The tables are the SQLite store's (`change`, `entity`, `live`, `retired`, `analyst`), plus `concord_schema`, the
/// version of these tables. Like every store it checks a push with ``PushPlanner`` and persists the net deltas of the
/// one fold (``BatchFold``); SQL only stores and fetches rows.
///
/// **Commit order is `seq` order.** Every push transaction first takes one transaction-scoped advisory lock
/// (`pg_advisory_xact_lock`), then assigns `seq` after the greatest stored one, and holds the lock until it commits.
/// So pushes from every server process run one after another, as SQLite's single writer runs them: a push cannot
/// take a `seq` below one already committed, and no reader ever sees `seq` n+1 committed while n is still to come.
/// A naive sequence (`bigserial`) would hand out numbers at insert time: a transaction holding 11 could commit
/// before one holding 10, and a reader paging with `after=10` would skip 10 forever. Serialising pushes also makes
/// the planner's read of the live view and its write one atomic step, which the merge needs anyway.
public final class PostgresServerStore: ServerStore, SharedLog, SharedSnapshots {
    /// Several server processes share the database: this store is the log they all commit to.
    public var sharedLog: (any SharedLog)? { self }
    /// Several server processes serve one set of snapshots, made by one of them.
    public var sharedSnapshots: (any SharedSnapshots)? { self }

    /// The database URL without its password, for messages.
    public let location: String
    let client: PostgresClient
    let logger: Logger
    /// Tests only: runs inside every push transaction after its changes are written with their `seq`, before the
    /// commit, so a test can hold one push open and show that no other push commits (and no reader sees) a later `seq`.
    let beforeCommit: (@Sendable (Int64) async -> Void)?

    /// The key of the advisory lock every push holds (and a migration, on its session): "Concord" in ASCII.
    static let pushLock: Int64 = 0x43_6f_6e_63_6f_72_64
    /// The version of the tables this server writes; a database with a newer one is refused.
    static let schemaVersion: Int32 = 3

    /// Whether `location` names a PostgreSQL database rather than a SQLite file.
    public static func isURL(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// Connects to the database `url` names (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`), creating or
    /// migrating the tables. Fails with one sentence, changing nothing, when the database cannot be reached, refuses
    /// the login, belongs to another application or was written by a newer server.
    public convenience init(url: String, logger: Logger = Logger(label: "concord-postgres")) async throws {
        try await self.init(url: url, logger: logger, beforeCommit: nil)
    }

    init(url: String, logger: Logger, beforeCommit: (@Sendable (Int64) async -> Void)?) async throws {
        self.beforeCommit = beforeCommit
        let configuration = try Self.configuration(url)
        location = configuration.redacted
        self.logger = logger
        // One connection first, so an unreachable or misconfigured database fails now, with its cause, instead of
        // inside the pool's background retries.
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: .init(
                    host: configuration.host, port: configuration.port, username: configuration.user,
                    password: configuration.password, database: configuration.database, tls: .disable),
                id: 0, logger: logger)
        } catch {
            throw ServerStoreError(path: location, message: "cannot connect: \(Self.describe(error))", cause: error)
        }
        do {
            try await Self.migrate(connection, location: location, logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            if error is ServerStoreError { throw error }
            throw ServerStoreError(
                path: location, message: "cannot set up the tables: \(Self.describe(error))", cause: error)
        }
        var pool = PostgresClient.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.user,
            password: configuration.password, database: configuration.database, tls: .disable)
        pool.options.maximumConnections = 20
        pool.options.connectTimeout = .seconds(5)
        // The pool warns when a query comes before `run()` has started, a harmless race at start: errors only.
        var background = logger
        background.logLevel = .error
        let client = PostgresClient(configuration: pool, backgroundLogger: background)
        self.client = client
    }

    /// The connection pool: every query waits until it runs, in the service group of the application that opened
    /// the store, or under ``withRunning(_:_:)``. It stops on graceful shutdown or cancellation.
    public var service: (any Service)? { client }

    // MARK: Connection

    struct Configuration {
        var host: String
        var port: Int
        var user: String
        var password: String?
        var database: String
        var redacted: String { "postgres://\(user)@\(host):\(port)/\(database)" }
    }

    static func configuration(_ url: String) throws -> Configuration {
        let usage = "expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
        guard let components = URLComponents(string: url), isURL(url), let host = components.host, !host.isEmpty
        else { throw ServerStoreError(path: "", message: "\(url.prefix(200)) is not a PostgreSQL URL: \(usage)") }
        let database = String(components.path.drop { $0 == "/" })
        guard let user = components.user, !user.isEmpty, !database.isEmpty, !database.contains("/") else {
            throw ServerStoreError(
                path: "", message: "the PostgreSQL URL must name a user and a database: \(usage)")
        }
        return Configuration(
            host: host, port: components.port ?? 5432, user: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 }, database: database)
    }

    /// A PostgresNIO error in one sentence: the server's own message when it sent one (PSQLError's description
    /// hides it on purpose), else what the connection did.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(describing: error) }
        if let message = error.serverInfo?[.message] {
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return message + state
        }
        switch error.code {
        case .connectionError:
            return "the connection failed (\(error.underlying.map { String(describing: $0) } ?? "no cause given"))"
        case .serverClosedConnection, .uncleanShutdown:
            return "the database closed the connection"
        case .poolClosed, .clientClosedConnection:
            return "the server is shutting down"
        default:
            return "\(error.code)"
        }
    }

    /// Runs `body`; a failure to reach the database becomes ``StorageFailure/Kind/unavailable`` (503, retry later), a failure of a
    /// statement keeps its cause.
    func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError where error.serverInfo == nil {
            throw StorageFailure(
                .unavailable, message: "the database \(location) cannot be reached", cause: Self.describe(error))
        } catch let error as PSQLError {
            throw ServerStoreError(path: location, message: Self.describe(error), cause: error)
        } catch  where Self.isPoolFailure(error) {
            // The pool could not open a connection (the database is down or restarting); it keeps retrying with
            // backoff and serves again once the database is back.
            throw StorageFailure(
                .unavailable, message: "the database \(location) cannot be reached right now",
                cause: "PostgreSQL: \(error)")
        }
    }

    /// Whether `error` is the connection pool's own: its type lives in PostgresNIO's underscored module, so it is
    /// recognised by name.
    static func isPoolFailure(_ error: any Error) -> Bool {
        String(reflecting: type(of: error)).hasSuffix("ConnectionPoolError")
    }

    /// Nothing to release here: the connection pool closes when its ``service`` stops.
    public func close() async throws {}
}
