import ArgumentParser
import ConcordStore
import ConcordSync
import ConcordCore
import ConcordServer
import ConcordTestSupport
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// `--store postgres`: `ingest` and `pull` through 1 and 2 `concord-server` processes on one PostgreSQL database, on
/// a private cluster started for the run (initdb + pg_ctl, the tests' harness; fsync off, as for the tests, so the
/// figures show the server's work rather than this machine's disk flushes).
///
/// Each server is a child process of this one (`serve-child`), so two servers are two processes, as in production;
/// each run gets a fresh database. Ingest spreads the analysts over the servers (analyst i pushes to server i mod N);
/// pull runs N fresh clients at once, one per server, and counts every change each of them pulled.
enum PostgresScenarios {
    static func run(
        _ workload: Workload, servers counts: [Int], ingest: Bool, pull: Bool, directory: URL, baseline: Double,
        record: (Measurement) -> Void
    ) async throws {
        let cluster = try PostgresCluster()
        for count in counts {
            let url = try await cluster.createDatabase()
            let readers = (0..<count).map { try! AnalystName("reader-\($0)") }
            var tokens: [AnalystName: String] = [:]
            try await ServerAdmin.with(dbPath: url) { admin in
                for analyst in workload.analysts.map(\.name) + readers {
                    let role = workload.analysts.first { $0.name == analyst }?.role ?? .analyst
                    tokens[analyst] = try await admin.addAnalyst(analyst, role: role)
                }
            }
            let children = try (0..<count).map { _ in try ServeChild.launch(db: url) }
            defer { for child in children { child.stop() } }

            ProcessStats.resetPeakRSS()
            let start = ContinuousClock.now
            let stored = try await pushConcurrently(workload) { index in
                HTTPTransport(server: children[index % count].url, token: tokens[workload.analysts[index].name]!)
            }
            let ingested = Measurement(
                name: "ingest-pg\(count)", changes: stored.0, seconds: elapsed(start), baseline: baseline,
                extra: [
                    "servers": Double(count), "clients": Double(workload.analysts.count),
                    "refused": Double(stored.refused), "pushes": Double(stored.pushes),
                    "server_peak_mb": children.map(\.peakRSSMegabytes).max() ?? 0,
                ])
            if ingest { record(ingested) }
            guard pull else { continue }

            ProcessStats.resetPeakRSS()
            let pullStart = ContinuousClock.now
            let reports = try await withThrowingTaskGroup(of: PullChild.Report.self) { group in
                for (index, reader) in readers.enumerated() {
                    let store = directory.appendingPathComponent("pull-pg\(count)-\(index).sqlite").path
                    let server = children[index].url
                    let token = tokens[reader]!
                    // Off the cooperative pool: the wait for the child blocks its thread.
                    group.addTask {
                        try await withCheckedThrowingContinuation { continuation in
                            DispatchQueue.global().async {
                                continuation.resume(
                                    with: Result {
                                        try Scenarios.runPullChild(
                                            server: server, token: token, store: store, analyst: reader)
                                    })
                            }
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let seconds = elapsed(pullStart)
            for report in reports where report.pulled != ingested.changes {
                throw BenchError("a client pulled \(report.pulled) changes, the database has \(ingested.changes)")
            }
            var pulled = Measurement(
                name: "pull-pg\(count)", changes: reports.reduce(0) { $0 + $1.pulled }, seconds: seconds,
                baseline: baseline,
                extra: [
                    "servers": Double(count), "clients": Double(count),
                    "slowest_client_s": reports.map(\.seconds).max() ?? 0,
                ])
            pulled.peak_rss_mb = reports.map(\.peakRSSMegabytes).max() ?? 0
            record(pulled)
        }
        try cluster.stop()
    }
}

/// A `concord-server` for the PostgreSQL scenarios, in a child process of the bench: `serve-child` runs the server
/// application on a database and port, with no rate limit (the bench's clients are the whole team).
struct ServeChild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve-child", abstract: "Internal: a server for the PostgreSQL scenarios.", shouldDisplay: false)

    @Option var db: String
    @Option var port: Int
    /// Serve the snapshots published in this folder (and make new ones as `serve` does).
    @Option var snapshotDir: String?

    func run() async throws {
        var logger = Logger(label: "concord-bench-server")
        logger.logLevel = .critical
        var configuration = ConcordServerConfiguration(dbPath: db, port: port, logger: logger, rateLimit: nil)
        configuration.snapshots = snapshotDir.map { SnapshotSettings(directory: $0) }
        let app = try await buildApplication(configuration)
        try await app.runService()
    }

    /// A running child: its process and URL.
    struct Running {
        let process: Process
        let url: String

        /// The child's peak resident set (VmHWM), in MiB, while it runs.
        var peakRSSMegabytes: Double {
            ProcessStats.peakRSSMegabytes(pid: process.processIdentifier)
        }

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// Starts a child serving `url` on a free port; returns once it accepts connections.
    static func launch(db url: String, snapshotDir: String? = nil) throws -> Running {
        let port = try freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Scenarios.selfExecutable())
        process.arguments =
            ["serve-child", "--db", url, "--port", String(port)] + (snapshotDir.map { ["--snapshot-dir", $0] } ?? [])
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while !acceptsConnections(port: port) {
            guard process.isRunning else { throw BenchError("the server child exited: \(process.terminationStatus)") }
            guard Date() < deadline else { throw BenchError("the server child did not listen within 60 s") }
            usleep(10_000)
        }
        return Running(process: process, url: "http://127.0.0.1:\(port)")
    }
}
