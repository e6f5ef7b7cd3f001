import ConcordCore
import Foundation
import Testing

/// Each section of the conflict report, checked against the scripted history of ``ReportStory``.
@Suite("Conflict report sections")
struct ReportTests {
    let story = ReportStory()
    var report: ConflictReport { ConflictReport.build(from: story.changes, generatedAt: ReportStory.generatedAt) }
    static let t0 = ReportStory.t0

    @Test("the header gives the data's time range and every count")
    func header() throws {
        let header = report.header
        let range = try #require(header.range)
        #expect(range.firstHLC == HLC(millis: Self.t0, counter: 0))
        #expect(range.lastHLC == HLC(millis: Self.t0 + 10_000, counter: 0))
        #expect(range.firstTime == "2025-07-11T09:00:00Z")
        #expect(range.lastTime == "2025-07-11T09:00:10Z")
        #expect(report.generatedAt == "2025-07-11T10:00:00Z")
        let c = header.counts
        #expect([Int]([c.changes, c.documents, c.events, c.deletedEvents, c.analysts]) == [28, 1, 3, 1, 3])
        #expect([Int]([c.openConflicts, c.resolvedConflicts, c.deleteEditConflicts]) == [3, 1, 1])
        #expect([Int]([c.agreementEpisodes, c.conflictEpisodes]) == [3, 4])
        #expect(header.agreementRate == 3.0 / 7.0)
    }

    @Test("open conflicts come by event, type first, with candidates, the document's title and the evidence quote")
    func openConflicts() throws {
        let open = report.openConflicts
        // Both events are in conflict on type (the most important field); the drill has more fields in conflict.
        #expect(open.map(\.entity) == [ReportStory.drill, ReportStory.drill, ReportStory.meeting])
        #expect(open.map(\.field) == ["type", "date", "type"])
        #expect(open.map(\.since.millis) == [Self.t0 + 2_000, Self.t0 + 1_500, Self.t0 + 8_000])
        #expect(report.openConflictsByEntity.map(\.count) == [2, 1])

        let type = open[0]
        #expect(type.title == "Joint air drill with a US B-52")
        #expect(type.document?.id == ReportStory.document)
        #expect(type.document?.title == ReportStory.articleTitle)
        #expect(type.evidence == ReportStory.evidence)
        #expect(type.candidates.map(\.change) == [story["typeA"].id, story["typeB"].id])
        #expect(type.candidates.map(\.value) == ["COOPERATE", "MOBILIZE"])
        #expect(type.candidates.map(\.author) == [Story.alice, Story.bob])
        #expect(type.candidates.map(\.hlc.description) == ["1752224402000:0000", "1752224402500:0000"])
        #expect(type.candidates.map(\.time) == ["2025-07-11T09:00:02Z", "2025-07-11T09:00:02Z"])

        let meeting = open[2]
        #expect(meeting.title == "Defence chiefs meet in Seoul")
        #expect(meeting.evidence == nil, "the meeting has no evidence quote")
        #expect(meeting.candidates.map(\.value) == ["CONSULT", "AGREE"])
    }

    @Test("a resolution lists the alternatives, what carol chose, when and why")
    func resolvedConflicts() throws {
        let resolved = try #require(report.resolvedConflicts.first)
        #expect(report.resolvedConflicts.count == 1)
        #expect(resolved.entity == ReportStory.drill)
        #expect(resolved.field == "location")
        #expect(resolved.title == "Joint air drill with a US B-52")
        #expect(resolved.alternatives.map(\.value) == ["international waters", "Korean Peninsula"])
        #expect(resolved.alternatives.map(\.author) == [Story.alice, Story.bob])
        #expect(resolved.chosen.change == story["locationC"].id)
        #expect(resolved.chosen.value == "international waters")
        #expect(resolved.chosen.author == Story.carol)
        #expect(resolved.chosen.time == "2025-07-11T09:00:09Z")
        #expect(resolved.reason == ReportStory.reason)
        #expect(resolved.chosenWasAlternative)
    }

    @Test("a delete/edit conflict names the live delete and the edits it did not see")
    func deleteEditConflicts() throws {
        let conflict = try #require(report.deleteEditConflicts.first)
        #expect(report.deleteEditConflicts.count == 1)
        #expect(conflict.entity == ReportStory.deployment)
        #expect(conflict.title == "B-52H deployed to the Korean Peninsula")
        #expect(conflict.deletes.map(\.author) == [Story.alice])
        #expect(conflict.deletes.map(\.change) == [story["depDelete"].id])
        #expect(conflict.edits.map(\.change) == [story["depCountry"].id, story["depTag"].id])
        #expect(conflict.edits.map(\.field) == ["country", "tags"])
        #expect(conflict.edits.map(\.op) == [.set, .add])
        #expect(conflict.edits.map(\.value) == ["USA", "deterrence"])
        #expect(conflict.edits.map(\.author) == [Story.bob, Story.bob])
    }

    @Test("agreement rates per field count each episode once")
    func fieldAgreement() {
        let rows = report.fieldAgreement.map { "\($0.entityKind.rawValue).\($0.field)" }
        #expect(
            rows == [
                "document.text", "document.title", "event.confidence", "event.date", "event.location", "event.type",
            ])
        #expect(report.fieldAgreement.map(\.agreements) == [1, 1, 1, 0, 0, 0])
        #expect(report.fieldAgreement.map(\.conflicts) == [0, 0, 0, 1, 1, 2])
        #expect(report.fieldAgreement.map(\.rate) == [1, 1, 1, 0, 0, 0])
    }

    @Test("per-analyst activity counts changes, events, conflicts, agreements and resolutions")
    func analysts() {
        let rows = report.analysts
        #expect(rows.map(\.analyst) == [Story.alice, Story.bob, Story.carol])
        #expect(rows.map(\.changes) == [12, 15, 1])
        #expect(rows.map(\.eventsTouched) == [3, 3, 1])
        #expect(rows.map(\.conflictsInvolved) == [4, 4, 0])
        #expect(rows.map(\.agreementsInvolved) == [3, 3, 0])
        #expect(rows.map(\.resolutions) == [0, 0, 1])
        #expect(rows.map(\.firstTime) == ["2025-07-11T09:00:00Z", "2025-07-11T09:00:00Z", "2025-07-11T09:00:09Z"])
        #expect(rows.map(\.lastHLC.millis) == [Self.t0 + 8_500, Self.t0 + 10_000, Self.t0 + 9_000])
    }

    @Test("the definition of an episode travels with the JSON")
    func definitions() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
        let definitions = try #require(object["definitions"] as? [String: String])
        #expect(definitions["episode"]?.contains("two or more distinct analysts") == true)
        #expect(definitions["agreement_rate"] != nil)
        #expect(object["report_version"] as? Int == 1)
    }
}
