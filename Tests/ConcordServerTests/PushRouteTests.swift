import CompressNIO
import ConcordCore
import ConcordServer
import ConcordTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("POST /v1/changes")
struct PushRouteTests {
    @Test("a valid batch is stored and answered with accepted, duplicates and cursor", arguments: StoreKind.allCases)
    func accepted(kind: StoreKind) async throws {
        try await kind.with { store in
            let team = try await Team.make(store: store)
            let factory = ChangeFactory()
            let batch = factory.newEvent()
            try await team.app().test(.router) { client in
                let first = try await client.push(batch, token: team.a)
                #expect(first.status == .ok)
                // `cursor_id` is the change at the cursor: what the client checks its next pull against (§5.14).
                let id = batch[1].id.rawValue
                #expect(
                    try decode(Wire.PushResponse.self, first.body)
                        == .init(accepted: 2, duplicates: 0, cursor: 2, cursorID: id))
                let again = try await client.push(batch, token: team.a)
                #expect(
                    try decode(Wire.PushResponse.self, again.body)
                        == .init(accepted: 0, duplicates: 2, cursor: 2, cursorID: id))
            }
        }
    }

    @Test("an invalid change refuses the whole batch with 422 and one detail entry per bad change")
    func invalid() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        let event = factory.newEvent()
        let badType = factory.make(event[0].entity, "type", .string("PARTY"))
        let ahead = factory.make(
            event[0].entity, "location", .string("Jeju"), hlc: HLC(millis: serverNow + 11 * 60_000, counter: 0))
        try await team.app().test(.router) { client in
            let response = try await client.push(event + [badType, ahead], token: team.a)
            #expect(response.status == .unprocessableContent)
            let body = try decode(Wire.ErrorBody.self, response.body)
            #expect(body.error.contains("nothing was stored"))
            guard case .refused(let refused) = body.detail else {
                Issue.record("detail is not a refused list: \(body)")
                return
            }
            #expect(refused.map(\.index) == [2, 3])
            #expect(refused.map(\.id) == [badType.id.rawValue, ahead.id.rawValue])
            #expect(refused[0].error.contains("PARTY") && refused[0].error.contains("PLOVER"))
            #expect(refused[1].error.hasPrefix("clock ahead:"))
            #expect(try await team.store.changeCount() == 0)
        }
    }

    @Test("the same id with different content is refused with 422")
    func idReuse() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        let batch = factory.newEvent()
        var reused = batch[1]
        reused.value = .string("Something else")
        let reusedChange = reused
        try await team.app().test(.router) { client in
            _ = try await client.push(batch, token: team.a)
            let response = try await client.push([reusedChange], token: team.a)
            #expect(response.status == .unprocessableContent)
            let body = try decode(Wire.ErrorBody.self, response.body)
            guard case .refused(let refused) = body.detail else { throw TestFailure("no refused list") }
            #expect(refused[0].error.hasPrefix("id reused with different content"))
            #expect(try await team.store.changeCount() == 2)
        }
    }

    @Test("malformed JSON is a 400 naming the path of the problem")
    func malformed() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        var json = String(decoding: pushBody(factory.newEvent()).readableBytesView, as: UTF8.self)
        json = json.replacingOccurrences(of: "\"op\":\"set\"", with: "\"op\":\"put\"")
        let broken = json
        try await team.app().test(.router) { client in
            let wrongOp = try await client.execute(
                uri: "/v1/changes", method: .post, headers: auth(team.a), body: ByteBuffer(string: broken))
            #expect(wrongOp.status == .badRequest)
            let body = try decode(Wire.ErrorBody.self, wrongOp.body)
            #expect(body.error.contains("changes.0.op"))
            #expect(body.error.contains("put"))
            let garbage = try await client.execute(
                uri: "/v1/changes", method: .post, headers: auth(team.a), body: ByteBuffer(string: "{\"replica\": "))
            #expect(garbage.status == .badRequest)
            #expect(try decode(Wire.ErrorBody.self, garbage.body).error.contains("malformed push body"))
            #expect(try await team.store.changeCount() == 0)
        }
    }

    @Test("a body over 32 MiB is a 413, plain or as a gzip bomb")
    func tooLarge() async throws {
        let team = try await Team.make()
        var big = ByteBuffer(string: "{\"replica\": \"x\", \"changes\": [], \"pad\": \"")
        big.writeRepeatingByte(UInt8(ascii: "a"), count: Limits.bodyBytes)
        big.writeString("\"}")
        let plainBody = big
        var bomb = big
        let compressed = try bomb.compress(with: .gzip())
        #expect(compressed.readableBytes < 1_000_000)
        try await team.app().test(.router) { client in
            let plain = try await client.execute(
                uri: "/v1/changes", method: .post, headers: auth(team.a), body: plainBody)
            #expect(plain.status == .contentTooLarge)
            #expect(try decode(Wire.ErrorBody.self, plain.body).error.contains("32 MiB"))
            let gzipped = try await client.execute(
                uri: "/v1/changes", method: .post, headers: auth(team.a, [.contentEncoding: "gzip"]), body: compressed)
            #expect(gzipped.status == .contentTooLarge, "\(String(buffer: gzipped.body))")
            #expect(try await team.store.changeCount() == 0)
        }
    }

    @Test("more changes than the batch limit is a 413 saying to push smaller batches")
    func tooManyChanges() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        let event = factory.event()
        var changes: [Change] = []
        for i in 0...Limits.batchChanges {
            changes.append(factory.make(event, "notes", .string("n\(i)"), op: .append))
        }
        let batch = changes
        try await team.app().test(.router) { client in
            let response = try await client.push(batch, token: team.a)
            #expect(response.status == .contentTooLarge)
            #expect(try decode(Wire.ErrorBody.self, response.body).error.contains("smaller batches"))
            #expect(try await team.store.changeCount() == 0)
        }
    }

    @Test("an unsupported Content-Encoding is a 415, bad gzip a 400")
    func encodings() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        try await team.app().test(.router) { client in
            let br = try await client.execute(
                uri: "/v1/changes", method: .post, headers: auth(team.a, [.contentEncoding: "br"]),
                body: pushBody(factory.newEvent()))
            #expect(br.status == .unsupportedMediaType)
            #expect(try decode(Wire.ErrorBody.self, br.body).error.contains("gzip"))
            let notGzip = try await client.execute(
                uri: "/v1/changes", method: .post, headers: auth(team.a, [.contentEncoding: "gzip"]),
                body: pushBody(factory.newEvent()))
            #expect(notGzip.status == .badRequest)
            #expect(try await team.store.changeCount() == 0)
        }
    }

    @Test("a gzip request body is inflated and a gzip response sent when accepted")
    func gzipBothWays() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        var body = pushBody(factory.newEvent())
        let compressed = try body.compress(with: .gzip())
        try await team.app().test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/changes", method: .post,
                headers: auth(team.a, [.contentEncoding: "gzip", .acceptEncoding: "gzip, deflate"]), body: compressed)
            #expect(response.status == .ok)
            #expect(response.headers[.contentEncoding] == "gzip")
            var answer = response.body
            let inflated = try answer.decompress(with: .gzip())
            #expect(try decode(Wire.PushResponse.self, inflated).accepted == 2)
            let plain = try await client.execute(uri: "/v1/health", method: .get)
            #expect(plain.headers[.contentEncoding] == nil)
        }
    }
}
