import ConcordStore
import ConcordCore
import Foundation
import Testing

/// `concord undo` (issue 14): new changes that bring back what a command replaced; the log is never rewritten.
@Suite("Undo")
struct UndoTests {
    func setUp(_ dir: TempDir) throws -> (LocalStore, EntityID) {
        let store = try makeStore(dir)
        let documents = try store.importArticles(seedFiles)
        let drill = try #require(documents.first { $0.title.contains("air drill") == true }).id
        return (store, drill)
    }

    func logCount(_ store: LocalStore) throws -> Int { try store.metadata().changeCount }

    @Test("undo walks back through commands: an edit of two fields, then the add (the event is deleted)")
    func walksBack() throws {
        let dir = TempDir()
        let (store, drill) = try setUp(dir)
        let id = try store.addEvent(
            EventDraft(values: ["doc": drill.rawValue, "title": "Drill", "type": "COOPERATE", "date": "2025-07-11"]))
        _ = try store.editEvent(
            id.rawValue, EventEdit(values: ["type": "MOBILIZE", "date": "2025-07-12"], added: ["actors": ["USA"]]))
        let before = try store.history(of: id).count

        let first = try store.undo()
        #expect(first.undone.count == 3)
        #expect(first.changes.count == 3)
        var event = try store.event(id.rawValue)
        #expect(event.fields["type"]?.value == "COOPERATE")
        #expect(event.fields["date"]?.value == "2025-07-11")
        #expect(event.sets["actors"] ?? [] == [])
        #expect(!event.fields["type"]!.conflict)
        // Nothing rewritten: the log only grew; history marks the undo's changes, which carry no reason (a reason
        // is an adjudicator's, and sync news would call the undo a resolution).
        let history = try store.history(of: id)
        #expect(history.count == before + 3)
        #expect(history.filter(\.undo).map(\.change.id) == first.changes.map(\.id))
        #expect(first.changes.allSatisfy { $0.reason == nil })

        let second = try store.undo()
        #expect(second.changes.map(\.field) == [EntitySnapshot.deletedField])
        #expect(try store.event(id.rawValue).deleted, "undoing the add deletes the event")

        // The next command back is the import: documents cannot be undone; nothing is written.
        let count = try logCount(store)
        #expect {
            try store.undo()
        } throws: { error in
            "\(error)".contains("only event edits can be undone")
        }
        #expect(try logCount(store) == count)

        // Naming a change of an undo redoes: the event comes back.
        _ = try store.undo(second.changes[0].id.rawValue)
        event = try store.event(id.rawValue)
        #expect(!event.deleted)
    }

    @Test("set elements, removals, delete and restore are undone; notes and first values are refused")
    func eachKindOfChange() throws {
        let dir = TempDir()
        let (store, drill) = try setUp(dir)
        let id = try store.addEvent(
            EventDraft(values: ["doc": drill.rawValue, "title": "Drill"], actors: ["USA", "Japan"]))
        _ = try store.removeElement(id.rawValue, field: "actors", value: "Japan")
        _ = try store.undo()
        #expect(try store.event(id.rawValue).sets["actors"] == ["Japan", "USA"])

        _ = try store.delete(id.rawValue)
        _ = try store.undo()
        #expect(try !store.event(id.rawValue).deleted)

        _ = try store.set(id.rawValue, field: "title", value: "Joint drill")
        _ = try store.set(id.rawValue, field: "title", value: "B-52 drill")
        _ = try store.undo()
        #expect(try store.event(id.rawValue).fields["title"]?.value == "Joint drill")
        // The undo of the second title and the second title are passed over: the next undo is the first title.
        _ = try store.undo()
        #expect(try store.event(id.rawValue).fields["title"]?.value == "Drill")

        _ = try store.set(id.rawValue, field: "location", value: "Korean Peninsula")
        let count = try logCount(store)
        #expect {
            try store.undo()
        } throws: { error in
            "\(error)".contains("had no value before") && "\(error)".contains("concord event set")
        }
        _ = try store.note(id.rawValue, text: "check the date")
        #expect {
            try store.undo()
        } throws: { error in
            "\(error)".contains("append-only")
        }
        #expect(try logCount(store) == count + 1, "refused undos write nothing")
    }

    @Test("undo CHANGE: a later change of the field is undone first; unknown and fresh stores are refused")
    func namedChange() throws {
        let dir = TempDir()
        let (store, drill) = try setUp(dir)
        let id = try store.addEvent(EventDraft(values: ["doc": drill.rawValue, "title": "Drill"]))
        let renamed = try store.set(id.rawValue, field: "title", value: "Joint drill").changes[0]
        _ = try store.set(id.rawValue, field: "title", value: "B-52 drill")
        #expect {
            try store.undo(String(renamed.id.rawValue.prefix(20)))
        } throws: { error in
            "\(error)".contains("was changed after") && "\(error)".contains("B-52 drill")
        }
        #expect {
            try store.undo("ffffffff")
        } throws: { error in
            "\(error)".contains("no change matches")
        }
        #expect {
            try store.undo("not-a-change!")
        } throws: { error in
            "\(error)".contains("is not a change id")
        }
        let fresh = try makeStore(TempDir())
        #expect {
            try fresh.undo()
        } throws: { error in
            "\(error)".contains("nothing to undo")
        }
    }

    @Test("an undo is an ordinary change: the log folded from scratch shows the same event")
    func undoSyncsThroughReplica() throws {
        // The undo's changes are ordinary changes: folded from scratch, the log gives the same view.
        let dir = TempDir()
        let (store, drill) = try setUp(dir)
        let id = try store.addEvent(EventDraft(values: ["doc": drill.rawValue, "title": "Drill", "type": "AGREE"]))
        _ = try store.set(id.rawValue, field: "type", value: "CONSULT")
        _ = try store.undo()
        let shown = try store.event(id.rawValue)
        try store.rebuild()
        #expect(try store.event(id.rawValue) == shown)
        #expect(shown.fields["type"]?.value == "AGREE")
    }
}
