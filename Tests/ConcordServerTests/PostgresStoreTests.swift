import ConcordCore
import ConcordServer
import ConcordTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("PostgreSQL store", .serialized)
struct PostgresStoreTests {
    @Test("a database that goes away answers 503 with a sentence, and the server serves again when it is back")
    func databaseGoesAway() async throws {
        // A cluster of its own: stopping the shared one would cut every other test's connections.
        let cluster = try PostgresCluster()
        let store = try await PostgresServerStore(url: try cluster.createDatabase())
        let team = try await Team.make(store: store)
        let factory = ChangeFactory()
        try await team.app().test(.router) { client in
            #expect(try await client.push(factory.newEvent(), token: team.a).status == .ok)
            try cluster.stop()
            let down = try await client.execute(uri: "/v1/changes?after=0", method: .get, headers: auth(team.a))
            #expect(down.status == .serviceUnavailable, "\(String(buffer: down.body))")
            #expect(String(buffer: down.body).contains("cannot be reached"))
            try cluster.start()
            // The pool reconnects with backoff: within a minute the same request is answered again.
            var status = HTTPResponse.Status.serviceUnavailable
            for _ in 0..<60 where status != .ok {
                try await Task.sleep(for: .seconds(1))
                status = try await client.execute(uri: "/v1/changes?after=0", method: .get, headers: auth(team.a))
                    .status
            }
            #expect(status == .ok)
            let count = try await store.changeCount()
            #expect(count > 0)
            #expect(try await client.push(factory.newEvent(), token: team.a).status == .ok)
        }
        // The application closed the store when it stopped.
    }

    @Test("a URL that cannot serve is refused in one sentence, and another application's database is left alone")
    func badLocations() async throws {
        let cluster = try PostgresCluster.shared()
        await #expect {
            _ = try await PostgresServerStore(url: "postgres://concord@127.0.0.1:1/none")
        } throws: { "\($0)".contains("cannot connect") }
        await #expect {
            _ = try await PostgresServerStore(url: "postgres://127.0.0.1/none")
        } throws: { "\($0)".contains("must name a user and a database") }
        let url = try cluster.createDatabase()
        let missing = url.replacingOccurrences(of: "/concord_", with: "/absent_")
        await #expect {
            _ = try await PostgresServerStore(url: missing)
        } throws: { "\($0)".contains("does not exist") }
        // The store's own tables are accepted a second time (a second server on the same database).
        let first = try await PostgresServerStore(url: url)
        let second = try await PostgresServerStore(url: url)
        try await first.close()
        try await second.close()
    }
}
