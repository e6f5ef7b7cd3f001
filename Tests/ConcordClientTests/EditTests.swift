import ConcordStore
import ConcordCore
import Foundation
import Testing

@Suite("Edits")
struct EditTests {
    func setUp(_ dir: TempDir, analyst: String = "alice", name: String = "store.sqlite", seed: UInt64 = 1) throws
        -> (LocalStore, EntityID)
    {
        let store = try makeStore(dir, name: name, analyst: analyst, seed: seed)
        return (store, try store.importArticles(seedFiles)[0].id)
    }

    /// Copies every change of `from` into `to`, as a sync through a server would.
    func exchange(_ from: LocalStore, _ to: LocalStore) throws {
        let changes = try from.allChanges().enumerated().map {
            Wire.SequencedChange(seq: Int64($0.offset + 1), change: $0.element)
        }
        _ = try to.applyPulled(changes, cursor: Int64(changes.count))
    }

    @Test("event add writes every field and the event shows them")
    func addEvent() throws {
        let dir = TempDir()
        let (store, doc) = try setUp(dir)
        let id = try store.addEvent(
            EventDraft(
                values: [
                    "doc": String(doc.id.prefix(6)), "title": "Video talks", "type": "CONSULT", "date": "2025-05-20",
                    "country": "KOR", "confidence": "high",
                ],
                actors: ["South Korea", "United States", "South Korea"], tags: ["trilateral"]))
        let snapshot = try store.event(String(id.id.prefix(20)))
        #expect(snapshot.id == id)
        #expect(snapshot.fields["doc"]?.value == .string(doc.rawValue))
        #expect(snapshot.fields["type"]?.value == "CONSULT")
        #expect(snapshot.sets["actors"] == ["South Korea", "United States"])
        #expect(try store.events(EventFilter(doc: doc.rawValue)).map(\.id) == [id])
    }

    @Test("invalid values are refused with what is allowed, and nothing is written")
    func invalidValues() throws {
        let dir = TempDir()
        let (store, doc) = try setUp(dir)
        let before = try store.allChanges().count
        let error = #expect(throws: StoreError.self) {
            try store.addEvent(EventDraft(values: ["doc": doc.rawValue, "title": "t", "type": "PARTY"]))
        }
        #expect(error?.description.contains("CONSULT") == true)
        #expect(throws: StoreError.self) { try store.addEvent(EventDraft(values: ["doc": doc.rawValue])) }
        #expect(throws: StoreError.self) { try store.addEvent(EventDraft(values: ["doc": "ffffffff", "title": "t"])) }
        let id = try store.addEvent(EventDraft(values: ["doc": doc.rawValue, "title": "t"]))
        let fieldError = #expect(throws: StoreError.self) { try store.set(id.rawValue, field: "colour", value: "red") }
        #expect(fieldError?.description.contains("confidence") == true)
        let dateError = #expect(throws: StoreError.self) {
            try store.set(id.rawValue, field: "date", value: "2025-13-01")
        }
        #expect(dateError?.description.contains("YYYY-MM-DD") == true)
        #expect(try store.allChanges().count == before + 2)
    }

    @Test("evidence must occur in the document's text, whitespace aside")
    func evidence() throws {
        let dir = TempDir()
        let (store, doc) = try setUp(dir)
        let id = try store.addEvent(EventDraft(values: ["doc": doc.rawValue, "title": "t"]))
        let text = try #require(try store.documentText(doc))
        let words = text.split(separator: " ").dropFirst(20).prefix(8).joined(separator: "  \n ")
        _ = try store.set(id.rawValue, field: "evidence", value: words)
        let error = #expect(throws: StoreError.self) {
            try store.set(id.rawValue, field: "evidence", value: "aliens landed in Seoul")
        }
        #expect(error?.description.contains("does not occur") == true)
    }

    @Test("analysts cannot set status reviewed; adjudicators can")
    func statusRole() throws {
        let dir = TempDir()
        let (store, doc) = try setUp(dir)
        let id = try store.addEvent(EventDraft(values: ["doc": doc.rawValue, "title": "t"]))
        let error = #expect(throws: StoreError.self) { try store.set(id.rawValue, field: "status", value: "reviewed") }
        #expect(error?.description.contains("adjudicator") == true)
        _ = try store.set(id.rawValue, field: "status", value: "disputed")
        try store.setRole(.adjudicator)
        _ = try store.set(id.rawValue, field: "status", value: "reviewed")
        #expect(try store.event(id.rawValue).fields["status"]?.value == "reviewed")
    }

    @Test("an analyst editing a field in conflict replaces only their own candidate and is told so")
    func conflictEdit() throws {
        let dir = TempDir()
        let (alice, doc) = try setUp(dir, analyst: "alice", name: "a.sqlite", seed: 1)
        let bob = try makeStore(dir, name: "b.sqlite", analyst: "bob", seed: 2)
        let id = try alice.addEvent(EventDraft(values: ["doc": doc.rawValue, "title": "B-52 drill"]))
        try exchange(alice, bob)
        _ = try alice.set(id.rawValue, field: "type", value: "COOPERATE")
        _ = try bob.set(id.rawValue, field: "type", value: "MOBILIZE")
        try exchange(alice, bob)
        try exchange(bob, alice)
        #expect(try alice.event(id.rawValue).fields["type"]?.conflict == true)
        let outcome = try alice.set(id.rawValue, field: "type", value: "AID")
        #expect(
            outcome.notices.contains {
                $0.contains("bob coded \"MOBILIZE\"") && $0.contains("disagreement") && $0.contains("adjudicator")
            })
        let type = try #require(try alice.event(id.rawValue).fields["type"])
        #expect(type.conflict)
        #expect(Set(type.candidates.map(\.value)) == ["AID", "MOBILIZE"])
        #expect(try alice.conflictViews().map(\.field) == ["type"])
    }

    @Test("a deleted event refuses edits until restored, and comes back whole")
    func deleteRestore() throws {
        let dir = TempDir()
        let (store, doc) = try setUp(dir)
        let id = try store.addEvent(
            EventDraft(values: ["doc": doc.rawValue, "title": "t", "type": "AID"], actors: ["North Korea"]))
        _ = try store.note(id.rawValue, text: "first note")
        _ = try store.delete(id.rawValue)
        #expect(try store.event(id.rawValue).deleted)
        let error = #expect(throws: StoreError.self) { try store.set(id.rawValue, field: "type", value: "AGREE") }
        #expect(error?.description.contains("restore it first") == true)
        #expect(throws: StoreError.self) { try store.note(id.rawValue, text: "x") }
        _ = try store.restore(id.rawValue)
        let back = try store.event(id.rawValue)
        #expect(!back.deleted)
        #expect(back.fields["type"]?.value == "AID")
        #expect(back.sets["actors"] == ["North Korea"])
        #expect(back.notes.count == 1)
    }

    @Test("set elements are added and removed; removing an absent element says what is there")
    func sets() throws {
        let dir = TempDir()
        let (store, doc) = try setUp(dir)
        let id = try store.addEvent(EventDraft(values: ["doc": doc.rawValue, "title": "t"], actors: ["Japan"]))
        _ = try store.addElement(id.rawValue, field: "actors", value: "South Korea")
        _ = try store.removeElement(id.rawValue, field: "actors", value: "Japan")
        #expect(try store.event(id.rawValue).sets["actors"] == ["South Korea"])
        let error = #expect(throws: StoreError.self) {
            try store.removeElement(id.rawValue, field: "actors", value: "Japan")
        }
        #expect(error?.description.contains("South Korea") == true)
    }

    @Test("an ambiguous prefix lists the candidates; an unknown one says how to list events")
    func prefixes() throws {
        let dir = TempDir()
        let (store, doc) = try setUp(dir)
        let a = try store.addEvent(EventDraft(values: ["doc": doc.rawValue, "title": "a"]))
        let b = try store.addEvent(EventDraft(values: ["doc": doc.rawValue, "title": "b"]))
        let common = String(zip(a.id, b.id).prefix { $0 == $1 }.map(\.0))
        let error = #expect(throws: StoreError.self) { try store.event(common) }
        #expect(error?.description.contains(a.rawValue) == true)
        #expect(error?.description.contains(b.rawValue) == true)
        let unknown = #expect(throws: StoreError.self) { try store.event("ffff") }
        #expect(unknown?.description.contains("concord events") == true)
    }

    @Test("re-importing an article writes nothing")
    func reimport() throws {
        let dir = TempDir()
        let (store, _) = try setUp(dir)
        let count = try store.allChanges().count
        let again = try store.importArticles(seedFiles)
        #expect(again.allSatisfy { !$0.isNew })
        #expect(try store.allChanges().count == count)
    }

    @Test(
        "bad article files are refused all or nothing, naming the file",
        arguments: ["empty", "binary", "huge", "missing", "directory"])
    func badArticles(kind: String) throws {
        let dir = TempDir()
        let store = try makeStore(dir)
        var path = dir.file("bad.txt")
        switch kind {
        case "empty": dir.write("bad.txt", "")
        case "binary": try Data([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]).write(to: URL(fileURLWithPath: path))
        case "huge": try Data(repeating: 0x61, count: Article.maximumBytes + 10).write(to: URL(fileURLWithPath: path))
        case "directory": path = dir.path
        default: break
        }
        let error = #expect(throws: StoreError.self) { try store.importArticles([seedFiles[0], path]) }
        #expect(error?.description.contains(path) == true)
        #expect(try store.documents().isEmpty)
    }
}
