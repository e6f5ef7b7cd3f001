import ConcordCore
import ConcordServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// protocol.md §12 on the server: a change written under a newer schema than the server's is refused, telling whoever
/// reads it to upgrade the server; changes of its own schema or older are accepted as always.
@Suite("Schema evolution on the server")
struct SchemaEvolutionRouteTests {
    @Test(
        "a change of a newer schema than the server's is refused with 422: upgrade the server",
        arguments: StoreKind.allCases)
    func newerSchemaRefused(kind: StoreKind) async throws {
        try await kind.with { store in
            let team = try await Team.make(store: store)
            let factory = ChangeFactory()
            let event = factory.newEvent()
            let mode = factory.make(event[0].entity, "mode", .string("troops"))
            #expect(mode.schema == 2)
            // A field this server has never heard of, as a newer Concord would write it.
            var future = factory.make(event[0].entity, "weather", .string("fog"))
            future.schema = Schema.version + 1
            let newer = future
            try await team.app().test(.router) { client in
                let response = try await client.push(event + [mode, newer], token: team.a)
                #expect(response.status == .unprocessableContent)
                let body = try decode(Wire.ErrorBody.self, response.body)
                guard case .refused(let refused) = body.detail else {
                    Issue.record("detail is not a refused list: \(body)")
                    return
                }
                #expect(refused.map(\.index) == [3])
                #expect(refused.map(\.id) == [newer.id.rawValue])
                #expect(
                    refused[0].error
                        == "this change was written under schema \(Schema.version + 1), newer than this server's "
                        + "(\(Schema.version)): upgrade the server")
                #expect(try await team.store.changeCount() == 0, "nothing of the batch is stored")

                // The client's other changes, of the server's schema and older, are accepted.
                let accepted = try await client.push(event + [mode], token: team.a)
                #expect(accepted.status == .ok)
                #expect(try await team.store.changeCount() == 3)
            }
        }
    }
}
