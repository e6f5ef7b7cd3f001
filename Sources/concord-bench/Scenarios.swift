import AsyncHTTPClient
import ConcordStore
import ConcordSync
import ConcordCore
import Foundation
import NIOCore

/// The scenarios of BENCHMARKS.md. Each returns its figures; the caller resets the peak RSS before each.
enum Scenarios {
    /// `apply`: the workload applied through the client store (log + incremental merge), 5k changes a transaction,
    /// as pulled pages are.
    static func apply(_ workload: Workload, directory: URL, baseline: Double) throws -> Measurement {
        let store = try LocalStore.create(
            at: directory.appendingPathComponent("apply.sqlite").path, analyst: try AnalystName("reader"),
            server: nil, token: nil)
        let pages = stride(from: 0, to: workload.all.count, by: 5_000).map { start in
            (start..<min(start + 5_000, workload.all.count)).map {
                Wire.SequencedChange(seq: Int64($0 + 1), change: workload.all[$0])
            }
        }
        let start = ContinuousClock.now
        let cpuStart = ProcessStats.threadCPUSeconds()
        var applied = 0
        for page in pages {
            applied += try store.applyPulled(page, cursor: page.last!.seq).applied
        }
        let seconds = elapsed(start)
        let cpuSeconds = ProcessStats.threadCPUSeconds() - cpuStart
        guard applied == workload.all.count else {
            throw BenchError("apply stored \(applied) of \(workload.all.count) changes")
        }
        return Measurement(
            name: "apply", changes: applied, seconds: seconds, baseline: baseline,
            extra: ["cpu_seconds": cpuSeconds])
    }

    /// `ingest`: one client per analyst pushing its changes concurrently over HTTP (gzip bodies), 5k a request.
    static func ingest(_ workload: Workload, server: BenchServer, baseline: Double) async throws -> Measurement {
        let start = ContinuousClock.now
        let results = try await pushConcurrently(workload) { server.transport(for: workload.analysts[$0].name) }
        let seconds = elapsed(start)
        return Measurement(
            name: "ingest", changes: results.stored, seconds: seconds, baseline: baseline,
            extra: [
                "clients": Double(workload.analysts.count), "refused": Double(results.refused),
                "pushes": Double(results.pushes),
            ])
    }

    /// `pull`: a fresh client's initial sync of everything on the server, in a child process so its peak RSS is its
    /// own; plus the gzip ratio of one full pull page.
    static func pull(changes: Int, server: BenchServer, directory: URL, baseline: Double) async throws -> Measurement {
        let report = try runPullChild(
            server: server.url, token: server.tokens[try AnalystName("reader")]!,
            store: directory.appendingPathComponent("pull.sqlite").path, analyst: try AnalystName("reader"))
        guard report.pulled == changes else {
            throw BenchError("the initial sync pulled \(report.pulled) changes, the server has \(changes)")
        }
        let (plain, gzipped) = try await pageSizes(server: server)
        var m = Measurement(
            name: "pull", changes: report.pulled, seconds: report.seconds, baseline: baseline,
            extra: [
                "page_bytes": Double(plain), "page_gzip_bytes": Double(gzipped),
                "gzip_ratio": gzipped > 0 ? Double(plain) / Double(gzipped) : 0,
            ])
        m.peak_rss_mb = report.peakRSSMegabytes
        return m
    }

    /// `bootstrap` (protocol.md §14): the server makes a snapshot of its log (timed: `make_s`, the server's one-off
    /// work, and `snapshot_mb`), then a new client (in a child process, so its peak RSS is its own) installs it and
    /// syncs: the figure is that whole first sync, end to end over HTTP, with `bootstrap_s` its download and install.
    ///
    /// With `links`, the same first sync again through a ``LinkProxy`` of each speed (Mbit/s, 0 = unlimited), each
    /// recorded as `bootstrap@N` with the bytes it carried to the client (`received_mb`).
    static func bootstrap(
        changes: Int, server: BenchServer, directory: URL, baseline: Double, workload: Workload,
        links: [Double] = [], record: (Measurement) -> Void = { _ in }, blind: ((Measurement) -> Void)? = nil
    ) async throws -> Measurement {
        let makeStart = ContinuousClock.now
        guard let manifest = try await server.running.makeSnapshot() else {
            throw BenchError("the server made no snapshot of \(changes) changes")
        }
        // The snapshot and the work store are ~1 GB of dirty pages at 1M changes: a server makes them long before a
        // client comes, so they are on disk by then; here the kernel would still be writing them back, throttling
        // the client's writes. Part of the server's one-off cost.
        sync()
        let makeSeconds = elapsed(makeStart)
        try await server.stop()
        // Served by a server process of its own, as in production: one that has been up since it made the snapshot,
        // not the bench's process, whose heap the ingest just churned (serving from it took 3-4× as long at 1M).
        let serving = try ServeChild.launch(
            db: server.databasePath, snapshotDir: server.snapshotDirectory)
        defer { serving.stop() }
        let reader = HTTPTransport(server: serving.url, token: server.tokens[try AnalystName("reader")]!)
        var offered: Wire.SnapshotManifest?
        for _ in 0..<600 where offered?.seq != manifest.seq {
            offered = try await reader.snapshotManifest()
            if offered?.seq != manifest.seq { try await Task.sleep(for: .milliseconds(100)) }
        }
        guard offered == manifest else { throw BenchError("the server process did not offer the snapshot") }
        let report = try runPullChild(
            server: serving.url, token: server.tokens[try AnalystName("reader")]!,
            store: directory.appendingPathComponent("bootstrap.sqlite").path, analyst: try AnalystName("reader"),
            bootstrap: true)
        guard report.stored == changes, report.installed == manifest.changes else {
            throw BenchError(
                "the bootstrapped store holds \(report.stored) changes (\(report.installed) installed), the server "
                    + "has \(changes)")
        }
        for megabits in links {
            let proxy = try LinkProxy(to: Int(serving.url.split(separator: ":").last!)!, megabits: megabits)
            defer { proxy.stop() }
            let name = megabits > 0 ? "\(Int(megabits))mbps" : "unlimited"
            let linked = try runPullChild(
                server: proxy.url, token: server.tokens[try AnalystName("reader")]!,
                store: directory.appendingPathComponent("bootstrap-\(name).sqlite").path,
                analyst: try AnalystName("reader"), bootstrap: true)
            guard linked.stored == changes else { throw BenchError("the bootstrap over \(name) missed changes") }
            var m = Measurement(
                name: "bootstrap@\(name)", changes: linked.stored, seconds: linked.seconds, baseline: baseline,
                extra: [
                    "bootstrap_s": linked.bootstrapSeconds, "received_mb": Double(proxy.bytesDown) / 1_000_000,
                    "link_mbps": megabits, "user_s": linked.userSeconds, "sys_s": linked.systemSeconds,
                ])
            m.peak_rss_mb = linked.peakRSSMegabytes
            record(m)
        }
        if let blind {
            blind(
                try await blindFirstSync(
                    changes: changes, serving: serving.url, server: server, directory: directory, baseline: baseline,
                    workload: workload))
        }
        var m = Measurement(
            name: "bootstrap", changes: report.stored, seconds: report.seconds, baseline: baseline,
            extra: [
                "bootstrap_s": report.bootstrapSeconds, "make_s": makeSeconds,
                "snapshot_mb": Double(manifest.bytes) / 1_048_576, "pulled_after": Double(report.pulled),
                "user_s": report.userSeconds, "sys_s": report.systemSeconds,
            ])
        m.peak_rss_mb = report.peakRSSMegabytes
        return m
    }

    /// `blind` (protocol.md §15): an adjudicator assigns 10 % of the documents (by id) to two coders who have not
    /// submitted; a new analyst's first sync may then not install the snapshot (it holds their coding) and pulls
    /// change by change, leaving the withheld changes out. The figure is that whole first sync, against `bootstrap`
    /// in the same run; `withheld` counts the changes it did not receive.
    static func blindFirstSync(
        changes: Int, serving: String, server: BenchServer, directory: URL, baseline: Double, workload: Workload
    ) async throws -> Measurement {
        var documents = Set<String>()
        for change in workload.all where change.entity.kind == .event && change.field == "doc" {
            if let doc = change.value.string { documents.insert(doc) }
        }
        let blind = documents.sorted().enumerated().filter { $0.offset % 10 == 0 }.map(\.element)
        let adjudicator = workload.analysts.last { $0.role == .adjudicator }!.name
        let coders = workload.analysts.filter { $0.role == .analyst }.prefix(2).map(\.name.rawValue)
        var ids = UUIDv7Generator()
        var clock = HybridClock()
        let replica = try ReplicaID(ids.next().rawValue)
        var assignments: [Change] = []
        for doc in blind {
            for coder in coders {
                assignments.append(
                    Change(
                        id: ids.next(), entity: try EntityID(doc), field: Blinding.assignedField, op: .add,
                        value: .string(coder), hlc: clock.tick(wall: WallClock.millis()), author: adjudicator,
                        replica: replica))
            }
        }
        let transport = HTTPTransport(server: serving, token: server.tokens[adjudicator]!)
        let pushed = try await pushAll(assignments, replica: replica, transport: transport)
        guard pushed.refused == 0 else { throw BenchError("the server refused \(pushed.refused) assignments") }
        let report = try runPullChild(
            server: serving, token: server.tokens[try AnalystName("reader")]!,
            store: directory.appendingPathComponent("blind.sqlite").path, analyst: try AnalystName("reader"),
            bootstrap: true, mayPull: true)
        let total = changes + assignments.count
        guard report.installed == 0, report.stored < total else {
            throw BenchError("the blind analyst installed \(report.installed) or holds all \(report.stored) changes")
        }
        var m = Measurement(
            name: "blind", changes: report.stored, seconds: report.seconds, baseline: baseline,
            extra: [
                "blind_documents": Double(blind.count), "documents": Double(documents.count),
                "withheld": Double(total - report.stored), "user_s": report.userSeconds,
                "sys_s": report.systemSeconds,
            ])
        m.peak_rss_mb = report.peakRSSMegabytes
        return m
    }

    /// `reports` (issue 31): a pusher's latency, one 5-change event at a time, on the server `ingest` filled: first
    /// alone, then while `concurrent` analysts ask for the HTML report again and again. `p99_ratio` is the loaded
    /// p99 over the idle one (the target: at most 2); `reports` counts the reports served meanwhile.
    static func reports(
        changes: Int, server: BenchServer, workload: Workload, concurrent: Int = 6, pushes: Int = 500,
        baseline: Double
    ) async throws -> Measurement {
        // Two pushers, one a phase: each token's rate limit (1,000 requests, then 50 a second) stays out of the
        // figures (a 429 would be waited out for a second).
        func pushTimes(_ count: Int, as index: Int) async throws -> [Double] {
            let pusher = workload.analysts[index].name
            let transport = server.transport(for: pusher)
            var writer = SyntheticEvents(author: pusher, seed: 77 + UInt64(index))
            var times: [Double] = []
            for _ in 0..<count {
                let event = writer.event()
                let begin = ContinuousClock.now
                guard
                    case .accepted = try await transport.push(Wire.PushRequest(replica: writer.replica, changes: event))
                else { throw BenchError("the server refused the pusher's event") }
                times.append(elapsed(begin))
            }
            return times.sorted()
        }
        func percentile(_ sorted: [Double], _ p: Double) -> Double {
            sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
        }
        _ = try await pushTimes(10, as: 0)  // warm up
        let idle = try await pushTimes(pushes, as: 0)
        let stop = ManagedStop()
        let served = Counter()
        let token = server.tokens[try AnalystName("reader")]!
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let reporters = (0..<concurrent).map { _ in
            Task {
                while !stop.isSet {
                    var request = HTTPClientRequest(url: server.url + "/v1/report?format=html")
                    request.headers.add(name: "Authorization", value: "Bearer \(token)")
                    if let response = try? await client.execute(request, timeout: .seconds(300)),
                        (try? await response.body.collect(upTo: 1 << 30)) != nil
                    {
                        served.add()
                    }
                }
            }
        }
        // Let the reports get going before timing.
        try await Task.sleep(for: .seconds(1))
        let loadedStart = ContinuousClock.now
        let loaded = try await pushTimes(pushes, as: 1)
        let loadedSeconds = elapsed(loadedStart)
        stop.set()
        for reporter in reporters { await reporter.value }
        try await client.shutdown()
        let ratio = percentile(loaded, 0.99) / percentile(idle, 0.99)
        return Measurement(
            name: "reports", changes: pushes * 5, seconds: loadedSeconds, baseline: baseline,
            extra: [
                "idle_p50_ms": percentile(idle, 0.5) * 1000, "idle_p99_ms": percentile(idle, 0.99) * 1000,
                "loaded_p50_ms": percentile(loaded, 0.5) * 1000, "loaded_p99_ms": percentile(loaded, 0.99) * 1000,
                "p99_ratio": ratio, "reports": Double(served.value), "concurrent": Double(concurrent),
                "log_changes": Double(changes),
            ])
    }

    /// The bytes of the first pull page (of the sync engine's size), as sent without and with gzip.
    static func pageSizes(server: BenchServer) async throws -> (plain: Int, gzipped: Int) {
        let limit = SyncEngine.Options().pullPage
        func size(_ client: HTTPClient, gzip: Bool) async throws -> Int {
            var request = HTTPClientRequest(url: server.url + "/v1/changes?after=0&limit=\(limit)")
            request.headers.add(name: "Authorization", value: "Bearer \(server.tokens[try AnalystName("reader")]!)")
            if gzip { request.headers.add(name: "Accept-Encoding", value: "gzip") }
            let response = try await client.execute(request, timeout: .seconds(60))
            return try await response.body.collect(upTo: 512 * 1024 * 1024).readableBytes
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let plain = try await size(client, gzip: false)
        let gzipped = try await size(client, gzip: true)
        try await client.shutdown()
        return (plain, gzipped)
    }

    /// `report`: what `concord report` costs on a store of N changes — `LocalStore.report` over the store `apply`
    /// filled (filled here first when `apply` did not run). The in-memory `ConflictReport.build` over the same
    /// changes is in `extra.memory_seconds`, the former store path (read every change back, refold) in
    /// `extra.refold_seconds`; all three reports must be equal.
    static func report(_ workload: Workload, directory: URL, baseline: Double) throws -> Measurement {
        let path = directory.appendingPathComponent("apply.sqlite").path
        if !FileManager.default.fileExists(atPath: path) {
            _ = try apply(workload, directory: directory, baseline: baseline)
            ProcessStats.resetPeakRSS()
        }
        let store = try LocalStore.open(at: path)
        let start = ContinuousClock.now
        let cpuStart = ProcessStats.threadCPUSeconds()
        let report = try store.report(generatedAt: nil)
        let seconds = elapsed(start)
        let cpuSeconds = ProcessStats.threadCPUSeconds() - cpuStart
        let storePeak = ProcessStats.peakRSSMegabytes()

        let memoryStart = ContinuousClock.now
        let reference = ConflictReport.build(from: workload.all)
        let memorySeconds = elapsed(memoryStart)
        // What `concord report` did before it read its inputs from the view: every change read back and refolded.
        let refoldStart = ContinuousClock.now
        let refoldCPUStart = ProcessStats.threadCPUSeconds()
        let refolded = ConflictReport.build(from: try store.allChanges())
        let refoldSeconds = elapsed(refoldStart)
        let refoldCPUSeconds = ProcessStats.threadCPUSeconds() - refoldCPUStart
        guard reference == report, refolded == report else {
            throw BenchError("the store's report differs from the in-memory report over the same changes")
        }
        var m = Measurement(
            name: "report", changes: report.header.counts.changes, seconds: seconds, baseline: baseline,
            extra: [
                "memory_seconds": memorySeconds, "refold_seconds": refoldSeconds,
                // CPU time of the calling thread (GRDB runs the read on it): steadier than wall time when shared.
                "cpu_seconds": cpuSeconds, "refold_cpu_seconds": refoldCPUSeconds,
                "open_conflicts": Double(report.openConflicts.count),
                "resolved_conflicts": Double(report.resolvedConflicts.count),
                "delete_edit_conflicts": Double(report.deleteEditConflicts.count),
            ])
        // The headline peak is the store report's; the in-memory build (which also holds the workload) is apart.
        m.extra["memory_peak_rss_mb"] = m.peak_rss_mb
        m.peak_rss_mb = storePeak
        return m
    }

    /// `cli`: wall time of single `concord event set` processes on a store holding `events` events.
    static func cli(events: Int, runs: Int, directory: URL, baseline: Double) throws -> Measurement {
        let binary = URL(fileURLWithPath: try selfExecutable()).deletingLastPathComponent().appendingPathComponent(
            "concord"
        ).path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("no concord binary at \(binary); build it first (swift build [-c release])")
        }
        let path = directory.appendingPathComponent("cli.sqlite").path
        let store = try LocalStore.create(at: path, analyst: try AnalystName("analyst-cli"), server: nil, token: nil)
        var writer = SyntheticEvents(author: try AnalystName("analyst-other"), seed: 99)
        var seq: Int64 = 0
        var targets: [EntityID] = []
        var made = 0
        while made < events {
            var page: [Wire.SequencedChange] = []
            for _ in 0..<min(1_000, events - made) {
                let changes = writer.event(full: false)
                if made % max(1, events / runs) == 0 { targets.append(changes[0].entity) }
                for change in changes {
                    seq += 1
                    page.append(Wire.SequencedChange(seq: seq, change: change))
                }
                made += 1
            }
            _ = try store.applyPulled(page, cursor: seq)
        }
        var times: [Double] = []
        var failures = 0
        for run in 0..<runs {
            let event = targets[run % targets.count]
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = [
                "event", "set", event.rawValue, "type", SyntheticEvents.types[(run + 1) % SyntheticEvents.types.count],
                "--store", path,
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            let start = ContinuousClock.now
            try process.run()
            process.waitUntilExit()
            times.append(elapsed(start))
            if process.terminationStatus != 0 { failures += 1 }
        }
        guard failures < runs else { throw BenchError("every `concord event set` run failed") }
        times.sort()
        let total = times.reduce(0, +)
        var m = Measurement(
            name: "cli", changes: runs, seconds: total, baseline: baseline,
            extra: [
                "events": Double(events), "median_ms": percentile(times, 0.5) * 1000,
                "p95_ms": percentile(times, 0.95) * 1000, "failures": Double(failures),
            ])
        m.ratio = 0
        return m
    }

    /// `load`: `clients` analysts mixing small pushes (one new event, 5 changes) and pulls (100 changes after a
    /// random cursor) for `seconds`.
    static func load(clients: Int, seconds: Double, directory: URL, baseline: Double) async throws -> Measurement {
        let names = try (0..<clients).map { try AnalystName("load-\($0)") }
        let server = try await BenchServer.start(
            directory: directory, analysts: names.map { ($0, Role.analyst) }, file: "load.sqlite")
        // Seed: something to pull.
        for (index, name) in names.enumerated() {
            var writer = SyntheticEvents(author: name, seed: 1_000 + UInt64(index))
            let changes = (0..<20).flatMap { _ in writer.event() }
            _ = try await pushAll(changes, replica: writer.replica, transport: server.transport(for: name))
        }
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let start = ContinuousClock.now
        let results = await withTaskGroup(of: ([Double], Int, Int).self) { group in
            for (index, name) in names.enumerated() {
                let transport = server.transport(for: name)
                group.addTask {
                    var writer = SyntheticEvents(author: name, seed: 2_000 + UInt64(index))
                    var random = SeededRandom(seed: UInt64(index))
                    var latencies: [Double] = []
                    var errors = 0
                    var pushed = 0
                    while ContinuousClock.now < deadline {
                        let begin = ContinuousClock.now
                        do {
                            if random.next() % 2 == 0 {
                                let changes = writer.event()
                                let outcome = try await transport.push(
                                    Wire.PushRequest(replica: writer.replica, changes: changes))
                                if case .accepted = outcome { pushed += changes.count } else { errors += 1 }
                            } else {
                                _ = try await transport.pull(after: Int64(random.next() % 600), limit: 100)
                            }
                        } catch {
                            errors += 1
                        }
                        latencies.append(elapsed(begin))
                    }
                    return (latencies, errors, pushed)
                }
            }
            var all: ([Double], Int, Int) = ([], 0, 0)
            for await result in group {
                all.0 += result.0
                all.1 += result.1
                all.2 += result.2
            }
            return all
        }
        let total = elapsed(start)
        try await server.stop()
        let latencies = results.0.sorted()
        var m = Measurement(
            name: "load", changes: results.2, seconds: total, baseline: baseline,
            extra: [
                "clients": Double(clients), "requests": Double(latencies.count),
                "requests_per_s": Double(latencies.count) / total, "p50_ms": percentile(latencies, 0.5) * 1000,
                "p99_ms": percentile(latencies, 0.99) * 1000, "errors": Double(results.1),
            ])
        m.ratio = 0
        return m
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    /// This executable's path (the `concord` binary sits beside it).
    /// Runs one fresh client's initial sync in a child process (`pull-child`) and returns what it measured.
    static func runPullChild(
        server: String, token: String, store: String, analyst: AnalystName, bootstrap: Bool = false,
        mayPull: Bool = false
    ) throws -> PullChild.Report {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: try selfExecutable())
        child.arguments =
            [
                "pull-child", "--server", server, "--token", token, "--store", store, "--analyst", analyst.rawValue,
            ] + (bootstrap ? ["--bootstrap"] : []) + (mayPull ? ["--may-pull"] : [])
        let output = Pipe()
        child.standardOutput = output
        try child.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        guard child.terminationStatus == 0 else {
            throw BenchError("the pull child failed with status \(child.terminationStatus)")
        }
        return try JSONDecoder().decode(PullChild.Report.self, from: data)
    }

    static func selfExecutable() throws -> String {
        try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    }
}

extension Scenarios {
    /// `concord agreement` and `concord match` over a store of `events` events coded by a simulated team (two coders
    /// per happening, half of the pairs linked, some cross votes). `changes` is the events measured; the figure is
    /// the slower of the two commands, with each one's seconds in `extra`.
    static func agreement(events: Int, directory: URL, baseline: Double) throws -> Measurement {
        let path = directory.appendingPathComponent("agreement.sqlite").path
        let store = try LocalStore.create(at: path, analyst: try AnalystName("reader"), server: nil, token: nil)
        var team = CodingTeam(seed: 11)
        let changes = team.changes(events: events)
        var seq: Int64 = 0
        for start in stride(from: 0, to: changes.count, by: 5_000) {
            let page = changes[start..<min(changes.count, start + 5_000)].map { change -> Wire.SequencedChange in
                seq += 1
                return Wire.SequencedChange(seq: seq, change: change)
            }
            _ = try store.applyPulled(page, cursor: seq)
        }
        ProcessStats.resetPeakRSS()
        let agreementStart = ContinuousClock.now
        let report = try store.agreement()
        let agreementSeconds = elapsed(agreementStart)
        let matchStart = ContinuousClock.now
        let suggestions = try store.matchSuggestions(minimum: 0.5)
        let matchSeconds = elapsed(matchStart)
        guard report.hasUnits, !suggestions.isEmpty else {
            throw BenchError("the simulated team should give agreement units and match suggestions")
        }
        // The two halves of each command: reading the store, and the arithmetic in ConcordCore.
        var phase = ContinuousClock.now
        let input = try store.agreementInput()
        let inputSeconds = elapsed(phase)
        phase = ContinuousClock.now
        _ = AgreementReport.compute(input, fields: FieldSpec.coded)
        let computeSeconds = elapsed(phase)
        phase = ContinuousClock.now
        let matchEvents = try store.matchEvents()
        let matchReadSeconds = elapsed(phase)
        phase = ContinuousClock.now
        _ = MatchScorer.suggestions(matchEvents, minimum: 0.5)
        let scoreSeconds = elapsed(phase)
        let type = report.fields.first { $0.name == "type" }
        return Measurement(
            name: "agreement", changes: events, seconds: max(agreementSeconds, matchSeconds), baseline: baseline,
            extra: [
                "agreement_seconds": agreementSeconds, "match_seconds": matchSeconds,
                "agreement_read_seconds": inputSeconds, "agreement_compute_seconds": computeSeconds,
                "match_read_seconds": matchReadSeconds, "match_score_seconds": scoreSeconds,
                "log_changes": Double(changes.count), "units_type": Double(type?.units ?? 0),
                "alpha_type": type?.alpha ?? .nan, "suggestions": Double(suggestions.count),
            ])
    }
}

/// A flag set once, read from several tasks.
final class ManagedStop: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// A count several tasks add to.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func add() { lock.withLock { count += 1 } }
}
