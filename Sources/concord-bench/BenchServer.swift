import ConcordStore
import ConcordSync
import ConcordCore
import ConcordServer
import Foundation
import Logging

/// A real `concord-server` on a loopback port with a SQLite file, and a token per analyst.
struct BenchServer {
    let running: RunningServer
    var tokens: [AnalystName: String]
    /// The SQLite file and the snapshot folder.
    var databasePath: String
    var snapshotDirectory: String { databasePath + ".snapshots" }

    var url: String { running.url.absoluteString }

    static func start(directory: URL, analysts: [(name: AnalystName, role: Role)], file: String = "server.sqlite")
        async throws -> BenchServer
    {
        var logger = Logger(label: "concord-bench-server")
        logger.logLevel = .critical
        let path = directory.appendingPathComponent(file).path
        var configuration = ConcordServerConfiguration(dbPath: path, port: 0, logger: logger)
        // Snapshots only when the bootstrap scenario asks, so they cost the other scenarios nothing.
        configuration.snapshots = SnapshotSettings(directory: path + ".snapshots", every: 1, interval: nil)
        let running = try await RunningServer.start(configuration)
        var tokens: [AnalystName: String] = [:]
        for analyst in analysts + [(try AnalystName("reader"), Role.analyst)] {
            tokens[analyst.name] = try await running.admin.addAnalyst(analyst.name, role: analyst.role)
        }
        return BenchServer(running: running, tokens: tokens, databasePath: path)
    }

    func transport(for name: AnalystName) -> HTTPTransport {
        HTTPTransport(server: url, token: tokens[name]!)
    }

    func stop() async throws { try await running.stop() }
}

/// Pushes `changes` in batches as the sync engine does; a refused change is set aside and the rest pushed again.
/// Returns (stored, refused).
func pushAll(_ changes: [Change], replica: ReplicaID, transport: HTTPTransport, batch: Int = 5_000) async throws
    -> (stored: Int, refused: Int)
{
    var stored = 0
    var refused = 0
    var start = 0
    while start < changes.count {
        var slice = Array(changes[start..<min(start + batch, changes.count)])
        start += slice.count
        while !slice.isEmpty {
            switch try await transport.push(Wire.PushRequest(replica: replica, changes: slice)) {
            case .accepted(let response):
                stored += response.accepted + response.duplicates
                slice = []
            case .refused(_, let message, let list):
                let named = Set(list.map(\.index))
                if named.isEmpty { throw BenchError("the server refused a batch without naming a change: \(message)") }
                refused += named.count
                slice = slice.enumerated().filter { !named.contains($0.offset) }.map(\.element)
            case .tooLarge(let message):
                throw BenchError("the server found a batch of \(slice.count) too large: \(message)")
            }
        }
    }
    return (stored, refused)
}

/// Every analyst of `workload` pushing their own changes at once, analyst i through `transport(i)`; returns the
/// changes stored and refused in all.
func pushConcurrently(_ workload: Workload, transport: (Int) -> HTTPTransport) async throws -> (
    stored: Int, refused: Int
) {
    try await withThrowingTaskGroup(of: (stored: Int, refused: Int).self) { group in
        for index in workload.analysts.indices {
            let changes = workload.byAuthor[index]
            let transport = transport(index)
            group.addTask {
                guard let replica = changes.first?.replica else { return (0, 0) }
                return try await pushAll(changes, replica: replica, transport: transport)
            }
        }
        var total = (stored: 0, refused: 0)
        for try await result in group { total = (total.stored + result.stored, total.refused + result.refused) }
        return total
    }
}

/// A failure of the benchmark itself (not a figure).
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
