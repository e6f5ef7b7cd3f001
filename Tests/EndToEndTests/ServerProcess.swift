import ConcordCore
import ConcordServer
import ConcordTestSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The real `concord-server serve` binary on a database, started, killed and restarted by tests.
///
/// The first start listens on a port the system chooses (`--port 0`), read from the `listening on URL` line the
/// server prints, so no test races another for a port; a restart listens on the same port again, so the clients'
/// server URL stays right.
final class ServerProcess: @unchecked Sendable {
    let dbPath: String
    private let lock = NSLock()
    private var process: Process?
    private var knownPort: Int?
    private var portObserver: (@Sendable (Int) -> Void)?
    private let logPath: String

    /// `http://127.0.0.1:PORT` once the port is known (the first start chose it, or it was fixed), else nil.
    var knownURL: String? { lock.withLock { knownPort }.map(Self.url(port:)) }

    /// Calls `observer` with the port the first start chose, once it is known (before ``start()`` returns).
    func onPortChosen(_ observer: @escaping @Sendable (Int) -> Void) {
        lock.withLock { portObserver = observer }
    }

    /// The port the server listens on: known once it started.
    var port: Int {
        guard let port = lock.withLock({ knownPort }) else {
            preconditionFailure("start the server before using its port")
        }
        return port
    }

    var url: String { Self.url(port: port) }

    static func url(port: Int) -> String { "http://127.0.0.1:\(port)" }

    /// - Parameter port: a fixed port; nil lets the first start choose one.
    /// - Parameter logPath: where the server's output goes; by default next to a SQLite database (a PostgreSQL URL
    ///   needs one).
    init(dbPath: String, port: Int? = nil, logPath: String? = nil) {
        self.dbPath = dbPath
        self.knownPort = port
        self.logPath = logPath ?? dbPath + ".log"
        _ = FileManager.default.createFile(atPath: self.logPath, contents: nil)
    }

    /// Adds an analyst with the `concord-server analyst add` binary and returns the token it prints.
    func addAnalyst(_ name: String, role: String = "analyst") throws -> String {
        let result = try runBlocking(Binaries.server, ["analyst", "add", name, "--role", role, "--db", dbPath])
        guard result.status == 0 else { throw ProcessFailure(message: "analyst add \(name): \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts the server and returns once it accepts connections, without holding a thread of the cooperative pool.
    ///
    /// - Parameter fileSizeLimitKB: a disk that fills up: no file the server writes may grow past this size
    ///   (`ulimit -f`, with SIGXFSZ ignored so writes fail with EFBIG instead of killing the process).
    /// - Parameter openFilesSoftLimit: the soft limit on open files the server starts with (`ulimit -S -n`).
    /// - Parameter arguments: more `serve` options (e.g. `--tls-cert`).
    func start(
        fileSizeLimitKB: Int? = nil, openFilesSoftLimit: Int? = nil, logLevel: String = "warning",
        arguments: [String] = []
    ) async throws {
        try await onOwnThread {
            try self.startBlocking(
                fileSizeLimitKB: fileSizeLimitKB, openFilesSoftLimit: openFilesSoftLimit, logLevel: logLevel,
                arguments: arguments)
        }
    }

    /// ``start(fileSizeLimitKB:openFilesSoftLimit:logLevel:arguments:)`` for a test's own thread (a killer that
    /// restarts servers).
    func startBlocking(
        fileSizeLimitKB: Int? = nil, openFilesSoftLimit: Int? = nil, logLevel: String = "warning",
        arguments: [String] = []
    ) throws {
        let fixed = lock.withLock { knownPort }
        let port = String(fixed ?? 0)
        let process = Process()
        var limits = ""
        if let limit = fileSizeLimitKB { limits += "trap '' XFSZ; ulimit -f \(limit); " }
        if let limit = openFilesSoftLimit { limits += "ulimit -S -n \(limit); " }
        if !limits.isEmpty {
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments =
                [
                    "-c", limits + "exec \"$0\" \"$@\"", Binaries.server, "serve", "--db", dbPath, "--port", port,
                ] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Binaries.server)
            process.arguments = ["serve", "--db", dbPath, "--port", port] + arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["LOG_LEVEL"] = logLevel
        process.environment = environment
        let log = FileHandle(forWritingAtPath: logPath)!
        let logStart = log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        lock.withLock { self.process = process }
        let deadline = Date().addingTimeInterval(60)
        while !(fixed.map { acceptsConnections(port: $0) } ?? announcedPort(after: logStart)) {
            if !process.isRunning {
                throw ProcessFailure(
                    message: "concord-server exited with \(process.terminationStatus): \(self.log(tail: 2000))")
            }
            if Date() > deadline {
                throw ProcessFailure(message: "concord-server did not listen on port \(port) within 60 s")
            }
            usleep(5_000)
        }
    }

    /// Whether the server announced its port (`listening on URL`) in the log after `offset`; notes the port.
    private func announcedPort(after offset: UInt64) -> Bool {
        let data = FileManager.default.contents(atPath: logPath) ?? Data()
        guard data.count > Int(offset) else { return false }
        for line in String(decoding: data.dropFirst(Int(offset)), as: UTF8.self).split(separator: "\n")
        where line.hasPrefix("listening on ") {
            guard let port = URL(string: String(line.dropFirst("listening on ".count)))?.port else { continue }
            let observer = lock.withLock {
                knownPort = port
                return portObserver
            }
            observer?(port)
            return true
        }
        return false
    }

    /// Sends `signal` and waits for the process to exit, without holding a thread of the cooperative pool; returns its
    /// termination status.
    @discardableResult
    func stop(signal: Int32) async -> (status: Int32, reason: Process.TerminationReason) {
        (try? await onOwnThread { self.stopBlocking(signal: signal) }) ?? (0, .exit)
    }

    /// ``stop(signal:)`` for a test's own thread.
    @discardableResult
    func stopBlocking(signal: Int32) -> (status: Int32, reason: Process.TerminationReason) {
        guard let process = lock.withLock({ self.process }) else { return (0, .exit) }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        lock.withLock { self.process = nil }
        return (process.terminationStatus, process.terminationReason)
    }

    var pid: Int32? { lock.withLock { process?.processIdentifier } }

    /// A test that threw before stopping its server must not leave it running after the test process.
    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    func log(tail: Int) -> String {
        let data = FileManager.default.contents(atPath: logPath) ?? Data()
        return String(decoding: data.suffix(tail), as: UTF8.self)
    }
}

struct ProcessFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
