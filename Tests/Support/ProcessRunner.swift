import Foundation

// Shared by the test targets that run the built binaries (ConcordClientTests, EndToEndTests).

/// Finds the built executables next to the test bundle (or in `.build/debug`).
public enum Binaries {
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized.path

    public static func path(_ name: String) -> String {
        var candidates: [String] = []
        if let main = Bundle.main.executableURL {
            candidates.append(main.deletingLastPathComponent().appendingPathComponent(name).path)
        }
        let argument0 = URL(fileURLWithPath: CommandLine.arguments[0])
        candidates.append(argument0.deletingLastPathComponent().appendingPathComponent(name).path)
        candidates.append(repositoryRoot + "/.build/debug/" + name)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }

    public static let server = path("concord-server")
    public static let client = path("concord")
}

/// What a finished process printed, and its exit status.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// The lines of standard output.
    public var lines: [String] { stdout.split(separator: "\n").map(String.init) }
}

/// Runs an executable to completion, capturing its output. The process is waited for on a thread of its own, so an
/// async test never holds a thread of the cooperative pool while a binary runs.
public func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws
    -> ProcessResult
{
    try await onOwnThread { try runBlocking(executable, arguments, environment: environment) }
}

/// ``run(_:_:environment:)`` for synchronous code: a synchronous test, or a test's own thread.
public func runBlocking(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws
    -> ProcessResult
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["CONCORD_STORE"] = nil
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let errReader = Thread.detachNewThreadWithResult { err.fileHandleForReading.readDataToEndOfFile() }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = errReader.wait()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs blocking work (waiting for a process, a sleep loop) on a thread of its own instead of a thread of the
/// cooperative pool, which a loaded machine's other tests need.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

extension Process {
    /// Waits for the process to exit, on a thread of its own (see ``onOwnThread(_:)``).
    public func exited() async {
        nonisolated(unsafe) let process = self
        _ = try? await onOwnThread { process.waitUntilExit() }
    }
}

/// A value computed on a thread of its own.
public final class ThreadResult<T>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: T?

    public func set(_ value: T) {
        condition.lock()
        self.value = value
        condition.broadcast()
        condition.unlock()
    }

    public func wait() -> T {
        condition.lock()
        defer { condition.unlock() }
        while value == nil { condition.wait() }
        return value!
    }
}

extension Thread {
    public static func detachNewThreadWithResult<T>(_ body: @escaping @Sendable () -> T) -> ThreadResult<T> {
        let result = ThreadResult<T>()
        let thread = Thread { result.set(body()) }
        thread.start()
        return result
    }
}
