import ConcordStore
import ConcordSync
import ConcordCore
import ConcordTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real `concord-server` and `concord` binaries killed at random instants: nothing is lost, doubled or stuck.
@Suite("Crash tests", .serialized)
struct CrashTests {
    /// A temporary directory, a server process on a free port and analysts' stores.
    final class Rig: @unchecked Sendable {
        let directory: URL
        let server: ServerProcess
        var stores: [String: LocalStore] = [:]
        var tokens: [String: String] = [:]

        /// - Parameter database: a PostgreSQL URL to serve; a SQLite file in the rig's folder when nil.
        init(database: String? = nil) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("concord-crash-\(UUID())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            // The server chooses its port on its first start. Stores made before then point at a port nothing
            // listens on (9, discard) until the port is known, then at the server.
            server = ServerProcess(
                dbPath: database ?? directory.appendingPathComponent("server.sqlite").path,
                logPath: database == nil ? nil : directory.appendingPathComponent("server.log").path)
            server.onPortChosen { [weak self] port in self?.pointStores(at: ServerProcess.url(port: port)) }
        }

        /// Points every store made so far at `url`, the server's once its first start chose a port.
        private func pointStores(at url: String) {
            for (name, store) in stores { try? store.setServer(url: url, token: tokens[name]) }
        }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        @discardableResult
        func analyst(_ name: String, role: String = "analyst") throws -> LocalStore {
            let token = try server.addAnalyst(name, role: role)
            let store = try LocalStore.create(
                at: path("\(name).sqlite"), analyst: try AnalystName(name),
                server: server.knownURL ?? "http://127.0.0.1:9", token: token)
            stores[name] = store
            tokens[name] = token
            return store
        }

        /// An engine with small batches and pages by default, so kills land between many requests.
        func engine(_ name: String, attempts: Int = 4, batch: Int = 7, page: Int = 11) -> SyncEngine {
            var options = SyncEngine.Options()
            options.pushBatch = batch
            options.pullPage = page
            options.attempts = attempts
            options.backoff = .milliseconds(20)
            return SyncEngine(
                store: stores[name]!, transport: HTTPTransport(server: server.url, token: tokens[name]!),
                options: options)
        }

        /// Every change on the server, in order, walked page by page.
        func serverLog() async throws -> [Wire.SequencedChange] {
            try await EndToEndTests.serverLog(server: server.url, token: tokens[tokens.keys.sorted()[0]]!)
        }

        func expectConvergedExactlyOnce(sourceLocation: SourceLocation = #_sourceLocation) async throws {
            expectExactlyOnce(log: try await serverLog(), stores: stores, sourceLocation: sourceLocation)
        }

        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    /// One analyst's random edits: new events on the seed documents, field sets, tags.
    static func edit(_ store: LocalStore, random: inout SeededRandom, documents: [String], serial: Int) throws {
        let events = try store.eventSnapshots().filter { !$0.deleted }
        let roll = Int(random.next() % 4)
        if roll == 0 || events.isEmpty {
            _ = try store.addEvent(
                EventDraft(
                    values: [
                        "doc": documents[Int(random.next() % UInt64(documents.count))],
                        "title": "event \(serial) by \(try store.metadata().analyst)",
                    ], actors: [], tags: ["t\(random.next() % 5)"]))
        } else {
            let event = events[Int(random.next() % UInt64(events.count))].id.rawValue
            switch roll {
            case 1:
                _ = try store.set(event, field: "confidence", value: ["low", "medium", "high"][Int(random.next() % 3)])
            case 2: _ = try store.addElement(event, field: "tags", value: "t\(random.next() % 7)")
            default: _ = try store.note(event, text: "note \(serial)")
            }
        }
    }

    @Test("kill -9 the server at ≥20 random instants while 4 clients push and pull: exactly once, converged")
    func serverKilledRepeatedly() async throws {
        let rig = try Rig()
        let names = ["ana", "ben", "cy", "dee"]
        for name in names { try rig.analyst(name) }
        try await rig.server.start()
        for name in names { _ = try rig.stores[name]!.importArticles(Array(Cluster.seeds.prefix(3))) }
        let documents = try rig.stores["ana"]!.documents().map(\.id.rawValue)
        try #require(!documents.isEmpty, "the seed articles are in \(Cluster.seeds)")

        let done = ManagedFlag()
        let kills = 24
        // The killer runs on a thread of its own so its sleeps never hold a cooperative thread.
        let killer = Thread.detachNewThreadWithResult { () -> (reasons: [Process.TerminationReason], error: String?) in
            var random = SeededRandom(seed: 0xC0FFEE)
            var reasons: [Process.TerminationReason] = []
            defer { done.set() }
            for _ in 0..<kills {
                usleep(UInt32(40_000 + random.next() % 260_000))
                reasons.append(rig.server.stopBlocking(signal: SIGKILL).reason)
                usleep(UInt32(random.next() % 50_000))
                do { try rig.server.startBlocking() } catch { return (reasons, "restart failed: \(error)") }
            }
            return (reasons, nil)
        }
        var clients: [Task<Int, any Error>] = []
        for (index, name) in names.enumerated() {
            let store = rig.stores[name]!
            let engine = rig.engine(name, attempts: 1)
            clients.append(
                Task.detached {
                    var random = SeededRandom(seed: UInt64(index + 1))
                    var serial = 0
                    var failures = 0
                    while !done.isSet {
                        for _ in 0..<(1 + Int(random.next() % 4)) {
                            serial += 1
                            try Self.edit(store, random: &random, documents: documents, serial: serial)
                        }
                        do { _ = try await engine.run() } catch let error as SyncError {
                            failures += 1
                            #expect(error.isTransient || Self.isDown(error), "only the outage stops a sync: \(error)")
                        }
                    }
                    return failures
                })
        }
        var interrupted = 0
        for client in clients { interrupted += try await client.value }
        let killed = killer.wait()
        #expect(killed.error == nil, "\(killed.error ?? "")")
        #expect(killed.reasons == Array(repeating: .uncaughtSignal, count: kills), "every kill was a SIGKILL death")
        // Everyone syncs twice after the last restart: pushes first, then everyone pulls everything.
        for _ in 0..<2 { for name in names { _ = try await rig.engine(name).run() } }
        try await rig.expectConvergedExactlyOnce()
        let total = try await rig.serverLog().count
        print("crash: \(kills) kills survived, \(interrupted) syncs interrupted, \(total) changes exactly once")
        await rig.server.stop(signal: SIGTERM)
    }

    static func isDown(_ error: SyncError) -> Bool {
        if case .unreachable = error { return true }
        return false
    }

    @Test("SIGTERM while clients push: in-flight work finishes, exit 0, and the database is consistent")
    func sigtermIsGraceful() async throws {
        let rig = try Rig()
        try rig.analyst("ana")
        try await rig.server.start()
        let store = rig.stores["ana"]!
        _ = try store.importArticles(Array(Cluster.seeds.prefix(2)))
        let doc = try store.documents()[0].id.rawValue
        var random = SeededRandom(seed: 7)
        for i in 0..<300 {
            try Self.edit(store, random: &random, documents: [doc], serial: i)
        }
        let engine = rig.engine("ana", attempts: 1)
        let sync = Task.detached { try? await engine.run() }
        // Terminate as soon as the first batch has reached the server.
        while try store.pendingCount() == (try store.allChanges().count) { try await Task.sleep(for: .milliseconds(1)) }
        let (status, reason) = await rig.server.stop(signal: SIGTERM)
        #expect(reason == .exit && status == 0, "SIGTERM exits 0: \(rig.server.log(tail: 1500))")
        _ = await sync.value
        try await rig.server.start()
        _ = try await rig.engine("ana").run()
        try await rig.expectConvergedExactlyOnce()
        await rig.server.stop(signal: SIGTERM)
    }

    @Test("`concord sync` killed mid-push and mid-pull, then run again: exactly once, converged")
    func clientBinaryKilled() async throws {
        let rig = try Rig()
        let pusher = try rig.analyst("ana")
        let puller = try rig.analyst("ben")
        try await rig.server.start()
        _ = try pusher.importArticles(Array(Cluster.seeds.prefix(3)))
        let documents = try pusher.documents().map(\.id.rawValue)
        // 1 500 events (about 3 000 changes) in one import, pushed 60 at a time: many batches to die between.
        let rows = (0..<1_500).map {
            "{\"doc\":\"\(documents[$0 % documents.count])\",\"title\":\"imported \($0)\",\"tags\":[\"t\($0 % 9)\"]}"
        }
        let file = rig.path("events.jsonl")
        try rows.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        _ = try pusher.importEvents(from: file)
        let total = try pusher.pendingCount()

        var random = SeededRandom(seed: 42)
        var midPush = 0
        // Kill the pushing `concord sync` once the server has some but not all of its changes, at random points.
        for attempt in 0..<4 {
            let before = try await rig.serverLog().count
            if before == total { break }
            // The first kill lands after an acknowledged batch, where `concord sync` stops itself (a failpoint: a
            // timer could miss a push a loaded machine ran fast or slow); later ones at random points.
            let process = try Self.launchSync(
                store: rig.path("ana.sqlite"), batch: 60, failpoint: attempt == 0 ? "push-batch" : nil)
            let target = before + 60 + Int(random.next() % 600)
            if attempt == 0 {
                while process.isRunning && !Self.isStopped(process.processIdentifier) {
                    try await Task.sleep(for: .milliseconds(1))
                }
            }
            while attempt > 0, process.isRunning, try await Self.serverCount(rig) < min(target, total - 1) {
                try await Task.sleep(for: .milliseconds(2))
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                midPush += 1
            }
            await process.exited()
            let after = try await rig.serverLog().count
            #expect(after >= before && after <= total, "the server holds between \(before) and \(total): \(after)")
        }
        #expect(midPush >= 1, "at least one `concord sync` died mid-push")
        let finished = try await run(Binaries.client, ["sync", "--store", rig.path("ana.sqlite")])
        #expect(finished.status == 0, "the rerun finishes: \(finished.stderr)")
        #expect(try pusher.pendingCount() == 0)

        // Now Ben pulls everything; kill his `concord sync` as soon as his cursor moved, then at random instants.
        var midPull = 0
        let benPath = rig.path("ben.sqlite")
        for attempt in 0..<3 {
            // The first kill lands once a pulled page is committed (a failpoint), later ones at random instants.
            let process = try Self.launchSync(
                store: benPath, batch: 60, failpoint: attempt == 0 ? "pull-page" : nil)
            if attempt == 0 {
                while process.isRunning && !Self.isStopped(process.processIdentifier) {
                    try await Task.sleep(for: .milliseconds(1))
                }
            } else {
                try await Task.sleep(for: .microseconds(Int(random.next() % 300_000)))
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                if try puller.metadata().pullCursor > 0 { midPull += 1 }
            }
            await process.exited()
        }
        #expect(midPull >= 1, "at least one `concord sync` died mid-pull")
        let pulled = try await run(Binaries.client, ["sync", "--store", benPath])
        #expect(pulled.status == 0, "the rerun finishes: \(pulled.stderr)")
        _ = try await run(Binaries.client, ["sync", "--store", rig.path("ana.sqlite")])
        try await rig.expectConvergedExactlyOnce()
        await rig.server.stop(signal: SIGTERM)
    }

    @Test(
        "`concord sync` killed -9 while receiving a blind document's coding once it opens, then run again: all of it, once"
    )
    func backfillKilled() async throws {
        let rig = try Rig()
        let ana = try rig.analyst("ana")
        let ben = try rig.analyst("ben")
        let cat = try rig.analyst("cat", role: "adjudicator")
        try await rig.server.start()
        _ = try cat.importArticles(Array(Cluster.seeds.prefix(2)))
        try await rig.engine("cat").run()
        let doc = try cat.documents()[0].id.rawValue
        _ = try cat.assign([doc], coders: [try AnalystName("ana"), try AnalystName("ben")])
        try await rig.engine("cat").run()
        try await rig.engine("ben").run()
        try await rig.engine("ana").run()
        // Ana codes 400 events blind (about 800 changes); Ben pulls past them without receiving any.
        let rows = (0..<400).map { "{\"doc\":\"\(doc)\",\"title\":\"ana's event \($0)\",\"tags\":[\"t\($0 % 7)\"]}" }
        let file = rig.path("events.jsonl")
        try rows.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        _ = try ana.importEvents(from: file)
        _ = try ana.submit(doc)
        try await rig.engine("ana", batch: 500).run()
        try await rig.engine("ben").run()
        #expect(try ben.events().isEmpty, "ana's coding is withheld from ben")
        #expect(!(try ben.withheldRanges().isEmpty))

        // Ben submits: his next sync receives ana's coding, 25 changes a page; it is killed after the first page
        // (a failpoint), then at random instants, then run to the end.
        _ = try ben.submit(doc)
        var random = SeededRandom(seed: 7)
        var partial = 0
        let benPath = rig.path("ben.sqlite")
        for attempt in 0..<3 {
            let process = try Self.launchSync(
                store: benPath, batch: 60, page: 25, failpoint: attempt == 0 ? "backfill-page" : nil)
            if attempt == 0 {
                while process.isRunning && !Self.isStopped(process.processIdentifier) {
                    try await Task.sleep(for: .milliseconds(1))
                }
            } else {
                try await Task.sleep(for: .microseconds(Int(random.next() % 200_000)))
            }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            await process.exited()
            let received = try ben.events().count
            if received > 0 && received < 400 { partial += 1 }
        }
        #expect(partial >= 1, "at least one kill landed part way through")
        let finished = try await run(Binaries.client, ["sync", "--store", benPath, "--page", "25"])
        #expect(finished.status == 0, "the rerun finishes: \(finished.stderr)")
        #expect(try ben.events().count == 400)
        #expect(try ben.withheldRanges().isEmpty)
        _ = try await run(Binaries.client, ["sync", "--store", rig.path("ana.sqlite")])
        _ = try await run(Binaries.client, ["sync", "--store", rig.path("cat.sqlite")])
        try await rig.expectConvergedExactlyOnce()
        await rig.server.stop(signal: SIGTERM)
    }

    @Test("`concord sync` killed -9 at random instants of a bootstrap, then run again: a whole store, exactly once")
    func bootstrapKilled() async throws {
        let rig = try Rig()
        let pusher = try rig.analyst("ana")
        // A snapshot each time the log grew by one change, checked every second.
        try await rig.server.start(arguments: ["--snapshot-every", "1"])
        _ = try pusher.importArticles(Array(Cluster.seeds.prefix(3)))
        let documents = try pusher.documents().map(\.id.rawValue)
        let rows = (0..<6_000).map {
            "{\"doc\":\"\(documents[$0 % documents.count])\",\"title\":\"imported \($0)\",\"tags\":[\"t\($0 % 9)\"]}"
        }
        let file = rig.path("events.jsonl")
        try rows.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        _ = try pusher.importEvents(from: file)
        _ = try await rig.engine("ana", batch: 5_000, page: 5_000).run()
        let total = Int64(try await rig.serverLog().count)
        let manifest = try await Self.waitForSnapshot(rig, seq: total)

        // A probe bootstraps whole, to learn how long one takes here.
        let probe = try rig.analyst("probe")
        try probe.close()
        rig.stores["probe"] = nil
        let started = ContinuousClock.now
        let probed = try await run(Binaries.client, ["sync", "--store", rig.path("probe.sqlite")])
        #expect(probed.stderr.contains("installed the server's snapshot"), "\(probed.stderr)")
        let span = ContinuousClock.now - started

        // Ben worked offline first; his `concord sync` is killed at random instants of its bootstrap and pull.
        let ben = try rig.analyst("ben")
        _ = try ben.importArticles(Array(Cluster.seeds.prefix(3)))
        var random = SeededRandom(seed: 0xB0075)
        for serial in 0..<25 { try Self.edit(ben, random: &random, documents: documents, serial: serial) }
        let own = Set(try ben.allChanges().map(\.id))
        try ben.close()
        rig.stores["ben"] = nil
        let benPath = rig.path("ben.sqlite")
        var phases: [String] = []
        let directory = rig.directory.path
        func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: directory + "/" + name) }
        for attempt in 0..<8 {
            // The first kills land in the download, then in the install, at failpoints where `concord` stops itself
            // (a timer could miss a bootstrap that a loaded machine ran fast or slow); later ones land anywhere.
            let failpoint = attempt < 4 ? (attempt % 2 == 0 ? "bootstrap-download" : "bootstrap-install") : nil
            let process = try Self.launchSync(store: benPath, batch: 60, failpoint: failpoint)
            if failpoint != nil {
                while process.isRunning && !Self.isStopped(process.processIdentifier) {
                    try await Task.sleep(for: .milliseconds(1))
                }
            } else {
                let spanMicros = span.components.seconds * 1_000_000 + span.components.attoseconds / 1_000_000_000_000
                try await Task.sleep(for: .microseconds(Int(random.next() % UInt64(max(1, spanMicros)))))
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                // The store is built from the download as it arrives: the download is kept until both are done.
                phases.append(
                    exists("ben.sqlite.bootstrap")
                        ? "download" : exists("ben.sqlite.bootstrap-ready") ? "install" : "other")
            }
            await process.exited()
            // Whatever instant it died at, the store opens and holds every own change.
            let store = try LocalStore.open(at: benPath)
            #expect(own.isSubset(of: Set(try store.allChanges().map(\.id))), "own changes survive every kill")
            try store.close()
        }
        #expect(
            phases.prefix(4) == ["download", "install", "download", "install"],
            "the failpoints' kills landed in the download and the install: \(phases)")
        let finished = try await run(Binaries.client, ["sync", "--store", benPath])
        #expect(finished.status == 0, "the rerun finishes: \(finished.stderr)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: rig.directory.path)
            .filter { $0.hasPrefix("ben.sqlite.") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        rig.stores["ben"] = try LocalStore.open(at: benPath)
        rig.stores["probe"] = try LocalStore.open(at: rig.path("probe.sqlite"))
        _ = try await rig.engine("ana").run()
        _ = try await rig.engine("probe").run()
        try await rig.expectConvergedExactlyOnce()
        #expect(try rig.stores["ben"]!.eventSnapshots() == pusher.eventSnapshots())
        #expect(try rig.stores["ben"]!.metadata().pullCursor >= manifest.seq)
        print("bootstrap kills: \(phases), one bootstrap took \(span)")
        await rig.server.stop(signal: SIGTERM)
    }

    /// Waits (up to 60 s) for the server process to publish a snapshot of the first `seq` changes.
    static func waitForSnapshot(_ rig: Rig, seq: Int64) async throws -> Wire.SnapshotManifest {
        let transport = HTTPTransport(server: rig.server.url, token: rig.tokens.values.first!)
        for _ in 0..<600 {
            if let manifest = try await transport.snapshotManifest(), manifest.seq >= seq { return manifest }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("no snapshot of \(seq) changes within 60 s")
    }

    @Test("`concord sync --watch` killed -9 at random instants while changes stream in, then restarted: exactly once")
    func watcherKilled() async throws {
        let rig = try CrashTests.Rig()
        let pusher = try rig.analyst("ana")
        let watcher = try rig.analyst("ben")
        try await rig.server.start()
        defer { rig.server.stopBlocking(signal: SIGTERM) }
        let documents = try pusher.importArticles(Array(Cluster.seeds.prefix(2))).map(\.id.rawValue)
        _ = try watcher.importArticles(Array(Cluster.seeds.prefix(2)))
        var random = SeededRandom(seed: 0x5EE)
        var serial = 0
        var kills = 0
        for round in 0..<6 {
            let process = try Self.launchWatch(store: rig.path("ben.sqlite"))
            // Ana streams changes in small pushes while Ben's watcher pulls them; Ben edits too, so the watcher
            // pushes as well. The kill lands at a random instant of that.
            let deadline = Date().addingTimeInterval(0.2 + Double(random.next() % 600) / 1000)
            while Date() < deadline {
                for _ in 0..<3 {
                    serial += 1
                    try Self.edit(pusher, random: &random, documents: documents, serial: serial)
                }
                if round % 2 == 1 {
                    serial += 1
                    try Self.edit(watcher, random: &random, documents: documents, serial: serial)
                }
                _ = try await rig.engine("ana").run()
            }
            kill(process.processIdentifier, SIGKILL)
            await process.exited()
            if process.terminationReason == .uncaughtSignal { kills += 1 }
        }
        #expect(kills == 6, "every watcher died of SIGKILL while running")
        // A last watcher finishes the job; then Ana pulls what Ben pushed.
        let last = try Self.launchWatch(store: rig.path("ben.sqlite"))
        let total = try await rig.serverLog().count
        let until = Date().addingTimeInterval(60)
        while try watcher.allChanges().count < total || watcher.pendingCount() > 0, Date() < until {
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(last.processIdentifier, SIGINT)
        await last.exited()
        _ = try await rig.engine("ana").run()
        try await rig.expectConvergedExactlyOnce()
    }

    /// The server's change count, from `GET /v1/health`.
    static func serverCount(_ rig: Rig) async throws -> Int {
        let response = try #require(httpGet(port: rig.server.port, path: "/v1/health"))
        return Int(try JSONDecoder().decode(Wire.Health.self, from: response.body).changes)
    }

    /// `concord sync --watch` on `store`, its output to `log` (discarded when nil).
    static func launchWatch(store: String, log: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binaries.client)
        process.arguments = ["sync", "--watch", "--store", store]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = log.flatMap { FileHandle(forWritingAtPath: $0) } ?? FileHandle.nullDevice
        try process.run()
        return process
    }

    /// `concord sync` in the background; with `failpoint`, it stops itself there (``isStopped(_:)``).
    static func launchSync(store: String, batch: Int, page: Int? = nil, failpoint: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binaries.client)
        process.arguments =
            ["sync", "--store", store, "--batch", String(batch)] + (page.map { ["--page", "\($0)"] } ?? [])
        if let failpoint {
            var environment = ProcessInfo.processInfo.environment
            environment["CONCORD_FAILPOINT"] = failpoint
            process.environment = environment
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}

extension CrashTests {
    /// Whether process `pid` is stopped (state `T` in `/proc/PID/stat`), as a failpoint leaves it.
    static func isStopped(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first == "T"
    }
}

/// A flag set once, read from several tasks.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// Every change the server at `server` holds, in order, walked page by page with an analyst's token.
func serverLog(server: String, token: String) async throws -> [Wire.SequencedChange] {
    let transport = HTTPTransport(server: server, token: token)
    var all: [Wire.SequencedChange] = []
    var cursor: Int64 = 0
    while true {
        let page = try await transport.pull(after: cursor, limit: 997)
        all += page.changes
        cursor = page.next
        if !page.more { return all }
    }
}
