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

    @Test(
        "a resolution is undone only with a reason, which the undo carries; a command the server refused is passed over"
    )
    func resolutionsAndRefusedCommands() throws {
        let dir = TempDir()
        let (store, drill) = try setUp(dir)
        try store.setRole(.adjudicator)
        let mine = try store.addEvent(
            EventDraft(values: ["doc": drill.rawValue, "title": "Drill", "type": "COOPERATE"]))
        // bob codes the same drill as his own event, and the two are linked: a cluster disagreement on the type.
        let bob = try makeStore(dir, name: "bob.sqlite", analyst: "bob", seed: 2)
        _ = try bob.importArticles(seedFiles)
        let his = try bob.addEvent(
            EventDraft(values: ["doc": drill.rawValue, "title": "B-52 drill", "type": "MOBILIZE"]))
        let changes = try bob.allChanges().enumerated().map {
            Wire.SequencedChange(seq: Int64($0.offset + 1), change: $0.element)
        }
        _ = try store.applyPulled(changes, cursor: Int64(changes.count))
        _ = try store.link(mine.rawValue, to: [his.rawValue])
        _ = try store.resolve(his.rawValue, field: "type", keep: nil, value: "COOPERATE", reason: "PLOVER's rule")
        #expect(try store.event(his.rawValue).fields["type"]?.value == "COOPERATE")

        let before = try logCount(store)
        #expect(throws: StoreError.self) { try store.undo() }
        #expect(try logCount(store) == before, "nothing written")
        let undone = try store.undo(reason: "resolved the wrong cluster")
        #expect(undone.undoneDescription.contains("a resolution"), "\(undone.undoneDescription)")
        #expect(undone.changes.allSatisfy { $0.reason == "resolved the wrong cluster" })
        #expect(try store.event(his.rawValue).fields["type"]?.value == "MOBILIZE")

        // An edit the server refused is set aside; undo passes over it to the command before (the link).
        let refused = try store.set(mine.rawValue, field: "title", value: "Not shared")
        try store.markRejected(refused.changes[0].id, reason: "refused by the server")
        let next = try store.undo()
        #expect(next.undone.allSatisfy { $0.field == Schema.sameAsField }, "\(next.undoneDescription)")
        #expect(throws: StoreError.self) { try store.undo(refused.changes[0].id.rawValue) }
    }
}
