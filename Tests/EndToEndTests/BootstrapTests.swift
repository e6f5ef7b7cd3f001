import ConcordStore
import ConcordSync
import ConcordCore
import ConcordSQLite
import ConcordServer
import ConcordTestSupport
import Foundation
import GRDB
import NIOCore
import Testing

/// Bootstrap from a server snapshot (protocol.md §14), against a real server on loopback: the installed store is the
/// store a change-by-change pull builds, an analyst's own offline work survives it, and a damaged, cut or contested
/// download is refused or resumed without touching the store. A failing seed is printed; replay it with
/// `CONCORD_SEED=<seed> swift test --filter BootstrapTests`.
@Suite("Bootstrap", .serialized)
struct BootstrapTests {
    static var seeds: [UInt64] {
        if let text = ProcessInfo.processInfo.environment["CONCORD_SEED"], let seed = UInt64(text) { return [seed] }
        return [3, 5, 8, 13]
    }

    /// A team's random history on `cluster` (ana, ben and the adjudicator cat), synced everywhere; returns the doc.
    static func history(_ cluster: Cluster, steps: Int, random: inout SeededRandom) async throws -> EntityID {
        let names = ["ana", "ben", "cat"]
        if cluster.stores["ana"] == nil {
            try await cluster.analyst("ana")
            try await cluster.analyst("ben")
            try await cluster.analyst("cat", role: .adjudicator)
            for name in names { _ = try cluster.store(name).importArticles(Cluster.seeds) }
        }
        let doc = try cluster.store("ana").documents()[0].id
        for _ in 0..<steps {
            _ = try await RandomSyncTests.randomStep(cluster, names: names, doc: doc, random: &random)
        }
        try await cluster.syncAll()
        return doc
    }

    @Test("a bootstrapped store equals, table for table, one pulled change by change", arguments: seeds)
    func equalsPull(seed: UInt64) async throws {
        try await Cluster.with(snapshotEvery: 1) { cluster in
            var random = SeededRandom(seed: seed)
            _ = try await Self.history(cluster, steps: 100, random: &random)
            let manifest = try #require(try await cluster.server.makeSnapshot(), "seed \(seed)")
            #expect(
                try JSONDecoder().decode(Wire.SnapshotManifest.self, from: JSONEncoder().encode(manifest)) == manifest)
            // Work after the snapshot: a bootstrap pulls it change by change.
            _ = try await Self.history(cluster, steps: 40, random: &random)
            let total = try await cluster.server.admin.store.changeCount()
            try #require(total > manifest.seq, "seed \(seed): changes after the snapshot")

            try await cluster.analyst("newcomer")
            try await cluster.analyst("puller")
            let outcome = try await cluster.bootstrap("newcomer")
            #expect(outcome == .installed(manifest, carried: 0), "seed \(seed)")
            #expect(try cluster.store("newcomer").metadata().pullCursor == manifest.seq)
            let summary = try await cluster.sync("newcomer")
            #expect(Int64(summary.pulled) == total - manifest.seq, "seed \(seed): the rest is pulled")
            try await cluster.sync("puller")

            let bootstrapped = try Tables(cluster.store("newcomer").path)
            let pulled = try Tables(cluster.store("puller").path)
            #expect(bootstrapped.rows.values.reduce(0) { $0 + $1.count } > 100)
            for table in pulled.rows.keys.sorted() {
                #expect(bootstrapped.rows[table] == pulled.rows[table], "seed \(seed): table \(table) differs")
            }
            #expect(bootstrapped.rows.keys == pulled.rows.keys)
            #expect(bootstrapped.cursor == pulled.cursor)
            #expect(try cluster.store("newcomer").eventSnapshots() == cluster.store("ana").eventSnapshots())
            #expect(
                try cluster.store("newcomer").report(generatedAt: nil)
                    == cluster.store("puller").report(generatedAt: nil))
            // No file of the bootstrap is left beside the store.
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: cluster.directory.path)
                .filter { $0.contains(".bootstrap") }
            #expect(leftovers.isEmpty, "\(leftovers)")
        }
    }

    @Test("an analyst's offline work before the first sync is carried across a bootstrap", arguments: seeds)
    func carriesOwnWork(seed: UInt64) async throws {
        try await Cluster.with(snapshotEvery: 1) { cluster in
            var random = SeededRandom(seed: seed &+ 100)
            let doc = try await Self.history(cluster, steps: 80, random: &random)
            let manifest = try #require(try await cluster.server.makeSnapshot())

            // Dan works offline (imports, codes, edits, undoes) before ever syncing; a copy of his store, twin, will sync
            // change by change instead.
            let dan = try await cluster.analyst("dan")
            _ = try dan.importArticles(Cluster.seeds)
            for _ in 0..<40 {
                _ = try await RandomSyncTests.randomStep(
                    cluster, names: ["dan"], doc: doc, random: &random, sync: false)
            }
            _ = try? dan.undo()
            let own = try dan.allChanges()
            try #require(own.count > 10)
            try dan.close()
            let twinPath = cluster.directory.appendingPathComponent("dan-twin.sqlite").path
            try FileManager.default.copyItem(atPath: dan.path, toPath: twinPath)
            cluster.adopt("dan", store: try LocalStore.open(at: dan.path), token: cluster.token("dan"))
            cluster.adopt("twin", store: try LocalStore.open(at: twinPath), token: cluster.token("dan"))

            let outcome = try await cluster.bootstrap("dan")
            #expect(outcome == .installed(manifest, carried: own.count), "seed \(seed)")
            let installed = cluster.store("dan")
            #expect(try installed.metadata().analyst.rawValue == "dan")
            #expect(try installed.metadata().replica == cluster.store("twin").metadata().replica)
            #expect(try installed.pendingCount() == own.count, "seed \(seed): every own change still to push")
            #expect(Set(try installed.allChanges().map(\.id)).isSuperset(of: own.map(\.id)))
            #expect(try installed.allChanges().count == Int(manifest.changes) + own.count)
            // The same command is the latest to undo in both (the command table was carried).
            let undoneHere = (try? installed.undo())?.undone.map(\.id)
            let undoneThere = (try? cluster.store("twin").undo())?.undone.map(\.id)
            #expect(undoneHere == undoneThere, "seed \(seed)")

            try await cluster.sync("twin")
            try await cluster.sync("dan")
            try await cluster.sync("twin")
            let (a, b) = (cluster.store("dan"), cluster.store("twin"))
            #expect(try a.pendingCount() == 0 && b.pendingCount() == 0)
            #expect(try a.eventSnapshots() == b.eventSnapshots(), "seed \(seed): the views")
            #expect(try a.conflictViews() == b.conflictViews(), "seed \(seed): the conflicts")
            #expect(try a.report(generatedAt: nil) == b.report(generatedAt: nil), "seed \(seed): the report")
            #expect(Set(try a.allChanges()) == Set(try b.allChanges()), "seed \(seed): the history")
            #expect(try a.agreement() == b.agreement(), "seed \(seed): agreement")
            #expect(
                try await cluster.server.admin.store.changeCount() == Int64(try a.allChanges().count),
                "seed \(seed): every change once on the server")
        }
    }

    /// A refused bootstrap left `name`'s store as it was (`before`, nothing pulled) and no bootstrap file beside it.
    static func expectLeftAlone(_ cluster: Cluster, _ name: String, holding before: [Change], _ label: String) throws {
        #expect(try cluster.store(name).allChanges() == before, "\(label)")
        #expect(try cluster.store(name).metadata().pullCursor == 0, "\(label)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: cluster.directory.path)
            .filter { $0.contains(".bootstrap") }
        #expect(leftovers.isEmpty, "\(label): \(leftovers)")
    }

    @Test("a damaged or overlong download is refused, never applied, and the store is left as it was")
    func damagedDownloads() async throws {
        try await Cluster.with(snapshotEvery: 1) { cluster in
            var random = SeededRandom(seed: 7)
            _ = try await Self.history(cluster, steps: 60, random: &random)
            let manifest = try #require(try await cluster.server.makeSnapshot())
            let dan = try await cluster.analyst("dan")
            _ = try dan.importArticles(Cluster.seeds)
            let before = try dan.allChanges()
            var damages: [DamagingTransport.Damage] = [.extra, .flip(at: 0), .flip(at: manifest.bytes - 1)]
            for _ in 0..<6 { damages.append(.flip(at: Int64(random.next() % UInt64(manifest.bytes)))) }
            for damage in damages {
                let transport = DamagingTransport(base: cluster.transport("dan"), damage: damage)
                let outcome = try await cluster.bootstrap("dan", transport: transport)
                guard case .skipped(let why) = outcome else {
                    Issue.record("\(damage): installed a damaged snapshot")
                    continue
                }
                guard case .damaged = why else {
                    Issue.record("\(damage): skipped for another reason: \(why)")
                    continue
                }
                try Self.expectLeftAlone(cluster, "dan", holding: before, "\(damage)")
            }
            // A download cut short fails as a network failure would, keeps what it got, and the next run resumes it.
            let cut = Int64(random.next() % UInt64(manifest.bytes - 1)) + 1
            await #expect(throws: SyncError.self) {
                try await cluster.bootstrap(
                    "dan", transport: DamagingTransport(base: cluster.transport("dan"), damage: .cut(at: cut)))
            }
            #expect(try cluster.store("dan").allChanges() == before)
            let delivered = SharedCount()
            let resumed = DamagingTransport(base: cluster.transport("dan"), damage: .none, delivered: delivered)
            #expect(
                try await cluster.bootstrap("dan", transport: resumed) == .installed(manifest, carried: before.count))
            #expect(Int64(delivered.value) == manifest.bytes - cut, "only the missing bytes are fetched again")
            try await cluster.sync("dan")
            #expect(try cluster.store("dan").eventSnapshots() == cluster.store("ana").eventSnapshots())
        }
    }

    @Test("a pack that matches its manifest but is not a valid pack is refused, and nothing is left of it")
    func forgedPacks() async throws {
        try await Cluster.with(snapshotEvery: 1) { cluster in
            var random = SeededRandom(seed: 12)
            _ = try await Self.history(cluster, steps: 30, random: &random)
            let manifest = try #require(try await cluster.server.makeSnapshot())
            let pack = cluster.directory.appendingPathComponent("snapshots/snapshot-\(manifest.seq).pack").path
            let plain = try TablePack.inflate(pack)
            let dan = try await cluster.analyst("dan")
            _ = try dan.importArticles(Cluster.seeds)
            let before = try dan.allChanges()
            // A server that sends what it says it sends, and it is not a snapshot: zlib of a stream cut short, bytes
            // that are not zlib, a stream of another table's rows.
            var forgeries: [(String, Data)] = []
            let cut = cluster.directory.appendingPathComponent("cut.pack").path
            try TablePack.deflate(Array(plain.dropLast(20)), to: cut)
            forgeries.append(("cut", try Data(contentsOf: URL(fileURLWithPath: cut))))
            forgeries.append(("not zlib", Data("this is not a snapshot".utf8)))
            var renamed = plain
            if let at = renamed.firstIndex(of: UInt8(ascii: "c")) { renamed[at] = UInt8(ascii: "x") }
            let other = cluster.directory.appendingPathComponent("other.pack").path
            try TablePack.deflate(renamed, to: other)
            forgeries.append(("another table", try Data(contentsOf: URL(fileURLWithPath: other))))
            for (name, bytes) in forgeries {
                let transport = ForgedSnapshotTransport(
                    base: cluster.transport("dan"), manifest: manifest, bytes: bytes)
                let outcome = try await cluster.bootstrap("dan", transport: transport)
                guard case .skipped(.damaged(let error)) = outcome else {
                    Issue.record("\(name): \(outcome)")
                    continue
                }
                #expect(error.description.contains("not a valid snapshot"), "\(name): \(error)")
                try Self.expectLeftAlone(cluster, "dan", holding: before, name)
            }
        }
    }

    @Test("a store another process has open is not replaced; a store that has synced is left alone")
    func storeInUseOrSynced() async throws {
        try await Cluster.with(snapshotEvery: 1) { cluster in
            var random = SeededRandom(seed: 9)
            _ = try await Self.history(cluster, steps: 30, random: &random)
            try #require(try await cluster.server.makeSnapshot() != nil)
            let dan = try await cluster.analyst("dan")
            let path = dan.path
            // Another connection (a `sync --watch`, say) holds the store: the bootstrap steps back.
            let other = try LocalStore.open(at: path)
            let outcome = try await cluster.bootstrap("dan")
            guard case .skipped(let why) = outcome else {
                Issue.record("replaced a store in use")
                return
            }
            #expect(why == .storeInUse, "\(why)")
            #expect(try other.metadata().pullCursor == 0)
            _ = try other.importArticles(Cluster.seeds)
            try other.close()
            // The first sync of a store already synced never bootstraps.
            try await cluster.sync("dan")
            #expect(try await cluster.bootstrap("dan") == .skipped(.syncedBefore))
        }
    }

    @Test("a process that opens the store while it is being replaced gets the new store")
    func openDuringRename() async throws {
        try await Cluster.with(snapshotEvery: 1) { cluster in
            var random = SeededRandom(seed: 10)
            _ = try await Self.history(cluster, steps: 30, random: &random)
            let manifest = try #require(try await cluster.server.makeSnapshot())
            let dan = try await cluster.analyst("dan")
            try dan.close()
            let path = dan.path
            let seen = ManagedResult()
            let opened = DispatchSemaphore(value: 0)
            let bootstrap = StoreBootstrap(
                path: path, transport: cluster.transport("dan"),
                beforeRename: {
                    // Opens the old file now; its first read waits for the bootstrap's lock, released after the rename.
                    Thread.detachNewThread {
                        seen.set(Result { try LocalStore.open(at: path).metadata().pullCursor })
                        opened.signal()
                    }
                    Thread.sleep(forTimeInterval: 0.2)
                })
            #expect(try await bootstrap.run() == .installed(manifest, carried: 0))
            await Task.detached { opened.wait() }.value
            #expect(try seen.get() == manifest.seq, "the opener reads the new file, not the replaced one")
        }
    }
}

/// The rows of every table of a store, each as text, sorted; and the store's pull cursor. The `store` row (identity,
/// clock, sync times) and the `command` table (own edits) are left out: they are the analyst's, not the log's.
struct Tables: Equatable {
    var rows: [String: [String]] = [:]
    var cursor: Int64 = 0

    init(_ path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        try queue.read { db in
            let tables = try String.fetchAll(
                db,
                sql: """
                    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                        AND name NOT IN ('store', 'command', 'grdb_migrations')
                    """)
            for table in tables {
                rows[table] = try Row.fetchAll(db, sql: "SELECT * FROM \(table)").map { row in
                    row.databaseValues.map(\.description).joined(separator: "|")
                }.sorted()
            }
            cursor = try Int64.fetchOne(db, sql: "SELECT pullCursor FROM store") ?? -1
        }
    }
}

/// A result handed from one thread to another.
final class ManagedResult: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Int64, any Error>?

    func set(_ value: Result<Int64, any Error>) { lock.withLock { result = value } }
    func get() throws -> Int64? { try lock.withLock { result }?.get() }
}

/// The real transport, with the snapshot download damaged on its way: a byte flipped, bytes past the end, or the
/// body cut at a byte (and every retry cut there too); counts the bytes it hands on.
struct DamagingTransport: SyncTransport {
    enum Damage: Sendable, CustomStringConvertible {
        case none
        case flip(at: Int64)
        case cut(at: Int64)
        case extra

        var description: String {
            switch self {
            case .none: "none"
            case .flip(let at): "flip at \(at)"
            case .cut(let at): "cut at \(at)"
            case .extra: "extra bytes"
            }
        }
    }

    let base: HTTPTransport
    let damage: Damage
    var delivered: SharedCount?

    func me() async throws(SyncError) -> Wire.Me { try await base.me() }
    func push(_ request: Wire.PushRequest) async throws(SyncError) -> PushOutcome { try await base.push(request) }
    func pull(after cursor: Int64, limit: Int) async throws(SyncError) -> Wire.PullPage {
        try await base.pull(after: cursor, limit: limit)
    }
    func snapshotManifest() async throws(SyncError) -> Wire.SnapshotManifest? { try await base.snapshotManifest() }

    func downloadSnapshot(seq: Int64, from offset: Int64, into sink: any SnapshotSink) async throws -> Bool {
        let damaging = DamagingSink(sink: sink, damage: damage, position: offset, delivered: delivered)
        let found = try await base.downloadSnapshot(seq: seq, from: offset, into: damaging)
        if case .extra = damage, found { try sink.write(ByteBuffer(string: "trailing bytes")) }
        return found
    }
}

/// The real transport, but the snapshot it offers is `bytes`, with a manifest that matches them (size, SHA-256):
/// what a faulty or hostile server could send.
struct ForgedSnapshotTransport: SyncTransport {
    let base: HTTPTransport
    let manifest: Wire.SnapshotManifest
    let bytes: Data

    func me() async throws(SyncError) -> Wire.Me { try await base.me() }
    func push(_ request: Wire.PushRequest) async throws(SyncError) -> PushOutcome { try await base.push(request) }
    func pull(after cursor: Int64, limit: Int) async throws(SyncError) -> Wire.PullPage {
        try await base.pull(after: cursor, limit: limit)
    }
    func snapshotManifest() async throws(SyncError) -> Wire.SnapshotManifest? {
        var digest = SnapshotDigest()
        bytes.withUnsafeBytes { digest.update($0) }
        var forged = manifest
        forged.bytes = Int64(bytes.count)
        forged.sha256 = digest.hex()
        return forged
    }

    func downloadSnapshot(seq: Int64, from offset: Int64, into sink: any SnapshotSink) async throws -> Bool {
        try sink.write(ByteBuffer(bytes: bytes.dropFirst(Int(offset))))
        return true
    }
}

/// Hands the download on to `sink`, damaged as ``DamagingTransport`` says.
final class DamagingSink: SnapshotSink, @unchecked Sendable {
    let sink: any SnapshotSink
    let damage: DamagingTransport.Damage
    var position: Int64
    let delivered: SharedCount?

    init(sink: any SnapshotSink, damage: DamagingTransport.Damage, position: Int64, delivered: SharedCount?) {
        self.sink = sink
        self.damage = damage
        self.position = position
        self.delivered = delivered
    }

    func write(_ bytes: ByteBuffer) throws {
        var chunk = bytes
        let count = Int64(chunk.readableBytes)
        switch damage {
        case .flip(let at) where (position..<position + count).contains(at):
            let index = chunk.readerIndex + Int(at - position)
            chunk.setInteger(chunk.getInteger(at: index, as: UInt8.self)! ^ 0x5A, at: index)
        case .cut(let at) where position + count > at:
            chunk = chunk.getSlice(at: chunk.readerIndex, length: Int(max(0, at - position)))!
        default:
            break
        }
        position += count
        delivered?.add(chunk.readableBytes)
        if chunk.readableBytes > 0 { try sink.write(chunk) }
    }
}
