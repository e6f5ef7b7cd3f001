import ConcordCore
import Foundation

/// A scripted morning of three analysts coding the seed article about the B-52 drill (003_91dac28d6d7f9492).
///
/// - alice and bob both import the article: agreement on the document's `title` and `text`;
/// - the drill (E1): `date` coded 2025-07-11 vs 2025-07 (open), `type` COOPERATE vs MOBILIZE (open),
///   `confidence` high twice (agreement), `location` disputed then resolved by carol with a reason; a tag, a note;
/// - the B-52H deployment (E2): alice deletes it while bob, unaware, sets its country and tags it
///   (delete/edit conflict);
/// - the defence chiefs' meeting (E3): `type` CONSULT vs AGREE (open, the newest).
struct ReportStory {
    static let t0: Int64 = 1_752_224_400_000  // 2025-07-11T09:00:00Z
    static let document = try! EntityID("document/91dac28d6d7f9492")
    static let drill = Story.drill
    static let deployment = try! EntityID("event/0197f0a0-0000-7000-8000-000000000002")
    static let meeting = try! EntityID("event/0197f0a0-0000-7000-8000-000000000003")
    static let articleTitle = "South Korea, Japan, US conduct air drill as defence chiefs meet"
    static let articleText =
        "SEOUL (Reuters) -South Korea, Japan and the United States conducted a joint air drill on Friday involving "
        + "a U.S. B-52 strategic bomber and fighter jets of the three allies over international waters."
    static let evidence = "conducted a joint air drill on Friday involving a U.S. B-52 strategic bomber"
    static let reason = "Reuters says \"over international waters\"; the peninsula is where the B-52 was deployed"

    var changes: [Change] = []
    var byName: [String: Change] = [:]

    init() {
        var story = Story()
        let alice = Story.alice, bob = Story.bob, carol = Story.carol
        let t0 = Self.t0
        func add(_ name: String, _ change: Change) {
            changes.append(change)
            byName[name] = change
        }
        let doc = Self.document
        add("docTitleA", story.change(alice, "title", .string(Self.articleTitle), at: t0, entity: doc))
        add("docTextA", story.change(alice, "text", .string(Self.articleText), at: t0, entity: doc))
        add("docTitleB", story.change(bob, "title", .string(Self.articleTitle), at: t0 + 50, entity: doc))
        add("docTextB", story.change(bob, "text", .string(Self.articleText), at: t0 + 50, entity: doc))

        add("drillDoc", story.change(alice, "doc", .string(doc.rawValue), at: t0 + 1_000))
        add("drillTitle", story.change(alice, "title", "Joint air drill with a US B-52", at: t0 + 1_000))
        add("drillEvidence", story.change(alice, "evidence", .string(Self.evidence), at: t0 + 1_000))
        add("dateA", story.change(alice, "date", "2025-07-11", at: t0 + 1_500))
        add("typeA", story.change(alice, "type", "COOPERATE", at: t0 + 2_000))
        add("typeB", story.change(bob, "type", "MOBILIZE", at: t0 + 2_500))
        add("confidenceA", story.change(alice, "confidence", "high", at: t0 + 3_000))
        add("confidenceB", story.change(bob, "confidence", "high", at: t0 + 3_100))
        add("locationA", story.change(alice, "location", "international waters", at: t0 + 4_000))
        add("locationB", story.change(bob, "location", "Korean Peninsula", at: t0 + 4_200))
        add(
            "locationC",
            story.change(
                carol, "location", "international waters", supersedes: [byName["locationA"]!, byName["locationB"]!],
                at: t0 + 9_000, reason: Self.reason))
        add("tag", story.change(alice, "tags", .add, "b52", at: t0 + 5_000))
        add("note", story.change(bob, "notes", .append, "MOBILIZE: a show of force aimed at the North", at: t0 + 5_100))
        add("dateB", story.change(bob, "date", "2025-07", at: t0 + 10_000))

        let e2 = Self.deployment
        add("depDoc", story.change(bob, "doc", .string(doc.rawValue), at: t0 + 6_000, entity: e2))
        add(
            "depTitle", story.change(bob, "title", "B-52H deployed to the Korean Peninsula", at: t0 + 6_000, entity: e2)
        )
        add("depType", story.change(bob, "type", "MOBILIZE", at: t0 + 6_000, entity: e2))
        add(
            "depDelete",
            story.change(
                alice, "deleted", .bool(true),
                supersedes: [byName["depDoc"]!, byName["depTitle"]!, byName["depType"]!],
                at: t0 + 7_000, entity: e2))
        add("depCountry", story.change(bob, "country", "USA", at: t0 + 7_100, entity: e2))
        add("depTag", story.change(bob, "tags", .add, "deterrence", at: t0 + 7_200, entity: e2))

        let e3 = Self.meeting
        add("meetDoc", story.change(bob, "doc", .string(doc.rawValue), at: t0 + 400, entity: e3))
        add("meetTitle", story.change(bob, "title", "Defence chiefs meet in Seoul", at: t0 + 400, entity: e3))
        add("meetTypeB", story.change(bob, "type", "CONSULT", at: t0 + 8_000, entity: e3))
        add("meetTypeA", story.change(alice, "type", "AGREE", at: t0 + 8_500, entity: e3))
    }

    subscript(_ name: String) -> Change { byName[name]! }

    static let generatedAt = Date(timeIntervalSince1970: 1_752_228_000)  // 2025-07-11T10:00:00Z
}
