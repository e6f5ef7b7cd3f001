import ArgumentParser
import ConcordClient
import Foundation

struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Push pending changes, then pull what the server has. Safe to interrupt and run again.")

    @OptionGroup var options: StoreOptions

    @Option(help: "Changes per push batch.")
    var batch = 5_000

    func run() async throws {
        let store = try options.open()
        let meta = try store.metadata()
        guard let server = meta.server else { throw SyncError.noServer }
        guard let token = meta.token else { throw SyncError.noToken(server: server) }
        try store.checkTokenIsPrivate()
        let client = try meta.caFile.map { path throws(SyncError) in try HTTPTransport.client(trusting: path) }
        var engineOptions = SyncEngine.Options()
        engineOptions.pushBatch = max(1, batch)
        let bar = ProgressBar(enabled: Terminal.stderrIsTTY)
        let engine = SyncEngine(
            store: store,
            transport: HTTPTransport(server: server, token: token, client: client ?? HTTPTransport.sharedClient),
            options: engineOptions,
            progress: { bar.show($0) })
        let summary = try await engine.run()
        bar.finish()
        Terminal.message(summary.description)
    }
}

/// A one-line progress display on stderr, redrawn in place; silent when stderr is not a terminal.
final class ProgressBar: @unchecked Sendable {
    private let enabled: Bool
    private let lock = NSLock()
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ progress: SyncProgress) {
        guard enabled else { return }
        let text: String
        switch progress {
        case .pushing(let done, let total):
            let width = 30
            let filled = total == 0 ? width : min(width, done * width / max(total, 1))
            text =
                "push [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                + "] \(done)/\(total)"
        case .pulling(let received, let cursor):
            text = "pull \(received) new changes (cursor \(cursor))"
        case .retrying(let attempt, let reason):
            text = "retry \(attempt): \(reason)"
        }
        lock.withLock {
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + text).utf8))
            drawn = true
        }
    }

    func finish() {
        lock.withLock {
            if drawn { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        }
    }
}
