import ConcordCore
@testable import ConcordServer
import ConcordTestSupport
import Foundation
import Hummingbird
import Logging
import HummingbirdTesting
import Testing

@Suite("PostgreSQL store", .serialized)
struct PostgresStoreTests {
    @Test("a database that goes away answers 503 with a sentence, and the server serves again when it is back")
    func databaseGoesAway() async throws {
        // A cluster of its own: stopping the shared one would cut every other test's connections.
        let cluster = try await PostgresCluster.started()
        let store = try await PostgresServerStore(url: try cluster.createDatabase())
        try await withRunning(store) {
            let team = try await Team.make(store: store)
            let factory = ChangeFactory()
            try await team.app().test(.router) { client in
                #expect(try await client.push(factory.newEvent(), token: team.a).status == .ok)
                try cluster.stop()
                let down = try await client.execute(uri: "/v1/changes?after=0", method: .get, headers: auth(team.a))
                #expect(down.status == .serviceUnavailable, "\(String(buffer: down.body))")
                #expect(String(buffer: down.body).contains("cannot be reached"))
                // Readiness: a load balancer's probe learns the server cannot serve.
                #expect(try await client.execute(uri: "/v1/health", method: .get).status == .serviceUnavailable)
                try cluster.start()
                // The pool reconnects with backoff: within a minute the same request is answered again.
                var status = HTTPResponse.Status.serviceUnavailable
                for _ in 0..<60 where status != .ok {
                    try await Task.sleep(for: .seconds(1))
                    status = try await client.execute(uri: "/v1/changes?after=0", method: .get, headers: auth(team.a))
                        .status
                }
                #expect(status == .ok)
                #expect(try await client.execute(uri: "/v1/health", method: .get).status == .ok)
                let count = try await store.changeCount()
                #expect(count > 0)
                #expect(try await client.push(factory.newEvent(), token: team.a).status == .ok)
            }
            // The application closed the store when it stopped.
        }
    }

    @Test("a URL that cannot serve is refused in one sentence, and another application's database is left alone")
    func badLocations() async throws {
        let cluster = try await PostgresCluster.shared()
        await #expect {
            _ = try await PostgresServerStore(url: "postgres://concord@127.0.0.1:1/none")
        } throws: { "\($0)".contains("cannot connect") }
        await #expect {
            _ = try await PostgresServerStore(url: "postgres://127.0.0.1/none")
        } throws: { "\($0)".contains("must name a user and a database") }
        let url = try await cluster.createDatabase()
        let missing = url.replacingOccurrences(of: "/concord_", with: "/absent_")
        await #expect {
            _ = try await PostgresServerStore(url: missing)
        } throws: { "\($0)".contains("does not exist") }
        // The store's own tables are accepted a second time (a second server on the same database).
        let first = try await PostgresServerStore(url: url)
        let second = try await PostgresServerStore(url: url)
        try await first.close()
        try await second.close()

        // A schema newer than this server's: refused, and left as it was.
        try cluster.psql("UPDATE concord_schema SET version = 99", database: url)
        await #expect {
            _ = try await PostgresServerStore(url: url)
        } throws: { "\($0)".contains("written by a newer concord-server (tables version 99") }
        #expect(try cluster.psql("SELECT version FROM concord_schema", database: url).contains("99"))

        // Another application's database: refused, its tables untouched, none of Concord's created.
        let foreign = try await cluster.createDatabase()
        try cluster.psql("CREATE TABLE orders (id integer); INSERT INTO orders VALUES (7)", database: foreign)
        await #expect {
            _ = try await PostgresServerStore(url: foreign)
        } throws: { "\($0)".contains("holds 1 table of another application (orders)") }
        let tables = try cluster.psql(
            "SELECT string_agg(table_name, ',') FROM information_schema.tables WHERE table_schema = 'public'",
            database: foreign)
        #expect(tables.contains("orders") && !tables.contains("change"), "\(tables)")

        // A wrong password: refused in one sentence that never shows the password; the right one works.
        let guarded = try await cluster.createDatabase()
        let name = String(guarded.split(separator: "/").last!)
        try cluster.createPasswordUser(owning: name)
        let base = "127.0.0.1:\(cluster.port)/\(name)"
        await #expect {
            _ = try await PostgresServerStore(url: "postgres://\(PostgresCluster.passwordUser):wrong-one@\(base)")
        } throws: { error in
            "\(error)".contains("cannot connect") && "\(error)".contains("password")
                && !"\(error)".contains("wrong-one")
        }
        let right = try await PostgresServerStore(
            url: "postgres://\(PostgresCluster.passwordUser):\(PostgresCluster.password)@\(base)")
        #expect(!right.location.contains(PostgresCluster.password))
        try await right.close()
    }

    @Test("a push that holds a seq keeps every later push and reader waiting, so a cursor never skips it")
    func seqIsCommitOrder() async throws {
        // Two stores on one database are two server processes as far as PostgreSQL is concerned: separate pools.
        let url = try await PostgresCluster.shared().createDatabase()
        let gate = Gate()
        let slow = try await PostgresServerStore(
            url: url, logger: Logger(label: "slow"), beforeCommit: { seq in await gate.hold(seq) })
        let fast = try await PostgresServerStore(url: url)
        try await withRunning(slow) {
            try await withRunning(fast) {
                _ = try await Team.make(store: fast)
                let analyst = try #require(try await fast.analysts().first { $0.name.rawValue == "analyst-a" })
                let factory = ChangeFactory()
                let (first, second) = (factory.newEvent(), factory.newEvent(title: "Defence chiefs meet"))
                let replica = factory.replica

                let held = Task { try await slow.push(first, replica: replica, by: analyst, now: serverNow) }
                let heldSeq = try await gate.waitUntilHeld()
                let later = Task { try await fast.push(second, replica: replica, by: analyst, now: serverNow) }
                // Give the second push every chance to commit. With a naive sequence (bigserial) it would, with a higher seq,
                // and the reader below would move its cursor past the held one.
                try await Task.sleep(for: .milliseconds(700))
                let early = try await fast.changes(after: 0, limit: 100)
                #expect(
                    early.changes.isEmpty,
                    "nothing is visible while seq \(heldSeq) is uncommitted: \(early.changes.map(\.seq))"
                )
                let cursor = early.changes.last?.seq ?? 0
                gate.release()
                guard case .stored(let a) = try await held.value, case .stored(let b) = try await later.value else {
                    Issue.record("both pushes are stored")
                    return
                }
                #expect(
                    a.cursor == heldSeq && b.cursor > a.cursor,
                    "the held push kept its seq; the later one comes after it")
                let rest = try await fast.changes(after: cursor, limit: 100)
                let read = (early.changes + rest.changes).map(\.seq)
                #expect(read == Array(1...Int64(first.count + second.count)), "paging by cursor read every change once")
            }
        }
    }

    @Test("every push, through any server process, is announced to every listener by NOTIFY with its seq")
    func commitsAreNotified() async throws {
        let url = try await PostgresCluster.shared().createDatabase()
        let listening = try await PostgresServerStore(url: url)
        let pushing = try await PostgresServerStore(url: url)
        try await withRunning(listening) {
            try await withRunning(pushing) {
                _ = try await Team.make(store: pushing)
                let analyst = try #require(try await pushing.analysts().first { $0.name.rawValue == "analyst-a" })
                let heard = SeqLog()
                let listener = Task { await listening.commits { heard.append($0) } }
                let factory = ChangeFactory()
                // LISTEN starts asynchronously: push until the first notification is heard, then once more.
                let deadline = ContinuousClock.now + .seconds(20)
                while heard.values.isEmpty {
                    try #require(ContinuousClock.now < deadline, "a NOTIFY was heard within 20 s")
                    _ = try await pushing.push(
                        factory.newEvent(), replica: factory.replica, by: analyst, now: serverNow)
                    try await Task.sleep(for: .milliseconds(200))
                }
                let first = heard.values.count
                let result = try await pushing.push(
                    factory.newEvent(), replica: factory.replica, by: analyst, now: serverNow)
                guard case .stored(let response) = result else { throw TestFailure("the push is stored") }
                while heard.values.count == first {
                    try #require(ContinuousClock.now < deadline, "the last push was heard")
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(heard.values.last == response.cursor, "the payload is the push's greatest seq")
                #expect(heard.values == heard.values.sorted(), "in commit order")
                listener.cancel()
                _ = await listener.value
            }
        }
    }
}

/// Holds the first push that reaches it until released.
private final class Gate: @unchecked Sendable {
    private let lock = NSLock()
    private var heldSeq: Int64?
    private var released = false
    private var used = false

    func hold(_ seq: Int64) async {
        let first = lock.withLock {
            defer { used = true }
            if !used { heldSeq = seq }
            return !used
        }
        guard first else { return }
        while !lock.withLock({ released }) { try? await Task.sleep(for: .milliseconds(10)) }
    }

    func waitUntilHeld() async throws -> Int64 {
        for _ in 0..<1_000 {
            if let seq = lock.withLock({ heldSeq }) { return seq }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("the first push never reached its commit")
    }

    func release() { lock.withLock { released = true } }
}

/// Seqs heard by a listener.
private final class SeqLog: @unchecked Sendable {
    private let lock = NSLock()
    private var heard: [Int64] = []
    var values: [Int64] { lock.withLock { heard } }
    func append(_ seq: Int64) { lock.withLock { heard.append(seq) } }
}
