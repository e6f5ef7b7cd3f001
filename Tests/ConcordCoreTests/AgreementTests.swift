import ConcordCore
import Foundation
import Testing

/// The agreement report of protocol.md §11 on a scenario small enough to compute by hand.
///
/// alice created a1, a4 (document d1), a2 (d1) and a3 (d2); bob created b1, b3 (d1), b2 (d1, deleted) and b4
/// (d3). Links a1–b1, a4–a1, a2–b3 and a2–b2 (to the deleted event, ignored) give the clusters a1 = {a1, a4, b1},
/// a2 = {a2, b3}, a3 and b4.
@Suite("Agreement")
struct AgreementTests {
    static let events = [
        CodingEvent(id: "a1", document: "d1", creator: "alice"),
        CodingEvent(id: "a2", document: "d1", creator: "alice"),
        CodingEvent(id: "a3", document: "d2", creator: "alice"),
        CodingEvent(id: "a4", document: "d1", creator: "alice"),
        CodingEvent(id: "b1", document: "d1", creator: "bob"),
        CodingEvent(id: "b2", document: "d1", creator: "bob", deleted: true),
        CodingEvent(id: "b3", document: "d1", creator: "bob"),
        CodingEvent(id: "b4", document: "d3", creator: "bob"),
    ]
    static let links = [("a1", "b1"), ("a4", "a1"), ("a2", "b3"), ("a2", "b2")]

    static func vote(_ event: String, _ field: String, _ coder: String, _ hlc: String, _ value: CodedValue)
        -> CoderVote
    {
        CoderVote(event: event, field: field, coder: coder, hlc: HLC(millis: Int64(hlc)!, counter: 0), value: value)
    }

    static let votes = [
        // type: alice's later vote on a4 replaces hers on a1; bob's vote on the deleted b2 is ignored.
        vote("a1", "type", "alice", "0001", .label("COOPERATE")),
        vote("a4", "type", "alice", "0003", .label("MOBILIZE")),
        vote("b1", "type", "bob", "0002", .label("MOBILIZE")),
        vote("a2", "type", "alice", "0001", .label("CONSULT")),
        vote("b3", "type", "bob", "0001", .label("AGREE")),
        vote("b2", "type", "bob", "0009", .label("AID")),
        vote("a3", "type", "alice", "0001", .label("AID")),
        // location: equal once normalised.
        vote("a1", "location", "alice", "0001", .label("  Seoul,\n South  KOREA ")),
        vote("b1", "location", "bob", "0001", .label("seoul, south korea")),
        // actors: alice's sets on a1 and a4 are united.
        vote("a1", "actors", "alice", "0001", .set(["USA"])),
        vote("a4", "actors", "alice", "0001", .set(["KOR"])),
        vote("b1", "actors", "bob", "0001", .set(["KOR", "USA"])),
        vote("a2", "actors", "alice", "0001", .set(["JPN"])),
        vote("b3", "actors", "bob", "0001", .set(["JPN", "USA"])),
        // date: ten days apart.
        vote("a1", "date", "alice", "0001", .label("2025-07-11")),
        vote("b1", "date", "bob", "0001", .label("2025-07")),
    ]

    static let specs = [
        FieldSpec(name: "type", level: .nominal),
        FieldSpec(name: "date", level: .interval),
        FieldSpec(name: "location", level: .nominal),
        FieldSpec(name: "confidence", level: .ordinal, order: ["low", "medium", "high"]),
        FieldSpec(name: "actors", level: .masi),
    ]

    static let report = AgreementReport.compute(
        AgreementInput(events: events, links: links, votes: votes), fields: specs)

    func field(_ name: String) throws -> AgreementReport.Field {
        try #require(Self.report.fields.first { $0.name == name })
    }

    @Test("fields come in the order given")
    func fieldOrder() {
        #expect(Self.report.fields.map(\.name) == ["type", "date", "location", "confidence", "actors"])
    }

    @Test("the latest vote on any member is a coder's register value, and units need two coders")
    func typeField() throws {
        let type = try field("type")
        #expect(type.unitIDs == ["a1", "a2"])
        #expect(type.units == 2)
        #expect(type.coders == ["alice", "bob"])
        #expect(type.values == [[.label("MOBILIZE"), .label("CONSULT")], [.label("MOBILIZE"), .label("AGREE")]])
        #expect(type.percentAgreement == 0.5)
        // n = 4 (M 2, C 1, A 1); observed 2; expected 16 − 6 = 10; α = 1 − 3·2/10.
        let alpha = try #require(type.alpha)
        #expect(abs(alpha - 0.4) < 1e-12)
    }

    @Test("a set value is the union of the coder's sets on the members")
    func actorsField() throws {
        let actors = try field("actors")
        #expect(
            actors.values == [[.set(["KOR", "USA"]), .set(["JPN"])], [.set(["KOR", "USA"]), .set(["JPN", "USA"])]])
        #expect(actors.percentAgreement == 0.5)
        // observed 2·(2/3) = 4/3; expected 4 + 32/9 + 4/3 = 80/9; α = 1 − 3·(4/3)/(80/9) = 0.55.
        let alpha = try #require(actors.alpha)
        #expect(abs(alpha - 0.55) < 1e-12)
    }

    @Test("an empty set is a value where the coder coded the unit: the other coder's event, with nothing in the set")
    func emptySetCounts() throws {
        // alice names a recipient on a1; bob coded the same happening (b1, linked) with no recipient.
        let votes = Self.votes + [Self.vote("a1", "recipients", "alice", "0001", .set(["PRK"]))]
        let report = AgreementReport.compute(
            AgreementInput(events: Self.events, links: Self.links, votes: votes),
            fields: [FieldSpec(name: "recipients", level: .masi)])
        let recipients = try #require(report.fields.first)
        #expect(recipients.unitIDs == ["a1", "a2"], "both clusters: each coder created a member")
        #expect(recipients.values == [[.set(["PRK"]), .set([])], [.set([]), .set([])]])
        #expect(recipients.percentAgreement == 0.5)
    }

    @Test("locations are compared normalised, and a field without variation has no alpha")
    func locationField() throws {
        #expect(CodingText.normalizedLocation("  Seoul,\n South  KOREA ") == "seoul, south korea")
        let location = try field("location")
        #expect(location.values == [[.label("seoul, south korea")], [.label("seoul, south korea")]])
        #expect(location.percentAgreement == 1)
        #expect(location.alpha == nil)
    }

    @Test("dates are compared by their first day but agree only when equal as coded")
    func dateField() throws {
        let date = try field("date")
        #expect(date.values == [[.label("2025-07-11")], [.label("2025-07")]])
        #expect(date.percentAgreement == 0)
        #expect(date.alpha == 0)
    }

    @Test("a field nobody coded has no unit, no alpha and no agreement")
    func emptyField() throws {
        let confidence = try field("confidence")
        #expect(confidence.units == 0)
        #expect(confidence.coders.isEmpty)
        #expect(confidence.alpha == nil)
        #expect(confidence.percentAgreement == nil)
    }

    @Test("detection F1 counts events and matched clusters in the documents both coded")
    func pair() throws {
        #expect(Self.report.pairs.count == 1)
        let pair = try #require(Self.report.pairs.first)
        #expect(pair.a == "alice" && pair.b == "bob")
        #expect(pair.documents == 1)
        #expect(pair.matched == 2)
        // n_alice = 3 (a1, a2, a4), n_bob = 2 (b1, b3): 2·2/5.
        #expect(pair.detectionF1 == 0.8)
        let shares: [String: Double?] = [
            "type": 0.5, "date": 0, "location": 1, "confidence": Double?.none, "actors": 0.5,
        ]
        #expect(pair.fields == shares)
        #expect(pair.typeConfusion == ["MOBILIZE": ["MOBILIZE": 1], "CONSULT": ["AGREE": 1]])
    }

    @Test("analysts with no document in common have no detection F1")
    func noSharedDocument() throws {
        let report = AgreementReport.compute(
            AgreementInput(
                events: [
                    CodingEvent(id: "x", document: "d1", creator: "carol"),
                    CodingEvent(id: "y", document: "d2", creator: "dave"),
                    CodingEvent(id: "z", document: nil, creator: "erin"),
                ], links: [("x", "y")], votes: []),
            fields: FieldSpec.coded)
        #expect(report.pairs.map { "\($0.a)-\($0.b)" } == ["carol-dave", "carol-erin", "dave-erin"])
        #expect(report.pairs.allSatisfy { $0.detectionF1 == nil && $0.documents == 0 && $0.matched == 0 })
        #expect(!report.hasUnits)
    }

    @Test("the same report whatever the order of events, links and votes")
    func orderIndependent() {
        for _ in 0..<10 {
            let shuffled = AgreementReport.compute(
                AgreementInput(
                    events: Self.events.shuffled(), links: Self.links.shuffled().map { ($0.1, $0.0) },
                    votes: Self.votes.shuffled()),
                fields: Self.specs)
            #expect(shuffled == Self.report)
            #expect(shuffled.json() == Self.report.json())
        }
    }

    @Test("the JSON has protocol.md §11's shape, with null where undefined and type confusion per pair")
    func jsonShape() throws {
        let text = Self.report.json()
        let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(root.keys) == ["fields", "pairs"])
        let fields = try #require(root["fields"] as? [String: Any])
        #expect(Set(fields.keys) == ["type", "date", "location", "confidence", "actors"])
        let type = try #require(fields["type"] as? [String: Any])
        #expect(Set(type.keys) == ["level", "alpha", "percent_agreement", "units", "reliability"])
        #expect(type["level"] as? String == "nominal")
        #expect(abs((type["alpha"] as? Double ?? 0) - 0.4) < 1e-12)
        #expect((type["units"] as? NSNumber)?.intValue == 2)
        let reliability = try #require(type["reliability"] as? [String: Any])
        #expect(reliability["coders"] as? [String] == ["alice", "bob"])
        #expect(reliability["units"] as? [String] == ["a1", "a2"])
        let confidence = try #require(fields["confidence"] as? [String: Any])
        #expect(confidence["alpha"] is NSNull)
        #expect(confidence["percent_agreement"] is NSNull)
        #expect(confidence["level"] as? String == "ordinal")
        let actors = try #require((fields["actors"] as? [String: Any])?["reliability"] as? [String: Any])
        let rows = try #require(actors["values"] as? [[Any]])
        #expect(rows[1][1] as? [String] == ["JPN", "USA"])
        let location = try #require(fields["location"] as? [String: Any])
        #expect(location["alpha"] is NSNull)
        let pairs = try #require(root["pairs"] as? [[String: Any]])
        let pair = try #require(pairs.first)
        #expect(Set(pair.keys) == ["a", "b", "detection_f1", "fields", "type_confusion"])
        #expect(pair["detection_f1"] as? Double == 0.8)
        let shares = try #require(pair["fields"] as? [String: Any])
        #expect(shares["confidence"] is NSNull)
        #expect(shares["type"] as? Double == 0.5)
        let confusion = try #require(pair["type_confusion"] as? [String: [String: Int]])
        #expect(confusion["CONSULT"]?["AGREE"] == 1)
    }

    @Test("the JSON text is stable: sorted keys, two-space indentation, null written out")
    func jsonText() {
        let text = Self.report.json()
        #expect(text.hasPrefix("{\n  \"fields\": {\n    \"actors\": {\n      \"alpha\": 0.55"))
        #expect(text.contains("\"alpha\": null"))
        #expect(text.contains("\"values\": [\n          [[\"KOR\", \"USA\"], [\"JPN\"]],"))
        #expect(text.hasSuffix("}\n"))
    }

    @Test("the text report tabulates the fields and each pair")
    func textReport() {
        let text = Self.report.text()
        #expect(text.contains("field       level     α      agreement  units"))
        #expect(text.contains("type        nominal   0.400  50%        2"))
        #expect(text.contains("confidence  ordinal   —      —          0      undefined: no unit"))
        #expect(text.contains("location    nominal   —      100%       1      undefined: no variation"))
        #expect(
            text.contains("alice–bob: detection F1 0.800 over 1 document; type 50%, date 0%, location 100%, actors 50%")
        )
        #expect(text.contains("type confusion (rows alice, columns bob):"))
        #expect(text.contains("    CONSULT   1      0"))
    }

    @Test("without any unit the text says how to get one")
    func textWithoutUnits() {
        let report = AgreementReport.compute(
            AgreementInput(events: Self.events, links: [], votes: Self.votes), fields: Self.specs)
        #expect(!report.hasUnits)
        #expect(report.fields.allSatisfy { $0.alpha == nil && $0.units == 0 })
        #expect(
            report.text().hasPrefix(
                "No unit has two coders yet: α is undefined. Link events that report the same happening "
                    + "(concord match, concord link) and code the same fields."))
        #expect(report.pairs.first?.detectionF1 == 0)
    }
}
