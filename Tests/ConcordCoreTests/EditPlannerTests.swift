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
