import ConcordCore
import Foundation
import Testing

/// Decisions an adjudicator gave a reason for are reported even when they replace a single version (issue 14): a
/// restore, and a resolution written to every linked event, reported once with its members.
@Suite("Report decisions")
struct ReportDecisionTests {
    let story = ReportStory()
    static let t0 = ReportStory.t0
    static let reasonRestore = "The deployment is reported by Reuters: keep the event"
    static let reasonType = "PLOVER: joint exercises are COOPERATE"

    /// A change with an id of its own series (the story's ids count from 0197f0a1-0001).
    func change(
        _ n: Int, _ author: AnalystName, _ entity: EntityID, _ field: String, op: ChangeOp = .set,
        _ value: FieldValue, supersedes: [Change] = [], at millis: Int64, counter: Int = 0, reason: String? = nil
    ) -> Change {
        Change(
            id: try! ChangeID("0197f0a2-\(String(format: "%04x", n))-7000-8000-000000000000"), entity: entity,
            field: field, op: op, value: value, supersedes: supersedes.map(\.id),
            hlc: HLC(millis: millis, counter: counter), author: author, replica: Story.replicas[author]!,
            reason: reason)
    }

    var changes: [Change] {
        let carol = Story.carol
        let link = change(
            1, Story.alice, ReportStory.drill, Schema.sameAsField, op: .add, .string(ReportStory.meeting.rawValue),
            at: Self.t0 + 11_000)
        // carol restores the deployment alice deleted, with a reason: one delete superseded.
        let restore = change(
            2, carol, ReportStory.deployment, "deleted", .bool(false), supersedes: [story["depDelete"]],
            at: Self.t0 + 12_000, reason: Self.reasonRestore)
        // carol resolves type on the two linked events in one command: one clock reading, one change per member.
        let drillType = change(
            3, carol, ReportStory.drill, "type", "COOPERATE", supersedes: [story["typeA"], story["typeB"]],
            at: Self.t0 + 13_000, counter: 0, reason: Self.reasonType)
        let meetingType = change(
            4, carol, ReportStory.meeting, "type", "COOPERATE", supersedes: [story["meetTypeB"]],
            at: Self.t0 + 13_000, counter: 1, reason: Self.reasonType)
        return story.changes + [link, restore, drillType, meetingType]
    }

    @Test("a restore decision is reported with its reason; a cluster decision once, naming its members")
    func decisions() throws {
        let report = ConflictReport.build(from: changes, generatedAt: ReportStory.generatedAt)
        let restore = try #require(report.resolvedConflicts.first { $0.field == "deleted" })
        #expect(restore.entity == ReportStory.deployment)
        #expect(restore.headline == "restore")
        #expect(restore.reason == Self.reasonRestore)
        #expect(restore.alternatives.map(\.author) == [Story.alice])
        #expect(!restore.chosenWasAlternative)

        let types = report.resolvedConflicts.filter { $0.field == "type" }
        #expect(types.count == 1, "one decision written to two linked events")
        let cluster = try #require(types.first)
        #expect(cluster.members == [ReportStory.drill, ReportStory.meeting].sorted { $0.rawValue < $1.rawValue })
        #expect(Set(cluster.alternatives.map(\.value)) == ["COOPERATE", "MOBILIZE", "CONSULT"])
        #expect(cluster.reason == Self.reasonType)
        #expect(report.header.counts.resolvedConflicts == report.resolvedConflicts.count)

        let markdown = report.markdown()
        #expect(markdown.contains("### `restore` of"))
        #expect(markdown.contains(Self.reasonRestore))
        #expect(markdown.contains("Written to the 2 linked events"))
        let html = report.html()
        #expect(html.contains("Written to the 2 linked events"))
        let json = try #require(try JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
        let resolved = try #require(json["resolved_conflicts"] as? [[String: Any]])
        #expect(resolved.contains { ($0["members"] as? [String])?.count == 2 })
    }

    @Test("the decisions do not depend on the order the changes come in")
    func orderFree() {
        let expected = ConflictReport.build(from: changes, generatedAt: ReportStory.generatedAt).json()
        var random = SeededRandom(seed: 14)
        for _ in 0..<10 {
            #expect(
                ConflictReport.build(from: changes.shuffled(using: &random), generatedAt: ReportStory.generatedAt)
                    .json() == expected)
        }
    }
}
