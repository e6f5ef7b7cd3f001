import ConcordCore
import ConcordServer
import ConcordTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// protocol.md §11: analysts are coders, not co-editors. The server refuses what the CLI never writes.
@Suite("Votes on coded fields")
struct VoteRuleTests {
    /// The refusals of a 403 or 422 answer.
    func refusals(_ response: TestResponse) throws -> [Wire.RefusedChange] {
        let body = try decode(Wire.ErrorBody.self, response.body)
        guard case .refused(let refused) = body.detail else { throw TestFailure("no refused list in \(body)") }
        return refused
    }

    @Test("an analyst's set that supersedes another analyst's coding is refused, naming the field and the analyst")
    func supersedeOthersCoding() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        let event = factory.newEvent()
        let alice = factory.make(event[0].entity, "type", .string("COOPERATE"))
        try await team.app().test(.router) { client in
            #expect(try await client.push(event + [alice], token: team.a).status == .ok)
            let before = try await team.store.changeCount()
            let replacing = factory.make(
                event[0].entity, "type", .string("MOBILIZE"), supersedes: [alice.id], author: "analyst-b")
            let response = try await client.push([replacing], token: team.b)
            #expect(response.status == .forbidden)
            let refused = try refusals(response)
            #expect(refused.count == 1)
            #expect(refused[0].error.contains("type") && refused[0].error.contains("analyst-a"))
            #expect(try await team.store.changeCount() == before)

            // Beside it, as a vote, it is a conflict the server keeps.
            let beside = factory.make(event[0].entity, "type", .string("MOBILIZE"), author: "analyst-b")
            #expect(try await client.push([beside], token: team.b).status == .ok)
            let snapshot = try #require(try await team.store.snapshot(of: event[0].entity))
            #expect(snapshot.fields["type"]?.conflict == true)
            #expect(snapshot.fields["type"]?.candidates.count == 2)
        }
    }

    @Test("an analyst's remove of another analyst's coded element is refused; of their own it is accepted")
    func removeOthersElement() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        let event = factory.newEvent()
        let id = event[0].entity
        let aliceJapan = factory.make(id, "actors", .string("Japan"), op: .add)
        let bobJapan = factory.make(id, "actors", .string("Japan"), op: .add, author: "analyst-b")
        try await team.app().test(.router) { client in
            #expect(try await client.push(event + [aliceJapan], token: team.a).status == .ok)
            #expect(try await client.push([bobJapan], token: team.b).status == .ok)
            let both = factory.make(
                id, "actors", .string("Japan"), op: .remove, supersedes: [aliceJapan.id, bobJapan.id],
                author: "analyst-b")
            let response = try await client.push([both], token: team.b)
            #expect(response.status == .forbidden)
            #expect(try refusals(response)[0].error.contains("actors is a coded field and analyst-a coded it"))
            let own = factory.make(
                id, "actors", .string("Japan"), op: .remove, supersedes: [bobJapan.id], author: "analyst-b")
            #expect(try await client.push([own], token: team.b).status == .ok)
            let snapshot = try #require(try await team.store.snapshot(of: id))
            #expect(snapshot.sets["actors"] == ["Japan"])
        }
    }

    @Test("descriptive fields are co-edited: an analyst may replace another's version and settle a conflict")
    func descriptiveFields() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        let event = factory.newEvent()
        let id = event[0].entity
        let title = event[1]
        try await team.app().test(.router) { client in
            #expect(try await client.push(event, token: team.a).status == .ok)
            let edit = factory.make(id, "title", .string("B-52 drill"), supersedes: [title.id], author: "analyst-b")
            #expect(try await client.push([edit], token: team.b).status == .ok)

            // A concurrent summary by each: a conflict, which bob settles with an edit that supersedes both.
            let aliceSummary = factory.make(id, "summary", .string("A drill"))
            let bobSummary = factory.make(id, "summary", .string("A show of force"), author: "analyst-b")
            #expect(try await client.push([aliceSummary], token: team.a).status == .ok)
            #expect(try await client.push([bobSummary], token: team.b).status == .ok)
            let settling = factory.make(
                id, "summary", .string("A drill that is a show of force"),
                supersedes: [aliceSummary.id, bobSummary.id],
                author: "analyst-b")
            #expect(try await client.push([settling], token: team.b).status == .ok)
            let snapshot = try #require(try await team.store.snapshot(of: id))
            #expect(snapshot.fields["summary"]?.conflict == false)
            #expect(snapshot.fields["summary"]?.value == .string("A drill that is a show of force"))
            #expect(snapshot.fields["title"]?.value == .string("B-52 drill"))
        }
    }

    @Test("only an adjudicator replaces a reviewed or rejected status, through the CLI's rule and the server's")
    func decidedStatus() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        let event = factory.newEvent()
        let id = event[0].entity
        try await team.app().test(.router) { client in
            #expect(try await client.push(event, token: team.a).status == .ok)
            let rejected = factory.make(id, "status", .string("rejected"), author: "adjudicator")
            #expect(try await client.push([rejected], token: team.adjudicator).status == .ok)
            let draft = factory.make(id, "status", .string("draft"), supersedes: [rejected.id])
            let response = try await client.push([draft], token: team.a)
            #expect(response.status == .forbidden)
            #expect(try refusals(response)[0].error.contains("only an adjudicator may replace the status rejected"))
            let snapshot = try #require(try await team.store.snapshot(of: id))
            #expect(snapshot.fields["status"]?.value == .string("rejected"))
        }
    }

    @Test("a delete lists other analysts' coded versions as context without superseding them")
    func deleteContext() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        let event = factory.newEvent()
        let id = event[0].entity
        let alice = factory.make(id, "type", .string("COOPERATE"))
        try await team.app().test(.router) { client in
            #expect(try await client.push(event + [alice], token: team.a).status == .ok)
            let delete = factory.make(
                id, "deleted", .bool(true), supersedes: (event.map(\.id) + [alice.id]).sorted(), author: "analyst-b")
            #expect(try await client.push([delete], token: team.b).status == .ok)
            let snapshot = try #require(try await team.store.snapshot(of: id))
            #expect(snapshot.deleted && snapshot.fields["type"]?.value == .string("COOPERATE"))
        }
    }

    @Test("an adjudicator's override of a coded version needs a reason, and then stands")
    func adjudicatorOverride() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        let event = factory.newEvent()
        let id = event[0].entity
        let alice = factory.make(id, "country", .string("KOR"))
        try await team.app().test(.router) { client in
            #expect(try await client.push(event + [alice], token: team.a).status == .ok)
            let bare = factory.make(id, "country", .string("JPN"), supersedes: [alice.id], author: "adjudicator")
            let response = try await client.push([bare], token: team.adjudicator)
            #expect(response.status == .unprocessableContent)
            #expect(try refusals(response)[0].error.contains("resolution of country must give its reason"))
            let reasoned = factory.make(
                id, "country", .string("JPN"), supersedes: [alice.id], author: "adjudicator",
                reason: "the drill was off Jeju, but the article is datelined Tokyo")
            #expect(try await client.push([reasoned], token: team.adjudicator).status == .ok)
            let snapshot = try #require(try await team.store.snapshot(of: id))
            #expect(snapshot.fields["country"]?.value == .string("JPN"))
        }
    }
}
