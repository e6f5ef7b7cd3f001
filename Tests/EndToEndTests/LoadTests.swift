import ConcordStore
import ConcordSync
import ConcordCore
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Records how long each request of a transport takes.
final class TimedTransport: SyncTransport, @unchecked Sendable {
    private let inner: any SyncTransport
    private let lock = NSLock()
    private(set) var durations: [Duration] = []

    init(_ inner: any SyncTransport) { self.inner = inner }

    private func timed<T>(_ body: () async throws(SyncError) -> T) async throws(SyncError) -> T {
        let start = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - start
            lock.withLock { durations.append(elapsed) }
        }
        return try await body()
    }

    func me() async throws(SyncError) -> Wire.Me { try await timed { () throws(SyncError) in try await inner.me() } }
    func push(_ request: Wire.PushRequest) async throws(SyncError) -> PushOutcome {
        try await timed { () throws(SyncError) in try await inner.push(request) }
    }
    func pull(after cursor: Int64, limit: Int) async throws(SyncError) -> Wire.PullPage {
        try await timed { () throws(SyncError) in try await inner.pull(after: cursor, limit: limit) }
    }
    var all: [Duration] { lock.withLock { durations } }
}

/// The resident memory of a process, in KiB, from /proc.
func residentKiB(pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }
    return nil
}

/// 32 analysts editing and syncing against the real server binary. Longer runs: `CONCORD_LOAD_SECONDS=60 swift test
/// --filter LoadTests`. The suite runs it for 5 s (errors, exactly once); `.ci/run` runs it again for 30 s, long
/// enough for the "server memory flat" check, which needs 30 s or more.
@Suite("Load", .serialized)
struct LoadTests {
    @Test("32 clients edit and sync continuously: zero errors, exactly once, server memory flat")
    func load() async throws {
        let seconds = Double(ProcessInfo.processInfo.environment["CONCORD_LOAD_SECONDS"] ?? "") ?? 5
        let clients = Int(ProcessInfo.processInfo.environment["CONCORD_LOAD_CLIENTS"] ?? "") ?? 32
        let rig = try CrashTests.Rig()
        let names = (0..<clients).map { "analyst-\($0)" }
        for name in names { try rig.analyst(name) }
        try await rig.server.start()
        let pid = try #require(rig.server.pid)
        _ = try rig.stores[names[0]]!.importArticles(Array(Cluster.seeds.prefix(3)))
        let documents = try rig.stores[names[0]]!.documents().map(\.id.rawValue)
        // Everyone pulls the documents before the clock starts.
        _ = try await rig.engine(names[0], batch: 500, page: 1_000).run()
        for name in names.dropFirst() { _ = try await rig.engine(name, batch: 500, page: 1_000).run() }

        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let memory = MemorySampler(pid: pid)
        let sampler = Task.detached {
            while ContinuousClock.now < deadline {
                memory.sample()
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        var tasks: [Task<(syncs: Int, errors: [String], durations: [Duration]), Never>] = []
        for (index, name) in names.enumerated() {
            let store = rig.stores[name]!
            let transport = TimedTransport(HTTPTransport(server: rig.server.url, token: rig.tokens[name]!))
            tasks.append(
                Task.detached {
                    var random = SeededRandom(seed: UInt64(1000 + index))
                    var syncs = 0
                    var errors: [String] = []
                    var serial = 0
                    var events: [String] = []
                    var options = SyncEngine.Options()
                    options.attempts = 1
                    let engine = SyncEngine(store: store, transport: transport, options: options)
                    while ContinuousClock.now < deadline {
                        do {
                            for _ in 0..<(1 + Int(random.next() % 3)) {
                                serial += 1
                                try Self.edit(store, &events, random: &random, documents: documents, serial: serial)
                            }
                            _ = try await engine.run()
                            syncs += 1
                        } catch {
                            errors.append("\(name): \(error)")
                        }
                    }
                    return (syncs, errors, transport.all)
                })
        }
        var syncs = 0
        var errors: [String] = []
        var durations: [Duration] = []
        for task in tasks {
            let result = await task.value
            syncs += result.syncs
            errors += result.errors
            durations += result.durations
        }
        await sampler.value
        #expect(errors.isEmpty, "no errors under load: \(errors.prefix(5))")
        for name in names { _ = try await rig.engine(name, batch: 500, page: 1_000).run() }
        try await rig.expectConvergedExactlyOnce()
        durations.sort()
        let p = { (q: Double) -> Double in
            let d = durations[min(durations.count - 1, Int(Double(durations.count) * q))]
            return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        }
        let total = try await CrashTests.serverCount(rig)
        let samples = memory.samples
        print(
            "load: \(clients) clients, \(seconds) s, \(syncs) syncs, \(durations.count) requests "
                + "(\(Int(Double(durations.count) / seconds))/s), p50 \(p(0.5)) ms, p99 \(p(0.99)) ms, "
                + "max \(p(1)) ms, \(total) changes, errors \(errors.count), server RSS KiB "
                + "first \(samples.first ?? 0) mid \(samples[samples.count / 2]) last \(samples.last ?? 0) "
                + "max \(samples.max() ?? 0)")
        // Memory flat: the second half of the run does not keep growing past the first half's peak by much.
        let half = samples.count / 2
        if seconds >= 30, half > 0 {
            let firstPeak = samples[..<half].max()!
            let secondPeak = samples[half...].max()!
            #expect(
                Double(secondPeak) <= Double(firstPeak) * 1.5, "server memory flat: \(firstPeak) then \(secondPeak) KiB"
            )
        }
        await rig.server.stop(signal: SIGTERM)
    }
}

extension LoadTests {
    /// A cheap edit (no listing of the store): a new event, or a change to one of this analyst's events.
    static func edit(
        _ store: LocalStore, _ events: inout [String], random: inout SeededRandom, documents: [String], serial: Int
    ) throws {
        if events.isEmpty || random.next() % 4 == 0 {
            let id = try store.addEvent(
                EventDraft(
                    values: [
                        "doc": documents[Int(random.next() % UInt64(documents.count))], "title": "load event \(serial)",
                    ], actors: [], tags: ["t\(random.next() % 5)"]))
            events.append(id.rawValue)
            return
        }
        let event = events[Int(random.next() % UInt64(events.count))]
        switch random.next() % 3 {
        case 0: _ = try store.set(event, field: "confidence", value: ["low", "medium", "high"][Int(random.next() % 3)])
        case 1: _ = try store.addElement(event, field: "tags", value: "t\(random.next() % 7)")
        default: _ = try store.note(event, text: "note \(serial)")
        }
    }
}

final class MemorySampler: @unchecked Sendable {
    let pid: Int32
    private let lock = NSLock()
    private var values: [Int] = []
    init(pid: Int32) { self.pid = pid }
    func sample() {
        if let value = residentKiB(pid: pid) { lock.withLock { values.append(value) } }
    }
    var samples: [Int] { lock.withLock { values } }
}
