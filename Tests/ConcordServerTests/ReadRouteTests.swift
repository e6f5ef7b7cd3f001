import ConcordCore
import ConcordServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Read routes")
struct ReadRouteTests {
    @Test("pulling pages returns every change once, in seq order, with its content")
    func paging() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        let batches = (0..<7).map { _ in factory.newEvent() + factory.newEvent() }
        let pushed = batches.flatMap { $0 }
        try await team.app().test(.router) { client in
            for batch in batches {
                #expect(try await client.push(batch, token: team.a).status == .ok)
            }
            let all = try await client.pullAll(token: team.b, limit: 3)
            #expect(all.map(\.change) == pushed)
            #expect(all.map(\.seq) == Array(1...Int64(pushed.count)))
            let tail = try await client.execute(uri: "/v1/changes?after=28", method: .get, headers: auth(team.b)) {
                try decode(Wire.PullPage.self, $0.body)
            }
            #expect(tail == Wire.PullPage(changes: [], next: 28, more: false))
        }
    }

    @Test("bad cursor or limit parameters are a 400 saying what is expected")
    func badParameters() async throws {
        let team = try await Team.make()
        try await team.app().test(.router) { client in
            for (query, words) in [
                ("after=-1", "non-negative"), ("after=abc", "non-negative"), ("limit=0", "1 to 20000"),
                ("limit=20001", "1 to 20000"), ("limit=x", "1 to 20000"),
            ] {
                let response = try await client.execute(
                    uri: "/v1/changes?\(query)", method: .get, headers: auth(team.a))
                #expect(response.status == .badRequest, "\(query)")
                #expect(try decode(Wire.ErrorBody.self, response.body).error.contains(words), "\(query)")
            }
        }
    }

    @Test("GET /v1/events/{id} shows the merged event; unknown is 404, malformed 400")
    func events() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        let event = factory.newEvent()
        let id = event[0].entity
        let a = factory.make(id, "type", .string("COOPERATE"), author: "analyst-a")
        let b = factory.make(id, "type", .string("MOBILIZE"), author: "analyst-b")
        let tag1 = factory.make(id, "tags", .string("drill"), op: .add)
        let tag2 = factory.make(id, "tags", .string("b52"), op: .add)
        let note = factory.make(id, "notes", .string("seen on KBS"), op: .append)
        try await team.app().test(.router) { client in
            #expect(try await client.push(event + [a, tag1, tag2, note], token: team.a).status == .ok)
            #expect(try await client.push([b], token: team.b).status == .ok)
            let response = try await client.execute(uri: "/v1/events/\(id.id)", method: .get, headers: auth(team.a))
            #expect(response.status == .ok)
            let view = try decode(EventView.self, response.body)
            #expect(view.id == id)
            #expect(view.fields["type"]?.conflict == true)
            #expect(view.fields["type"]?.candidates.map(\.author.rawValue) == ["analyst-a", "analyst-b"])
            #expect(view.fields["title"]?.value == .string("Joint air drill"))
            #expect(view.tags == ["b52", "drill"])
            #expect(view.actors == [])
            #expect(view.notes.map(\.text) == ["seen on KBS"])
            #expect(view.deleted == false)

            let unknown = try await client.execute(
                uri: "/v1/events/\(factory.event().id)", method: .get, headers: auth(team.a))
            #expect(unknown.status == .notFound)
            #expect(try decode(Wire.ErrorBody.self, unknown.body).error.contains("no event"))
            let malformed = try await client.execute(uri: "/v1/events/not-an-id", method: .get, headers: auth(team.a))
            #expect(malformed.status == .badRequest)
            #expect(try decode(Wire.ErrorBody.self, malformed.body).error.contains("not an event id"))
        }
    }

    @Test("GET /v1/conflicts lists register conflicts and delete/edit conflicts")
    func conflicts() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        let first = factory.newEvent()
        let second = factory.newEvent()
        let a = factory.make(first[0].entity, "type", .string("COOPERATE"), author: "analyst-a")
        let b = factory.make(first[0].entity, "type", .string("MOBILIZE"), author: "analyst-b")
        let agree = factory.make(first[0].entity, "country", .string("KOR"), author: "analyst-a")
        let agreeToo = factory.make(first[0].entity, "country", .string("KOR"), author: "analyst-b")
        // analyst-a deletes the second event having seen its fields; analyst-b tags it concurrently.
        let delete = factory.make(
            second[0].entity, "deleted", .bool(true), supersedes: second.map(\.id), author: "analyst-a")
        let tag = factory.make(second[0].entity, "tags", .string("drill"), op: .add, author: "analyst-b")
        try await team.app().test(.router) { client in
            #expect(try await client.push(first + second + [a, agree, delete], token: team.a).status == .ok)
            #expect(try await client.push([b, agreeToo, tag], token: team.b).status == .ok)
            let list = try await client.execute(uri: "/v1/conflicts", method: .get, headers: auth(team.a)) {
                try decode([ConflictView].self, $0.body)
            }
            var expected = [
                ConflictView(
                    entity: first[0].entity, field: "type",
                    candidates: [a, b].map { EventView.Candidate(Version($0)) }),
                ConflictView(
                    entity: second[0].entity, field: "deleted", candidates: [EventView.Candidate(Version(delete))],
                    kind: "delete-edit", concurrent: [tag.id]),
            ].sorted { $0.entity < $1.entity }
            // Each conflict carries its event's context: the title, and the document it comes from.
            for i in expected.indices {
                expected[i].title = "Joint air drill"
                expected[i].document = ConflictView.DocumentRef(
                    id: try EntityID("document/3f9a1c0d5e7b2a46"), title: nil)
            }
            #expect(list == expected)
        }
    }

    @Test("health and the OpenAPI document need no token")
    func open() async throws {
        let team = try await Team.make()
        try await team.app().test(.router) { client in
            let health = try await client.execute(uri: "/v1/health", method: .get) {
                try decode(Wire.Health.self, $0.body)
            }
            #expect(health == Wire.Health(status: "ok", changes: 0))
            let doc = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(doc.status == .ok)
            #expect(String(buffer: doc.body).hasPrefix("openapi: 3.1.0"))
        }
    }

    @Test("an unknown route is a JSON 404 and a wrong method a JSON 405 with Allow")
    func unknownRoutes() async throws {
        let team = try await Team.make()
        try await team.app().test(.router) { client in
            let missing = try await client.execute(uri: "/v2/changes", method: .get, headers: auth(team.a))
            #expect(missing.status == .notFound)
            #expect(try decode(Wire.ErrorBody.self, missing.body).error.contains("no route /v2/changes"))
            let wrong = try await client.execute(uri: "/v1/me", method: .delete, headers: auth(team.a))
            #expect(wrong.status == .methodNotAllowed)
            #expect(wrong.headers[.allow] == "GET")
            #expect(try decode(Wire.ErrorBody.self, wrong.body).error.contains("use GET"))
            let put = try await client.execute(uri: "/v1/changes", method: .put, headers: auth(team.a))
            #expect(put.headers[.allow] == "POST, GET")
        }
    }

    @Test("HEAD /v1/health answers as GET does, without a body (a load balancer's probe)")
    func headHealth() async throws {
        let team = try await Team.make()
        try await team.app().test(.router) { client in
            let head = try await client.execute(uri: "/v1/health", method: .head)
            #expect(head.status == .ok)
            #expect(head.body.readableBytes == 0)
        }
    }
}
