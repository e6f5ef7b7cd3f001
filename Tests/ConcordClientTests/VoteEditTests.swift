import ConcordStore
import ConcordCore
import Foundation
import Testing

/// protocol.md §11 from the CLI's side: an analyst's edit of a coded field is a vote, checked offline.
@Suite("Votes from the CLI")
struct VoteEditTests {
    /// alice and bob share one event coded by alice (type COOPERATE, actor Japan).
    func twoCoders(_ dir: TempDir) throws -> (alice: LocalStore, bob: LocalStore, event: EntityID) {
        let alice = try makeStore(dir, name: "alice.sqlite", analyst: "alice", seed: 1)
        let bob = try makeStore(dir, name: "bob.sqlite", analyst: "bob", seed: 2)
        let doc = try alice.importArticles(seedFiles)[0].id
        let event = try alice.addEvent(
            EventDraft(
                values: ["doc": doc.rawValue, "title": "Joint air drill", "type": "COOPERATE"], actors: ["Japan"]))
        try exchange(alice, bob)
        return (alice, bob, event)
    }

    func exchange(_ from: LocalStore, _ to: LocalStore) throws {
        let changes = try from.allChanges().enumerated().map {
            Wire.SequencedChange(seq: Int64($0.offset + 1), change: $0.element)
        }
        _ = try to.applyPulled(changes, cursor: Int64(changes.count))
    }

    @Test(
        "an analyst may not replace an adjudicator's rejected status, offline as on the server; a summary in conflict they may settle"
    )
    func decidedStatusAndCoEditing() throws {
        let dir = TempDir()
        let (alice, bob, event) = try twoCoders(dir)
        let carol = try makeStore(dir, name: "carol.sqlite", analyst: "carol", seed: 3)
        try carol.setRole(.adjudicator)
        try exchange(alice, carol)
        _ = try carol.set(event.rawValue, field: "status", value: "rejected")
        try exchange(carol, alice)
        let before = try alice.allChanges().count
        #expect(throws: StoreError.self) { try alice.set(event.rawValue, field: "status", value: "draft") }
        #expect(try alice.allChanges().count == before, "nothing written")
        _ = try carol.set(event.rawValue, field: "status", value: "reviewed")
        // Descriptive fields are co-edited: bob settles a summary conflict, and is told whom he settled it over.
        _ = try alice.set(event.rawValue, field: "summary", value: "A drill")
        _ = try bob.set(event.rawValue, field: "summary", value: "A show of force")
        try exchange(alice, bob)
        #expect(try bob.event(event.rawValue).fields["summary"]?.conflict == true)
        let settled = try bob.set(event.rawValue, field: "summary", value: "A drill and a show of force")
        #expect(settled.changes.first?.supersedes.count == 2)
        #expect(settled.notices.joined().contains("settles it"), "\(settled.notices)")
        #expect(try bob.event(event.rawValue).fields["summary"]?.conflict == false)
    }

    @Test(
        "a set disagreement across linked events is listed, and an adjudicator's set resolution decides it for every member"
    )
    func setResolution() throws {
        let dir = TempDir()
        let (alice, bob, event) = try twoCoders(dir)
        let carol = try makeStore(dir, name: "carol.sqlite", analyst: "carol", seed: 3)
        try carol.setRole(.adjudicator)
        let doc = try #require(try bob.event(event.rawValue).fields["doc"]?.value.string)
        // alice coded actors {Japan}; bob codes his own event of the same drill with {Japan, South Korea}.
        let bobs = try bob.addEvent(
            EventDraft(
                values: ["doc": doc, "title": "B-52 drill", "type": "COOPERATE"], actors: ["Japan", "South Korea"]))
        _ = try bob.link(bobs.rawValue, to: [event.rawValue])
        try exchange(alice, carol)
        try exchange(bob, carol)
        let disagreement = try #require(try carol.clusterDisagreements().first { $0.field == "actors" })
        #expect(disagreement.candidates.map(\.elements) == [["Japan"], ["Japan", "South Korea"]])
        #expect(disagreement.candidates.map(\.author.rawValue) == ["alice", "bob"])
        let before = try carol.agreement()

        #expect(throws: StoreError.self) {
            try alice.resolveSet(event.rawValue, field: "actors", values: ["Japan"], reason: "mine")
        }
        #expect(throws: StoreError.self) {
            try carol.resolveSet(event.rawValue, field: "actors", values: ["Japan"], reason: " ")
        }
        let outcome = try carol.resolveSet(
            event.rawValue, field: "actors", values: ["South Korea", "United States", "Japan"],
            reason: "the article names all three")
        #expect(outcome.notices.contains { $0.contains("no coder proposed \"United States\"") })
        #expect(outcome.changes.allSatisfy { $0.reason == "the article names all three" })
        for member in [event, bobs] {
            #expect(try carol.event(member.rawValue).sets["actors"] == ["Japan", "South Korea", "United States"])
        }
        #expect(try carol.clusterDisagreements().filter { $0.field == "actors" }.isEmpty)
        // A resolution is never a coder's vote: the coders' actors are what they coded.
        let after = try carol.agreement()
        let actors = { (report: AgreementReport) in report.fields.first { $0.name == "actors" } }
        #expect(actors(after)?.coders == ["alice", "bob"], "carol is no coder")
        #expect(actors(after)?.values == actors(before)?.values)
        #expect(throws: StoreError.self) {
            try carol.resolveSet(event.rawValue, field: "actors", values: ["Japan"], reason: "no longer disputed")
        }
    }

    @Test("an adjudicator's remove or add on another analyst's coded set is a reasoned resolution")
    func adjudicatorSetEdits() throws {
        let dir = TempDir()
        let (alice, _, event) = try twoCoders(dir)
        let carol = try makeStore(dir, name: "carol.sqlite", analyst: "carol", seed: 3)
        try carol.setRole(.adjudicator)
        try exchange(alice, carol)
        let before = try carol.allChanges().count
        #expect(throws: StoreError.self) { try carol.removeElement(event.rawValue, field: "actors", value: "Japan") }
        #expect(throws: StoreError.self) {
            try carol.addElement(event.rawValue, field: "actors", value: "South Korea", reason: "\u{200B}")
        }
        #expect(try carol.allChanges().count == before, "nothing written")
        let removed = try carol.removeElement(
            event.rawValue, field: "actors", value: "Japan", reason: "the article names no Japanese unit")
        #expect(removed.changes.first?.reason == "the article names no Japanese unit")
        let added = try carol.addElement(event.rawValue, field: "actors", value: "South Korea", reason: "named twice")
        #expect(added.changes.first?.reason == "named twice")
        #expect(try carol.event(event.rawValue).sets["actors"] == ["South Korea"])
        // Neither is a vote: alice's coding stays what she coded.
        #expect(try carol.agreement().fields.first { $0.name == "actors" }?.coders.contains("carol") != true)
        // An analyst still may not remove alice's coding, reason or not.
        let bob = try makeStore(dir, name: "bob2.sqlite", analyst: "bob", seed: 4)
        try exchange(alice, bob)
        #expect(throws: StoreError.self) {
            try bob.removeElement(event.rawValue, field: "actors", value: "Japan", reason: "because")
        }
    }

    @Test("resolving a type settles the mode: --mode sets it on every member, else a mode the type forbids is cleared")
    func resolveTypeSettlesMode() throws {
        let dir = TempDir()
        let (alice, bob, event) = try twoCoders(dir)
        let carol = try makeStore(dir, name: "carol.sqlite", analyst: "carol", seed: 3)
        try carol.setRole(.adjudicator)
        // bob votes MOBILIZE with mode weapons beside alice's COOPERATE.
        _ = try bob.editEvent(event.rawValue, EventEdit(values: ["type": "MOBILIZE", "mode": "weapons"]))
        try exchange(alice, carol)
        try exchange(bob, carol)
        let before = try carol.allChanges().count
        #expect(throws: StoreError.self) {
            try carol.resolve(
                event.rawValue, field: "type", keep: nil, value: "COOPERATE", reason: "x", mode: "weapons")
        }
        #expect(try carol.allChanges().count == before, "a mode the type forbids is refused, nothing written")
        let clear = try carol.resolve(
            event.rawValue, field: "type", keep: nil, value: "COOPERATE", reason: "joint drill")
        #expect(
            clear.notices.contains { $0.contains("cleared the mode") && $0.contains("weapons") }, "\(clear.notices)")
        let modeChange = try #require(clear.changes.first { $0.field == "mode" })
        #expect(modeChange.value == .string("") && modeChange.schema == 3 && modeChange.reason == "joint drill")
        #expect(try carol.event(event.rawValue).fields["mode"] == nil)
        // bob's coding is still what he coded: the clear is a resolution, not his vote.
        let mode = try carol.agreement().fields.first { $0.name == "mode" }
        #expect(mode?.coders.contains("carol") != true)
    }

    @Test("a pair bob dismisses is never suggested again, to anyone, once it has synced")
    func dismissedPairs() throws {
        let dir = TempDir()
        let (alice, bob, drill) = try twoCoders(dir)
        let doc = try #require(try bob.event(drill.rawValue).fields["doc"]?.value.string)
        let bobs = try bob.addEvent(
            EventDraft(values: ["doc": doc, "title": "Joint air drill held", "type": "COOPERATE"], actors: ["Japan"]))
        try exchange(bob, alice)
        let pair = Set([drill.rawValue, bobs.rawValue])
        #expect(try alice.matchSuggestions().map { Set([$0.a, $0.b]) } == [pair])
        let outcome = try bob.dismiss(bobs.rawValue, drill.rawValue)
        #expect(outcome.changes.map(\.field) == [Schema.distinctFromField])
        #expect(outcome.changes.first?.schema == 3, "a schema-3 field")
        #expect(try bob.matchSuggestions().isEmpty)
        try exchange(bob, alice)
        #expect(try alice.matchSuggestions().isEmpty, "dismissed for everyone")
        #expect(throws: StoreError.self) { try alice.link(drill.rawValue, to: [bobs.rawValue]) }
        _ = try alice.undismiss(drill.rawValue, bobs.rawValue)
        #expect(try alice.matchSuggestions().map { Set([$0.a, $0.b]) } == [pair])
    }

    @Test("bob's different type stands beside alice's as a conflict, and he is told so")
    func disagreement() throws {
        let dir = TempDir()
        let (_, bob, event) = try twoCoders(dir)
        let outcome = try bob.set(event.rawValue, field: "type", value: "MOBILIZE")
        #expect(outcome.changes.count == 1 && outcome.changes[0].supersedes.isEmpty)
        #expect(outcome.notices.joined().contains("alice coded \"COOPERATE\""))
        let type = try #require(try bob.event(event.rawValue).fields["type"])
        #expect(type.conflict && type.candidates.map(\.author.rawValue).sorted() == ["alice", "bob"])
    }

    @Test("bob's equal type is an agreement, written as his own vote")
    func agreement() throws {
        let dir = TempDir()
        let (_, bob, event) = try twoCoders(dir)
        let outcome = try bob.set(event.rawValue, field: "type", value: "COOPERATE")
        #expect(outcome.changes.count == 1)
        #expect(outcome.notices.joined().contains("too: an agreement"))
        let type = try #require(try bob.event(event.rawValue).fields["type"])
        #expect(type.agreement)
        let again = try bob.set(event.rawValue, field: "type", value: "COOPERATE")
        #expect(again.changes.isEmpty)
    }

    @Test("bob may not remove alice's actor; adding it is his vote; removing his own leaves hers")
    func codedSets() throws {
        let dir = TempDir()
        let (_, bob, event) = try twoCoders(dir)
        let before = try bob.allChanges().count
        let refused = #expect(throws: StoreError.self) {
            try bob.removeElement(event.rawValue, field: "actors", value: "Japan")
        }
        #expect(refused?.description.contains("alice coded it") == true)
        #expect(try bob.allChanges().count == before)
        let add = try bob.addElement(event.rawValue, field: "actors", value: "Japan")
        #expect(add.changes.count == 1)
        let remove = try bob.removeElement(event.rawValue, field: "actors", value: "Japan")
        #expect(remove.changes.count == 1)
        #expect(try bob.event(event.rawValue).sets["actors"] == ["Japan"])
    }

    @Test("a resolution without a reason is refused and writes nothing")
    func resolutionNeedsReason() throws {
        let dir = TempDir()
        let carol = try makeStore(dir, name: "carol.sqlite", analyst: "carol", seed: 3)
        try carol.setRole(.adjudicator)
        let (alice, bob, event) = try twoCoders(dir)
        _ = try bob.set(event.rawValue, field: "type", value: "MOBILIZE")
        try exchange(alice, carol)
        try exchange(bob, carol)
        let before = try carol.allChanges().count
        let keep = try #require(try carol.event(event.rawValue).fields["type"]?.candidates.first)
        let error = #expect(throws: StoreError.self) {
            try carol.resolve(event.rawValue, field: "type", keep: keep.change.rawValue, value: nil, reason: nil)
        }
        #expect(error?.description.contains("--reason") == true)
        #expect(try carol.allChanges().count == before)
        _ = try carol.resolve(
            event.rawValue, field: "type", keep: keep.change.rawValue, value: nil, reason: "PLOVER's rule")
        #expect(try carol.event(event.rawValue).fields["type"]?.conflict == false)
    }

    @Test("a mode must be one of the event type's PLOVER modes")
    func modeFollowsType() throws {
        let dir = TempDir()
        let (alice, _, event) = try twoCoders(dir)
        let error = #expect(throws: StoreError.self) { try alice.set(event.rawValue, field: "mode", value: "visit") }
        #expect(error?.description.contains("no modes") == true)
        _ = try alice.set(event.rawValue, field: "type", value: "CONSULT")
        _ = try alice.set(event.rawValue, field: "mode", value: "visit")
        #expect(try alice.event(event.rawValue).fields["mode"]?.value == "visit")
    }
}
