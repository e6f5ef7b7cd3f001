import ConcordCore
import ConcordServer
import ConcordTestSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The real `concord-server serve` binary on a database and a fixed port, started, killed and restarted by tests.
final class ServerProcess: @unchecked Sendable {
    let dbPath: String
    let port: Int
    private let lock = NSLock()
    private var process: Process?
    private let logPath: String

    var url: String { "http://127.0.0.1:\(port)" }

    /// - Parameter logPath: where the server's output goes; by default next to a SQLite database (a PostgreSQL URL
    ///   needs one).
    init(dbPath: String, port: Int, logPath: String? = nil) {
        self.dbPath = dbPath
        self.port = port
        self.logPath = logPath ?? dbPath + ".log"
        _ = FileManager.default.createFile(atPath: self.logPath, contents: nil)
    }

    /// Adds an analyst with the `concord-server analyst add` binary and returns the token it prints.
    func addAnalyst(_ name: String, role: String = "analyst") throws -> String {
        let result = try run(Binaries.server, ["analyst", "add", name, "--role", role, "--db", dbPath])
        guard result.status == 0 else { throw ProcessFailure(message: "analyst add \(name): \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts the server and returns once it accepts connections.
    ///
    /// - Parameter fileSizeLimitKB: a disk that fills up: no file the server writes may grow past this size
    ///   (`ulimit -f`, with SIGXFSZ ignored so writes fail with EFBIG instead of killing the process).
    /// - Parameter arguments: more `serve` options (e.g. `--tls-cert`).
    func start(fileSizeLimitKB: Int? = nil, logLevel: String = "warning", arguments: [String] = []) throws {
        let process = Process()
        if let limit = fileSizeLimitKB {
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments =
                [
                    "-c", "trap '' XFSZ; ulimit -f \(limit); exec \"$0\" \"$@\"", Binaries.server,
                    "serve", "--db", dbPath, "--port", String(port),
                ] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Binaries.server)
            process.arguments = ["serve", "--db", dbPath, "--port", String(port)] + arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["LOG_LEVEL"] = logLevel
        process.environment = environment
        let log = FileHandle(forWritingAtPath: logPath)!
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        lock.withLock { self.process = process }
        let deadline = Date().addingTimeInterval(60)
        while !acceptsConnections(port: port) {
            if !process.isRunning {
                throw ProcessFailure(
                    message: "concord-server exited with \(process.terminationStatus): \(self.log(tail: 2000))")
            }
            if Date() > deadline {
                throw ProcessFailure(message: "concord-server did not listen on \(port) within 60 s")
            }
            usleep(5_000)
        }
    }

    /// Sends `signal` and waits for the process to exit; returns its termination status.
    @discardableResult
    func stop(signal: Int32) -> (status: Int32, reason: Process.TerminationReason) {
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
