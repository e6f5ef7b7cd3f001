import ConcordCore
import Testing

@Suite("Vote rules (protocol.md §11)")
struct VotePlannerTests {
    @Test("the schema marks exactly the coded event fields")
    func codedFields() {
        #expect(
            Schema.codedEventFields.sorted()
                == [
                    "actors", "aux", "confidence", "context", "country", "date", "end_date", "location", "mode",
                    "recipients", "type",
                ])
        #expect(!Schema.isCoded("title", of: .event) && !Schema.isCoded("same_as", of: .event))
        #expect(!Schema.isCoded("title", of: .document))
    }

    @Test("a vote on a coded register replaces only the author's own versions, in or out of conflict")
    func ownVersionsOnly() {
        var story = Story()
        let alice = Version(story.change(Story.alice, "type", "COOPERATE", at: 1))
        let bob = Version(story.change(Story.bob, "type", "COOPERATE", at: 2))
        #expect(EditPlanner.supersedesForSet(live: [alice, bob], author: Story.bob, coded: true) == [bob.change])
        #expect(EditPlanner.supersedesForSet(live: [alice], author: Story.bob, coded: true) == [])
        // A descriptive field that agrees is replaced whole.
        #expect(EditPlanner.supersedesForSet(live: [alice, bob], author: Story.bob).count == 2)
    }

    @Test("removing a coded element removes only the author's adds, and refuses when they have none")
    func removeOwnAdds() throws {
        var story = Story()
        let alice = Version(story.change(Story.alice, "actors", .add, "Japan", at: 1))
        let bob = Version(story.change(Story.bob, "actors", .add, "Japan", at: 2))
        #expect(
            try EditPlanner.remove(element: "Japan", adds: [alice, bob], field: "actors", author: Story.bob)
                == [bob.change])
        #expect(throws: EditError.notYourVote(field: "actors", other: Story.alice, action: "remove \"Japan\"")) {
            try EditPlanner.remove(element: "Japan", adds: [alice], field: "actors", author: Story.bob)
        }
        #expect(try EditPlanner.remove(element: "Japan", adds: [alice, bob], field: "tags").count == 2)
    }

    @Test("the server's check refuses superseding another analyst's coding and names them")
    func checkSupersedes() throws {
        var story = Story()
        let aliceChange = story.change(Story.alice, "type", "COOPERATE", at: 1)
        let alice = Version(aliceChange)
        let byBob = story.change(Story.bob, "type", "MOBILIZE", supersedes: [aliceChange], at: 2)
        #expect(throws: EditError.notYourVote(field: "type", other: Story.alice, action: "replace their type")) {
            try EditPlanner.checkSupersedes(byBob, superseded: [alice], role: .analyst)
        }
        // The same change by an adjudicator is a resolution: it needs a reason.
        #expect(throws: EditError.reasonRequired(field: "type")) {
            try EditPlanner.checkSupersedes(byBob, superseded: [alice], role: .adjudicator)
        }
        let reasoned = story.change(
            Story.carol, "type", "COOPERATE", supersedes: [aliceChange], at: 3, reason: "PLOVER's rule")
        try EditPlanner.checkSupersedes(reasoned, superseded: [alice], role: .adjudicator)
        // Superseding one's own version is always a vote.
        let own = story.change(Story.alice, "type", "AID", supersedes: [aliceChange], at: 4)
        try EditPlanner.checkSupersedes(own, superseded: [alice], role: .analyst)
    }

    @Test("descriptive fields are co-edited: anyone may settle a conflict, whatever the server holds besides")
    func conflictOnDescriptiveField() throws {
        var story = Story()
        let aliceChange = story.change(Story.alice, "summary", "A drill", at: 1)
        let bobChange = story.change(Story.bob, "summary", "A show of force", at: 1)
        let settling = story.change(
            Story.bob, "summary", "A drill and a show of force", supersedes: [aliceChange, bobChange], at: 2)
        try EditPlanner.checkSupersedes(
            settling, superseded: [Version(aliceChange), Version(bobChange)], role: .analyst)
        #expect(
            EditPlanner.supersedesForSet(live: [Version(aliceChange), Version(bobChange)], author: Story.bob).count == 2
        )
        // A reason of invisible characters is no reason.
        let blank = story.change(
            Story.carol, "type", "AID", supersedes: [aliceChange], at: 3, reason: "\u{200B} \u{202E}")
        #expect(throws: EditError.reasonRequired(field: "type")) {
            try EditPlanner.checkSupersedes(blank, superseded: [Version(aliceChange)], role: .adjudicator)
        }
    }

    @Test("only an adjudicator replaces a reviewed or rejected status")
    func decidedStatus() throws {
        var story = Story()
        let rejected = story.change(Story.carol, "status", "rejected", at: 1)
        let draft = story.change(Story.alice, "status", "draft", supersedes: [rejected], at: 2)
        #expect(throws: EditError.self) {
            try EditPlanner.checkSupersedes(draft, superseded: [Version(rejected)], role: .analyst)
        }
        #expect(throws: EditError.self) {
            try EditPlanner.authorizeReplacing(field: "status", live: [Version(rejected)], role: .analyst)
        }
        try EditPlanner.checkSupersedes(draft, superseded: [Version(rejected)], role: .adjudicator)
        let disputed = story.change(Story.bob, "status", "disputed", at: 3)
        let reviewed = story.change(Story.alice, "status", "draft", supersedes: [disputed], at: 4)
        try EditPlanner.checkSupersedes(reviewed, superseded: [Version(disputed)], role: .analyst)
    }
}
