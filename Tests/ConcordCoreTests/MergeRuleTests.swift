import ConcordCore
import Testing

/// One test per merge rule of protocol.md §4, told with the B-52 drill.
@Suite("Merge rules")
struct MergeRuleTests {
    @Test("two analysts coding the B-52 drill COOPERATE and MOBILIZE offline get a conflict with two candidates")
    func concurrentCodesConflict() throws {
        var story = Story()
        let a = story.change(Story.alice, "type", "COOPERATE", at: 1_000)
        let b = story.change(Story.bob, "type", "MOBILIZE", at: 1_500)
        let type = try #require(Replica(folding: [a, b]).snapshot(of: Story.drill)?.fields["type"])
        #expect(type.conflict)
        #expect(!type.agreement)
        #expect(type.candidates.map(\.change) == [a.id, b.id])
        #expect(type.value == "MOBILIZE", "the provisional value is the greater hlc")
    }

    @Test("both saying confidence=high without seeing each other is an agreement, not a conflict")
    func equalValuesAgree() throws {
        var story = Story()
        let a = story.change(Story.alice, "confidence", "high", at: 1_000)
        let b = story.change(Story.bob, "confidence", "high", at: 1_100)
        let field = try #require(Replica(folding: [b, a]).snapshot(of: Story.drill)?.fields["confidence"])
        #expect(!field.conflict)
        #expect(field.agreement)
        #expect(field.candidates.count == 2)
    }

    @Test("an edit that saw the previous version replaces it")
    func sequentialEditReplaces() throws {
        var story = Story()
        let a = story.change(Story.alice, "type", "COOPERATE", at: 1_000)
        let b = story.change(Story.bob, "type", "MOBILIZE", supersedes: [a], at: 900)
        let field = try #require(Replica(folding: [b, a]).snapshot(of: Story.drill)?.fields["type"])
        #expect(field.value == "MOBILIZE", "supersedes decides, not the clock")
        #expect(field.candidates.map(\.change) == [b.id])
    }

    @Test("with equal clocks the greater replica id is displayed, whatever the arrival order")
    func tieBreaksOnReplica() throws {
        var story = Story()
        let a = story.change(Story.alice, "location", "Jeju", at: 1_000)
        let b = story.change(Story.bob, "location", "international waters", at: 1_000)
        for order in [[a, b], [b, a]] {
            #expect(
                Replica(folding: order).snapshot(of: Story.drill)?.fields["location"]?.value == "international waters")
        }
    }

    @Test("an adjudicator's change that supersedes every candidate resolves the conflict")
    func resolutionEndsConflict() throws {
        var story = Story()
        let a = story.change(Story.alice, "location", "international waters", at: 1_000)
        let b = story.change(Story.bob, "location", "Korean Peninsula", at: 1_900)
        let c = story.change(
            Story.carol, "location", "international waters", supersedes: [a, b], at: 5_000, reason: "Reuters")
        let field = try #require(Replica(folding: [c, b, a]).snapshot(of: Story.drill)?.fields["location"])
        #expect(!field.conflict)
        #expect(field.candidates.map(\.change) == [c.id])
    }

    @Test("an analyst who replaces only their own vote leaves the conflict open")
    func ownCandidateKeepsConflict() throws {
        var story = Story()
        let a = story.change(Story.alice, "location", "Jeju", at: 1_000)
        let b = story.change(Story.bob, "location", "Seoul", at: 1_200)
        let live = Replica(folding: [a, b]).entities[Story.drill]!.registers["location"]!.live.values
        #expect(Schema.isCoded("location", of: .event))
        let supersedes = EditPlanner.supersedesForSet(live: Array(live), author: Story.alice, coded: true)
        #expect(supersedes == [a.id])
        let a2 = story.change(Story.alice, "location", "international waters", supersedes: [a], at: 6_000)
        let field = try #require(Replica(folding: [a2, a, b]).snapshot(of: Story.drill)?.fields["location"])
        #expect(field.conflict)
        #expect(Set(field.candidates.map(\.change)) == [b.id, a2.id])
    }

    @Test("supersedes retires only versions of the change's own field; other ids are context")
    func supersedesIsScopedToField() throws {
        var story = Story()
        let title = story.change(Story.alice, "title", "B-52 drill", at: 1_000)
        let type = story.change(Story.bob, "type", "COOPERATE", supersedes: [title], at: 2_000)
        let snapshot = try #require(Replica(folding: [type, title]).snapshot(of: Story.drill))
        #expect(snapshot.fields["title"]?.value == "B-52 drill")
        #expect(snapshot.fields["type"]?.value == "COOPERATE")
    }

    @Test("a remove that did not see a concurrent add of the same actor loses: add wins")
    func addWins() throws {
        var story = Story()
        let japan = story.change(Story.alice, "actors", .add, "Japan", at: 1_000)
        let korea = story.change(Story.alice, "actors", .add, "South Korea", at: 1_000)
        let remove = story.change(Story.bob, "actors", .remove, "Japan", supersedes: [japan], at: 3_000)
        let again = story.change(Story.carol, "actors", .add, "Japan", at: 2_000)
        #expect(
            Replica(folding: [remove, japan, korea, again]).snapshot(of: Story.drill)?.sets["actors"] == [
                "Japan", "South Korea",
            ])
        #expect(Replica(folding: [remove, japan, korea]).snapshot(of: Story.drill)?.sets["actors"] == ["South Korea"])
    }

    @Test("notes keep every append, ordered by (hlc, replica, id)")
    func notesOrder() throws {
        var story = Story()
        let n1 = story.change(Story.bob, "notes", .append, "second", at: 2_000)
        let n2 = story.change(Story.alice, "notes", .append, "first", at: 1_000)
        let n3 = story.change(Story.alice, "notes", .append, "third", at: 2_000)
        let n4 = story.change(Story.bob, "notes", .append, "fourth", at: 2_000)
        let notes = Replica(folding: [n1, n4, n3, n2]).snapshot(of: Story.drill)?.notes.map(\.value)
        // (2000, alice) < (2000, bob n1) < (2000, bob n4): equal hlc and replica fall back to the id.
        #expect(notes == ["first", "third", "second", "fourth"])
    }

    @Test("a delete that saw everything deletes, keeps values for a restore and makes no conflict")
    func deleteKeepsValues() throws {
        var story = Story()
        let title = story.change(Story.alice, "title", "Joint air drill", at: 1_000)
        let tag = story.change(Story.alice, "tags", .add, "b52", at: 1_000)
        let delete = story.change(Story.bob, "deleted", .bool(true), supersedes: [title, tag], at: 2_000)
        let snapshot = try #require(Replica(folding: [delete, tag, title]).snapshot(of: Story.drill))
        #expect(snapshot.deleted)
        #expect(snapshot.deleteEditConflict.isEmpty)
        #expect(snapshot.fields["title"]?.value == "Joint air drill")
        #expect(snapshot.conflictCount == 0)
    }

    @Test("an edit the delete never saw is a delete/edit conflict naming that edit")
    func deleteEditConflict() throws {
        var story = Story()
        let title = story.change(Story.alice, "title", "Joint air drill", at: 1_000)
        let delete = story.change(Story.bob, "deleted", .bool(true), supersedes: [title], at: 3_000)
        let location = story.change(Story.alice, "location", "international waters", at: 2_000)
        let note = story.change(Story.carol, "notes", .append, "see Reuters", at: 2_500)
        let snapshot = try #require(Replica(folding: [location, delete, note, title]).snapshot(of: Story.drill))
        #expect(snapshot.deleted)
        #expect(snapshot.deleteEditConflict == [location.id, note.id].sorted())
        #expect(snapshot.conflictCount == 1)
        // A new delete that has seen the edits confirms it.
        let confirm = story.change(
            Story.carol, "deleted", .bool(true), supersedes: [delete, title, location, note], at: 4_000)
        let confirmed = try #require(
            Replica(folding: [location, delete, note, title, confirm]).snapshot(of: Story.drill))
        #expect(confirmed.deleted)
        #expect(confirmed.deleteEditConflict.isEmpty)
    }

    @Test("a restore brings the event back whole")
    func restore() throws {
        var story = Story()
        let title = story.change(Story.alice, "title", "Joint air drill", at: 1_000)
        let delete = story.change(Story.bob, "deleted", .bool(true), supersedes: [title], at: 2_000)
        let snapshot = try #require(Replica(folding: [title, delete]).snapshot(of: Story.drill))
        let restore = story.change(
            Story.carol, "deleted", .bool(false),
            supersedes: try EditPlanner.restore(snapshot, author: Story.carol).map { id in
                [title, delete].first { $0.id == id }!
            }, at: 3_000)
        let restored = try #require(Replica(folding: [restore, delete, title]).snapshot(of: Story.drill))
        #expect(!restored.deleted)
        #expect(restored.fields["title"]?.value == "Joint air drill")
    }

    @Test("two analysts importing the same article agree on one document")
    func sameImportAgrees() throws {
        var story = Story()
        let doc = try EntityID("document/3f9a1c0d5e7b2a46")
        let a = story.change(Story.alice, "title", "Air drill", at: 1_000, entity: doc)
        let b = story.change(Story.bob, "title", "Air drill", at: 1_300, entity: doc)
        let replica = Replica(folding: [a, b, a])
        #expect(replica.entities.count == 1)
        #expect(replica.snapshot(of: doc)?.fields["title"]?.agreement == true)
    }

    @Test("applying a change twice is a no-op")
    func idempotent() {
        var story = Story()
        let a = story.change(Story.alice, "notes", .append, "once", at: 1_000)
        var replica = Replica()
        let first = replica.apply(a)
        let second = replica.apply(a)
        #expect(first)
        #expect(!second)
        #expect(replica.snapshot(of: Story.drill)?.notes.count == 1)
    }
}
