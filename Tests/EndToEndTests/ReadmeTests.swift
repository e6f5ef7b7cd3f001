import ConcordTestSupport
import Foundation
import Testing

/// The README's runnable blocks ("Using it", "Running a server for a team"), run line by line with bash against the
/// built binaries and a real server: every command in them must work as written (issue 14). The only change is the
/// port: a free one instead of 8080.
@Suite("README")
struct ReadmeTests {
    /// The first ```sh block after the "## Using it" heading.
    static func usingItBlock() throws -> String { try block(after: "Using it") }

    /// The first ```sh block after the heading "## `heading`".
    static func block(after heading: String) throws -> String {
        let readme = try String(contentsOfFile: Binaries.repositoryRoot + "/README.md", encoding: .utf8)
        let section = try #require(
            readme.range(of: "\n## \(heading)\n"), "README.md has no \"## \(heading)\" section")
        let rest = readme[section.upperBound...]
        let open = try #require(rest.range(of: "```sh\n"))
        let close = try #require(rest[open.upperBound...].range(of: "\n```"))
        return String(rest[open.upperBound..<close.lowerBound])
    }

    @Test("every line of the README's \"Using it\" block runs, in order, on a fresh folder")
    func usingIt() throws {
        let block = try Self.usingItBlock()
        #expect(block.contains("concord-server serve") && block.contains("concord sync"))
        let dir = try Self.freshFolder(seeds: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try Self.runBlock(block, in: dir)
        #expect(result.status == 0, "the README block failed; its trace ends:\n\(result.stderr.suffix(3_000))")
        guard result.status == 0 else { return }
        // What the block promises happened.
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("PLOVER: joint exercises are COOPERATE"), "the resolution and its reason are reported")
        let exported = try String(contentsOf: dir.appendingPathComponent("events.jsonl"), encoding: .utf8)
        let records = exported.split(separator: "\n")
        #expect(records.count == 1, "Alice's and Bob's drill events are one linked cluster")
        let record = try #require(
            try JSONSerialization.jsonObject(with: Data(records[0].utf8)) as? [String: Any])
        #expect(record["event"] as? [String] == ["COOPERATE"])
        #expect(result.stdout.contains("[[conducted a joint air drill"), "doc show marks Alice's evidence")
    }

    @Test("the README's blind coding block runs: bob sees only his own event until both submitted")
    func blindCoding() throws {
        let block = try Self.block(after: "Blind double coding (docs/protocol.md §15)")
        #expect(block.contains("concord assign") && block.contains("concord submit"))
        let dir = try Self.freshFolder(seeds: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try Self.runBlock(block, in: dir)
        #expect(result.status == 0, "the README block failed; its trace ends:\n\(result.stderr.suffix(3_000))")
        guard result.status == 0 else { return }
        let lines = result.stdout.split(separator: "\n")
        let bobsView = lines.filter { $0.contains("\tJoint air drill") || $0.contains("\tB-52 show of force") }
        // `concord events` ran twice: bob's (his own event only), then alice's after both submitted (both).
        #expect(bobsView.count == 3, "bob saw 1 event, alice then 2: \(bobsView)")
        #expect(result.stderr.contains("2 documents were assigned to you to code blind"))
        #expect(result.stdout.contains("assigned to you (blind)"))
    }

    @Test("the README's \"Running a server for a team\" block runs: health, metrics, a backup that serves")
    func teamServer() throws {
        let block = try Self.block(after: "Running a server for a team")
        #expect(block.contains("concord-server backup") && block.contains("/metrics"))
        let dir = try Self.freshFolder(seeds: false)
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try Self.runBlock(block, in: dir)
        #expect(result.status == 0, "the README block failed; its trace ends:\n\(result.stderr.suffix(3_000))")
        #expect(result.stdout.contains("\"status\":\"ok\""), "health answered: \(result.stdout)")
        #expect(result.stdout.contains("concord_pushes_total{outcome=\"stored\"} 0"), "metrics answered")
        #expect(result.stdout.contains("alice\tanalyst"), "the backup holds the analyst")
    }

    /// A new temporary folder for a block, with `seeds/` linked to the repository's when the block imports them.
    static func freshFolder(seeds: Bool) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("concord-readme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        if seeds {
            try FileManager.default.createSymbolicLink(
                atPath: dir.appendingPathComponent("seeds").path,
                withDestinationPath: Binaries.repositoryRoot + "/seeds")
        }
        return dir
    }

    /// Runs `block` with bash in `dir`, tracing, on the built binaries, with a free port instead of 8080; kills a
    /// server the block left running ($SERVER).
    static func runBlock(_ block: String, in dir: URL) throws -> ProcessResult {
        let binaries = URL(fileURLWithPath: Binaries.client).deletingLastPathComponent().path
        let script = """
            set -euo pipefail -x
            export PATH="\(binaries):$PATH"
            trap 'if [ -n "${SERVER:-}" ]; then kill "$SERVER" 2>/dev/null || true; fi' EXIT
            cd "\(dir.path)"

            """ + block.replacingOccurrences(of: "8080", with: String(try freePort())) + "\n"
        let path = dir.appendingPathComponent("block.sh").path
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        return try runBlocking("/bin/bash", [path])
    }
}
