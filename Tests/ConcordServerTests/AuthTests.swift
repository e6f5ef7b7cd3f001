import ConcordCore
import ConcordServer
import ConcordTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Authentication and roles")
struct AuthTests {
    @Test("a missing, unknown or revoked token is a 401 saying what to do")
    func unauthorized() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        try await team.app().test(.router) { client in
            for (headers, words) in [
                (HTTPFields(), "missing"), (auth(AccessToken.generate()), "unknown token"),
                (auth(team.revoked), "revoked"), ([.authorization: "Basic abc"], "Bearer"),
            ] {
                for (uri, method) in [("/v1/me", HTTPRequest.Method.get), ("/v1/changes", .post)] {
                    let response = try await client.execute(
                        uri: uri, method: method, headers: headers, body: pushBody(factory.newEvent(author: "gone")))
                    #expect(response.status == .unauthorized, "\(uri) \(words)")
                    let body = try decode(Wire.ErrorBody.self, response.body)
                    #expect(body.error.contains(words))
                    #expect(
                        body.detail
                            == .text(
                                "send `Authorization: Bearer <token>` with the token `concord-server analyst add NAME` "
                                    + "printed; ask the server's administrator for a new one if yours was revoked or lost"
                            ))
                }
            }
            #expect(try await team.store.changeCount() == 0)
        }
    }

    @Test("GET /v1/me names the analyst and role")
    func me() async throws {
        let team = try await Team.make()
        try await team.app().test(.router) { client in
            let me = try await client.execute(uri: "/v1/me", method: .get, headers: auth(team.adjudicator)) {
                try decode(Wire.Me.self, $0.body)
            }
            #expect(me == Wire.Me(name: try AnalystName("adjudicator"), role: .adjudicator))
        }
    }

    @Test("a change whose author is not the token's analyst refuses the batch with 403")
    func forgedAuthor() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        let mine = factory.newEvent(author: "analyst-a")
        let forged = factory.newEvent(author: "analyst-b")
        try await team.app().test(.router) { client in
            let response = try await client.push(mine + forged, token: team.a)
            #expect(response.status == .forbidden)
            let body = try decode(Wire.ErrorBody.self, response.body)
            guard case .refused(let refused) = body.detail else { throw TestFailure("no refused list") }
            #expect(refused.map(\.index) == [2, 3])
            #expect(refused[0].error.contains("author is analyst-b but the token belongs to analyst-a"))
            #expect(try await team.store.changeCount() == 0)
        }
    }

    /// Pushes a two-way conflict on `type` and returns the event and the two versions.
    func conflict(_ client: some TestClientProtocol, team: Team, factory: ChangeFactory) async throws
        -> (EntityID, Change, Change)
    {
        let event = factory.newEvent()
        let a = factory.make(event[0].entity, "type", .string("COOPERATE"), author: "analyst-a")
        let b = factory.make(event[0].entity, "type", .string("MOBILIZE"), author: "analyst-b")
        #expect(try await client.push(event + [a], token: team.a).status == .ok)
        #expect(try await client.push([b], token: team.b).status == .ok)
        return (event[0].entity, a, b)
    }

    @Test("an analyst may not resolve a conflict (403) but an adjudicator may")
    func resolution() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        try await team.app().test(.router) { client in
            let (event, a, b) = try await conflict(client, team: team, factory: factory)
            let before = try await team.store.changeCount()
            let byAnalyst = factory.make(event, "type", .string("COOPERATE"), supersedes: [a.id, b.id])
            let refused = try await client.push([byAnalyst], token: team.a)
            #expect(refused.status == .forbidden)
            let body = try decode(Wire.ErrorBody.self, refused.body)
            guard case .refused(let list) = body.detail else { throw TestFailure("no refused list") }
            #expect(list.count == 1 && list[0].error.contains("type is a coded field and analyst-b coded it"))
            #expect(try await team.store.changeCount() == before)

            // Changing one's own position is allowed.
            let ownPosition = factory.make(event, "type", .string("AID"), supersedes: [a.id], author: "analyst-a")
            #expect(try await client.push([ownPosition], token: team.a).status == .ok)

            let unexplained = factory.make(
                event, "type", .string("COOPERATE"), supersedes: [ownPosition.id, b.id], author: "adjudicator")
            let withoutReason = try await client.push([unexplained], token: team.adjudicator)
            #expect(withoutReason.status == .unprocessableContent)
            #expect(
                try decode(Wire.ErrorBody.self, withoutReason.body).detail.map { "\($0)" }?.contains(
                    "must give its reason") == true)
            let resolution = factory.make(
                event, "type", .string("COOPERATE"), supersedes: [ownPosition.id, b.id], author: "adjudicator",
                reason: "PLOVER: joint exercises are COOPERATE")
            #expect(try await client.push([resolution], token: team.adjudicator).status == .ok)
            let snapshot = try #require(try await team.store.snapshot(of: event))
            #expect(snapshot.fields["type"]?.conflict == false)
            #expect(snapshot.fields["type"]?.value == .string("COOPERATE"))
        }
    }

    @Test("only an adjudicator may set status to reviewed or rejected")
    func reviewedStatus() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        let event = factory.newEvent()
        try await team.app().test(.router) { client in
            #expect(try await client.push(event, token: team.a).status == .ok)
            let reviewed = factory.make(event[0].entity, "status", .string("reviewed"))
            let response = try await client.push([reviewed], token: team.a)
            #expect(response.status == .forbidden)
            #expect(
                try decode(Wire.ErrorBody.self, response.body).detail.map { "\($0)" }?.contains("adjudicator") == true)
            let disputed = factory.make(event[0].entity, "status", .string("disputed"))
            #expect(try await client.push([disputed], token: team.a).status == .ok)
            let byAdjudicator = factory.make(event[0].entity, "status", .string("reviewed"), author: "adjudicator")
            #expect(try await client.push([byAdjudicator], token: team.adjudicator).status == .ok)
        }
    }
}
