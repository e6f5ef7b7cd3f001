import ArgumentParser
import ConcordStore
import ConcordCore
import Foundation

/// `concord demo`: the whole story on a temporary server, in one command.
///
/// Starts the real `concord-server` binary as a child process on a free loopback port (the analyst's binary links no
/// server code), creates three analysts' stores in a temporary directory, lets them annotate the seed articles offline with an honest disagreement, syncs, shows the conflicts
/// and what each analyst sees, has the adjudicator resolve one conflict, and prints the report.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole story on a temporary server: three analysts, a conflict, a resolution, a report.")

    @Option(help: "Folder of seed articles (default: ./seeds, or the seeds beside the package).")
    var seeds: String?

    @Option(help: "Keep the demo's files in this folder instead of a temporary one.")
    var keep: String?

    @Option(help: "The concord-server binary to run (default: $CONCORD_SERVER, beside concord, on PATH, or built).")
    var serverBinary: String?

    func run() async throws {
        let seedFiles = try Self.findSeeds(seeds)
        let directory =
            try keep.map { path -> URL in
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                return URL(fileURLWithPath: path)
            }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                "concord-demo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let binary = try DemoServer.findBinary(serverBinary)
        let database = directory.appendingPathComponent("server.sqlite").path
        // The admin adds the team before the server starts, as the README's team setup does.
        var tokens: [String: String] = [:]
        for (name, role) in DemoStory.team {
            tokens[name] = try DemoServer.addAnalyst(binary: binary, database: database, name: name, role: role)
        }
        let server = try await DemoServer.start(
            binary: binary, database: database, log: directory.appendingPathComponent("server.log").path)
        do {
            try await DemoStory(server: server, tokens: tokens, directory: directory, seeds: seedFiles).run()
            await server.stop()
        } catch {
            await server.stop()
            throw error
        }
    }

    /// `./seeds`, else `seeds/` beside the package the binary was built in.
    static func findSeeds(_ explicit: String?) throws -> [String] {
        var candidates: [String] = []
        if let explicit { candidates.append(explicit) }
        candidates.append(FileManager.default.currentDirectoryPath + "/seeds")
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(dir.appendingPathComponent("seeds").path)
            dir = dir.deletingLastPathComponent()
        }
        for folder in candidates {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
                $0.hasSuffix(".txt")
            }
            if !files.isEmpty { return files.sorted().map { folder + "/" + $0 } }
            if explicit != nil && folder == explicit { throw ValidationError("no .txt articles in \(folder)") }
        }
        throw ValidationError("cannot find the seed articles; run from the repository root or pass --seeds DIR")
    }
}
