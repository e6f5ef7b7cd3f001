import ConcordStore
import ConcordCore
import ConcordTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Tokens through the real binaries: bad and revoked tokens exit 3 with advice, and no token reaches the log.
@Suite("Tokens end to end", .serialized)
struct TokenTests {
    @Test("`concord sync` with a wrong or revoked token exits 3 saying to ask for a token; nothing is pushed")
    func badTokens() async throws {
        let rig = try CrashTests.Rig()
        let ana = try rig.analyst("ana")
        try await rig.server.start()
        _ = try ana.importArticles(Array(Cluster.seeds.prefix(1)))
        let path = rig.path("ana.sqlite")
        try ana.setServer(url: rig.server.url, token: AccessTokenText.random())
        let wrong = try await run(Binaries.client, ["sync", "--store", path])
        #expect(wrong.status == 3, "\(wrong.stderr)")
        #expect(wrong.stderr.contains("refused the token"), "\(wrong.stderr)")
        #expect(wrong.stderr.contains("concord-server analyst add"), "\(wrong.stderr)")

        try ana.setServer(url: rig.server.url, token: rig.tokens["ana"]!)
        await rig.server.stop(signal: SIGTERM)
        let revoke = try await run(Binaries.server, ["analyst", "revoke", "ana", "--db", rig.server.dbPath])
        #expect(revoke.status == 0, "\(revoke.stderr)")
        try await rig.server.start()
        let revoked = try await run(Binaries.client, ["sync", "--store", path])
        #expect(revoked.status == 3, "\(revoked.stderr)")
        #expect(revoked.stderr.contains("revoked"), "\(revoked.stderr)")
        #expect(try await CrashTests.serverCount(rig) == 0, "nothing was pushed")
        #expect(try ana.pendingCount() > 0, "the changes wait for a good token")
        await rig.server.stop(signal: SIGTERM)
    }

    @Test("at LOG_LEVEL=trace the server log never holds a token, and its files are 0600")
    func noTokenInLogs() async throws {
        let rig = try CrashTests.Rig()
        let ana = try rig.analyst("ana")
        try rig.analyst("ben")
        try await rig.server.start(logLevel: "trace")
        _ = try ana.importArticles(Array(Cluster.seeds.prefix(1)))
        _ = try await rig.engine("ana").run()
        _ = try await rig.engine("ben").run()
        _ = httpGet(port: rig.server.port, path: "/v1/me", headers: ["Authorization": "Bearer not-a-real-token-123"])
        await rig.server.stop(signal: SIGTERM)
        let log = rig.server.log(tail: 10_000_000)
        #expect(log.contains("/v1/changes"), "the trace log has the requests")
        for (name, token) in rig.tokens {
            #expect(!log.contains(token), "\(name)'s token is not in the server log")
        }
        #expect(!log.contains("not-a-real-token-123"), "a wrong token is not logged either")
        for suffix in ["", "-wal", "-shm"] {
            let path = rig.server.dbPath + suffix
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0
            #expect(mode & 0o077 == 0, "\(path) is private to its owner: \(String(mode, radix: 8))")
        }
        for suffix in ["", "-wal", "-shm"] {
            let path = rig.path("ana.sqlite") + suffix
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0
            #expect(mode & 0o077 == 0, "\(path) (holds the token) is private to its owner: \(String(mode, radix: 8))")
        }
    }
}

/// A random token-shaped string that no server issued.
enum AccessTokenText {
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<64).map { _ in String(Int(generator.next() % 16), radix: 16) }.joined()
    }
}
