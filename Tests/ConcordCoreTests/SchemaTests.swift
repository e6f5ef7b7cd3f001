import ConcordCore
import Testing

@Suite("Field schema")
struct SchemaTests {
    @Test(
        "valid event values are accepted",
        arguments: [
            ("type", FieldValue.string("MOBILIZE")), ("date", "2025-07-11"), ("date", "2024-02-29"),
            ("date", "2025-07"),
            ("date", "2025"), ("country", "KOR"), ("country", "PRK"), ("confidence", "high"), ("status", "disputed"),
            ("deleted", .bool(true)), ("doc", "document/3f9a1c0d5e7b2a46"), ("title", "B-52 drill"),
        ])
    func validValues(_ input: (String, FieldValue)) throws {
        try Schema.validate(value: input.1, field: input.0, of: .event)
    }

    @Test(
        "invalid values are refused naming the field, the value and what is allowed",
        arguments: [
            ("type", FieldValue.string("DRILL"), "PLOVER"), ("date", "2025-02-29", "ISO 8601"),
            ("date", "11/07/2025", "ISO 8601"),
            ("date", "2025-13", "ISO 8601"), ("country", "KR", "alpha-3"), ("country", "kor", "alpha-3"),
            ("confidence", "certain", "low, medium, high"), ("status", "done", "draft, reviewed"),
            ("deleted", "yes", "true or false"),
            ("title", "  ", "non-empty"), ("doc", "event/0193f6c2-6e00-7000-8000-1a2b3c4d5e6f", "document id"),
            ("colour", "red", "an event field"), ("type", .bool(true), "PLOVER"),
        ])
    func invalidValues(_ input: (String, FieldValue, String)) {
        do {
            try Schema.validate(value: input.1, field: input.0, of: .event)
            Issue.record("accepted \(input)")
        } catch {
            #expect(error.description.contains(input.2), "\(error.description)")
            #expect(error.description.contains(input.0))
        }
    }

    @Test("a change's op must fit its field, and a newer schema is refused with advice")
    func changeRules() throws {
        var story = Story()
        var change = story.change(Story.alice, "actors", .set, "Japan", at: 1)
        #expect(throws: ValidationError.self) { try Schema.validate(change) }
        change = story.change(Story.alice, "actors", .add, "Japan", at: 1)
        try Schema.validate(change)
        change.schema = 2
        do { try Schema.validate(change) } catch { #expect(error.description.contains("upgrade")) }
        let remove = story.change(Story.alice, "actors", .remove, "Japan", at: 1)
        #expect(throws: ValidationError.self) { try Schema.validate(remove) }
        let long = story.change(Story.alice, "title", .set, .string(String(repeating: "x", count: 501)), at: 1)
        #expect(throws: ValidationError.self) { try Schema.validate(long) }
    }

    @Test("every event type of PLOVER is a valid type")
    func plover() {
        #expect(EventType.allCases.count == 16)
        #expect(CountryCode.all.count == 249)
    }

    @Test("limits hold in bytes too: one character of two million combining marks is refused, 500 Korean ones pass")
    func byteLimits() throws {
        let event = EntityID.event(try ChangeID("0193f6c2-6e00-7000-8000-1a2b3c4d5e6f"))
        let zalgo = "a" + String(repeating: "\u{0301}", count: 2_000_000)
        #expect(zalgo.count == 1, "one character to Swift")
        #expect(throws: ValidationError.self) { try Schema.validate(value: .string(zalgo), field: "title", of: .event) }
        do {
            try Schema.validate(value: .string(zalgo), field: "title", of: .event)
        } catch {
            #expect(error.description.contains("2,000 bytes"), "\(error)")
        }
        try Schema.validate(value: .string(String(repeating: "서", count: 500)), field: "title", of: .event)
        #expect(throws: ValidationError.self) {
            try Schema.validate(value: .string(String(repeating: "서", count: 501)), field: "title", of: .event)
        }
        #expect(throws: ValidationError.self) {
            try Schema.validate(
                value: .string("x" + String(repeating: "\u{0301}", count: 900)), field: "actors", of: .event)
        }
        _ = event
    }
}
