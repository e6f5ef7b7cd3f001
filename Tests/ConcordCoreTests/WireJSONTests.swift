import ConcordCore
import Foundation
import Testing

@Suite("Fast wire JSON")
struct WireJSONTests {
    /// A few hundred changes of a simulated team: every op, supersedes, reasons, bool values.
    static let simulated: [Change] = {
        var simulator = HistorySimulator(seed: 11, analysts: 3)
        var log: [Change] = []
        for step in 0..<600 {
            log += simulator.edit(by: step % 3)
            if step % 10 == 9 { for j in 0..<3 { simulator.deliver(log, to: j) } }
        }
        return log
    }()

    /// Strings that exercise every escape the encoder writes.
    static let awkward: [String] = [
        "", "plain", "quote \" and backslash \\ and slash /", "tab\tnewline\nreturn\rback\u{08}feed\u{0C}",
        String((0..<0x20).map { Character(Unicode.Scalar($0)!) }), "del \u{7F}", "é 한국 🚀 \u{2028}\u{2029}",
        "\u{0}nul",
    ]

    static func awkwardChanges() -> [Change] {
        var story = Story()
        return awkward.flatMap { text in
            [
                story.change(Story.alice, "title", .string(text), at: 1_752_224_400_000),
                story.change(Story.bob, "location", .string("Jeju"), at: 1_752_224_400_001, reason: text),
            ]
        }
    }

    @Test("a change's canonical JSON is byte for byte the canonical encoder's")
    func canonicalChange() throws {
        let encoder = Change.canonicalEncoder()
        for change in Self.simulated + Self.awkwardChanges() {
            #expect(change.canonicalJSON == (try encoder.encode(change)), "\(change)")
        }
    }

    @Test("a push body's canonical JSON is byte for byte the canonical encoder's")
    func canonicalPush() throws {
        let request = Wire.PushRequest(replica: Self.simulated[0].replica, changes: Self.simulated)
        #expect(request.canonicalJSON == (try Change.canonicalEncoder().encode(request)))
        let empty = Wire.PushRequest(replica: Self.simulated[0].replica, changes: [])
        #expect(empty.canonicalJSON == (try Change.canonicalEncoder().encode(empty)))
    }

    @Test("push and pull bodies decode to what JSONDecoder gives, whitespace or not")
    func decodesLikeFoundation() throws {
        let changes = Self.simulated + Self.awkwardChanges()
        let request = Wire.PushRequest(replica: changes[0].replica, changes: changes)
        let compact = try Change.canonicalEncoder().encode(request)
        let pretty = try {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted]
            return try encoder.encode(request)
        }()
        for body in [compact, pretty] {
            #expect(try Wire.PushRequest.decode(json: body) == JSONDecoder().decode(Wire.PushRequest.self, from: body))
        }
        #expect(try Wire.PushRequest.decode(json: compact) == request)

        let page = Wire.PullPage(
            changes: changes.enumerated().map { Wire.SequencedChange(seq: Int64($0.offset + 1), change: $0.element) },
            next: Int64(changes.count), more: true)
        let pageBody = try JSONEncoder().encode(page)
        #expect(try Wire.PullPage.decode(json: pageBody) == page)
        let escaped = Data(
            #"{"more":false,"next":0,"changes":[]}"#.utf8)
        #expect(try Wire.PullPage.decode(json: escaped) == Wire.PullPage(changes: [], next: 0, more: false))
    }

    @Test(
        "bad bodies get exactly JSONDecoder's error",
        arguments: [
            "{", "", "[]", #"{"replica":"6d1f1e0e-0000-4000-8000-000000000000"}"#,
            #"{"replica":"nope","changes":[]}"#,
            #"{"replica":"6d1f1e0e-0000-4000-8000-000000000000","changes":[{"id":"x"}]}"#,
            #"{"replica":"6d1f1e0e-0000-4000-8000-000000000000","changes":[]} trailing"#,
            #"{"replica":"6d1f1e0e-0000-4000-8000-000000000000","changes":[],"changes":[]}"#,
        ]
            + ["\"schema\":1,\"colour\":\"red\"", "\"schema\":1.5", "\"schema\":\"one\"", "\"schema\":1,\"seq\":3"].map
        {
            #"{"replica":"6d1f1e0e-0000-4000-8000-000000000000","changes":["#
                + ChangeCodingTests.sample.replacingOccurrences(of: "\"schema\":1", with: $0) + "]}"
        })
    func badBodies(_ body: String) {
        let data = Data(body.utf8)
        let expected = Result { try JSONDecoder().decode(Wire.PushRequest.self, from: data) }
        let actual = Result { try Wire.PushRequest.decode(json: data) }
        switch (expected, actual) {
        case (.failure(let a), .failure(let b)):
            #expect(ChangeDecodingError(a) == ChangeDecodingError(b))
        case (.success(let a), .success(let b)):
            #expect(a == b)
        default:
            Issue.record("JSONDecoder gave \(expected), the fast reader \(actual)")
        }
    }

    @Test("a wrong number for an integer key names the key and what is expected, not \"not valid JSON\"")
    func fractionalInteger() throws {
        let change = Self.simulated[0]
        let json = String(decoding: change.canonicalJSON, as: UTF8.self)
        for bad in ["1.5", "1e400", "99999999999999999999"] {
            let body =
                "{\"replica\":\"\(change.replica)\",\"changes\":["
                + json.replacingOccurrences(of: "\"schema\":\(change.schema)", with: "\"schema\":\(bad)") + "]}"
            do {
                _ = try Wire.PushRequest.decode(json: Data(body.utf8))
                Issue.record("schema \(bad) was accepted")
            } catch {
                let message = ChangeDecodingError(error).description
                #expect(message.contains("changes.0.schema"), "\(bad): \(message)")
                #expect(message.contains("an integer"), "\(bad): \(message)")
            }
        }
    }
}
