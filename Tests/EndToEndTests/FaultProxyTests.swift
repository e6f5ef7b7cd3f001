import ConcordStore
import ConcordSync
import ConcordCore
import ConcordTestSupport
import Foundation
import Testing

/// Syncs through a proxy that delays, cuts, truncates, drops and duplicates: reruns finish the job, exactly once.
@Suite("Network faults", .serialized)
struct FaultProxyTests {
    @Test("three analysts sync through a faulty proxy: nothing lost, nothing doubled, all converge")
    func syncThroughFaults() async throws {
        try await Cluster.with { cluster in
            let names = ["ana", "ben", "cy"]
            for name in names { try await cluster.analyst(name) }
            let proxy = try FaultProxy(upstreamPort: cluster.server.port, seed: 0xFA017, faultRate: 45)
            defer { proxy.stop() }
            for name in names { _ = try cluster.store(name).importArticles(Array(Cluster.seeds.prefix(3))) }
            let documents = try cluster.store("ana").documents().map(\.id.rawValue)

            var options = SyncEngine.Options()
            options.pushBatch = 9
            options.pullPage = 13
            options.attempts = 3
            var random = SeededRandom(seed: 99)
            var failedRuns = 0
            /// Syncs `name` through the proxy, running again (as a person would) until a run completes.
            func syncUntilDone(_ name: String) async throws {
                for _ in 0..<60 {
                    do {
                        try await cluster.sync(
                            name, options: options,
                            transport: HTTPTransport(
                                server: proxy.url, token: cluster.tokens[name]!, timeout: .seconds(10)))
                        return
                    } catch let error as SyncError {
                        #expect(error.isTransient, "a fault is transient: \(error)")
                        failedRuns += 1
                    }
                }
                Issue.record("\(name) never finished a sync through the proxy")
            }
            var serial = 0
            for _ in 0..<8 {
                for name in names {
                    for _ in 0..<(2 + Int(random.next() % 5)) {
                        serial += 1
                        try CrashTests.edit(cluster.store(name), random: &random, documents: documents, serial: serial)
                    }
                    try await syncUntilDone(name)
                }
            }
            for _ in 0..<2 { for name in names { try await syncUntilDone(name) } }

            let log = try await serverLog(server: cluster.server.url.absoluteString, token: cluster.tokens["ana"]!)
            expectExactlyOnce(log: log, stores: cluster.stores)
            let faults = proxy.faults
            for fault in FaultProxy.Fault.allCases {
                #expect(faults[fault, default: 0] > 0, "the proxy injected \(fault) at least once: \(faults)")
            }
            print(
                "faults: \(faults.sorted { $0.key.rawValue < $1.key.rawValue }), \(failedRuns) runs failed and were rerun"
            )
        }
    }

    @Test("a blind document's coding, received through the faulty proxy once it opens, arrives whole and once")
    func backfillThroughFaults() async throws {
        try await Cluster.with { cluster in
            let ana = try await cluster.analyst("ana")
            let ben = try await cluster.analyst("ben")
            let cat = try await cluster.analyst("cat", role: .adjudicator)
            _ = try cat.importArticles(Array(Cluster.seeds.prefix(2)))
            try await cluster.syncAll()
            let doc = try cat.documents()[0].id.rawValue
            _ = try cat.assign([doc], coders: [try AnalystName("ana"), try AnalystName("ben")])
            try await cluster.syncAll()
            var random = SeededRandom(seed: 5)
            for serial in 0..<120 { try CrashTests.edit(ana, random: &random, documents: [doc], serial: serial) }
            _ = try ana.submit(doc)
            try await cluster.sync("ana")
            try await cluster.sync("ben")
            #expect(try ben.events().isEmpty)
            _ = try ben.submit(doc)

            let proxy = try FaultProxy(upstreamPort: cluster.server.port, seed: 0xB1D, faultRate: 45)
            defer { proxy.stop() }
            var options = SyncEngine.Options()
            options.pullPage = 7
            options.attempts = 3
            var failedRuns = 0
            var done = false
            for _ in 0..<80 where !done {
                do {
                    try await cluster.sync(
                        "ben", options: options,
                        transport: HTTPTransport(
                            server: proxy.url, token: cluster.tokens["ben"]!, timeout: .seconds(10)))
                    done = true
                } catch let error as SyncError {
                    #expect(error.isTransient, "a fault is transient: \(error)")
                    failedRuns += 1
                }
            }
            #expect(done, "ben finished a sync through the proxy")
            #expect(try ben.withheldRanges().isEmpty)
            try await cluster.syncAll()
            let log = try await serverLog(server: cluster.server.url.absoluteString, token: cluster.tokens["cat"]!)
            expectExactlyOnce(log: log, stores: cluster.stores)
            print("backfill through faults: \(proxy.faults), \(failedRuns) runs failed and were rerun")
        }
    }

    @Test("bootstraps whose manifests and downloads go through the faulty proxy install the snapshot, once")
    func bootstrapThroughFaults() async throws {
        try await Cluster.with(snapshotEvery: 1) { cluster in
            let ana = try await cluster.analyst("ana")
            _ = try ana.importArticles(Array(Cluster.seeds.prefix(3)))
            let documents = try ana.documents().map(\.id.rawValue)
            var random = SeededRandom(seed: 0xB007)
            for serial in 0..<300 { try CrashTests.edit(ana, random: &random, documents: documents, serial: serial) }
            try await cluster.sync("ana")
            let manifest = try #require(try await cluster.server.makeSnapshot())

            let proxy = try FaultProxy(upstreamPort: cluster.server.port, seed: 0x5EED, faultRate: 60)
            defer { proxy.stop() }
            var failedRuns = 0
            // Newcomers, each with offline work of their own, bootstrap and then sync through the proxy.
            for index in 0..<6 {
                let name = "new\(index)"
                let store = try await cluster.analyst(name)
                _ = try store.importArticles(Array(Cluster.seeds.prefix(3)))
                for serial in 0..<5 {
                    try CrashTests.edit(
                        store, random: &random, documents: documents, serial: 1_000 * (index + 1) + serial)
                }
                let own = try store.allChanges().count
                let through = HTTPTransport(server: proxy.url, token: cluster.token(name), timeout: .seconds(10))
                var outcome: StoreBootstrap.Outcome?
                for _ in 0..<60 where outcome == nil {
                    do { outcome = try await cluster.bootstrap(name, transport: through) } catch is SyncError {
                        failedRuns += 1
                    }
                }
                #expect(outcome == .installed(manifest, carried: own), "\(name)")
                for _ in 0..<60 {
                    do {
                        try await cluster.sync(name, transport: through)
                        break
                    } catch is SyncError { failedRuns += 1 }
                }
                #expect(try cluster.store(name).pendingCount() == 0)
            }
            try await cluster.sync("ana")
            for index in 0..<6 { try await cluster.sync("new\(index)") }
            let log = try await serverLog(server: cluster.server.url.absoluteString, token: cluster.token("ana"))
            expectExactlyOnce(log: log, stores: cluster.stores)
            for index in 0..<6 {
                #expect(try cluster.store("new\(index)").eventSnapshots() == cluster.store("ana").eventSnapshots())
            }
            let faults = proxy.faults
            #expect(faults[.truncateResponse, default: 0] > 0, "a response was cut: \(faults)")
            print("bootstraps through faults: \(faults), \(failedRuns) runs failed and were rerun")
        }
    }

    @Test("a watcher whose long polls and syncs go through the faulty proxy still receives every change, once")
    func watchThroughFaults() async throws {
        try await Cluster.with { cluster in
            let writer = try await cluster.analyst("ana")
            let reader = try await cluster.analyst("ben")
            let proxy = try FaultProxy(upstreamPort: cluster.server.port, seed: 0x10C4, faultRate: 45)
            defer { proxy.stop() }
            let document = try writer.importArticles(Array(Cluster.seeds.prefix(1)))[0].id.rawValue
            try await cluster.sync("ana")

            let transport = HTTPTransport(server: proxy.url, token: cluster.tokens["ben"]!, timeout: .seconds(10))
            var engineOptions = SyncEngine.Options()
            engineOptions.attempts = 2
            engineOptions.backoff = .milliseconds(20)
            var watchOptions = SyncWatcher.Options()
            watchOptions.wait = 2
            watchOptions.backoff = .milliseconds(50)
            watchOptions.maxBackoff = .milliseconds(400)
            let watcher = SyncWatcher(
                store: reader, engine: SyncEngine(store: reader, transport: transport, options: engineOptions),
                transport: transport, options: watchOptions)
            let interrupted = SharedCount()
            let watching = Task {
                try await watcher.run { event in
                    if case .waiting = event { interrupted.add() }
                }
            }
            defer { watching.cancel() }

            var events: [EntityID] = []
            for serial in 0..<12 {
                events.append(
                    try writer.addEvent(EventDraft(values: ["doc": document, "title": "through faults \(serial)"])))
                try await cluster.sync("ana")
                try await Task.sleep(for: .milliseconds(150))
            }
            let deadline = ContinuousClock.now + .seconds(90)
            while try events.contains(where: { try reader.snapshot(of: $0) == nil }) {
                try #require(ContinuousClock.now < deadline, "the watcher received every event within 90 s")
                try await Task.sleep(for: .milliseconds(50))
            }
            watching.cancel()
            _ = await watching.result
            // Settle directly, then the usual check: every change on the server once, in both stores once.
            try await cluster.sync("ben")
            try await cluster.sync("ana")
            let log = try await serverLog(server: cluster.server.url.absoluteString, token: cluster.tokens["ana"]!)
            expectExactlyOnce(log: log, stores: cluster.stores)
            #expect(proxy.faults.filter { $0.key != .none }.values.reduce(0, +) > 0, "faults were injected")
            print("watch through faults: \(proxy.faults), \(interrupted.value) rounds backed off")
        }
    }
}
