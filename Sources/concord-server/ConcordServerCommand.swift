import ArgumentParser
import ConcordCore
import ConcordServer
import Foundation
import Logging

@main
struct ConcordServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "concord-server",
        abstract: "The Concord sync server: analysts push and pull changes through it.",
        subcommands: [Serve.self, AnalystCommand.self, ReportCommand.self, BackupCommand.self])
}

/// `--db PATH`, shared by every subcommand.
struct DatabaseOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The server database: a SQLite file, or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (default: "
                + "$CONCORD_SERVER_DB, else ./concord-server.sqlite).",
            discussion: "Several servers may serve one PostgreSQL database; a SQLite file is for one server."))
    var db: String?

    var path: String {
        db ?? ConcordServerConfiguration.defaultDBPath(environment: ProcessInfo.processInfo.environment)
    }

    /// The database as messages and logs show it: never a password.
    var shown: String { displayedLocation(path) }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server until SIGTERM or SIGINT.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on; 0 lets the system choose (the line `listening on URL` on stdout says which).")
    var port = 8080
    @Option(help: "Serve HTTPS with this PEM certificate (chain); needs --tls-key.") var tlsCert: String?
    @Option(help: "The certificate's PEM private key (unencrypted; keep it chmod 600).") var tlsKey: String?
    @Option(help: "Requests a second each analyst's token may make once its burst is spent; 0 for no limit.")
    var rateLimit: Double = RateLimit().perSecond
    @Option(help: "Requests each analyst's token may make at once before --rate-limit applies.")
    var rateBurst: Double = RateLimit().burst
    @Option(help: "Seconds a request's head may take to arrive (also how long an idle connection stays open).")
    var headTimeout: Int64 = 10
    @Option(help: "Seconds a request's body may take to arrive after its head.")
    var bodyTimeout: Int64 = 60
    @Option(help: "Seconds a long poll (GET /v1/changes?wait=) is held at most, 0 to 50; 0 answers at once.")
    var maxWait = SyncAPI.maxWait
    @Option(
        help: """
            Make a store snapshot for first syncs each time the log grows by this many changes; 0 makes none. \
            A new analyst's first sync installs the newest instead of replaying every change.
            """)
    var snapshotEvery = 50_000
    @Option(help: "The folder for snapshots (default: DB.snapshots beside a SQLite database; needed for PostgreSQL).")
    var snapshotDir: String?

    func validate() throws {
        guard snapshotEvery >= 0 else { throw ValidationError("--snapshot-every is a number of changes, 0 or more") }
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together: pass both to serve HTTPS, neither for HTTP")
        }
        guard rateLimit >= 0, rateBurst >= 1, rateLimit.isFinite, rateBurst.isFinite else {
            throw ValidationError("--rate-limit must be 0 or more and --rate-burst 1 or more")
        }
        guard (0...SyncAPI.maxWait).contains(maxWait) else {
            throw ValidationError("--max-wait is whole seconds from 0 to \(SyncAPI.maxWait)")
        }
        guard headTimeout >= 1, bodyTimeout >= 1 else {
            throw ValidationError("--head-timeout and --body-timeout are whole seconds, 1 or more")
        }
    }

    func run() async throws {
        var logger = Logger(label: "concord-server")
        logger.logLevel =
            ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        Self.raiseOpenFileLimit(logger: logger)
        let app: ConcordApplication
        do {
            // A database without analysts refuses every sync: say so at once, naming the database, since the usual
            // cause is `analyst add` run against another file (its default is ./concord-server.sqlite).
            let active = try await ServerAdmin.with(dbPath: database.path) { admin in
                try await admin.listAnalysts().filter { $0.revoked == nil }.count
            }
            if active == 0 {
                logger.warning(
                    """
                    \(database.shown) has no analysts: every sync will be refused with 401. Add them to this \
                    database: concord-server analyst add NAME --db \(database.shown)
                    """)
            } else {
                logger.info("\(database.shown): \(active) active analyst\(active == 1 ? "" : "s")")
            }
            let tls = tlsCert.map { TLSFiles(certificatePath: $0, keyPath: tlsKey ?? "") }
            var configuration = ConcordServerConfiguration(
                dbPath: database.path, host: host, port: port, logger: logger, tls: tls,
                connectionLimits: ConnectionLimits(
                    headTimeout: .seconds(headTimeout), bodyTimeout: .seconds(bodyTimeout)),
                rateLimit: rateLimit == 0 ? nil : RateLimit(perSecond: rateLimit, burst: rateBurst))
            configuration.maxWait = maxWait
            configuration.snapshots = snapshotSettings(logger: logger)
            let scheme = configuration.scheme
            let requestedPort = configuration.port
            app = try await buildApplication(configuration) { [host] channel in
                // The one line serve writes to stdout (logs go to stderr): where it listens, with the real port when
                // --port 0 let the system choose. `concord demo` and the tests read it.
                let port = channel.localAddress?.port ?? requestedPort
                FileHandle.standardOutput.write(Data("listening on \(scheme)://\(host):\(port)\n".utf8))
            }
        } catch {
            FileHandle.standardError.write(Data("concord-server: \(error)\n".utf8))
            throw ExitCode(1)
        }
        logger.info("serving \(database.shown) on \(tlsCert == nil ? "http" : "https")://\(host):\(port)")
        try await app.runService()
    }
}

extension Serve {
    /// Where and how often snapshots are made, or nil: `--snapshot-every 0`, or a PostgreSQL database without
    /// `--snapshot-dir` (the servers of one database make each snapshot once and share it through the database,
    /// each serving it from its own folder).
    func snapshotSettings(logger: Logger) -> SnapshotSettings? {
        guard snapshotEvery > 0 else { return nil }
        if let snapshotDir { return SnapshotSettings(directory: snapshotDir, every: snapshotEvery) }
        if PostgresServerStore.isURL(database.path) {
            logger.notice("no --snapshot-dir: this server makes no snapshots, and first syncs pull change by change")
            return nil
        }
        return SnapshotSettings(
            directory: SnapshotSettings.defaultDirectory(forDatabase: database.path), every: snapshotEvery)
    }

    /// Every held long poll (`concord sync --watch`) is an open connection, so a team's watchers need more than the
    /// 1,024 descriptors many systems allow by default: raise the soft limit to the hard one, as servers such as
    /// nginx and PostgreSQL are told to. Logged when it stays low.
    static func raiseOpenFileLimit(logger: Logger) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        if limit.rlim_cur < 4_096 {
            logger.warning(
                "at most \(limit.rlim_cur) open files: each watching analyst holds a connection; raise the limit (ulimit -n)"
            )
        }
    }
}

struct AnalystCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyst", abstract: "Add, list and revoke analysts.",
        subcommands: [Add.self, List.self, Revoke.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an analyst and print their token (shown once; only its hash is kept).")

        @Argument(help: "The analyst's name, as their changes' `author`.") var name: String
        @Option(help: "analyst or adjudicator.") var role: String = "analyst"
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let name = try parseName(name)
            guard let role = Role(rawValue: role) else {
                throw ValidationError("unknown role \"\(role)\": expected analyst or adjudicator")
            }
            try await withAdmin(database) { admin in
                let token = try await admin.addAnalyst(name, role: role)
                print(token)
                FileHandle.standardError.write(
                    Data(
                        ("added \(name) (\(role.rawValue)) to \(database.shown); give them the token above, it is not "
                            + "shown again\n").utf8))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List analysts: name, role, created, status.")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await withAdmin(database) { admin in
                for analyst in try await admin.listAnalysts() {
                    let created = Date(timeIntervalSince1970: Double(analyst.created) / 1000).ISO8601Format()
                    let status =
                        analyst.revoked.map {
                            "revoked " + Date(timeIntervalSince1970: Double($0) / 1000).ISO8601Format()
                        } ?? "active"
                    print("\(analyst.name)\t\(analyst.role.rawValue)\t\(created)\t\(status)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an analyst's token.")

        @Argument(help: "The analyst whose token stops working.") var name: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let name = try parseName(name)
            try await withAdmin(database) { admin in
                try await admin.revoke(name)
                FileHandle.standardError.write(Data("revoked \(name)\n".utf8))
            }
        }
    }
}

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Print the conflict-resolution report of the server's database.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "md, json or html.") var format: String = "md"

    func run() async throws {
        guard let kind = ReportFormat(rawValue: format) else {
            throw ValidationError("unknown format \"\(format)\": expected md, json or html")
        }
        try await withAdmin(database) { admin in
            let report = try await ServerReport.build(from: admin.store, generatedAt: Date())
            FileHandle.standardOutput.write(kind.render(report))
            if kind != .json { print() }
        }
    }
}

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the SQLite database to a new file, consistent while the server runs.",
        discussion: """
            Uses SQLite's online backup API inside one read transaction: the copy holds every change committed before \
            it began and none after, and servers keep pushing meanwhile. To restore, stop the server and serve the \
            copy (or copy it over the database). A PostgreSQL database is backed up with pg_dump.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The new file to write; never overwritten.") var out: String

    func run() async throws {
        guard !PostgresServerStore.isURL(database.path) else {
            FileHandle.standardError.write(
                Data("concord-server: \(PostgresServerStore.backupAdvice(database.shown))\n".utf8))
            throw ExitCode(1)
        }
        guard FileManager.default.fileExists(atPath: database.path) else {
            FileHandle.standardError.write(
                Data("concord-server: \(database.shown) does not exist; name the server's database with --db\n".utf8))
            throw ExitCode(1)
        }
        do {
            let store = try SQLiteServerStore(path: database.path)
            let changes: Int64
            do {
                changes = try store.backup(to: out)
            } catch {
                try? await store.close()
                throw error
            }
            try await store.close()
            FileHandle.standardError.write(Data("backed up \(changes) changes from \(database.shown) to \(out)\n".utf8))
        } catch let error as ServerStoreError {
            FileHandle.standardError.write(Data("concord-server: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

private func parseName(_ text: String) throws -> AnalystName {
    do {
        return try AnalystName(text)
    } catch {
        throw ValidationError(error.description)
    }
}

/// Runs `body` with the admin of the database, turning store errors into a message and exit code 1.
private func withAdmin(_ database: DatabaseOptions, _ body: (ServerAdmin) async throws -> Void) async throws {
    do {
        try await ServerAdmin.with(dbPath: database.path, body)
    } catch let error as AdminError {
        FileHandle.standardError.write(Data("concord-server: \(error)\n".utf8))
        throw ExitCode(1)
    } catch let error as ServerStoreError {
        FileHandle.standardError.write(Data("concord-server: \(error)\n".utf8))
        throw ExitCode(1)
    }
}
