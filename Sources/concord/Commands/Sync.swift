import ArgumentParser
import ConcordStore
import ConcordSync
import Foundation

struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Push pending changes, then pull what the server has. Safe to interrupt and run again.",
        discussion: """
            With --watch, keeps syncing until interrupted (Ctrl-C): a change another analyst pushes arrives within \
            moments (the server holds a long poll open and answers when it is committed), and your own edits are \
            pushed within a second. When the server is unreachable it retries after 1, 2, 4 ... 30 s.

            A first sync of a store that has pulled nothing builds it from the server's snapshot, if it offers \
            one, instead of replaying every change: the snapshot is the store's tables packed (about 30 MB for a \
            million changes), the download resumes if cut, the store is built while it arrives and used only once \
            the download is checked (size, SHA-256, store format), and your own unsynced work is carried into it.
            """)

    @OptionGroup var options: StoreOptions

    @Option(help: "Changes per push batch.")
    var batch = 5_000

    @Option(help: "Changes per pulled page (also per page of a blind document's coding received once it opens).")
    var page = 20_000

    @Flag(help: "Keep the store in sync until interrupted.")
    var watch = false

    @Flag(help: "On a first sync, pull change by change even when the server offers a snapshot.")
    var noBootstrap = false

    func run() async throws {
        var store = try options.open()
        let meta = try store.metadata()
        guard let server = meta.server else { throw SyncError.noServer }
        guard let token = meta.token else { throw SyncError.noToken(server: server) }
        try store.checkTokenIsPrivate()
        let client = try meta.caFile.map { path throws(SyncError) in try HTTPTransport.client(trusting: path) }
        var engineOptions = SyncEngine.Options()
        engineOptions.pushBatch = max(1, batch)
        engineOptions.pullPage = min(max(1, page), 20_000)
        let bar = ProgressBar(enabled: Terminal.stderrIsTTY)
        let transport = HTTPTransport(server: server, token: token, client: client ?? HTTPTransport.sharedClient)
        let session = SyncSession(
            transport: transport, options: engineOptions, bootstrap: !noBootstrap, progress: { bar.show($0) })
        let outcome = try await session.bootstrapIfFirst(&store)
        bar.finish()
        switch outcome {
        case .installed(let manifest, let carried):
            let own = carried == 0 ? "" : ", keeping your \(carried) change\(carried == 1 ? "" : "s")"
            Terminal.message(
                "bootstrap: installed the server's snapshot of \(manifest.changes) changes "
                    + "(\(ByteCountFormatter.string(fromByteCount: manifest.bytes, countStyle: .file))\(own))")
        case .skipped(.noSnapshot), .skipped(.syncedBefore), nil:
            break
        case .skipped(let why):
            Terminal.message("bootstrap skipped: \(why); pulling change by change")
        }
        let engine = session.engine(for: store)
        if watch {
            Terminal.message("watching \(server) for \(meta.analyst); Ctrl-C to stop")
            try await SyncWatcher(store: store, engine: engine, transport: transport).run { event in
                bar.finish()
                switch event {
                case .synced(let summary):
                    // Only rounds that moved something are worth a line.
                    if summary.pushed > 0 || summary.pulled > 0 || summary.rejected > 0 {
                        Terminal.message(Self.stamp() + summary.description)
                    }
                case .waiting(let error, let delay):
                    let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
                    Terminal.message(Self.stamp() + "\(error); retrying in \(String(format: "%.0f", seconds)) s")
                }
            }
            return
        }
        let summary = try await engine.run()
        bar.finish()
        Terminal.message(summary.description)
    }

    /// "14:03:27 ", the local time a watch line was printed.
    static func stamp() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss "
        return formatter.string(from: Date())
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
        case .downloading(let bytes, let total):
            text = "snapshot \(bytes / 1_048_576)/\(total / 1_048_576) MiB"
        case .unpacking(let changes):
            text = "snapshot: building the store of \(changes) changes"
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
