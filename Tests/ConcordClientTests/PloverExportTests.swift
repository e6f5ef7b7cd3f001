import ConcordStore
import ConcordCore
import Foundation
import Testing

/// `concord export --format plover` (protocol.md §12, issue 14): PLOVER's own field names, one record per cluster,
/// disputed values flagged.
@Suite("PLOVER export")
struct PloverExportTests {
    /// Alice's changes pulled into Bob's store, as a sync would.
    func pull(_ from: LocalStore, into store: LocalStore) throws {
        let changes = try from.allChanges()
        let sequenced = changes.enumerated().map { Wire.SequencedChange(seq: Int64($0.offset + 1), change: $0.element) }
        _ = try store.applyPulled(sequenced, cursor: Int64(changes.count))
    }

    func records(_ store: LocalStore) throws -> [[String: Any]] {
        var lines: [String] = []
        try store.export(.plover) { lines.append($0) }
        return try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    @Test("a linked pair coded differently: one record, PLOVER names only, the disputed type flagged with its coders")
    func linkedPair() throws {
        let dir = TempDir()
        let alice = try makeStore(dir, name: "alice.sqlite", analyst: "alice", seed: 1)
        let bob = try makeStore(dir, name: "bob.sqlite", analyst: "bob", seed: 2)
        let documents = try alice.importArticles(seedFiles)
        _ = try bob.importArticles(seedFiles)
        let drill = try #require(documents.first { $0.title.contains("air drill") == true }).id
        let a = try alice.addEvent(
            EventDraft(
                values: [
                    "doc": drill.rawValue, "title": "Joint air drill", "type": "COOPERATE", "date": "2025-07-11",
                    "location": "Korean Peninsula", "country": "KOR", "evidence": "B-52", "summary": "A joint drill",
                ],
                actors: ["South Korea", "United States"], recipients: ["North Korea"], context: ["military"]))
        _ = try alice.note(a.rawValue, text: "check the date")
        let b = try bob.addEvent(
            EventDraft(
                values: [
                    "doc": drill.rawValue, "title": "Show of force", "type": "MOBILIZE", "mode": "weapons",
                    "date": "2025-07-11",
                ],
                actors: ["South Korea", "United States"], context: ["military"]))
        try pull(alice, into: bob)
        _ = try bob.link(b.rawValue, to: [a.rawValue])

        let exported = try records(bob)
        #expect(exported.count == 1, "one record per cluster")
        let record = exported[0]
        let allowed = Set(Plover.requiredFields + Plover.optionalFields + ["concord"])
        #expect(Set(record.keys).isSubset(of: allowed), "unexpected keys: \(Set(record.keys).subtracting(allowed))")
        for field in Plover.requiredFields { #expect(record[field] != nil, "required \(field) missing") }
        #expect(record["id"] as? String == min(a.rawValue, b.rawValue))
        #expect(record["date"] as? String == "2025-07-11")
        #expect(record["coder"] as? String == "alice, bob")
        #expect(record["context"] as? [String] == ["military"])
        #expect(record["recipient"] as? [[String: String]] == [["entity_text": "North Korea"]])
        #expect(record["event_text"] as? [String] == ["B-52"])
        #expect(record["comment"] as? String == "alice: check the date", "the notes, with their authors (§17)")
        #expect((record["concord"] as? [String: Any])?["summary"] as? String == "A joint drill")
        #expect((record["cite_info"] as? [String: Any])?["codebook"] as? String == "PLOVER")
        #expect((record["coded_date"] as? String)?.count == 10)

        let concord = try #require(record["concord"] as? [String: Any])
        let disputed = try #require(concord["disputed"] as? [String: [[String: Any]]])
        let types = try #require(disputed["event"])
        #expect(types.map { $0["value"] as? String } == ["COOPERATE", "MOBILIZE"])
        #expect(types.map { $0["coders"] as? [String] } == [["alice"], ["bob"]])
        #expect(disputed["date"] == nil, "both coded the same date")
        // The provisional type is one of the candidates, never silently: the flag names the field.
        let shown = try #require((record["event"] as? [String])?.first)
        #expect(types.contains { $0["value"] as? String == shown })
    }

    @Test("an event coded alone has the required fields (null date, empty actor) and no dispute; CSV has notes")
    func loneEvent() throws {
        let dir = TempDir()
        let store = try makeStore(dir)
        let documents = try store.importArticles(seedFiles)
        let id = try store.addEvent(EventDraft(values: ["doc": documents[0].id.rawValue, "title": "Talks"]))
        _ = try store.note(id.rawValue, text: "a first, note")
        _ = try store.note(id.rawValue, text: "then \"another\"")
        let record = try #require(try records(store).first)
        #expect(record["date"] is NSNull)
        #expect((record["actor"] as? [Any])?.isEmpty == true)
        #expect((record["event"] as? [Any])?.isEmpty == true)
        #expect(((record["concord"] as? [String: Any])?["disputed"] as? [String: Any])?.isEmpty == true)
        var csv: [String] = []
        try store.export(.csv) { csv.append($0) }
        let header = csv[0].split(separator: ",").map(String.init)
        #expect(header.contains("notes"))
        #expect(csv[1].contains("\"alice: a first, note | alice: then \"\"another\"\"\""))
    }

    @Test("adjudicated across two articles: no mode invalid for the type, every article cited, no one-coder dispute")
    func adjudicatedAcrossArticles() throws {
        let dir = TempDir()
        let alice = try makeStore(dir, name: "alice.sqlite", analyst: "alice", seed: 1)
        let bob = try makeStore(dir, name: "bob.sqlite", analyst: "bob", seed: 2)
        let carol = try makeStore(dir, name: "carol.sqlite", analyst: "carol", seed: 3)
        try carol.setRole(.adjudicator)
        let documents = try alice.importArticles(seedFiles)
        _ = try bob.importArticles(seedFiles)
        let drill = try #require(documents.first { $0.title.contains("air drill") == true }).id
        let other = try #require(documents.first { $0.id != drill }).id
        let a = try alice.addEvent(
            EventDraft(
                values: ["doc": drill.rawValue, "title": "Joint air drill", "type": "COOPERATE", "date": "2025-07-11"],
                actors: ["South Korea"]))
        let b = try bob.addEvent(
            EventDraft(
                values: [
                    "doc": other.rawValue, "title": "Show of force", "type": "MOBILIZE", "mode": "weapons",
                    "date": "2025-07-11",
                ], actors: ["South Korea"]))
        try pull(alice, into: bob)
        _ = try bob.link(b.rawValue, to: [a.rawValue])
        try pull(bob, into: carol)
        _ = try carol.resolve(a.rawValue, field: "type", keep: nil, value: "COOPERATE", reason: "PLOVER's rule")

        let record = try #require(try records(carol).first)
        #expect(record["event"] as? [String] == ["COOPERATE"])
        #expect(record["mode"] == nil, "weapons is no COOPERATE mode: PLOVER forbids it")
        let concord = try #require(record["concord"] as? [String: Any])
        // No view shows a mode its type does not allow: the merged view already leaves it out.
        #expect((concord["dropped"] as? [String: String])?.isEmpty == true)
        #expect(try carol.event(b.rawValue).fields["mode"] == nil)
        #expect((concord["citations"] as? [[String: Any]])?.count == 2, "both articles are cited")
        let disputed = try #require(concord["disputed"] as? [String: Any])
        #expect(disputed["event"] == nil, "the type is decided")
        #expect(disputed["mode"] == nil, "one coder's mode is no dispute between coders")
    }
}
