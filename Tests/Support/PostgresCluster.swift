import Foundation

#if canImport(Glibc)
    import Glibc
#endif

// Shared by the test targets that exercise the PostgreSQL store against a real server.

/// Thrown when PostgreSQL's server programs are not installed. The PostgreSQL store's tests need a real server,
/// so they fail with this instead of skipping: a skipped suite would look like a passing one in CI.
public struct PostgresMissing: Error, CustomStringConvertible {
    public let description: String
}

/// A step of starting, stopping or using the cluster that failed: the command, what it printed, and the end of the
/// server log, which is where PostgreSQL says why it would not start.
public struct PostgresClusterError: Error, CustomStringConvertible {
    public let description: String
}

/// A private PostgreSQL cluster for tests: initdb + pg_ctl in a temporary folder, on a free loopback port, trust auth.
///
/// initdb and postgres refuse to run as root, and CI runs the tests as root: then the cluster's programs run as the
/// user `postgres` (which the Debian package creates) through runuser, in a folder under /tmp owned by that user.
public final class PostgresCluster: @unchecked Sendable {
    public let host = "127.0.0.1"
    public let port: Int
    /// The superuser name to connect as; trust auth, so no password.
    public let user = "concord"
    private let tools: Tools
    /// The temporary folder: the data directory `data`, the server log `server.log` and the server's unix socket, which
    /// lives here rather than in /var/run/postgresql so that no system directory's permissions matter.
    private let folder: String
    private var dataDirectory: String { folder + "/data" }
    private var logFile: String { folder + "/server.log" }
    /// Serializes stop() and start().
    private let lock = NSLock()

    /// The one cluster of this test process, started on first use; stopped (pg_ctl stop -m immediate) and its folder
    /// removed when the process exits (atexit). A failure to start is cached too, so each test reports it at once
    /// instead of running initdb again.
    public static func shared() throws -> PostgresCluster {
        sharedLock.lock()
        defer { sharedLock.unlock() }
        if sharedResult == nil { sharedResult = Result { try PostgresCluster() } }
        return try sharedResult!.get()
    }

    /// ``shared()`` for async code: `initdb` and `pg_ctl start` run on a thread of their own, not on the cooperative
    /// pool.
    public static func shared() async throws -> PostgresCluster {
        try await onOwnThread { try PostgresCluster.shared() }
    }

    /// A cluster of its own (``init()``), started on a thread of its own.
    public static func started() async throws -> PostgresCluster {
        try await onOwnThread { try PostgresCluster() }
    }

    nonisolated(unsafe) private static var sharedResult: Result<PostgresCluster, any Error>?
    private static let sharedLock = NSLock()

    /// A cluster of its own, also removed at exit. Tests that stop() the server use one, so that tests running in
    /// parallel on the shared cluster do not see their database go away.
    public init() throws {
        tools = try Tools.locate()
        var template = Array("/tmp/concord-pg-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        folder = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        Cleanup.register(folder: folder, tools: tools)
        if let owner = tools.owner, chown(folder, owner.uid, owner.gid) != 0 {
            throw PostgresClusterError(description: "chown \(folder) to \(owner.name) failed: errno \(errno)")
        }
        try Self.check(
            tools.runAsOwner(
                tools.initdb,
                ["-D", folder + "/data", "-U", user, "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]),
            "initdb", log: nil)
        // Every user connects without a password (trust), but `passwordUser`, who must give `password`: the tests of
        // a wrong password need a server that asks for one.
        let hba = folder + "/data/pg_hba.conf"
        let trusted = try String(contentsOfFile: hba, encoding: .utf8)
        try ("host all \(Self.passwordUser) 127.0.0.1/32 scram-sha-256\n" + trusted)
            .write(toFile: hba, atomically: false, encoding: .utf8)
        // The free port is only free when we look; if the server loses the race for it, try another.
        var attempt = 1
        while true {
            let candidate = try freePort()
            let logSize = (try? Data(contentsOf: URL(fileURLWithPath: folder + "/server.log")))?.count ?? 0
            do {
                try Self.startServer(tools: tools, folder: folder, port: candidate)
                port = candidate
                return
            } catch let error as PostgresClusterError where attempt < 5 {
                let log = (try? Data(contentsOf: URL(fileURLWithPath: folder + "/server.log"))) ?? Data()
                guard String(decoding: log.dropFirst(logSize), as: UTF8.self).contains("already in use") else {
                    throw error
                }
                attempt += 1
            }
        }
    }

    /// A new, empty database on this cluster; returns its URL "postgres://USER@127.0.0.1:PORT/NAME". Each test takes
    /// its own database, so tests share the server's start-up cost but not their data.
    /// ``createDatabase()`` for async code, on a thread of its own.
    public func createDatabase() async throws -> String {
        try await onOwnThread { try self.createDatabase() }
    }

    public func createDatabase() throws -> String {
        let hex = String(UInt64.random(in: .min ... .max), radix: 16)
        let name = "concord_" + String(repeating: "0", count: 16 - hex.count) + hex
        // Client programs may run as root; -w never prompts for a password, which trust auth does not ask for.
        let result = try runBlocking(
            tools.createdb, ["-w", "-h", host, "-p", String(port), "-U", user, name],
            environment: ["PGCONNECT_TIMEOUT": "10"])
        try Self.check(result, "createdb \(name)", log: logFile)
        return "postgres://\(user)@\(host):\(port)/\(name)"
    }

    /// A role that must log in with ``password`` (scram-sha-256), created by ``createPasswordUser()``.
    public static let passwordUser = "concord_pw"
    public static let password = "right-password"

    /// Creates ``passwordUser`` (once; later calls do nothing) with ``password`` and the right to create tables in
    /// `database`'s public schema.
    public func createPasswordUser(owning database: String) throws {
        try psql(
            """
            DO $$ BEGIN CREATE ROLE \(Self.passwordUser) LOGIN PASSWORD '\(Self.password)';
            EXCEPTION WHEN duplicate_object THEN NULL; END $$;
            ALTER DATABASE \(database) OWNER TO \(Self.passwordUser);
            ALTER SCHEMA public OWNER TO \(Self.passwordUser);
            """, database: database)
    }

    /// Runs `sql` with psql as the superuser on `database` (a name, or a URL's last path part); fails on any error.
    @discardableResult
    public func psql(_ sql: String, database: String) throws -> String {
        let name = database.split(separator: "/").last.map(String.init) ?? database
        let result = try runBlocking(
            tools.psql,
            [
                "-w", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", String(port), "-U", user, "-d", name, "-c",
                sql,
            ],
            environment: ["PGCONNECT_TIMEOUT": "10"])
        try Self.check(result, "psql on \(name)", log: logFile)
        return result.stdout
    }

    /// `pg_dump --format=custom` of `database` (a URL this cluster made) into `file`: a backup as an operator takes it.
    public func dump(_ database: String, to file: String) throws {
        let result = try runBlocking(
            tools.pgDump, ["-w", "--format=custom", "--file=\(file)", "--dbname=\(database)"],
            environment: ["PGCONNECT_TIMEOUT": "10"])
        try Self.check(result, "pg_dump", log: logFile)
    }

    /// `pg_restore --clean --if-exists` of `file` into `database`: its tables dropped and put back as dumped.
    public func restore(_ file: String, into database: String) throws {
        let result = try runBlocking(
            tools.pgRestore, ["-w", "--clean", "--if-exists", "--dbname=\(database)", file],
            environment: ["PGCONNECT_TIMEOUT": "10"])
        try Self.check(result, "pg_restore", log: logFile)
    }

    /// Stops the server (pg_ctl stop -m fast): its clients see their connections closed, as when a database goes away.
    public func stop() throws {
        lock.lock()
        defer { lock.unlock() }
        try Self.check(
            tools.runAsOwner(tools.pgCtl, ["-D", dataDirectory, "-m", "fast", "-w", "stop"]), "pg_ctl stop",
            log: logFile)
    }

    /// Starts the server again on the same port and folder, with the databases it had.
    public func start() throws {
        lock.lock()
        defer { lock.unlock() }
        try Self.startServer(tools: tools, folder: folder, port: port)
    }

    /// Runs pg_ctl start, which waits (-w) until the server accepts connections. The server stays running after
    /// pg_ctl exits, so it must not inherit the descriptors of pg_ctl (see `Tools.runAsOwner`).
    private static func startServer(tools: Tools, folder: String, port: Int) throws {
        let options = "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        let arguments = ["-D", folder + "/data", "-l", folder + "/server.log", "-w", "-o", options, "start"]
        try check(
            tools.runAsOwner(tools.pgCtl, arguments, closingInheritedFiles: true), "pg_ctl start on port \(port)",
            log: folder + "/server.log")
    }

    /// Throws unless `result` succeeded, with its output and the end of the server log.
    private static func check(_ result: ProcessResult, _ what: String, log: String?) throws {
        guard result.status != 0 else { return }
        var message = "\(what) exited with status \(result.status)\n\(result.stderr)\(result.stdout)"
        if let log, let text = try? String(contentsOfFile: log, encoding: .utf8) {
            let tail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(25)
            message += "\nserver log (\(log)), last lines:\n" + tail.joined(separator: "\n")
        }
        throw PostgresClusterError(description: message)
    }
}

/// Where PostgreSQL's programs are, and whom to run the server's programs as.
private struct Tools: Sendable {
    var initdb: String
    var pgCtl: String
    var createdb: String
    var psql: String
    var pgDump: String
    var pgRestore: String
    /// The unprivileged user that runs initdb and pg_ctl when we are root; nil when we are not.
    var owner: (name: String, uid: uid_t, gid: gid_t)?

    /// Looks in PATH first, then in the highest-numbered /usr/lib/postgresql/*/bin: Debian installs the server's
    /// programs only there. pg_ctl and createdb are taken next to initdb when they are there, so the versions match.
    static func locate() throws -> Tools {
        let fileManager = FileManager.default
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map(String.init)
        let versions = ((try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .compactMap(Int.init).sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin" }
        func find(_ name: String) -> String? {
            (path + versions).map { $0 + "/" + name }.first { fileManager.isExecutableFile(atPath: $0) }
        }
        let install = "PostgreSQL is needed by the PostgreSQL store's tests, which start a private server: "
        guard let initdb = find("initdb") else {
            throw PostgresMissing(
                description: install + "initdb was found neither in PATH nor in /usr/lib/postgresql/*/bin. "
                    + "Install it with: apt-get install -y postgresql")
        }
        let bin = URL(fileURLWithPath: initdb).resolvingSymlinksInPath().deletingLastPathComponent().path
        func sibling(_ name: String) -> String? {
            fileManager.isExecutableFile(atPath: bin + "/" + name) ? bin + "/" + name : find(name)
        }
        guard let pgCtl = sibling("pg_ctl"), let createdb = sibling("createdb"), let psql = sibling("psql"),
            let pgDump = sibling("pg_dump"), let pgRestore = sibling("pg_restore")
        else {
            throw PostgresMissing(
                description: install + "pg_ctl, createdb, psql, pg_dump or pg_restore is missing next to \(initdb). "
                    + "Install them with: apt-get install -y postgresql")
        }
        var owner: (name: String, uid: uid_t, gid: gid_t)?
        if geteuid() == 0 {
            guard let entry = getpwnam("postgres") else {
                throw PostgresMissing(
                    description: install + "initdb and postgres refuse to run as root, and there is no user "
                        + "'postgres' to run them as. apt-get install -y postgresql creates it.")
            }
            owner = ("postgres", entry.pointee.pw_uid, entry.pointee.pw_gid)
        }
        return Tools(
            initdb: initdb, pgCtl: pgCtl, createdb: createdb, psql: psql, pgDump: pgDump, pgRestore: pgRestore,
            owner: owner)
    }

    /// Runs a server program as `owner`: through runuser when there is one, else through su.
    ///
    /// Foundation's Process learns that a child ended when a socket the child inherits is closed. A server that
    /// pg_ctl start leaves running would inherit it too, and run() would wait until the server stopped: with
    /// `closingInheritedFiles`, bash first closes every descriptor above 2 (the output pipes stay).
    func runAsOwner(_ executable: String, _ arguments: [String], closingInheritedFiles: Bool = false) throws
        -> ProcessResult
    {
        let fileManager = FileManager.default
        var command = [executable] + arguments
        if let owner {
            let runusers = ["/usr/sbin/runuser", "/sbin/runuser"]
            if let runuser = runusers.first(where: fileManager.isExecutableFile(atPath:)) {
                command = [runuser, "-u", owner.name, "--"] + command
            } else {
                let su = ["/bin/su", "/usr/bin/su"].first(where: fileManager.isExecutableFile(atPath:)) ?? "/bin/su"
                let quoted = command.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
                command = [su, owner.name, "-s", "/bin/sh", "-c", quoted.joined(separator: " ")]
            }
        }
        if closingInheritedFiles {
            let close = #"for f in /proc/$$/fd/*; do n=${f##*/}; ((n > 2)) && eval "exec $n>&-"; done; exec "$@""#
            command = ["/bin/bash", "-c", close, "close-inherited"] + command
        }
        return try runBlocking(command[0], Array(command.dropFirst()))
    }
}

/// The clusters to stop and remove when the process exits. Without this every test run would leave a server
/// running and a folder in /tmp behind.
private enum Cleanup {
    nonisolated(unsafe) private static var clusters: [(folder: String, tools: Tools)] = []
    private static let lock = NSLock()

    static func register(folder: String, tools: Tools) {
        lock.lock()
        defer { lock.unlock() }
        if clusters.isEmpty { atexit { Cleanup.stopAll() } }
        clusters.append((folder, tools))
    }

    /// Stops each server that is running (-m immediate: nothing of it is needed again) and removes its folder.
    private static func stopAll() {
        lock.lock()
        defer { lock.unlock() }
        for (folder, tools) in clusters {
            if FileManager.default.fileExists(atPath: folder + "/data/postmaster.pid") {
                _ = try? tools.runAsOwner(tools.pgCtl, ["-D", folder + "/data", "-m", "immediate", "-w", "stop"])
            }
            try? FileManager.default.removeItem(atPath: folder)
        }
        clusters = []
    }
}
