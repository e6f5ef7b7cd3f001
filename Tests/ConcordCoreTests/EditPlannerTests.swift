import ConcordCore
import Testing

@Suite("Edit rules")
struct EditPlannerTests {
    @Test("only an adjudicator may resolve, and only a field in conflict")
    func resolution() throws {
        var story = Story()
        let a = Version(story.change(Story.alice, "type", "COOPERATE", at: 1))
        let b = Version(story.change(Story.bob, "type", "MOBILIZE", at: 2))
        #expect(throws: EditError.notAdjudicator(action: "resolve a conflict")) {
            try EditPlanner.resolution(field: "type", live: [a, b], role: .analyst)
        }
        #expect(try EditPlanner.resolution(field: "type", live: [a, b], role: .adjudicator) == [a.change, b.change])
        #expect(throws: EditError.noConflict(field: "type")) {
            try EditPlanner.resolution(field: "type", live: [a], role: .adjudicator)
        }
        #expect(EditPlanner.isResolution(superseding: [a, b]))
        #expect(!EditPlanner.isResolution(superseding: [a]))
    }

    @Test("an analyst may not mark an event reviewed or rejected")
    func statusNeedsAdjudicator() throws {
        #expect(throws: EditError.self) {
            try EditPlanner.authorize(field: "status", value: "reviewed", role: .analyst)
        }
        try EditPlanner.authorize(field: "status", value: "disputed", role: .analyst)
        try EditPlanner.authorize(field: "status", value: "rejected", role: .adjudicator)
    }

    @Test("a plain edit of an agreed field replaces every agreeing version")
    func replacesAgreement() {
        var story = Story()
        let a = Version(story.change(Story.alice, "confidence", "high", at: 1))
        let b = Version(story.change(Story.bob, "confidence", "high", at: 2))
        #expect(EditPlanner.supersedesForSet(live: [a, b], author: Story.carol) == [a.change, b.change])
    }
}

@Suite("Edit rules for deletes")
struct DeleteEditRuleTests {
    @Test("while a delete races a restore, an analyst's delete or restore replaces only their own candidate")
    func deletedInConflict() throws {
        var story = Story()
        let title = story.change(Story.alice, "title", "Joint air drill", at: 1)
        let delete = story.change(Story.alice, "deleted", .bool(true), supersedes: [title], at: 2)
        let restore = story.change(Story.bob, "deleted", .bool(false), supersedes: [delete], at: 3)
        let again = story.change(Story.carol, "deleted", .bool(true), supersedes: [delete, title], at: 3)
        // bob's restore and carol's second delete are concurrent: `deleted` is in conflict.
        let snapshot = try #require(Replica(folding: [title, delete, restore, again]).snapshot(of: Story.drill))
        #expect(snapshot.fields["deleted"]?.conflict == true)
        let byBob = EditPlanner.delete(snapshot, author: Story.bob)
        #expect(byBob.contains(restore.id) && !byBob.contains(again.id) && byBob.contains(title.id))
        #expect(!EditPlanner.isResolution(superseding: [Version(restore)]))
        let byAdjudicator = EditPlanner.delete(snapshot, author: nil)
        #expect(byAdjudicator.contains(restore.id) && byAdjudicator.contains(again.id))
        #expect(try EditPlanner.restore(snapshot, author: Story.alice) == [])
    }
}
