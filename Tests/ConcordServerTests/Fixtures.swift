import ConcordCore
import ConcordServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging

/// The fixed server clock of the tests (Unix ms).
let serverNow: Int64 = 1_752_300_000_000

/// Builds changes for tests with deterministic ids and clocks.
final class ChangeFactory: @unchecked Sendable {
    var ids = UUIDv7Generator(now: { serverNow - 60_000 }, random: SeededRandom(seed: 42))
    var clock = HybridClock()
    let replica = try! ReplicaID("0197f6c2-6e00-7000-8000-1a2b3c4d5e6f")

    func event() -> EntityID { .event(ids.next()) }

    func make(
        _ entity: EntityID, _ field: String, _ value: FieldValue, op: ChangeOp = .set, supersedes: [ChangeID] = [],
        author: String = "analyst-a", hlc: HLC? = nil, reason: String? = nil
    ) -> Change {
        Change(
            id: ids.next(), entity: entity, field: field, op: op, value: value, supersedes: supersedes,
            hlc: hlc ?? clock.tick(wall: serverNow - 30_000), author: try! AnalystName(author), replica: replica,
            reason: reason)
    }

    /// A new event with its required fields, by `author`.
    func newEvent(author: String = "analyst-a", title: String = "Joint air drill") -> [Change] {
        let id = event()
        return [
            make(id, "doc", .string("document/3f9a1c0d5e7b2a46"), author: author),
            make(id, "title", .string(title), author: author),
        ]
    }
}

/// A store with three analysts and their tokens.
struct Team {
    let store: any ServerStore
    let admin: ServerAdmin
    let a: String
    let b: String
    let adjudicator: String
    let revoked: String

    static func make(store: any ServerStore = MemoryServerStore()) async throws -> Team {
        let admin = ServerAdmin(store: store, now: { serverNow })
        let a = try await admin.addAnalyst(try AnalystName("analyst-a"), role: .analyst)
        let b = try await admin.addAnalyst(try AnalystName("analyst-b"), role: .analyst)
        let adjudicator = try await admin.addAnalyst(try AnalystName("adjudicator"), role: .adjudicator)
        let revoked = try await admin.addAnalyst(try AnalystName("gone"), role: .analyst)
        try await admin.revoke(try AnalystName("gone"))
        return Team(store: store, admin: admin, a: a, b: b, adjudicator: adjudicator, revoked: revoked)
    }

    func app(rateLimit: RateLimit? = RateLimit()) throws -> ConcordApplication {
        var logger = Logger(label: "concord-server-test")
        logger.logLevel = .warning
        return try buildApplication(
            ConcordServerConfiguration(port: 0, logger: logger, now: { serverNow }, rateLimit: rateLimit),
            store: store)
    }
}

func auth(_ token: String, _ extra: HTTPFields = [:]) -> HTTPFields {
    var headers = extra
    headers[.authorization] = "Bearer \(token)"
    return headers
}

func pushBody(_ changes: [Change], replica: String = "0197f6c2-6e00-7000-8000-1a2b3c4d5e6f") -> ByteBuffer {
    let request = Wire.PushRequest(replica: try! ReplicaID(replica), changes: changes)
    return ByteBuffer(data: try! JSONEncoder().encode(request))
}

func decode<T: Decodable>(_ type: T.Type, _ body: ByteBuffer?) throws -> T {
    try JSONDecoder().decode(T.self, from: Data((body ?? ByteBuffer()).readableBytesView))
}

extension TestClientProtocol {
    /// Pushes and returns the status and raw body.
    func push(_ changes: [Change], token: String) async throws -> TestResponse {
        try await execute(uri: "/v1/changes", method: .post, headers: auth(token), body: pushBody(changes))
    }

    /// Follows the cursor from 0 to the end.
    func pullAll(token: String, limit: Int = 1000) async throws -> [Wire.SequencedChange] {
        var after: Int64 = 0
        var all: [Wire.SequencedChange] = []
        while true {
            let page = try await execute(
                uri: "/v1/changes?after=\(after)&limit=\(limit)", method: .get, headers: auth(token)
            ) {
                try decode(Wire.PullPage.self, $0.body)
            }
            all += page.changes
            after = page.next
            if !page.more { return all }
        }
    }
}
