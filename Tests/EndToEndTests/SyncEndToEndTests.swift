import ConcordStore
import ConcordSync
import ConcordCore
import ConcordServer
import Foundation
import Testing

/// Several analysts' stores syncing through a real server on a loopback port.
@Suite("Sync end to end", .serialized)
struct SyncEndToEndTests {
    /// Alice creates the B-52 drill event and everyone pulls it.
    static func drill(_ cluster: Cluster) async throws -> EntityID {
        let alice = cluster.store("alice")
        _ = try alice.importArticles(Cluster.seeds)
        let doc = try #require(try alice.documents().first { $0.title?.contains("air drill") == true })
        let event = try alice.addEvent(
            EventDraft(
                values: [
                    "doc": doc.id.rawValue, "title": "Joint air drill with a US B-52", "date": "2025-07-11",
                    "evidence": "conducted a joint air drill on Friday involving a U.S. B-52 strategic bomber",
                ], actors: ["United States"], tags: ["b52"]))
        try await cluster.syncAll()
        return event
    }

    /// Every store shows every event with the same bytes, and the same state as the reference fold of the server's log.
    static func expectConverged(_ cluster: Cluster, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let names = cluster.stores.keys.sorted()
        let reference = cluster.store(names[0])
        let referenceEvents = try reference.eventSnapshots()
        let fold = Replica(folding: try reference.allChanges())
        for snapshot in referenceEvents {
            #expect(
                fold.snapshot(of: snapshot.id) == snapshot, "store view equals the Core fold",
                sourceLocation: sourceLocation)
        }
        for name in names.dropFirst() {
            let store = cluster.store(name)
            let events = try store.eventSnapshots()
            #expect(
                events.map(\.id) == referenceEvents.map(\.id), "\(name) has the same events",
                sourceLocation: sourceLocation)
            for (a, b) in zip(referenceEvents, events) {
                #expect(
                    JSONShapes.show(a) == JSONShapes.show(b), "\(name) shows \(a.id) with the same bytes",
                    sourceLocation: sourceLocation)
            }
        }
    }

    @Test("concurrent codes become a conflict on every replica, equal values agree, and sets merge")
    func conflictsAgreementsAndSets() async throws {
        try await Cluster.with { cluster in
            try await cluster.analyst("alice")
            try await cluster.analyst("bob")
            try await cluster.analyst("carol", role: .adjudicator)
            let drill = try await Self.drill(cluster)
            let id = drill.rawValue
            // Offline, concurrently.
            _ = try cluster.store("alice").set(id, field: "type", value: "COOPERATE")
            _ = try cluster.store("bob").set(id, field: "type", value: "MOBILIZE")
            _ = try cluster.store("alice").set(id, field: "confidence", value: "high")
            _ = try cluster.store("bob").set(id, field: "confidence", value: "high")
            _ = try cluster.store("alice").addElement(id, field: "tags", value: "trilateral")
            _ = try cluster.store("bob").addElement(id, field: "tags", value: "deterrence")
            // Bob untags b52; concurrently Alice untags and re-tags it: her new add was never seen by Bob's remove.
            _ = try cluster.store("bob").removeElement(id, field: "tags", value: "b52")
            _ = try cluster.store("alice").removeElement(id, field: "tags", value: "b52")
            _ = try cluster.store("alice").addElement(id, field: "tags", value: "b52")
            try await cluster.syncAll()

            for name in ["alice", "bob", "carol"] {
                let snapshot = try cluster.store(name).event(id)
                let type = try #require(snapshot.fields["type"])
                #expect(type.conflict, "\(name) sees the type conflict")
                #expect(Set(type.candidates.map(\.value)) == [.string("COOPERATE"), .string("MOBILIZE")])
                #expect(snapshot.fields["confidence"]?.agreement == true, "\(name) sees an agreement")
                #expect(
                    snapshot.sets["tags"] == ["b52", "deterrence", "trilateral"], "add wins over bob's concurrent untag"
                )
                #expect(try cluster.store(name).conflictViews().map(\.field) == ["type"])
            }
            try Self.expectConverged(cluster)

            // A newcomer's first sync counts the open conflicts (its view holds nothing of dave's) and says they are
            // new, as reading each conflicted entity would.
            try await cluster.analyst("dave")
            let daveSync = try await cluster.sync("dave")
            #expect(daveSync.openConflicts == 1 && daveSync.newConflicts == 1, "\(daveSync)")
            #expect(!daveSync.news.lines.contains { $0.contains("disagrees") }, "\(daveSync.news.lines)")
            // Bob's second machine, new too, pulls bob's own coding: its first sync reads the conflicts and hears that
            // alice disagrees with him.
            let laptop = try LocalStore.create(
                at: cluster.directory.appendingPathComponent("bob-laptop.sqlite").path, analyst: try AnalystName("bob"),
                server: cluster.server.url.absoluteString, token: cluster.token("bob"))
            cluster.adopt("bob-laptop", store: laptop, token: cluster.token("bob"))
            let laptopSync = try await cluster.sync("bob-laptop")
            #expect(laptopSync.openConflicts == 1 && laptopSync.newConflicts == 1, "\(laptopSync)")
            #expect(
                laptopSync.news.lines.contains(
                    "alice disagrees with your coding on 1 event (type); run concord conflicts"),
                "\(laptopSync.news.lines)")
        }
    }

    @Test("an adjudicator's resolution, made offline, ends the conflict on every replica")
    func resolution() async throws {
        try await Cluster.with { cluster in
            try await cluster.analyst("alice")
            try await cluster.analyst("bob")
            try await cluster.analyst("carol", role: .adjudicator)
            let id = try await Self.drill(cluster).rawValue
            _ = try cluster.store("alice").set(id, field: "location", value: "international waters")
            _ = try cluster.store("bob").set(id, field: "location", value: "Korean Peninsula")
            try await cluster.syncAll()
            // An analyst may not decide the dispute: refused locally, offline.
            #expect(throws: (any Error).self) {
                try cluster.store("alice").resolve(id, field: "location", keep: nil, value: "Jeju", reason: nil)
            }
            _ = try cluster.store("carol").resolve(
                id, field: "location", keep: nil, value: "international waters",
                reason: "Reuters: over international waters")
            try await cluster.syncAll()
            for name in ["alice", "bob", "carol"] {
                let location = try #require(try cluster.store(name).event(id).fields["location"])
                #expect(!location.conflict)
                #expect(location.value == .string("international waters"))
                #expect(location.candidates.map(\.author.rawValue) == ["carol"])
            }
            try Self.expectConverged(cluster)
        }
    }

    @Test("a change the server refuses is set aside as rejected and the rest of the batch goes through")
    func rejectedChangesAreSetAside() async throws {
        try await Cluster.with { cluster in
            try await cluster.analyst("alice")
            // Dave's machine clock runs an hour ahead: the server refuses his changes ("clock ahead").
            let fast: @Sendable () -> Int64 = { WallClock.millis() + 3_600_000 }
            try await cluster.analyst("dave", clock: fast)
            let id = try await Self.drill(cluster).rawValue
            let dave = cluster.store("dave")
            _ = try dave.note(id, text: "from the future")
            let summary = try await cluster.sync("dave")
            #expect(summary.rejected == 1)
            let rejected = try dave.rejectedChanges()
            #expect(rejected.count == 1)
            #expect(rejected.first?.reason.contains("clock ahead") == true, "\(rejected)")
            #expect(try dave.pendingCount() == 0, "nothing wedges the queue")
            // Alice's own work went through untouched.
            try await cluster.sync("alice")
            #expect(try cluster.store("alice").event(id).notes.isEmpty)
        }
    }

    @Test("an unreachable server stops the sync with a clear error and leaves local data untouched")
    func unreachable() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("concord-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try LocalStore.create(
            at: dir.appendingPathComponent("a.sqlite").path, analyst: try AnalystName("alice"),
            server: "http://127.0.0.1:1", token: "t")
        _ = try store.importArticles(Cluster.seeds)
        let pending = try store.pendingCount()
        var options = SyncEngine.Options()
        options.attempts = 2
        let engine = SyncEngine(
            store: store, transport: HTTPTransport(server: "http://127.0.0.1:1", token: "t", timeout: .seconds(1)),
            options: options, sleep: { _ in })
        await #expect {
            try await engine.run()
        } throws: { error in
            // Port 1 on loopback refuses the connection: said in those words, from NIO's error type.
            guard let error = error as? SyncError, case .unreachable(_, let reason, let cause) = error else {
                return false
            }
            // The cause is kept whole: the connection error NIO threw, not only its sentence.
            return reason == "connection refused" && error.description.contains("run `concord sync` again")
                && cause.error != nil && !(cause.error is SyncError)
        }
        #expect(try store.pendingCount() == pending)
    }

    @Test("a wrong token is refused with advice on getting a new one")
    func badToken() async throws {
        try await Cluster.with { cluster in
            try await cluster.analyst("alice")
            let transport = HTTPTransport(server: cluster.server.url.absoluteString, token: "not-a-token")
            await #expect {
                try await cluster.sync("alice", transport: transport)
            } throws: { error in
                guard let error = error as? SyncError, case .unauthorized = error else { return false }
                return error.description.contains("concord-server analyst add")
            }
        }
    }

    @Test("an answer larger than the client takes is named as such, not as an unreachable server")
    func oversizedAnswer() async throws {
        try await Cluster.with { cluster in
            try await cluster.analyst("alice")
            try await cluster.analyst("bob")
            try cluster.store("alice").importArticles(Cluster.seeds)
            try await cluster.sync("alice")
            // Bob's client takes at most 2 KiB an answer: the first page of Alice's import is larger.
            let transport = HTTPTransport(
                server: cluster.server.url.absoluteString, token: cluster.tokens["bob"]!, maxResponseBytes: 2_048)
            await #expect {
                try await cluster.sync("bob", transport: transport)
            } throws: { error in
                guard let error = error as? SyncError, case .protocolViolation(let message) = error else {
                    return false
                }
                return message.contains("the server is up") && message.contains("more than 2048 bytes")
                    && !error.isTransient
            }
        }
    }

    @Test("a legal 4 MB article of one line repeated syncs: the client's gzip guard is in bytes, not a ratio")
    func repetitiveDocument() async throws {
        try await Cluster.with { cluster in
            let alice = try await cluster.analyst("alice")
            let bob = try await cluster.analyst("bob")
            let file = cluster.directory.appendingPathComponent("repetitive.txt")
            let body = String(repeating: "The drill went on. ", count: 200_000)
            try ("Drill, again and again\n\n" + body).write(to: file, atomically: true, encoding: .utf8)
            let imported = try alice.importArticles([file.path])
            #expect(imported.count == 1)
            try await cluster.sync("alice")
            try await cluster.sync("bob")
            #expect(try bob.documents().map(\.id) == imported.map(\.id), "bob received the article")
            #expect(try bob.documentText(imported[0].id)?.utf8.count ?? 0 > 3_000_000)
        }
    }
}
