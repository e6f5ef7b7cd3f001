import AsyncHTTPClient
import ConcordCore
import ConcordServer
import ConcordStore
import ConcordSync
import ConcordTestSupport
import Foundation
import NIOCore
import Testing

/// Blind double coding (protocol.md §15) against a real server: random histories with random assignments,
/// submissions and releases, interrupted syncs and late bootstraps; every analyst's store holds exactly the changes
/// §15 let them see, computed here from the server's log by an oracle of its own.
@Suite("Blind coding", .serialized)
struct BlindCodingTests {
    static var seeds: [UInt64] {
        if let text = ProcessInfo.processInfo.environment["CONCORD_SEED"], let seed = UInt64(text) { return [seed] }
        return [101, 202, 303, 404]
    }

    /// The changes `name` (with `role`) may see in `log` now, by the letter of protocol.md §15, written apart from the
    /// server's implementation: an event's document is its first `doc` change; a document is blind for an analyst
    /// when it has assignees, is not released, and they are an assignee who has not submitted or someone else while
    /// an assignee has not submitted.
    static func visible(_ log: [Change], to name: String, role: Role) -> Set<ChangeID> {
        var homes: [EntityID: EntityID] = [:]
        for change in log where change.entity.kind == .event && change.field == "doc" && homes[change.entity] == nil {
            homes[change.entity] = try? EntityID(change.value.string ?? "")
        }
        let replica = Replica(folding: log)
        var blind = Set<EntityID>()
        if role == .analyst {
            for snapshot in replica.snapshots where snapshot.id.kind == .document {
                let assigned = Set(snapshot.sets["assigned"] ?? [])
                let submitted = Set(snapshot.sets["submitted"] ?? [])
                let released = snapshot.fields["released"]?.value == .bool(true)
                guard !assigned.isEmpty, !released else { continue }
                let isBlind =
                    assigned.contains(name)
                    ? !submitted.contains(name) : !assigned.subtracting(submitted).isEmpty
                if isBlind { blind.insert(snapshot.id) }
            }
        }
        func hidden(_ change: Change) -> Bool {
            guard change.author.rawValue != name else { return false }
            if let home = homes[change.entity], blind.contains(home) { return true }
            if change.field == "same_as" || change.field == "distinct_from",
                let named = try? EntityID(change.value.string ?? ""), let home = homes[named], blind.contains(home)
            {
                return true
            }
            return false
        }
        return Set(log.filter { !hidden($0) }.map(\.id))
    }

    /// A transport that fails for good (not retried) at its `failAt`-th pull, backfill or push: a sync that dies
    /// part way, as a killed one does.
    /// It also records every change it received, in `received`, to count changes delivered twice.
    final class DyingTransport: SyncTransport, @unchecked Sendable {
        let base: HTTPTransport
        let failAt: Int
        let received: Received
        private let lock = NSLock()
        private var calls = 0

        init(base: HTTPTransport, failAt: Int = .max, received: Received) {
            self.base = base
            self.failAt = failAt
            self.received = received
        }

        /// Changes received by one analyst over all their syncs.
        final class Received: @unchecked Sendable {
            private let lock = NSLock()
            private var ids = Set<ChangeID>()
            private(set) var twice = 0

            func note(_ page: Wire.PullPage) {
                lock.withLock {
                    for change in page.changes where !ids.insert(change.change.id).inserted { twice += 1 }
                }
            }
        }

        private func step() throws(SyncError) {
            let n = lock.withLock {
                calls += 1
                return calls
            }
            if n == failAt { throw SyncError.protocolViolation("injected: the sync died here") }
        }

        func me() async throws(SyncError) -> Wire.Me { try await base.me() }
        func push(_ request: Wire.PushRequest) async throws(SyncError) -> PushOutcome {
            try step()
            return try await base.push(request)
        }
        func pull(after cursor: Int64, limit: Int) async throws(SyncError) -> Wire.PullPage {
            try step()
            let page = try await base.pull(after: cursor, limit: limit)
            received.note(page)
            return page
        }
        func backfill(document: EntityID, after: Int64, through: Int64, limit: Int) async throws(SyncError)
            -> Wire.PullPage
        {
            try step()
            let page = try await base.backfill(document: document, after: after, through: through, limit: limit)
            received.note(page)
            return page
        }
        func snapshotManifest() async throws(SyncError) -> Wire.SnapshotManifest? { try await base.snapshotManifest() }
        func downloadSnapshot(seq: Int64, from offset: Int64, into sink: any SnapshotSink) async throws -> Bool {
            try await base.downloadSnapshot(seq: seq, from: offset, into: sink)
        }
    }

    @Test(
        "every analyst's store is exactly what §15 let them see, through assignments, submissions, releases, interrupted syncs and bootstraps",
        arguments: seeds)
    func storesHoldWhatIsVisible(seed: UInt64) async throws {
        try await Cluster.with(snapshotEvery: 1) { cluster in
            let roles: [String: Role] = ["ana": .analyst, "ben": .analyst, "dan": .analyst, "cat": .adjudicator]
            for (name, role) in roles.sorted(by: { $0.key < $1.key }) { try await cluster.analyst(name, role: role) }
            _ = try cluster.store("cat").importArticles(Cluster.seeds)
            try await cluster.syncAll()
            let documents = try cluster.store("cat").documents().map(\.id)
            #expect(documents.count == 2)
            let coders = ["ana", "ben", "dan"]
            var random = SeededRandom(seed: seed)
            func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }

            // What each analyst was allowed to hold at some sync: the union of what was visible whenever they synced.
            var allowed: [String: Set<ChangeID>] = [:]
            var received: [String: DyingTransport.Received] = [:]
            for name in roles.keys { received[name] = DyingTransport.Received() }
            var withheldSeen = 0
            var backfilled = 0
            var refusedStale = 0
            let server = cluster.server.admin.store

            func check(_ name: String, synced: Bool) async throws {
                let log = try await server.allChanges()
                let now = Self.visible(log, to: name, role: roles[name] ?? .analyst)
                allowed[name, default: []].formUnion(now)
                let store = cluster.store(name)
                let held = Set(try store.allChanges().map(\.id))
                let own = Set(try store.allChanges().filter { $0.author.rawValue == name }.map(\.id))
                let leaked = held.subtracting(own).subtracting(allowed[name]!)
                #expect(leaked.isEmpty, "seed \(seed): \(name) holds \(leaked.count) changes §15 withheld from them")
                if synced {
                    let missing = now.subtracting(held)
                    #expect(missing.isEmpty, "seed \(seed): \(name) lacks \(missing.count) changes they may see")
                    withheldSeen += log.count - now.count
                }
            }

            // Each document starts with two random coders: blindness from the first event on.
            for doc in documents {
                let first = pick(coders)
                let second = pick(coders.filter { $0 != first })
                _ = try cluster.store("cat").assign(
                    [doc.rawValue], coders: [try AnalystName(first), try AnalystName(second)])
            }
            try await cluster.sync("cat")
            for step in 0..<220 {
                let name = pick(Array(roles.keys).sorted())
                let store = cluster.store(name)
                let role = roles[name]!
                do {
                    switch random.next() % 100 {
                    case 0..<22 where role == .analyst:
                        let doc = pick(documents)
                        _ = try store.addEvent(
                            EventDraft(values: [
                                "doc": doc.rawValue, "title": "\(name) event \(step)",
                                "type": pick(["COOPERATE", "MOBILIZE"]),
                            ]))
                    case 22..<38:
                        let events = try store.events().filter { !$0.deleted }.map(\.id.rawValue)
                        if !events.isEmpty {
                            _ = try store.set(
                                pick(events), field: pick(["type", "date"]), value: pick(["CONSULT", "2025-07-11"]))
                        }
                    case 38..<42:
                        let events = try store.events().filter { !$0.deleted }.map(\.id.rawValue)
                        if events.count > 1 {
                            let (a, b) = (pick(events), pick(events))
                            if a != b { _ = try store.link(a, to: [b]) }
                        }
                    case 42..<52 where role == .adjudicator:
                        _ = try store.assign([pick(documents).rawValue], coders: [try AnalystName(pick(coders))])
                    case 52..<54 where role == .adjudicator:
                        _ = try store.release(pick(documents).rawValue, reason: "seed \(seed) step \(step)")
                    case 56..<61 where role == .analyst:
                        _ = try store.submit(pick(documents).rawValue)
                    case 66..<100:
                        if random.next() % 4 == 0 {
                            let dying = DyingTransport(
                                base: cluster.transport(name), failAt: Int(random.next() % 3) + 1,
                                received: received[name]!)
                            _ = try? await cluster.sync(name, transport: dying)
                            try await check(name, synced: false)
                        } else {
                            let summary = try await cluster.sync(
                                name,
                                transport: DyingTransport(base: cluster.transport(name), received: received[name]!))
                            if summary.news.lines.contains(where: { $0.contains("now visible") }) { backfilled += 1 }
                            try await check(name, synced: true)
                        }
                    default:
                        break
                    }
                } catch is StoreError {
                    continue
                }
            }
            for name in roles.keys.sorted() {
                try await cluster.sync(name)
                try await check(name, synced: true)
                for (change, reason) in try cluster.store(name).rejectedChanges() {
                    // An edit of a document's event made before its author heard that the document turned blind for
                    // them lists a change now withheld from them, which the server answers as one it does not hold.
                    #expect(reason.contains("does not hold"), "seed \(seed): \(name)'s \(change.id) refused: \(reason)")
                    refusedStale += 1
                }
            }

            // Late joiners: a blind analyst never installs a snapshot holding withheld coding and pulls what they may
            // see; an adjudicator installs the snapshot and sees everything.
            _ = try await cluster.server.makeSnapshot()
            try await cluster.analyst("eve")
            let eve = try await cluster.bootstrap("eve")
            try await cluster.sync("eve")
            let log = try await server.allChanges()
            let eveSees = Self.visible(log, to: "eve", role: .analyst)
            #expect(Set(try cluster.store("eve").allChanges().map(\.id)) == eveSees, "seed \(seed): eve's first sync")
            if eveSees.count < log.count, case .installed = eve {
                Issue.record("seed \(seed): eve installed a snapshot while coding was withheld from her")
            }
            try await cluster.analyst("fay", role: .adjudicator)
            let fay = try await cluster.bootstrap("fay")
            try await cluster.sync("fay")
            #expect(Set(try cluster.store("fay").allChanges().map(\.id)) == Set(log.map(\.id)))
            if case .skipped(let reason) = fay {
                Issue.record("seed \(seed): the adjudicator's bootstrap skipped: \(reason)")
            }

            // Nothing was sent twice: a backfill asks only for what was withheld (the first syncs, before this test
            // counted, are outside).
            for name in roles.keys.sorted() {
                #expect(
                    received[name]!.twice == 0, "seed \(seed): \(name) received \(received[name]!.twice) changes twice")
            }
            // The history exercised what it is meant to.
            #expect(withheldSeen > 0, "seed \(seed): something was withheld at some sync")
            print(
                "seed \(seed): withheld-at-sync \(withheldSeen), backfills \(backfilled), stale refusals \(refusedStale)"
            )
        }
    }

    // MARK: A hostile analyst

    /// alice and bob (analysts) and carol (adjudicator) on `cluster`, the seeds imported and synced, and the drill
    /// article assigned to alice and bob by carol, synced to all.
    static func drillAssigned(_ cluster: Cluster) async throws -> (
        alice: LocalStore, bob: LocalStore, carol: LocalStore, doc: EntityID
    ) {
        let alice = try await cluster.analyst("alice")
        let bob = try await cluster.analyst("bob")
        let carol = try await cluster.analyst("carol", role: .adjudicator)
        _ = try carol.importArticles(Cluster.seeds)
        try await cluster.syncAll()
        let doc = try #require(try carol.documents().first { $0.title?.contains("air drill") == true }).id
        _ = try carol.assign([doc.rawValue], coders: [try AnalystName("alice"), try AnalystName("bob")])
        try await cluster.syncAll()
        return (alice, bob, carol, doc)
    }

    /// The path of `name`'s store in `cluster`.
    func rig(_ cluster: Cluster, _ name: String) -> String {
        cluster.directory.appendingPathComponent("\(name).sqlite").path
    }

    func get(_ cluster: Cluster, _ path: String, token: String) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: cluster.server.url.absoluteString + path)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await HTTPTransport.sharedClient.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return (Int(response.status.code), String(decoding: body.readableBytesView, as: UTF8.self))
    }

    /// A change by `author`, as a hand-made client would push it.
    static func forged(
        _ entity: EntityID, _ field: String, _ op: ChangeOp, _ value: FieldValue, author: String,
        supersedes: [ChangeID] = []
    ) throws -> Change {
        var ids = UUIDv7Generator()
        return Change(
            id: ids.next(), entity: entity, field: field, op: op, value: value, supersedes: supersedes,
            hlc: HLC(millis: WallClock.millis(), counter: 0), author: try AnalystName(author),
            replica: try ReplicaID(ids.next().rawValue))
    }

    @Test("a blind analyst with their own token learns nothing withheld on any route; bad coding edits are refused")
    func hostileAnalyst() async throws {
        try await Cluster.with(snapshotEvery: 1) { cluster in
            let (alice, bob, carol, doc) = try await Self.drillAssigned(cluster)
            #expect(try bob.documentStandings().first { $0.summary.id == doc }?.standing == .assigned)

            let secret = "SECRET-ALICE-TITLE"
            let event = try alice.addEvent(
                EventDraft(
                    values: ["doc": doc.rawValue, "title": secret, "type": "COOPERATE", "date": "2025-07-11"],
                    actors: ["SECRET-ACTOR"]))
            try await cluster.sync("alice")
            let aliceTitle = try #require(try alice.allChanges().first { $0.entity == event && $0.field == "title" })
            let bobEvent = try bob.addEvent(EventDraft(values: ["doc": doc.rawValue, "title": "bob's drill"]))
            try await cluster.sync("bob")
            #expect(try bob.snapshot(of: event) == nil, "bob's store never received alice's event")
            _ = try #require(try await cluster.server.makeSnapshot())
            let token = cluster.token("bob")

            func expectSilent(_ path: String, _ status: Int, sourceLocation: SourceLocation = #_sourceLocation)
                async throws
                -> String
            {
                let (code, body) = try await get(cluster, path, token: token)
                #expect(code == status, "\(path): \(body.prefix(300))", sourceLocation: sourceLocation)
                for leak in [secret, "SECRET-ACTOR", event.rawValue] {
                    #expect(!body.contains(leak), "\(path) tells bob \(leak)", sourceLocation: sourceLocation)
                }
                return body
            }
            let pulled = try await expectSilent("/v1/changes?after=0&limit=20000", 200)
            #expect(pulled.contains("\"withheld\":[\"\(doc.rawValue)\"]"), "the page names the document it left out")
            // The id is bob's own guess here: the answer must not tell more than it does for an invented one.
            let known = try await expectSilent("/v1/events/\(event.id)", 404)
            let unknownID = EntityID.event(try ChangeID("0193f6c2-6e00-7000-8000-1a2b3c4d5e6f"))
            let (_, unknown) = try await get(cluster, "/v1/events/\(unknownID.id)", token: token)
            #expect(
                known.replacingOccurrences(of: String(event.id), with: "ID")
                    == unknown.replacingOccurrences(of: String(unknownID.id), with: "ID"),
                "a withheld event answers as an unknown one")
            _ = try await expectSilent("/v1/events/\(bobEvent.id)", 200)
            _ = try await expectSilent("/v1/conflicts", 200)
            for format in ["json", "md", "html"] { _ = try await expectSilent("/v1/report?format=\(format)", 200) }
            _ = try await expectSilent("/v1/snapshot", 404)
            let manifest = try #require(
                try await cluster.transport("carol").snapshotManifest(), "adjudicators install it")
            _ = try await expectSilent("/v1/snapshot/\(manifest.seq)", 404)
            _ = try await expectSilent("/v1/changes?doc=\(doc.rawValue)&after=0", 409)

            // Pushes naming the withheld: listing alice's change answers as listing an unknown one; naming her event in
            // a link is taken as naming any event id is.
            let transport = cluster.transport("bob")
            let listing = try Self.forged(
                event, "title", .set, .string("mine"), author: "bob", supersedes: [aliceTitle.id])
            let invented = try ChangeID("0193f6c2-6e00-7000-8000-1a2b3c4d5e60")
            let listingUnknown = try Self.forged(
                event, "title", .set, .string("mine"), author: "bob", supersedes: [invented])
            let bobReplica = try bob.metadata().replica
            guard
                case .refused(let s1, let m1, _) = try await transport.push(
                    Wire.PushRequest(replica: bobReplica, changes: [listing])),
                case .refused(let s2, let m2, _) = try await transport.push(
                    Wire.PushRequest(replica: bobReplica, changes: [listingUnknown]))
            else {
                Issue.record("a push listing a withheld change was accepted")
                return
            }
            #expect(s1 == s2)
            #expect(
                m1.replacingOccurrences(of: aliceTitle.id.rawValue, with: "ID")
                    == m2.replacingOccurrences(of: invented.rawValue, with: "ID"))

            // A long poll is neither answered nor woken by alice's work on the blind document.
            let cursor = try bob.metadata().pullCursor
            let poll = Task { try await get(cluster, "/v1/changes?after=\(cursor)&wait=3", token: token) }
            _ = try alice.set(event.rawValue, field: "location", value: "SECRET-LOCATION")
            try await cluster.sync("alice")
            let (pollStatus, pollBody) = try await poll.value
            #expect(pollStatus == 200)
            #expect(pollBody.hasPrefix("{\"changes\":[]"), "the poll answered with \(pollBody.prefix(200))")
            #expect(!pollBody.contains("SECRET"))

            // A link naming alice's event is taken as one naming an invented event id is: nothing tells it exists.
            for named in [event, unknownID] {
                let link = try Self.forged(bobEvent, "same_as", .add, .string(named.rawValue), author: "bob")
                let outcome = try await transport.push(Wire.PushRequest(replica: bobReplica, changes: [link]))
                guard case .accepted(let response) = outcome, response.accepted == 1 else {
                    Issue.record("a link naming \(named) answered \(outcome)")
                    continue
                }
            }

            // Bad coding edits: refused with a message, nothing stored.
            let before = try await cluster.server.admin.store.changeCount()
            let bad: [(Change, Int, String)] = [
                (try Self.forged(doc, "assigned", .add, .string("bob"), author: "bob"), 403, "only an adjudicator"),
                (try Self.forged(doc, "released", .set, .bool(true), author: "bob"), 403, "only an adjudicator"),
                (try Self.forged(doc, "submitted", .add, .string("alice"), author: "bob"), 403, "only their own"),
                (
                    try Self.forged(doc, "submitted", .remove, .string("bob"), author: "bob", supersedes: [invented]),
                    403,
                    "only an adjudicator"
                ),
                (
                    try Self.forged(
                        try EntityID("document/0123456789abcdef"), "submitted", .add, .string("bob"), author: "bob"),
                    422,
                    "not on the server"
                ),
            ]
            for (change, status, message) in bad {
                let outcome = try await transport.push(Wire.PushRequest(replica: bobReplica, changes: [change]))
                guard case .refused(let got, let summary, let refused) = outcome else {
                    Issue.record("\(change.field) \(change.op) was accepted")
                    continue
                }
                let text = ([summary] + refused.map(\.error)).joined(separator: " | ")
                #expect(got == status, "\(change.field) \(change.op): \(text)")
                #expect(text.contains(message), "\(change.field) \(change.op): \(text)")
            }
            let carolReplica = try carol.metadata().replica
            let unknownCoder = try Self.forged(doc, "assigned", .add, .string("zed"), author: "carol")
            guard
                case .refused(422, let text, _) = try await cluster.transport("carol").push(
                    Wire.PushRequest(replica: carolReplica, changes: [unknownCoder]))
            else {
                Issue.record("assigning an unknown analyst was accepted")
                return
            }
            #expect(text.contains("no analyst named zed"))
            // The CLI asks the server's analysts before writing an assignment.
            let carolStore = rig(cluster, "carol")
            let assign = try await run(
                Binaries.client, ["assign", doc.rawValue, "--coder", "zed", "--store", carolStore])
            #expect(assign.status == 1 && assign.stderr.contains("no analyst named zed"), "\(assign.stderr)")
            #expect(try carol.pendingCount() == 0, "nothing written")
            #expect(try await cluster.server.admin.store.changeCount() == before, "nothing was stored")
            // The CLI refuses the same before writing anything.
            let pending = try bob.pendingCount()
            #expect(throws: StoreError.self) { try bob.assign([doc.rawValue], coders: [try AnalystName("bob")]) }
            #expect(throws: StoreError.self) { try bob.release(doc.rawValue, reason: "peek") }
            #expect(throws: StoreError.self) { try carol.release(doc.rawValue, reason: "\u{200B}") }
            #expect(throws: StoreError.self) { try alice.submit("0123456789abcdef") }
            let other = try #require(try bob.documents().first { $0.id != doc }).id
            #expect(throws: StoreError.self) { try bob.submit(other.rawValue) }
            #expect(try bob.pendingCount() == pending)

            // Both submit: each sees the other's coding at their next sync, once.
            _ = try bob.submit(doc.rawValue)
            try await cluster.sync("bob")
            let (afterSubmit, _) = try await get(cluster, "/v1/events/\(event.id)", token: token)
            #expect(afterSubmit == 200, "bob submitted: alice's events are no longer withheld from him")
            #expect(try bob.snapshot(of: event)?.fields["title"]?.value == .string(secret))
            #expect(try alice.snapshot(of: bobEvent) == nil, "alice has not submitted: bob's event stays withheld")
            _ = try alice.submit(doc.rawValue)
            try await cluster.sync("alice")
            #expect(try alice.snapshot(of: bobEvent) != nil)
            #expect(try alice.withheldRanges().isEmpty && bob.withheldRanges().isEmpty)

            // An adjudicator reopens bob's submission: he codes blind again (alice has submitted, so she still sees
            // his work); only adjudicators may.
            #expect(throws: StoreError.self) { try alice.reopen(doc.rawValue, coder: try AnalystName("bob")) }
            try await cluster.sync("carol")
            _ = try carol.reopen(doc.rawValue, coder: try AnalystName("bob"))
            try await cluster.syncAll()
            #expect(try bob.documentStandings().first { $0.summary.id == doc }?.standing == .assigned)
            #expect(try alice.documentStandings().first { $0.summary.id == doc }?.standing == .submitted)
        }
    }

    @Test("agreement counts each coder's blind votes and events; revisions after submission are counted apart")
    func agreementFromBlindVotes() async throws {
        try await Cluster.with { cluster in
            let (alice, bob, carol, doc) = try await Self.drillAssigned(cluster)

            let drill = ["doc": doc.rawValue, "type": "COOPERATE", "date": "2025-07-11"]
            let a = try alice.addEvent(EventDraft(values: drill.merging(["title": "Joint air drill"]) { $1 }))
            let b = try bob.addEvent(EventDraft(values: drill.merging(["title": "B-52 air drill"]) { $1 }))
            _ = try alice.submit(doc.rawValue)
            _ = try bob.submit(doc.rawValue)
            try await cluster.syncAll()
            // After submitting: alice sees bob's coding and changes her mind, and codes one more event.
            _ = try alice.set(a.rawValue, field: "type", value: "MOBILIZE")
            _ = try alice.addEvent(
                EventDraft(values: ["doc": doc.rawValue, "title": "Fighter escort", "type": "MOBILIZE"]))
            _ = try carol.link(a.rawValue, to: [b.rawValue])
            try await cluster.syncAll()

            let agreement = try carol.agreement()
            let type = try #require(agreement.fields.first { $0.name == "type" })
            #expect(type.units == 1)
            #expect(type.percentAgreement == 1, "alice's blind vote (COOPERATE) agrees with bob's; MOBILIZE came after")
            let blind = try #require(agreement.blind)
            #expect(blind.documents == 1 && blind.submissions == 2)
            #expect(blind.revisions == 1, "alice's type, changed after she submitted")
            #expect(blind.lateEvents == 1, "the event alice created after submitting")
            let pair = try #require(agreement.pairs.first { $0.a == "alice" && $0.b == "bob" })
            #expect(pair.detectionF1 == 1, "detection F1 counts only the events made before submission")
            #expect(agreement.text().contains("Blind coding: on 1 assigned document with 2 submissions"))
            // Every replica and the server measure the same.
            for name in ["alice", "bob"] { #expect(try cluster.store(name).agreement() == agreement) }
            let server = try await ServerReport.build(from: cluster.server.admin.store, generatedAt: nil)
            let local = try carol.report(generatedAt: nil)
            #expect(server.coding == local.coding)
            #expect(local.coding.blind == blind)
            #expect(local.coding.progress.count == 1)
            #expect(local.coding.progress.first?.submitted == ["alice", "bob"])
            #expect(local.markdown().contains("### Blind coding"))
            // What `concord progress` shows the adjudicator.
            let progress = try #require(try carol.progress().first { $0.id == doc })
            #expect(progress.events == ["alice": 2, "bob": 1] && progress.submitted == ["alice", "bob"])
            #expect(progress.state == "released" && progress.submittedAt.count == 2)
        }
    }
}
