import ConcordCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#else
    import Darwin
#endif

/// The `concord-server` binary that `concord demo` runs as a child process: the analyst's `concord` links no server
/// code, so the demo's server is the real one a team runs, on a database in the demo's folder and a port the system
/// chooses (`serve --port 0` prints `listening on URL` on stdout once it accepts connections).
struct DemoServer {
    let binary: String
    let database: String
    private let process: Process
    /// `http://127.0.0.1:PORT`.
    let url: URL

    /// Starts `binary serve` on `database` and returns once it listens.
    static func start(binary: String, database: String, log: String) async throws -> DemoServer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--db", database, "--host", "127.0.0.1", "--port", "0"]
        var environment = ProcessInfo.processInfo.environment
        environment["LOG_LEVEL"] = "error"
        process.environment = environment
        let stdout = Pipe()
        process.standardOutput = stdout
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        // Read stdout line by line until the server says where it listens (or exits: then its log says why), on a
        // thread of its own: the read blocks.
        let reader = stdout.fileHandleForReading
        let listening: URL? = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var buffered = Data()
                while true {
                    let chunk = reader.availableData
                    if chunk.isEmpty { return continuation.resume(returning: nil) }
                    buffered.append(chunk)
                    while let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                        let line = String(decoding: buffered[..<newline], as: UTF8.self)
                        buffered.removeSubrange(...newline)
                        if line.hasPrefix("listening on "),
                            let url = URL(string: String(line.dropFirst("listening on ".count)))
                        {
                            return continuation.resume(returning: url)
                        }
                    }
                }
            }
        }
        if let listening {
            return DemoServer(binary: binary, database: database, process: process, url: listening)
        }
        process.waitUntilExit()
        let said = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        throw DemoError(
            "concord-server exited with status \(process.terminationStatus) before listening: "
                + said.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// `concord-server analyst add NAME --role ROLE --db DATABASE`: the token it prints once.
    static func addAnalyst(binary: String, database: String, name: String, role: Role) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["analyst", "add", name, "--role", role.rawValue, "--db", database]
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let token = stdout.fileHandleForReading.readDataToEndOfFile()
        let message = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw DemoError(
                "concord-server analyst add \(name) failed: " + String(decoding: message, as: UTF8.self))
        }
        return String(decoding: token, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// SIGTERM (in-flight requests finish, the database closes), then waits for the exit.
    func stop() async {
        guard process.isRunning else { return }
        process.terminate()
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }
}

extension DemoServer {
    /// Where the `concord-server` binary is: `--server-binary`, else `$CONCORD_SERVER`, else beside this `concord`
    /// (a build folder or an install), else on `PATH`. Inside a checkout of this package (`swift run concord demo`
    /// builds `concord` only), it is built with `swift build --product concord-server`, saying so.
    static func findBinary(_ explicit: String?) throws -> String {
        let fileManager = FileManager.default
        if let explicit {
            guard fileManager.isExecutableFile(atPath: explicit) else {
                throw DemoError("--server-binary \(explicit) is not an executable file")
            }
            return explicit
        }
        if let fromEnvironment = ProcessInfo.processInfo.environment["CONCORD_SERVER"], !fromEnvironment.isEmpty {
            guard fileManager.isExecutableFile(atPath: fromEnvironment) else {
                throw DemoError("$CONCORD_SERVER (\(fromEnvironment)) is not an executable file")
            }
            return fromEnvironment
        }
        let beside = URL(fileURLWithPath: executablePath()).deletingLastPathComponent()
            .appendingPathComponent("concord-server").path
        if fileManager.isExecutableFile(atPath: beside) { return beside }
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = String(folder) + "/concord-server"
            if fileManager.isExecutableFile(atPath: candidate) { return candidate }
        }
        let package = fileManager.currentDirectoryPath + "/Package.swift"
        if let manifest = try? String(contentsOfFile: package, encoding: .utf8),
            manifest.contains("\"concord-server\"")
        {
            return try buildInCheckout(configuration: beside.contains("/release/") ? "release" : "debug")
        }
        throw DemoError(
            "cannot find the concord-server binary (beside concord, or on PATH); pass --server-binary PATH or set "
                + "$CONCORD_SERVER, or run the demo from the package's folder: swift run concord demo")
    }

    /// `swift build --product concord-server` in the current package, and the binary it made.
    private static func buildInCheckout(configuration: String) throws -> String {
        FileHandle.standardError.write(
            Data("concord demo: building concord-server (swift build --product concord-server) …\n".utf8))
        let build = try run(
            "/usr/bin/env", ["swift", "build", "-c", configuration, "--product", "concord-server"], capture: false)
        guard build.status == 0 else {
            throw DemoError("swift build --product concord-server failed (its output is above)")
        }
        let binPath = try run(
            "/usr/bin/env", ["swift", "build", "-c", configuration, "--show-bin-path"], capture: true)
        let binary = binPath.output.trimmingCharacters(in: .whitespacesAndNewlines) + "/concord-server"
        guard binPath.status == 0, FileManager.default.isExecutableFile(atPath: binary) else {
            throw DemoError("swift build made no concord-server binary at \(binary)")
        }
        return binary
    }

    /// Runs a command to its end: its stdout when `capture`, else its output goes to our stderr (a build's progress
    /// shows there, and stdout stays the demo's story).
    private static func run(_ executable: String, _ arguments: [String], capture: Bool) throws
        -> (status: Int32, output: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdout = Pipe()
        process.standardOutput = capture ? stdout : FileHandle.standardError
        try process.run()
        let output = capture ? stdout.fileHandleForReading.readDataToEndOfFile() : Data()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// This process's executable (`/proc/self/exe` on Linux, whatever name it was started by).
    private static func executablePath() -> String {
        #if os(Linux)
            if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
                return resolved
            }
        #endif
        return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
    }
}
