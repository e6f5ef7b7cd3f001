import ConcordCore
@testable import ConcordServer
import ConcordTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `GET /v1/changes?after=S&wait=SECONDS` (protocol.md §14).
@Suite("Long poll")
struct LongPollTests {
    @Test("a long poll answers at once when changes are there, and an empty page when the wait ends without one")
    func waitsOnlyWhenNothingIsNew() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        try await team.app().test(.router) { client in
            _ = try await client.push(factory.newEvent(), token: team.a)
            let clock = ContinuousClock()
            var page: Wire.PullPage?
            let ready = try await clock.measure {
                page = try decode(
                    Wire.PullPage.self,
                    try await client.execute(uri: "/v1/changes?after=0&wait=30", method: .get, headers: auth(team.b))
                        .body)
            }
            #expect(page?.changes.count == 2 && ready < .seconds(5), "answered at once: \(ready)")
            var empty: Wire.PullPage?
            let waited = try await clock.measure {
                let response = try await client.execute(
                    uri: "/v1/changes?after=2&wait=1", method: .get, headers: auth(team.b))
                #expect(response.status == .ok)
                empty = try decode(Wire.PullPage.self, response.body)
            }
            #expect(empty?.changes.isEmpty == true && empty?.next == 2 && empty?.more == false)
            #expect(waited >= .milliseconds(900), "held for the wait: \(waited)")
        }
    }

    @Test("a push wakes a held long poll, which answers with the pushed changes", arguments: StoreKind.allCases)
    func pushWakesPoll(kind: StoreKind) async throws {
        try await kind.with { store in
            let team = try await Team.make(store: store)
            let factory = ChangeFactory()
            try await team.app().test(.router) { client in
                let event = factory.newEvent()
                let started = ContinuousClock.now
                async let held = client.execute(uri: "/v1/changes?after=0&wait=40", method: .get, headers: auth(team.b))
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await client.push(event, token: team.a).status == .ok)
                let page = try decode(Wire.PullPage.self, try await held.body)
                #expect(page.changes.map(\.change.id) == event.map(\.id))
                #expect(ContinuousClock.now - started < .seconds(20), "woken by the push, not the 40 s wait")
            }
        }
    }

    @Test("a token revoked while its long poll is held gets 401, not the changes that woke it")
    func revokedWhileHeld() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        try await team.app().test(.router) { client in
            let event = factory.newEvent()
            async let held = client.execute(uri: "/v1/changes?after=0&wait=40", method: .get, headers: auth(team.b))
            try await Task.sleep(for: .milliseconds(300))
            try await team.admin.revoke(try AnalystName("analyst-b"))
            #expect(try await client.push(event, token: team.a).status == .ok)
            let response = try await held
            #expect(response.status == .unauthorized, "revoked mid-poll: \(response.status)")
            #expect(String(buffer: response.body).contains("revoked"))
        }
    }

    @Test("a push through another server process of one PostgreSQL database wakes the poll too")
    func otherProcessWakesPoll() async throws {
        let url = try await PostgresCluster.shared().createDatabase()
        let waiting = try await PostgresServerStore(url: url)
        let pushing = try await PostgresServerStore(url: url)
        try await withRunning(waiting) {
            try await withRunning(pushing) {
                let team = try await Team.make(store: waiting)
                let other = Team(
                    store: pushing, admin: team.admin, a: team.a, b: team.b, adjudicator: team.adjudicator,
                    revoked: team.revoked)
                let factory = ChangeFactory()
                try await other.app().test(.router) { pusher in
                    try await team.app().test(.router) { client in
                        let started = ContinuousClock.now
                        async let held = client.execute(
                            uri: "/v1/changes?after=0&wait=40", method: .get, headers: auth(team.b))
                        try await Task.sleep(for: .milliseconds(300))
                        #expect(try await pusher.push(factory.newEvent(), token: team.a).status == .ok)
                        let page = try decode(Wire.PullPage.self, try await held.body)
                        #expect(page.changes.count == 2)
                        #expect(
                            ContinuousClock.now - started < .seconds(20), "seen by the shared poll, not the 40 s wait")
                    }
                }
            }
        }
    }

    @Test("wait outside 0…50 or not a number is refused with 400 and a sentence")
    func badWait() async throws {
        let team = try await Team.make()
        try await team.app().test(.router) { client in
            for wait in ["51", "-1", "soon", "1.5"] {
                let response = try await client.execute(
                    uri: "/v1/changes?after=0&wait=\(wait)", method: .get, headers: auth(team.a))
                #expect(response.status == .badRequest, "wait=\(wait)")
                #expect(try decode(Wire.ErrorBody.self, response.body).error.contains("expected 0 to 50 seconds"))
            }
        }
    }

    @Test("past its cap of held long polls, an analyst's next pull is answered at once; other analysts still wait")
    func pollCap() async throws {
        let team = try await Team.make()
        var configuration = ConcordServerConfiguration(port: 0, now: { serverNow }, rateLimit: nil)
        configuration.logger.logLevel = .warning
        configuration.pollsPerAnalyst = 2
        let factory = ChangeFactory()
        try await buildApplication(configuration, store: team.store).test(.router) { client in
            let started = ContinuousClock.now
            async let first = client.execute(uri: "/v1/changes?after=0&wait=30", method: .get, headers: auth(team.a))
            async let second = client.execute(uri: "/v1/changes?after=0&wait=30", method: .get, headers: auth(team.a))
            async let other = client.execute(uri: "/v1/changes?after=0&wait=30", method: .get, headers: auth(team.b))
            try await Task.sleep(for: .milliseconds(500))
            let third = try await client.execute(
                uri: "/v1/changes?after=0&wait=30", method: .get, headers: auth(team.a))
            #expect(third.status == .ok && ContinuousClock.now - started < .seconds(10), "the third is not held")
            #expect(try decode(Wire.PullPage.self, third.body).changes.isEmpty)
            #expect(try await client.push(factory.newEvent(), token: team.a).status == .ok)
            for response in try await [first, second, other] {
                #expect(try decode(Wire.PullPage.self, response.body).changes.count == 2, "held polls are woken")
            }
            #expect(ContinuousClock.now - started < .seconds(20), "by the push, not the 30 s wait")
        }
    }

    @Test("1,000 waiters: one advance wakes exactly those below it, close releases the rest")
    func manyWaiters() async throws {
        let signal = ChangeSignal(poll: nil)
        let woken = SharedCount()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<1_000 {
                group.addTask {
                    await signal.wait(after: Int64(index % 2 == 0 ? 10 : 20), timeout: .seconds(60))
                    woken.add()
                }
            }
            while signal.waiting < 1_000 { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(300))
            #expect(woken.value == 0, "nothing wakes a waiter but an advance, its timeout or close")
            signal.advance(to: 15)
            while woken.value < 500 { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(100))
            #expect(woken.value == 500 && signal.waiting == 500, "only the waiters after 10 woke")
            signal.close()
            try await group.waitForAll()
        }
        #expect(woken.value == 1_000)
    }
}
