import ConcordCore
import ConcordServer
import ConcordTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The rows of docs/bad-input.md that no other test covers: every one refused with its status and message, and
/// nothing stored.
@Suite("Bad input over HTTP")
struct BadInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var method: HTTPRequest.Method = .post
        var uri: String = "/v1/changes"
        var body: @Sendable (ChangeFactory) -> ByteBuffer
        var status: HTTPResponse.Status
        var message: String
        var testDescription: String { name }
    }

    /// A push body built from a valid new event, edited as JSON text.
    static func edited(_ transform: @escaping @Sendable (String) -> String) -> @Sendable (ChangeFactory) -> ByteBuffer {
        { factory in
            let json = String(decoding: pushBody(factory.newEvent()).readableBytesView, as: UTF8.self)
            return ByteBuffer(string: transform(json.replacingOccurrences(of: "\\/", with: "/")))
        }
    }

    static let cases: [Case] = [
        Case(
            name: "wrong type: op is a boolean",
            body: edited { $0.replacingOccurrences(of: "\"op\":\"set\"", with: "\"op\":true") }, status: .badRequest,
            message: "changes.0.op"),
        Case(
            name: "wrong type: value is a number",
            body: edited { $0.replacingOccurrences(of: "\"value\":\"Joint air drill\"", with: "\"value\":42") },
            status: .badRequest, message: "changes.1.value"),
        Case(
            name: "unknown key in a change",
            body: edited { $0.replacingOccurrences(of: "\"op\":\"set\"", with: "\"op\":\"set\",\"priority\":1") },
            status: .badRequest, message: "priority"),
        Case(
            name: "unknown field of an event",
            body: edited { $0.replacingOccurrences(of: "\"field\":\"title\"", with: "\"field\":\"headline\"") },
            status: .unprocessableContent, message: "headline"),
        Case(
            name: "value over its limit (title of 501 characters)",
            body: edited {
                $0.replacingOccurrences(
                    of: "\"value\":\"Joint air drill\"", with: "\"value\":\"\(String(repeating: "x", count: 501))\"")
            }, status: .unprocessableContent, message: "title"),
        Case(
            name: "path-like entity id",
            body: edited { $0.replacingOccurrences(of: "\"entity\":\"event/", with: "\"entity\":\"../../etc/passwd/") },
            status: .badRequest, message: "changes.0.entity"),
        Case(
            name: "path-like document reference",
            body: edited { $0.replacingOccurrences(of: "document/3f9a1c0d5e7b2a46", with: "document/../../x") },
            status: .unprocessableContent, message: "doc"),
        Case(
            name: "invalid UTF-8 in the body",
            body: { factory in
                var buffer = pushBody(factory.newEvent())
                let text = String(decoding: buffer.readableBytesView, as: UTF8.self)
                let at = text.utf8.distance(
                    from: text.utf8.startIndex, to: text.range(of: "Joint")!.lowerBound.samePosition(in: text.utf8)!)
                buffer.setBytes([0xFF, 0xFE], at: buffer.readerIndex + at)
                return buffer
            }, status: .badRequest, message: "malformed push body"),
        Case(name: "empty body", body: { _ in ByteBuffer() }, status: .badRequest, message: "malformed push body"),
        // Issue 15: 20 digits overflowed the fast reader's Int64 and trapped (a crash of the server); a fraction was
        // answered "The given data was not valid JSON".
        Case(
            name: "schema of 20 digits",
            body: edited { $0.replacingOccurrences(of: "\"schema\":1", with: "\"schema\":99999999999999999999") },
            status: .badRequest, message: "changes.0.schema"),
        Case(
            name: "unknown key in the push itself",
            body: edited { "{\"priority\":1," + $0.dropFirst() },
            status: .badRequest, message: "unknown key \"priority\"; a push has replica and changes"),
        Case(
            name: "schema 1.5",
            body: edited { $0.replacingOccurrences(of: "\"schema\":1", with: "\"schema\":1.5") },
            status: .badRequest, message: "changes.0.schema: wrong type: expected an integer"),
        Case(
            name: "a JSON array instead of an object", body: { _ in ByteBuffer(string: "[1,2,3]") },
            status: .badRequest,
            message: "malformed push body"),
        Case(
            name: "deeply nested JSON", body: { _ in ByteBuffer(string: String(repeating: "[", count: 100_000)) },
            status: .badRequest, message: "malformed push body"),
        Case(
            name: "path-like event id in the URL", method: .get, uri: "/v1/events/..%2F..%2Fetc%2Fpasswd",
            body: { _ in ByteBuffer() }, status: .badRequest, message: "is not an event id"),
        Case(
            name: "a document id where an event id is expected", method: .get,
            uri: "/v1/events/document%2F3f9a1c0d5e7b2a46", body: { _ in ByteBuffer() }, status: .badRequest,
            message: "is not an event id"),
    ]

    @Test("refused with its status and message, nothing stored", arguments: cases)
    func refused(_ row: Case) async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        try await team.app().test(.router) { client in
            let response = try await client.execute(
                uri: row.uri, method: row.method, headers: auth(team.a), body: row.body(factory))
            #expect(response.status == row.status, "\(row.name): \(String(buffer: response.body))")
            let body = try decode(Wire.ErrorBody.self, response.body)
            #expect(
                body.error.contains(row.message) || "\(body.detail.map { "\($0)" } ?? "")".contains(row.message),
                "\(row.name): \(body)")
            #expect(try await team.store.changeCount() == 0)
        }
    }

    @Test("a clock more than 10 minutes ahead of the server is refused with 422 \"clock ahead\"")
    func futureClock() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        let event = factory.newEvent()
        let ahead = factory.make(
            event[0].entity, "title", .string("From the future"), hlc: HLC(millis: serverNow + 3_600_000, counter: 0))
        try await team.app().test(.router) { client in
            let response = try await client.push([event[0], ahead], token: team.a)
            #expect(response.status == .unprocessableContent)
            let body = try decode(Wire.ErrorBody.self, response.body)
            guard case .refused(let refused) = body.detail else { throw TestFailure("no refused list") }
            #expect(refused.map(\.index) == [1])
            #expect(refused[0].error.hasPrefix("clock ahead:"), "\(refused[0].error)")
            #expect(try await team.store.changeCount() == 0)
        }
    }

    @Test("a lone surrogate escape or a byte that is not UTF-8 is named as such, 400, nothing stored")
    func notText() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        let good = String(decoding: pushBody(factory.newEvent()).readableBytesView, as: UTF8.self)
        let title = "Joint air drill"
        var latin1 = Array(good.replacingOccurrences(of: title, with: "Jointe").utf8)
        latin1.insert(0xE9, at: latin1.firstIndex(of: UInt8(ascii: "J"))! + 1)
        let bodies: [(ByteBuffer, String)] = [
            (
                ByteBuffer(string: good.replacingOccurrences(of: title, with: "bad \\ud800 here")),
                "lone UTF-16 surrogate"
            ),
            (ByteBuffer(string: good.replacingOccurrences(of: title, with: "bad \\udc00")), "lone UTF-16 surrogate"),
            (ByteBuffer(bytes: latin1), "is not UTF-8"),
        ]
        try await team.app().test(.router) { client in
            for (body, expected) in bodies {
                let response = try await client.execute(
                    uri: "/v1/changes", method: .post, headers: auth(team.a), body: body)
                #expect(response.status == .badRequest)
                let error = try decode(Wire.ErrorBody.self, response.body).error
                #expect(error.contains(expected), "\(error)")
            }
            // A proper pair is a character, not a problem.
            let pair = good.replacingOccurrences(of: title, with: "drill \\ud83d\\ude80")
            let accepted = try await client.execute(
                uri: "/v1/changes", method: .post, headers: auth(team.a), body: ByteBuffer(string: pair))
            #expect(accepted.status == .ok)
        }
        #expect(try await team.store.changeCount() == 2)
    }
}
