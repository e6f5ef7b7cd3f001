import ConcordCore
import ConcordServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Metrics and readiness")
struct MetricsTests {
    @Test("GET /metrics counts pushes, changes by outcome, pull pages, latency by route, and the database's state")
    func countsWhatHappened() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        let event = factory.newEvent()
        try await team.app().test(.router) { client in
            #expect(try await client.push(event, token: team.a).status == .ok)
            #expect(try await client.push(event + factory.newEvent(), token: team.a).status == .ok)
            #expect(try await client.push(factory.newEvent(author: "analyst-b"), token: team.a).status == .forbidden)
            for uri in ["/v1/changes?after=0&limit=3", "/v1/changes?after=3"] {
                #expect(try await client.execute(uri: uri, method: .get, headers: auth(team.b)).status == .ok)
            }
            _ = try await client.execute(uri: "/v1/events/\(factory.event().id)", method: .get, headers: auth(team.a))
            _ = try await client.execute(uri: "/nowhere/\(UUID())", method: .get)
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let values = Self.samples(String(buffer: response.body))
            #expect(values["concord_pushes_total{outcome=\"stored\"}"] == 2)
            #expect(values["concord_pushes_total{outcome=\"refused\"}"] == 1)
            #expect(values["concord_push_changes_total{outcome=\"accepted\"}"] == 4)
            #expect(values["concord_push_changes_total{outcome=\"duplicate\"}"] == 2)
            #expect(values["concord_push_changes_total{outcome=\"refused\"}"] == 2)
            #expect(values["concord_pull_pages_total"] == 2)
            #expect(values["concord_pull_changes_total"] == 4)
            #expect(values["concord_database_errors_total"] == 0)
            #expect(values["concord_changes_stored"] == 4)
            #expect(values["concord_database_up"] == 1)
            #expect(values["concord_long_polls_waiting"] == 0)
            let latency = "concord_http_request_duration_seconds_count"
            #expect(values["\(latency){route=\"/v1/changes\",method=\"POST\",status=\"200\"}"] == 2)
            #expect(values["\(latency){route=\"/v1/changes\",method=\"POST\",status=\"403\"}"] == 1)
            #expect(values["\(latency){route=\"/v1/changes\",method=\"GET\",status=\"200\"}"] == 2)
            // An id is not a label: the route's template is, and unknown paths share one series.
            #expect(values["\(latency){route=\"/v1/events/{id}\",method=\"GET\",status=\"404\"}"] == 1)
            #expect(values["\(latency){route=\"other\",method=\"GET\",status=\"404\"}"] == 1)
            #expect(!String(buffer: response.body).contains("analyst-a"), "no analyst's name is a label")
        }
    }

    @Test("a closed database: /v1/health answers 503 and /metrics shows the database down and the error counted")
    func notReady() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("concord-metrics-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteServerStore(path: dir.appendingPathComponent("server.sqlite").path)
        let team = try await Team.make(store: store)
        try await team.app().test(.router) { client in
            let ready = try await client.execute(uri: "/v1/health", method: .get)
            #expect(ready.status == .ok)
            try await store.close()
            let health = try await client.execute(uri: "/v1/health", method: .get)
            #expect(health.status == .serviceUnavailable)
            #expect(health.headers[.retryAfter] == "5")
            #expect(try decode(Wire.ErrorBody.self, health.body).error.hasPrefix("not ready: the database"))
            let values = Self.samples(String(buffer: try await client.execute(uri: "/metrics", method: .get).body))
            #expect(values["concord_database_up"] == 0)
            #expect(values["concord_database_errors_total"] == 1)
        }
    }

    /// Each sample line `name{labels} value` of a text exposition, by `name{labels}`.
    static func samples(_ text: String) -> [String: Double] {
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            values[String(line[..<space])] = value
        }
        return values
    }
}
