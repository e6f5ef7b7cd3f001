import ConcordTestSupport
import Foundation
import Testing

/// A certificate authority and a server certificate for 127.0.0.1, made with the `openssl` command at test time.
struct TestCertificates {
    let directory: String
    var caCertificate: String { directory + "/ca.pem" }
    var serverCertificate: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }

    /// Fails (never skips) when `openssl` is missing: `.ci/run` installs it.
    init(in directory: String) async throws {
        self.directory = directory
        let ext = directory + "/server.ext"
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n".write(
            toFile: ext, atomically: true, encoding: .utf8)
        let steps: [[String]] = [
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                directory + "/ca.key", "-out", directory + "/ca.pem", "-days", "2", "-subj", "/CN=Concord Test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
            ],
            [
                "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                directory + "/server.key", "-out", directory + "/server.csr", "-subj", "/CN=127.0.0.1",
            ],
            [
                "x509", "-req", "-in", directory + "/server.csr", "-CA", directory + "/ca.pem", "-CAkey",
                directory + "/ca.key", "-CAcreateserial", "-out", directory + "/server.pem", "-days", "2",
                "-extfile", ext,
            ],
        ]
        for arguments in steps { try await Self.openssl(arguments) }
    }

    static func openssl(_ arguments: [String]) async throws {
        let result: ProcessResult
        do { result = try await run("/usr/bin/openssl", arguments) } catch {
            throw ProcessFailure(message: "openssl is needed to make test certificates (apt-get install openssl)")
        }
        guard result.status == 0 else {
            throw ProcessFailure(message: "openssl \(arguments[0]) failed: \(result.stderr)")
        }
    }

    /// A certificate for 127.0.0.1 with the server's key, signed by the CA, valid only on 1 January 2020
    /// (`openssl ca` with fixed dates: `req` and `x509` cannot make one in the past).
    func expired() async throws -> String {
        let config = directory + "/ca.cnf"
        try FileManager.default.createDirectory(atPath: directory + "/issued", withIntermediateDirectories: true)
        try "".write(toFile: directory + "/index.txt", atomically: true, encoding: .utf8)
        try "1000\n".write(toFile: directory + "/serial", atomically: true, encoding: .utf8)
        try """
        [ ca ]
        default_ca = test
        [ test ]
        database = \(directory)/index.txt
        new_certs_dir = \(directory)/issued
        serial = \(directory)/serial
        default_md = sha256
        policy = any
        copy_extensions = copy
        [ any ]
        commonName = supplied
        [ server ]
        subjectAltName = IP:127.0.0.1,DNS:localhost
        extendedKeyUsage = serverAuth
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let out = directory + "/expired.pem"
        try await Self.openssl([
            "ca", "-batch", "-config", config, "-cert", caCertificate, "-keyfile", directory + "/ca.key", "-in",
            directory + "/server.csr", "-out", out, "-extensions", "server", "-startdate", "20200101000000Z",
            "-enddate", "20200102000000Z",
        ])
        return out
    }
}

@Suite("TLS (issue 15)", .serialized)
struct TLSTests {
    @Test("concord-server serve --tls-cert/--tls-key; concord init --ca-file syncs over https, and without it says why")
    func httpsEndToEnd() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("concord-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let certificates = try await TestCertificates(in: dir.path)
        let server = ServerProcess(dbPath: dir.appendingPathComponent("server.sqlite").path)
        let aliceToken = try server.addAnalyst("alice")
        let bobToken = try server.addAnalyst("bob")
        try await server.start(arguments: [
            "--tls-cert", certificates.serverCertificate, "--tls-key", certificates.serverKey,
        ])
        defer { server.stopBlocking(signal: SIGTERM) }
        let url = "https://127.0.0.1:\(server.port)"
        func concord(_ store: String, _ arguments: [String]) async throws -> ProcessResult {
            try await run(Binaries.client, arguments + ["--store", dir.appendingPathComponent(store).path])
        }

        let initAlice = try await concord(
            "alice.sqlite",
            [
                "init", "--analyst", "alice", "--server", url, "--token", aliceToken, "--ca-file",
                certificates.caCertificate,
            ])
        #expect(initAlice.status == 0, "\(initAlice.stderr)")
        let seed = Cluster.seeds[0]
        #expect(try await concord("alice.sqlite", ["import", seed]).status == 0)
        let aliceSync = try await concord("alice.sqlite", ["sync"])
        #expect(aliceSync.status == 0, "\(aliceSync.stderr)")
        #expect(try await concord("alice.sqlite", ["status", "--json"]).stdout.contains("\"pending\":0"))

        // Bob trusts only the system's store, which does not know the team's CA: exit 3, and the message says what
        // to do.
        #expect(
            try await concord("bob.sqlite", ["init", "--analyst", "bob", "--server", url, "--token", bobToken]).status
                == 0)
        let refused = try await concord("bob.sqlite", ["sync"])
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("the TLS handshake with https://127.0.0.1"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--ca-file"))
        // Setting the CA on his existing store fixes it, and he receives Alice's document over TLS.
        #expect(
            try await concord("bob.sqlite", ["init", "--analyst", "bob", "--ca-file", certificates.caCertificate])
                .status == 0
        )
        let bobSync = try await concord("bob.sqlite", ["sync"])
        #expect(bobSync.status == 0, "\(bobSync.stderr)")
        #expect(try await concord("bob.sqlite", ["docs", "--json"]).stdout.contains("\"id\""))

        // A plain-HTTP request to the TLS port is not answered as HTTP, and the server keeps serving.
        let plainURL = "http://127.0.0.1:\(server.port)"
        #expect(
            try await concord(
                "carol.sqlite", ["init", "--analyst", "alice", "--server", plainURL, "--token", aliceToken]
            )
            .status == 0)
        let plain = try await concord("carol.sqlite", ["sync"])
        #expect(plain.status == 3, "\(plain.stderr)")
        #expect(try await concord("alice.sqlite", ["sync"]).status == 0)
    }

    @Test("an expired certificate: the server refuses to start with it; a client says it expired, and when")
    func expiredCertificate() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("concord-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let certificates = try await TestCertificates(in: dir.path)
        let expired = try await certificates.expired()
        let db = dir.appendingPathComponent("server.sqlite").path
        let token = try await run(Binaries.server, ["analyst", "add", "alice", "--db", db]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let serve = try await run(
            Binaries.server,
            ["serve", "--db", db, "--port", "0", "--tls-cert", expired, "--tls-key", certificates.serverKey])
        #expect(serve.status == 1, "\(serve.stderr)")
        #expect(serve.stderr.contains("expired on 2020-01-02"), "\(serve.stderr)")

        // A server that serves it anyway (openssl s_server): the client names the expiry, not the authority.
        let port = try freePort()
        let other = Process()
        other.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        other.arguments = [
            "s_server", "-accept", "127.0.0.1:\(port)", "-cert", expired, "-key", certificates.serverKey, "-www",
            "-quiet",
        ]
        other.standardOutput = FileHandle.nullDevice
        other.standardError = FileHandle.nullDevice
        try other.run()
        defer { other.terminate() }
        for _ in 0..<500 where !acceptsConnections(port: port) { usleep(10_000) }
        let store = dir.appendingPathComponent("alice.sqlite").path
        let initialized = try await run(
            Binaries.client,
            [
                "init", "--analyst", "alice", "--server", "https://127.0.0.1:\(port)", "--token", token, "--ca-file",
                certificates.caCertificate, "--store", store,
            ])
        #expect(initialized.status == 0, "\(initialized.stderr)")
        let sync = try await run(Binaries.client, ["sync", "--store", store])
        #expect(sync.status == 3, "\(sync.stderr)")
        #expect(sync.stderr.contains("expired on 2020-01-02"), "\(sync.stderr)")
    }

    @Test("bad TLS files are refused with one sentence naming the file, exit 1")
    func badFiles() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("concord-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let certificates = try await TestCertificates(in: dir.path)
        let db = dir.appendingPathComponent("server.sqlite").path
        _ = try await run(Binaries.server, ["analyst", "add", "alice", "--db", db])
        let missing = try await run(
            Binaries.server,
            [
                "serve", "--db", db, "--port", "0", "--tls-cert", dir.path + "/nope.pem", "--tls-key",
                certificates.serverKey,
            ])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot read the certificate \(dir.path)/nope.pem"), "\(missing.stderr)")
        // The CA's certificate with the server's key: a key that does not belong to the certificate.
        let mismatched = try await run(
            Binaries.server,
            [
                "serve", "--db", db, "--port", "0", "--tls-cert", certificates.caCertificate, "--tls-key",
                certificates.serverKey,
            ])
        #expect(mismatched.status == 1)
        #expect(mismatched.stderr.contains("is not the private key of"), "\(mismatched.stderr)")
        let alone = try await run(Binaries.server, ["serve", "--db", db, "--tls-cert", certificates.serverCertificate])
        #expect(alone.status != 0)
        #expect(alone.stderr.contains("--tls-cert and --tls-key go together"))

        let store = dir.appendingPathComponent("alice.sqlite").path
        let notPEM = try await run(
            Binaries.client,
            ["init", "--analyst", "alice", "--server", "https://127.0.0.1:1", "--ca-file", db, "--store", store])
        #expect(notPEM.status == 1, "a bad CA file is the user's to fix (1), not a network failure (3)")
        #expect(notPEM.stderr.contains("cannot read the CA file") || notPEM.stderr.contains("holds no certificate"))
        #expect(!FileManager.default.fileExists(atPath: store), "a refused init creates no store")
        // A FIFO is not read (the read would block forever): refused at once.
        let fifo = dir.appendingPathComponent("ca.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let pipe = try await run(
            Binaries.client,
            ["init", "--analyst", "alice", "--server", "https://127.0.0.1:1", "--ca-file", fifo, "--store", store])
        #expect(pipe.status == 1 && pipe.stderr.contains("not a regular file"), "\(pipe.stderr)")
        let plain = try await run(
            Binaries.client,
            [
                "init", "--analyst", "alice", "--server", "http://127.0.0.1:1", "--ca-file",
                certificates.caCertificate, "--store", store,
            ])
        #expect(plain.status != 0)
        #expect(plain.stderr.contains("--ca-file checks an https server"))
    }
}
