import ArgumentParser
import ConcordStore
import ConcordCore
import ConcordServer
import Foundation

/// `concord-bench`: every scenario of BENCHMARKS.md on real files and a real loopback server, with the raw SQLite
/// baseline measured in the same run.
@main
struct ConcordBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "concord-bench",
        abstract: "Measure Concord's speed and memory against raw SQLite inserts.",
        discussion: """
            Scenarios: baseline, apply, ingest, pull, cli, report, load, agreement, live. Run in release mode:
              swift run -c release concord-bench --json
            With --store postgres (or sqlite,postgres), ingest and pull also run through 1 and 2 concord-server
            processes on a private PostgreSQL cluster (needs initdb: apt-get install -y postgresql).
            """,
        subcommands: [Run.self, PullChild.self, ServeChild.self, UnpackChild.self], defaultSubcommand: Run.self)
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the scenarios (default).")

    @Option(help: "Changes for baseline, apply, ingest, pull and report.") var changes = 200_000
    @Option(help: "Concurrent pushing clients in ingest (analysts of the simulated team).") var clients = 4
    @Option(help: "Events in the store of the cli scenario.") var cliEvents = 100_000
    @Option(help: "Runs of `concord event set` in the cli scenario.") var cliRuns = 40
    @Option(help: "Clients of the load scenario.") var loadClients = 32
    @Option(help: "Seconds the load scenario runs.") var seconds = 10.0
    @Option(help: "Events in the store of the agreement scenario.") var agreementEvents = 100_000
    @Option(help: "Idle long polls the server holds in the live scenario.") var watchers = 1_000
    @Option(help: "Pushes timed in the live scenario.") var liveSamples = 200
    @Option(
        help:
            "Run only these scenarios (comma-separated: baseline,apply,ingest,pull,bootstrap,blind,reports,cli,report,load,agreement,live; blind runs with bootstrap)."
    )
    var only: String?
    @Option(help: "The server stores of ingest and pull (comma-separated: sqlite, postgres).") var store = "sqlite"
    @Flag(help: "Print one JSON object per scenario instead of a table.") var json = false
    @Flag(help: "Tiny sizes, for CI: checks every scenario runs, figures meaningless.") var smoke = false
    @Option(help: "Keep the files here instead of a temporary directory.") var directory: String?
    @Option(
        help:
            "bootstrap: also sync through a loopback link of these speeds in Mbit/s (comma-separated; 0 = unlimited, through the proxy)."
    ) var linkMbps: String?

    func run() async throws {
        var options = self
        if smoke {
            options.changes = min(changes, 3_000)
            options.cliEvents = min(cliEvents, 300)
            options.cliRuns = min(cliRuns, 3)
            options.loadClients = min(loadClients, 4)
            options.seconds = min(seconds, 1)
            options.agreementEvents = min(agreementEvents, 2_000)
            options.watchers = min(watchers, 20)
            options.liveSamples = min(liveSamples, 5)
            // The link proxy runs too, so CI exercises it.
            options.linkMbps = options.linkMbps ?? "100"
        }
        let selected = Set(
            (only ?? "baseline,apply,ingest,pull,bootstrap,cli,report,load,agreement,live").split(separator: ",").map(
                String.init)
        )
        let known: Set = [
            "baseline", "apply", "ingest", "pull", "bootstrap", "blind", "reports", "cli", "report", "load",
            "agreement",
            "live",
        ]
        if let unknown = selected.subtracting(known).first {
            throw ValidationError("unknown scenario \(unknown); choose among \(known.sorted().joined(separator: ", "))")
        }
        let stores = Set(store.split(separator: ",").map(String.init))
        if let unknown = stores.subtracting(["sqlite", "postgres"]).first {
            throw ValidationError("unknown store \(unknown); choose sqlite, postgres or sqlite,postgres")
        }
        let root = URL(fileURLWithPath: directory ?? NSTemporaryDirectory())
            .appendingPathComponent("concord-bench-\(getpid())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(at: root) } }

        var results: [Measurement] = []
        func record(_ m: Measurement) {
            results.append(m)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try! encoder.encode(m), as: UTF8.self))
            } else {
                print(m.row)
            }
            fflush(nil)
        }
        if !json { print(Measurement.header) }

        // The baseline always runs: every ratio is against this run's machine state.
        ProcessStats.resetPeakRSS()
        let baseline = try Baseline.run(rows: options.changes, directory: root)
        if selected.contains("baseline") { record(baseline) }
        let rate = baseline.changes_per_s

        let needsWorkload = !selected.isDisjoint(with: ["apply", "ingest", "pull", "bootstrap", "report", "reports"])
        let workload = needsWorkload ? Workload(changes: options.changes, analysts: max(2, options.clients)) : nil

        if selected.contains("apply"), let workload {
            ProcessStats.resetPeakRSS()
            record(try Scenarios.apply(workload, directory: root, baseline: rate))
        }
        if stores.contains("sqlite"), !selected.isDisjoint(with: ["ingest", "pull", "bootstrap", "reports"]),
            let workload
        {
            let server = try await BenchServer.start(directory: root, analysts: workload.analysts)
            ProcessStats.resetPeakRSS()
            let ingest = try await Scenarios.ingest(workload, server: server, baseline: rate)
            if selected.contains("ingest") { record(ingest) }
            if selected.contains("reports") {
                record(
                    try await Scenarios.reports(
                        changes: ingest.changes, server: server, workload: workload, baseline: rate))
            }
            if selected.contains("pull") {
                record(
                    try await Scenarios.pull(changes: ingest.changes, server: server, directory: root, baseline: rate))
            }
            if selected.contains("bootstrap") {
                // Stops the server: the snapshot is served by a server process of its own.
                record(
                    try await Scenarios.bootstrap(
                        changes: ingest.changes, server: server, directory: root, baseline: rate, workload: workload,
                        links: try (options.linkMbps ?? "").split(separator: ",").map {
                            guard let rate = Double($0.trimmingCharacters(in: .whitespaces)), rate >= 0 else {
                                throw ValidationError("--link-mbps takes speeds in Mbit/s, e.g. 1000,100")
                            }
                            return rate
                        }, record: record, blind: selected.contains("blind") ? record : nil))
            } else {
                try await server.stop()
            }
        }
        if stores.contains("postgres"), !selected.isDisjoint(with: ["ingest", "pull"]), let workload {
            try await PostgresScenarios.run(
                workload, servers: [1, 2], ingest: selected.contains("ingest"), pull: selected.contains("pull"),
                directory: root, baseline: rate, record: record)
        }
        if selected.contains("report"), let workload {
            ProcessStats.resetPeakRSS()
            record(try Scenarios.report(workload, directory: root, baseline: rate))
        }
        if selected.contains("cli") {
            ProcessStats.resetPeakRSS()
            record(try Scenarios.cli(events: options.cliEvents, runs: options.cliRuns, directory: root, baseline: rate))
        }
        if selected.contains("agreement") {
            ProcessStats.resetPeakRSS()
            record(try Scenarios.agreement(events: options.agreementEvents, directory: root, baseline: rate))
        }
        if selected.contains("live") {
            ProcessStats.resetPeakRSS()
            record(try await Scenarios.live(watchers: options.watchers, samples: options.liveSamples, directory: root))
        }
        if selected.contains("load") {
            ProcessStats.resetPeakRSS()
            record(
                try await Scenarios.load(
                    clients: options.loadClients, seconds: options.seconds, directory: root, baseline: rate))
        }
    }
}
