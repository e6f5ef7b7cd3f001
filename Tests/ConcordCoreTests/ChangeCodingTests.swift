import ConcordCore
import Foundation
import Testing

@Suite("Change encoding")
struct ChangeCodingTests {
    static let sample = """
        {"id":"0193f6c2-7a51-7c3e-9a0b-4f1d2c3b4a59","entity":"event/0193f6c2-6e00-7000-8000-1a2b3c4d5e6f",\
        "field":"type","op":"set","value":"MOBILIZE","supersedes":["0193f6c1-0000-7000-8000-000000000000"],\
        "hlc":"1752224400000:0003","author":"analyst-a","replica":"6d1f1e0e-0000-4000-8000-000000000000",\
        "reason":"optional free text","schema":1}
        """

    @Test("a change decodes as protocol.md §3 shows it and round-trips byte-stably")
    func roundTrip() throws {
        let change = try Change.decode(json: Data(Self.sample.utf8))
        #expect(change.field == "type" && change.op == .set && change.value == .string("MOBILIZE"))
        #expect(change.hlc == HLC(millis: 1_752_224_400_000, counter: 3))
        let encoder = Change.canonicalEncoder()
        let once = try encoder.encode(change)
        let twice = try encoder.encode(try Change.decode(json: once))
        #expect(once == twice)
        #expect(try Change.decode(json: once) == change)
        #expect(
            String(decoding: once, as: UTF8.self).contains("\"entity\":\"event/0193f6c2"), "slashes are not escaped")
    }

    @Test("deleted carries a boolean value")
    func boolValue() throws {
        let json = Self.sample.replacingOccurrences(of: "\"value\":\"MOBILIZE\"", with: "\"value\":true")
        #expect(try Change.decode(json: Data(json.utf8)).value == .bool(true))
    }

    @Test(
        "bad change JSON gets an error naming the key and the problem",
        arguments: [
            ("{", "not valid JSON"),
            (
                sample.replacingOccurrences(of: "\"schema\":1", with: "\"schema\":1,\"colour\":\"red\""),
                "unknown key \"colour\""
            ),
            (sample.replacingOccurrences(of: "\"op\":\"set\"", with: "\"op\":\"upsert\""), "unknown op \"upsert\""),
            (sample.replacingOccurrences(of: "\"hlc\":\"1752224400000:0003\"", with: "\"hlc\":17522244"), "hlc"),
            (sample.replacingOccurrences(of: "\"value\":\"MOBILIZE\"", with: "\"value\":42"), "value"),
            (sample.replacingOccurrences(of: "\"author\":\"analyst-a\",", with: ""), "missing required key \"author\""),
            (
                sample.replacingOccurrences(of: "event/0193f6c2-6e00-7000-8000-1a2b3c4d5e6f", with: "../etc/passwd"),
                "entity id"
            ),
            (sample.replacingOccurrences(of: "\"schema\":1", with: "\"schema\":\"one\""), "schema"),
        ])
    func badJSON(_ input: (String, String)) {
        do {
            _ = try Change.decode(json: Data(input.0.utf8))
            Issue.record("accepted \(input.0)")
        } catch {
            #expect(error.description.contains(input.1), "\(error.description)")
        }
    }

    @Test("pulled changes carry seq beside the change's own keys")
    func sequenced() throws {
        let json = Self.sample.dropLast() + ",\"seq\":7}"
        let decoded = try JSONDecoder().decode(Wire.SequencedChange.self, from: Data(json.utf8))
        #expect(decoded.seq == 7)
        let encoded = try Change.canonicalEncoder().encode(decoded)
        #expect(try JSONDecoder().decode(Wire.SequencedChange.self, from: encoded) == decoded)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Change.self, from: Data(json.utf8)) }
    }

    @Test("error bodies carry either refused changes or a hint")
    func errorBody() throws {
        let body = Wire.ErrorBody(
            error: "2 changes refused", detail: .refused([.init(index: 1, id: nil, error: "clock ahead")]))
        let data = try JSONEncoder().encode(body)
        #expect(try JSONDecoder().decode(Wire.ErrorBody.self, from: data) == body)
        let hint = Wire.ErrorBody(error: "bad token", detail: .text("ask for a new token"))
        #expect(try JSONDecoder().decode(Wire.ErrorBody.self, from: JSONEncoder().encode(hint)) == hint)
    }
}
