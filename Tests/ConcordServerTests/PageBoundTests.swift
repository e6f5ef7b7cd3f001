import ConcordCore
import ConcordServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 15, finding 2: one analyst could make every later pull too large to take. Pages are cut by size as well as
/// by count, and one push may list only so many superseded ids.
@Suite("Page and push bounds")
struct PageBoundTests {
    /// A document of about `megabytes` MiB whose id is the hash of its text.
    static func document(_ n: Int, megabytes: Int, factory: ChangeFactory) -> Change {
        let line = "Paragraph \(n): a joint air drill over international waters, reported at length.\n"
        let text = String(repeating: line, count: megabytes * 1024 * 1024 / line.utf8.count)
        return factory.make(Article.documentID(forText: text), "text", .string(text))
    }

    @Test("a pull page stops before 8 MiB of changes, says more, and the cursor goes on", arguments: StoreKind.allCases)
    func pagesCutBySize(kind: StoreKind) async throws {
        try await kind.with { store in
            let team = try await Team.make(store: store)
            let factory = ChangeFactory()
            let documents = (1...3).map { Self.document($0, megabytes: 3, factory: factory) }
            try await team.app().test(.router) { client in
                for document in documents {
                    #expect(try await client.push([document], token: team.a).status == .ok)
                }
                let first = try await client.execute(
                    uri: "/v1/changes?after=0&limit=1000", method: .get, headers: auth(team.a)
                ) { response in
                    #expect(response.body.readableBytes <= Limits.pageBytes + 64 * 1024)
                    return try decode(Wire.PullPage.self, response.body)
                }
                #expect(first.changes.count == 2, "two 3 MiB changes fit in 8 MiB, a third does not")
                #expect(first.more)
                let all = try await client.pullAll(token: team.a)
                #expect(all.map(\.change.id) == documents.map(\.id), "every change once, in order")
                // A change larger than the bound alone still comes, one per page.
                let single = try await client.execute(
                    uri: "/v1/changes?after=0&limit=1", method: .get, headers: auth(team.a)
                ) { try decode(Wire.PullPage.self, $0.body) }
                #expect(single.changes.count == 1 && single.more)
            }
        }
    }

    @Test("a push listing more than 100,000 superseded ids in all is a 413 saying to push smaller batches")
    func supersedesPerPush() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        var ids = UUIDv7Generator(now: { 1_752_224_400_000 }, random: SeededRandom(seed: 15))
        let event = factory.newEvent()
        let many = (0..<11).map { _ in
            factory.make(
                event[0].entity, "title", .string("Renamed"), supersedes: (0..<10_000).map { _ in ids.next() })
        }
        try await team.app().test(.router) { client in
            let response = try await client.push(event + many, token: team.a)
            #expect(response.status == .contentTooLarge)
            let body = try decode(Wire.ErrorBody.self, response.body)
            #expect(body.error.contains("110000 superseded ids") && body.error.contains("smaller batches"))
            #expect(try await team.store.changeCount() == 0)
        }
    }
}
