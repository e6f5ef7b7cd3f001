import ConcordCore
import Foundation
import Testing

/// The report builder's rules beyond the scripted story: streaming, episode counting, edge cases, random histories.
@Suite("Conflict report builder")
struct ReportBuilderTests {
    @Test("feeding changes one by one gives the same report as building from the whole set")
    func streamingMatchesBuild() {
        let story = ReportStory()
        var builder = ReportBuilder()
        for change in story.changes.reversed() { builder.add(change) }
        builder.add(story.changes[3])
        #expect(builder.finish(generatedAt: nil) == ConflictReport.build(from: story.changes, generatedAt: nil))
    }

    @Test("two adjudicators resolving the same conflict count its episode once and give two resolutions")
    func concurrentResolutionsShareAnEpisode() throws {
        var story = Story()
        let a = story.change(Story.alice, "location", "Jeju", at: 1_000)
        let b = story.change(Story.bob, "location", "Seoul", at: 1_100)
        let c1 = story.change(Story.carol, "location", "Jeju", supersedes: [a, b], at: 2_000, reason: "first")
        let c2 = Change(
            id: try ChangeID("0197f0a1-dddd-7000-8000-000000000000"), entity: Story.drill, field: "location", op: .set,
            value: "Busan", supersedes: [a.id, b.id], hlc: HLC(millis: 2_000, counter: 0),
            author: try AnalystName("dave"),
            replica: try ReplicaID("0197f0a0-dddd-7000-8000-00000000000d"))
        let report = ConflictReport.build(from: [a, b, c1, c2])
        #expect(report.fieldAgreement.map(\.conflicts) == [2], "{a, b} once, and the live {c1, c2} (carol vs dave)")
        #expect(report.resolvedConflicts.map(\.chosen.author.rawValue) == ["carol", "dave"])
        #expect(report.resolvedConflicts.map(\.chosenWasAlternative) == [true, false])
        #expect(report.resolvedConflicts.map(\.reason) == ["first", nil])
        #expect(report.header.counts.openConflicts == 1, "the two resolutions now conflict with each other")
        #expect(report.analysts.map(\.resolutions) == [0, 0, 1, 1])
    }

    @Test("one analyst replacing their own value, or versions by one author only, are not episodes")
    func singleAuthorIsNoEpisode() {
        var story = Story()
        let a = story.change(Story.alice, "type", "AID", at: 1_000)
        let a2 = story.change(Story.alice, "type", "AGREE", supersedes: [a], at: 2_000)
        let b = story.change(Story.bob, "type", "AGREE", supersedes: [a2], at: 3_000)
        let report = ConflictReport.build(from: [a, a2, b])
        #expect(report.fieldAgreement.isEmpty)
        #expect(report.header.agreementRate == nil)
        #expect(report.resolvedConflicts.isEmpty)
        #expect(report.markdown().contains("No field has been written by two analysts together yet."))
    }

    @Test("an agreement that is later replaced still counts once as an agreement")
    func supersededAgreementCounts() {
        var story = Story()
        let a = story.change(Story.alice, "confidence", "high", at: 1_000)
        let b = story.change(Story.bob, "confidence", "high", at: 1_100)
        let c = story.change(Story.carol, "confidence", "medium", supersedes: [a, b], at: 2_000)
        let report = ConflictReport.build(from: [c, b, a])
        #expect(report.fieldAgreement.map(\.agreements) == [1])
        #expect(report.fieldAgreement.map(\.conflicts) == [0])
        #expect(report.resolvedConflicts.isEmpty, "superseding equal values resolves nothing")
        #expect(report.analysts.map(\.agreementsInvolved) == [1, 1, 0])
    }

    @Test("an empty history gives an empty report that still renders")
    func emptyReport() throws {
        let report = ConflictReport.build(from: [Change]())
        #expect(report.header.range == nil)
        #expect(report.header.counts.changes == 0)
        #expect(report.markdown().contains("No data yet."))
        #expect(report.html().contains("No open conflicts and no cluster disagreements."))
        #expect(try ConflictReport.decode(json: report.json()) == report)
    }

    @Test("report times are ISO 8601 UTC")
    func times() {
        let hlc = { (millis: Int64) in HLC(millis: millis, counter: 0) }
        let cases: [(Int64, String)] = [
            (0, "1970-01-01T00:00:00Z"), (951_782_400_000, "2000-02-29T00:00:00Z"),
            (1_752_224_400_999, "2025-07-11T09:00:00Z"), (4_102_444_799_000, "2099-12-31T23:59:59Z"),
        ]
        for (millis, expected) in cases {
            var story = Story()
            let change = story.change(Story.alice, "title", "x", at: hlc(millis).millis)
            #expect(ConflictReport.build(from: [change]).header.range?.firstTime == expected)
        }
    }

    @Test("on random histories the report matches the merge's own view of conflicts and deletes", arguments: [1, 2, 3])
    func matchesMergeOnRandomHistories(seed: UInt64) {
        var simulator = HistorySimulator(seed: seed, analysts: 4)
        for step in 0..<600 {
            let writer = Int(simulator.nextRandom() % 4)
            let written = simulator.edit(by: writer)
            if step % 3 == 0 {
                simulator.deliver(simulator.allChanges, to: Int(simulator.nextRandom() % 4))
            } else {
                simulator.deliver(written, to: (writer + 1) % 4)
            }
        }
        let changes = simulator.allChanges
        let replica = Replica(folding: changes)
        let report = ConflictReport.build(from: simulator.shuffled(changes))
        let snapshots = replica.snapshots
        #expect(report.header.counts.changes == changes.count)
        #expect(report.header.counts.openConflicts == snapshots.map(\.conflictedFields.count).reduce(0, +))
        #expect(report.header.counts.deleteEditConflicts == snapshots.filter { !$0.deleteEditConflict.isEmpty }.count)
        #expect(report.header.counts.deletedEvents == snapshots.filter(\.deleted).count)
        #expect(report.analysts.map(\.changes).reduce(0, +) == changes.count)
        let episodes = report.fieldAgreement.map { $0.agreements + $0.conflicts }.reduce(0, +)
        #expect(episodes == report.header.counts.agreementEpisodes + report.header.counts.conflictEpisodes)
        #expect(report.header.counts.resolvedConflicts > 0, "the simulator's adjudicator resolves some conflicts")
        #expect(
            report.resolvedConflicts.allSatisfy {
                $0.reason == "adjudicated" || !Schema.isCoded($0.field, of: .event)
            },
            "only the adjudicator decides between votes; a descriptive field's conflict anyone may settle")
        // Grouped by entity (each entity in one run), groups by their most important field, fields in rank order.
        let groups = report.openConflictsByEntity
        #expect(Set(groups.map { $0[0].entity }).count == groups.count, "each entity's conflicts together")
        let leading = groups.map { ConflictReport.fieldRank($0[0].field) }
        #expect(leading == leading.sorted(), "most important field first")
        for group in groups {
            let ranks = group.map { ConflictReport.fieldRank($0.field) }
            #expect(ranks == ranks.sorted())
        }
    }
}
