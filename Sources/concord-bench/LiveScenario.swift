import AsyncHTTPClient
import ConcordStore
import ConcordSync
import ConcordCore
import ConcordServer
import Foundation

extension Scenarios {
    /// `live` (protocol.md §14): a server process (SQLite) holding `watchers` idle long polls, and one analyst watching
    /// with ``SyncWatcher`` (what `concord sync --watch` runs) while another pushes one new event at a time. Times
    /// each push until the event is in the watching store (`p50_ms`, `p99_ms` over `samples` pushes), and the
    /// server's memory and CPU before and while it holds the idle polls.
    static func live(watchers: Int, samples: Int, directory: URL) async throws -> Measurement {
        let path = directory.appendingPathComponent("live.sqlite").path
        let (writer, reader) = (try AnalystName("writer"), try AnalystName("reader"))
        // A token may hold 32 long polls on a server (`pollsPerAnalyst`): the idle watchers are as many analysts as
        // that takes, as a team's watchers are one or two per analyst.
        let idle = try (0..<max(1, (watchers + 31) / 32)).map { try AnalystName("idle-\($0)") }
        var tokens: [AnalystName: String] = [:]
        try await ServerAdmin.with(dbPath: path) { admin in
            for name in [writer, reader] + idle { tokens[name] = try await admin.addAnalyst(name, role: .analyst) }
        }
        let server = try ServeChild.launch(db: path)
        defer { server.stop() }
        let pid = server.process.processIdentifier

        // The server alone, settled.
        try await Task.sleep(for: .seconds(1))
        let rssAlone = ProcessStats.currentRSSMegabytes(pid: pid)

        // Idle watchers: each holds a long poll after a cursor no change will reach, and asks again when it ends.
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(10), read: .seconds(60)))
        configuration.httpVersion = .http1Only
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: watchers + 16)
        let pollClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let idleTransports = idle.map { HTTPTransport(server: server.url, token: tokens[$0]!, client: pollClient) }
        let idlers = (0..<watchers).map { index in
            let idleTransport = idleTransports[index % idleTransports.count]
            return Task {
                while !Task.isCancelled {
                    do {
                        _ = try await idleTransport.waitForChanges(after: 1 << 60, seconds: 25)
                    } catch {
                        try? await Task.sleep(for: .milliseconds(200))
                    }
                }
            }
        }
        defer { for task in idlers { task.cancel() } }
        let held = try await waitForLongPolls(server: server.url, count: watchers)
        let rssHeld = ProcessStats.currentRSSMegabytes(pid: pid)
        let cpuBefore = ProcessStats.cpuSeconds(pid: pid)
        let idleStart = ContinuousClock.now
        try await Task.sleep(for: .seconds(5))
        let idleCPU = (ProcessStats.cpuSeconds(pid: pid) - cpuBefore) / elapsed(idleStart)
        let rssAfterIdle = ProcessStats.currentRSSMegabytes(pid: pid)

        // One analyst watches; another pushes an event at a time and waits for it to arrive.
        let store = try LocalStore.create(
            at: directory.appendingPathComponent("live-reader.sqlite").path, analyst: reader, server: server.url,
            token: tokens[reader]!)
        let readerTransport = HTTPTransport(server: server.url, token: tokens[reader]!)
        let (rounds, arrived) = AsyncStream.makeStream(of: Int.self)
        let watcher = Task {
            try await SyncWatcher(
                store: store, engine: SyncEngine(store: store, transport: readerTransport), transport: readerTransport
            ).run { event in
                if case .synced(let summary) = event, summary.pulled > 0 { arrived.yield(summary.pulled) }
            }
        }
        defer { watcher.cancel() }
        var pulls = rounds.makeAsyncIterator()
        let writerTransport = HTTPTransport(server: server.url, token: tokens[writer]!)
        var events = SyntheticEvents(author: writer, seed: 77)
        var latencies: [Double] = []
        let start = ContinuousClock.now
        for _ in 0..<samples {
            let event = events.event()
            let pushed = ContinuousClock.now
            guard
                case .accepted = try await writerTransport.push(
                    Wire.PushRequest(replica: events.replica, changes: event))
            else { throw BenchError("the live scenario's push was refused") }
            var received = 0
            while received < event.count {
                guard let count = await pulls.next() else { throw BenchError("the watcher stopped") }
                received += count
            }
            latencies.append(elapsed(pushed))
            try await Task.sleep(for: .milliseconds(Int.random(in: 10...50)))
        }
        let total = elapsed(start)
        for task in idlers { task.cancel() }
        try? await pollClient.shutdown()
        latencies.sort()
        var m = Measurement(
            name: "live", changes: samples, seconds: total, baseline: 0,
            extra: [
                "p50_ms": percentile(latencies, 0.5) * 1000, "p99_ms": percentile(latencies, 0.99) * 1000,
                "watchers": Double(held), "server_rss_alone_mb": rssAlone, "server_rss_watched_mb": rssHeld,
                "server_rss_after_5s_mb": rssAfterIdle,
                "kb_per_watcher": held > 0 ? (rssHeld - rssAlone) * 1024 / Double(held) : 0,
                "server_cpu_percent_idle_watched": idleCPU * 100,
            ])
        m.ratio = 0
        return m
    }

    /// Waits until the server's `/metrics` shows `count` long polls held (or 60 s); returns how many it shows.
    private static func waitForLongPolls(server: String, count: Int) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(60)
        var held = 0
        while ContinuousClock.now < deadline {
            var request = HTTPClientRequest(url: server + "/metrics")
            request.method = .GET
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            let line = text.split(separator: "\n").first { $0.hasPrefix("concord_long_polls_waiting ") }
            held = line.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
            if held >= count { return held }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError("the server held \(held) long polls after 60 s, not \(count)")
    }
}
