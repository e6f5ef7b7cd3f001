import ConcordStore
import ConcordSync
import ConcordCore
import ConcordTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Several real `concord-server` processes on one PostgreSQL database (protocol.md §8), killed while clients push.
@Suite("PostgreSQL scale-out", .serialized)
struct ScaleOutTests {
    @Test("3 servers on one PostgreSQL, 6 clients spread over them, SIGKILL mid-push: exactly once, converged")
    func threeServersSixClients() async throws {
        let fleet = try Fleet(servers: 3)
        defer { withExtendedLifetime(fleet) {} }
        let (directory, servers) = (fleet.directory, fleet.servers)
        let names = ["ana", "ben", "cy", "dee", "eve", "fay"]
        var stores: [String: LocalStore] = [:]
        var tokens: [String: String] = [:]
        for server in servers { try await server.start() }
        defer { for server in servers { server.stopBlocking(signal: SIGTERM) } }
        for (index, name) in names.enumerated() {
            // Analysts are rows of the shared database: added through one server's CLI, known to all three.
            let token = try servers[index % 3].addAnalyst(name)
            tokens[name] = token
            stores[name] = try LocalStore.create(
                at: directory.appendingPathComponent("\(name).sqlite").path, analyst: try AnalystName(name),
                server: servers[index % 3].url, token: token)
        }
        for name in names { _ = try stores[name]!.importArticles(Array(Cluster.seeds.prefix(3))) }
        let documents = try stores["ana"]!.documents().map(\.id.rawValue)
        try #require(!documents.isEmpty, "the seed articles are in \(Cluster.seeds)")

        let done = ManagedFlag()
        let interrupted = SharedCount()
        let synced = SharedCount()
        // At least 9 kills, and more (up to 40) until 3 syncs were cut by one: on a loaded machine the clients may
        // be slow to get going. Kills start once the clients are syncing.
        let killer = Thread.detachNewThreadWithResult { () -> (victims: [Int], error: String?) in
            var random = SeededRandom(seed: 0x5CA1E)
            var victims: [Int] = []
            defer { done.set() }
            let start = Date()
            while synced.value < names.count, Date().timeIntervalSince(start) < 60 { usleep(10_000) }
            while victims.count < 9 || (interrupted.value < 3 && victims.count < 40) {
                usleep(UInt32(150_000 + random.next() % 350_000))
                let victim = Int(random.next() % 3)
                guard servers[victim].stopBlocking(signal: SIGKILL).reason == .uncaughtSignal else {
                    return (victims, "server \(victim) did not die of SIGKILL")
                }
                victims.append(victim)
                usleep(UInt32(random.next() % 100_000))
                do { try servers[victim].startBlocking() } catch { return (victims, "restart failed: \(error)") }
            }
            return (victims, nil)
        }
        var clients: [Task<Void, any Error>] = []
        for (index, name) in names.enumerated() {
            let store = stores[name]!
            let token = tokens[name]!
            clients.append(
                Task.detached {
                    var random = SeededRandom(seed: UInt64(index + 11))
                    var serial = 0
                    var announced = false
                    while !done.isSet {
                        for _ in 0..<(1 + Int(random.next() % 4)) {
                            serial += 1
                            try CrashTests.edit(store, random: &random, documents: documents, serial: serial)
                        }
                        // Each sync goes to any of the three: a cursor from one server is good on the others.
                        let server = servers[Int(random.next() % 3)]
                        do {
                            _ = try await Self.engine(store, server: server.url, token: token).run()
                            if !announced { synced.add() }
                            announced = true
                        } catch let error as SyncError {
                            interrupted.add()
                            #expect(error.isTransient || CrashTests.isDown(error), "only a kill stops a sync: \(error)")
                        }
                    }
                })
        }
        for client in clients { try await client.value }
        let killed = killer.wait()
        #expect(killed.error == nil, "\(killed.error ?? "")")
        #expect(killed.victims.count >= 9)
        #expect(interrupted.value >= 3, "syncs were cut by the kills")
        for _ in 0..<2 {
            for (index, name) in names.enumerated() {
                _ = try await Self.engine(
                    stores[name]!, server: servers[index % 3].url, token: tokens[name]!, attempts: 4
                )
                .run()
            }
        }
        // Every server serves the same log, and every store holds it exactly once.
        var logs: [[Wire.SequencedChange]] = []
        for server in servers { logs.append(try await serverLog(server: server.url, token: tokens["ana"]!)) }
        #expect(logs[1].map(\.change.id) == logs[0].map(\.change.id), "servers 0 and 1 serve the same log")
        #expect(logs[2].map(\.change.id) == logs[0].map(\.change.id), "servers 0 and 2 serve the same log")
        #expect(logs[0].map(\.seq) == Array(1...Int64(logs[0].count)), "seq has no gap: no push half-stored")
        expectExactlyOnce(log: logs[0], stores: stores)
        print(
            "scale-out: \(killed.victims.count) kills (servers \(killed.victims)), \(interrupted.value) syncs cut, "
                + "\(logs[0].count) changes exactly once")
    }

    static func engine(_ store: LocalStore, server: String, token: String, attempts: Int = 1) -> SyncEngine {
        var options = SyncEngine.Options()
        options.pushBatch = 7
        options.pullPage = 11
        options.attempts = attempts
        options.backoff = .milliseconds(50)
        return SyncEngine(store: store, transport: HTTPTransport(server: server, token: token), options: options)
    }

    @Test("a server on PostgreSQL makes snapshots in its folder; a first sync from one equals one change by change")
    func bootstrapFromPostgres() async throws {
        let fleet = try Fleet(servers: 1)
        let server = fleet.servers[0]
        let directory = fleet.directory
        let tokens = try ["ana", "ben", "cy"].map { try server.addAnalyst($0) }
        try await server.start(
            arguments: ["--snapshot-every", "1", "--snapshot-dir", directory.appendingPathComponent("snapshots").path])
        defer { _ = server.stopBlocking(signal: SIGTERM) }
        let ana = try LocalStore.create(
            at: directory.appendingPathComponent("ana.sqlite").path, analyst: try AnalystName("ana"),
            server: server.url, token: tokens[0])
        _ = try ana.importArticles(Array(Cluster.seeds.prefix(2)))
        let documents = try ana.documents().map(\.id.rawValue)
        var random = SeededRandom(seed: 16)
        for serial in 0..<200 { try CrashTests.edit(ana, random: &random, documents: documents, serial: serial) }
        _ = try await SyncEngine(store: ana, transport: HTTPTransport(server: server.url, token: tokens[0])).run()
        let count = Int64(try ana.allChanges().count)
        let transport = HTTPTransport(server: server.url, token: tokens[1])
        var manifest: Wire.SnapshotManifest?
        for _ in 0..<300 where manifest?.seq != count {
            manifest = try await transport.snapshotManifest()
            if manifest?.seq != count { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(manifest?.seq == count, "the server made a snapshot of its \(count) changes")

        var paths: [String] = []
        for (name, token) in zip(["ben", "cy"], tokens.dropFirst()) {
            let path = directory.appendingPathComponent("\(name).sqlite").path
            try LocalStore.create(at: path, analyst: try AnalystName(name), server: server.url, token: token).close()
            paths.append(path)
        }
        let bootstrapped = try await run(Binaries.client, ["sync", "--store", paths[0]])
        #expect(bootstrapped.status == 0 && bootstrapped.stderr.contains("installed the server's snapshot"))
        let pulled = try await run(Binaries.client, ["sync", "--no-bootstrap", "--store", paths[1]])
        #expect(pulled.status == 0 && !pulled.stderr.contains("bootstrap"), "\(pulled.stderr)")
        let (a, b) = (try Tables(paths[0]), try Tables(paths[1]))
        #expect(a.cursor == count && b.cursor == count)
        for table in b.rows.keys.sorted() { #expect(a.rows[table] == b.rows[table], "table \(table) differs") }
    }

    @Test("a long poll on one server process is answered by a push to another at once (LISTEN/NOTIFY, not the poll)")
    func longPollAcrossServers() async throws {
        let fleet = try Fleet(servers: 2)
        defer { withExtendedLifetime(fleet) {} }
        let servers = fleet.servers
        let token = try servers[0].addAnalyst("ana")
        for server in servers { try await server.start() }
        defer { for server in servers { server.stopBlocking(signal: SIGTERM) } }
        let waiting = HTTPTransport(server: servers[0].url, token: token)
        let pushing = HTTPTransport(server: servers[1].url, token: token)
        var events = SyntheticChanges(author: try AnalystName("ana"))
        var latencies: [Duration] = []
        for _ in 0..<5 {
            let cursor = try await serverLog(server: servers[0].url, token: token).last?.seq ?? 0
            let poll = Task { try await waiting.waitForChanges(after: cursor, seconds: 30) }
            try await Task.sleep(for: .milliseconds(300))
            let pushed = ContinuousClock.now
            guard case .accepted = try await pushing.push(events.next()) else {
                throw ProcessFailure(message: "refused")
            }
            #expect(try await poll.value, "the poll saw the change")
            latencies.append(ContinuousClock.now - pushed)
        }
        // The fallback poll runs every 2 s: a median under 1 s is the NOTIFY.
        #expect(latencies.sorted()[2] < .seconds(1), "push on one server to the poll on another: \(latencies)")
    }
}

/// `count` `concord-server` processes (not started) on a fresh database of the shared PostgreSQL cluster, their logs
/// in a temporary folder removed with the fleet.
final class Fleet {
    let directory: URL
    let servers: [ServerProcess]

    init(servers count: Int) throws {
        let url = try PostgresCluster.shared().createDatabase()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("concord-scale-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        servers = try (0..<count).map {
            ServerProcess(
                dbPath: url, logPath: directory.appendingPathComponent("s\($0).log").path)
        }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
}

/// One new event's changes at a time, by `author`, for pushing through `HTTPTransport` directly.
struct SyntheticChanges {
    let author: AnalystName
    private var ids = UUIDv7Generator()
    private var clock = HybridClock()
    private let replica: ReplicaID

    init(author: AnalystName) {
        self.author = author
        var replicas = UUIDv7Generator()
        replica = try! ReplicaID(replicas.next().rawValue)
    }

    mutating func next() -> Wire.PushRequest {
        let entity = EntityID.event(ids.next())
        let changes = [("doc", "document/3f9a1c0d5e7b2a46"), ("title", "pushed across servers")].map { field, value in
            Change(
                id: ids.next(), entity: entity, field: field, op: .set, value: .string(value),
                hlc: clock.tick(wall: WallClock.millis()), author: author, replica: replica)
        }
        return Wire.PushRequest(replica: replica, changes: changes)
    }
}
