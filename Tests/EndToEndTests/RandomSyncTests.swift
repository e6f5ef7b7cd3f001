import ConcordStore
import ConcordCore
import ConcordServer
import Foundation
import Testing

/// Seeded random offline work and syncs across three replicas and a real server: everyone converges to the server.
/// A failing seed is printed; replay it with `CONCORD_SEED=<seed> swift test --filter RandomSyncTests`.
@Suite("Random sync", .serialized)
struct RandomSyncTests {
    static var seeds: [UInt64] {
        if let text = ProcessInfo.processInfo.environment["CONCORD_SEED"], let seed = UInt64(text) { return [seed] }
        return [11, 22, 33, 44, 55, 66]
    }

    static let values: [String: [String]] = [
        "type": ["COOPERATE", "MOBILIZE", "CONSULT"], "location": ["Jeju", "international waters", "Seoul"],
        "confidence": ["low", "medium", "high"], "country": ["KOR", "JPN", "USA"], "date": ["2025-07-11", "2025-07"],
    ]

    @Test("offline edits and syncs in random order converge on every replica and on the server", arguments: seeds)
    func converges(seed: UInt64) async throws {
        try await Cluster.with { cluster in
            let names = ["ana", "ben", "cat"]
            try await cluster.analyst("ana")
            try await cluster.analyst("ben")
            try await cluster.analyst("cat", role: .adjudicator)
            var random = SeededRandom(seed: seed)
            let doc = try cluster.store("ana").importArticles(Cluster.seeds)[0].id
            for name in names { _ = try cluster.store(name).importArticles(Cluster.seeds) }

            var edits = 0
            for _ in 0..<120 {
                if try await Self.randomStep(cluster, names: names, doc: doc, random: &random) { edits += 1 }
            }
            try await cluster.syncAll()

            let server = cluster.server.admin.store
            var union = Set<ChangeID>()
            for name in names { union.formUnion(try cluster.store(name).allChanges().map(\.id)) }
            #expect(
                try await server.changeCount() == Int64(union.count),
                "seed \(seed): every change on the server exactly once")
            let reference = try cluster.store(names[0]).eventSnapshots()
            #expect(reference.count > 1, "seed \(seed): the history created events")
            for snapshot in reference {
                let onServer = try await server.snapshot(of: snapshot.id)
                #expect(onServer == snapshot, "seed \(seed): \(snapshot.id) differs between ana and the server")
            }
            for name in names.dropFirst() {
                let snapshots = try cluster.store(name).eventSnapshots()
                #expect(snapshots == reference, "seed \(seed): \(name) did not converge")
                #expect(try cluster.store(name).pendingCount() == 0)
                #expect(
                    try cluster.store(name).openConflictCount() == cluster.store(name).conflictViews().count,
                    "seed \(seed): the summary rows count the conflicts the views list")
                #expect(try cluster.store(name).rejectedChanges().isEmpty, "seed \(seed): nothing valid is refused")
            }
            #expect(edits > 60)
            // Clusters, their disagreements and agreement are the same on every replica and on the server.
            let serverEvents = try await server.allSnapshots().filter { $0.id.kind == .event }
            let disagreements = ClusterDisagreement.list(serverEvents)
            let agreement = try cluster.store(names[0]).agreement()
            for name in names {
                #expect(
                    try cluster.store(name).clusterDisagreements() == disagreements,
                    "seed \(seed): \(name)'s cluster disagreements are the server's")
                #expect(try cluster.store(name).agreement() == agreement, "seed \(seed): \(name) measures the same α")
            }
            let report = try await ServerReport.build(from: server, generatedAt: nil)
            #expect(
                report.coding == (try cluster.store(names[0]).report(generatedAt: nil).coding),
                "seed \(seed): the server's report measures agreement as the stores do")
        }
    }

    /// One random step of the team's work: an edit by a random analyst (adds, sets, tags, notes, deletes, restores,
    /// links, resolutions) or a sync. False when the store refused the edit, which writes nothing.
    /// With `sync` false, a step that would sync does nothing (work done offline only).
    static func randomStep(
        _ cluster: Cluster, names: [String], doc: EntityID, random: inout SeededRandom, sync: Bool = true
    ) async throws -> Bool {
        var source = random
        defer { random = source }
        func pick<T>(_ items: [T]) -> T { items[Int(source.next() % UInt64(items.count))] }
        let name = pick(names)
        let store = cluster.store(name)
        let events = try store.events().map(\.id.rawValue)
        do {
            switch source.next() % 100 {
            case 0..<8,
                _ where events.isEmpty:
                _ = try store.addEvent(EventDraft(values: ["doc": doc.rawValue, "title": "event by \(name)"]))
            case 8..<45:
                let field = pick(Array(Self.values.keys).sorted())
                _ = try store.set(pick(events), field: field, value: pick(Self.values[field]!))
            case 45..<55:
                _ = try store.addElement(pick(events), field: "tags", value: pick(["b52", "drill", "dprk"]))
            case 55..<60:
                let event = pick(events)
                if let tag = try store.event(event).sets["tags"]?.first {
                    _ = try store.removeElement(event, field: "tags", value: tag)
                }
            case 60..<66:
                _ = try store.note(pick(events), text: "note \(source.next() % 100)")
            case 66..<70:
                _ = try store.delete(pick(events))
            case 70..<73:
                _ = try store.restore(pick(events))
            case 73..<76:
                // Any analyst links two events as one happening, or takes a link back.
                let (a, b) = (pick(events), pick(events))
                if try store.event(a).sets[Schema.sameAsField]?.contains(b) == true {
                    _ = try store.unlink(a, b)
                } else {
                    _ = try store.link(a, to: [b])
                }
            case 76..<80:
                if let conflict = try store.conflictViews().first, conflict.field != "deleted" {
                    _ = try store.resolve(
                        conflict.entity.rawValue, field: conflict.field, keep: nil,
                        value: pick(Self.values[conflict.field] ?? ["x"]), reason: "random")
                }
            default:
                if sync { try await cluster.sync(name) }
            }
            return true
        } catch is StoreError {
            return false
        }
    }
}
