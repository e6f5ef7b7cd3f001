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
///
/// The simulated analysts traded changes among themselves while they worked, but a real client learns other
/// analysts' changes only from the server, and the server refuses a change that lists one it does not hold yet
/// (protocol.md §16). So each client pushes, 5,000 at a time, its next changes less those that list a change the
/// server does not hold yet (and those that list these): they wait for a later push, as if written after a sync
/// that brought what they list. Returns the changes stored and refused, and the pushes made.
func pushConcurrently(_ workload: Workload, transport: (Int) -> HTTPTransport) async throws -> (
    stored: Int, refused: Int, pushes: Int
) {
    let arrived = Arrived(expected: workload.all.map(\.id))
    return try await withThrowingTaskGroup(of: (stored: Int, refused: Int, pushes: Int).self) { group in
        for index in workload.analysts.indices {
            let changes = workload.byAuthor[index]
            let transport = transport(index)
            group.addTask {
                guard let replica = changes.first?.replica else { return (0, 0, 0) }
                var total = (stored: 0, refused: 0, pushes: 0)
                var queue = changes[...]
                while !queue.isEmpty {
                    // Up to 5,000 ready changes from the next 20,000: what waits leaves room for what need not.
                    let (send, wait, looked) = await arrived.split(queue.prefix(20_000), limit: 5_000)
                    guard !send.isEmpty else {
                        try await Task.sleep(for: .milliseconds(1))
                        continue
                    }
                    let result = try await pushAll(send, replica: replica, transport: transport)
                    total = (total.stored + result.stored, total.refused + result.refused, total.pushes + 1)
                    await arrived.insert(send.map(\.id))
                    queue = wait[...] + queue.dropFirst(looked)
                }
                return total
            }
        }
        var total = (stored: 0, refused: 0, pushes: 0)
        for try await result in group {
            total = (total.stored + result.stored, total.refused + result.refused, total.pushes + result.pushes)
        }
        return total
    }
}

/// The changes the server holds, as the pushing clients of ``pushConcurrently(_:transport:)`` learn them.
actor Arrived {
    private var held = Set<ChangeID>()
    /// Ids of the workload; others (none, in a consistent workload) are not waited for.
    private let expected: Set<ChangeID>

    init(expected: [ChangeID]) { self.expected = Set(expected) }

    func insert(_ ids: [ChangeID]) { held.formUnion(ids) }

    /// The first `limit` of `changes` that can be pushed now, in order (they list only changes the server holds or
    /// earlier ones of the push), those before the last of them that must wait, in order, and how many of `changes`
    /// were looked at.
    func split(_ changes: ArraySlice<Change>, limit: Int) -> (send: [Change], wait: [Change], looked: Int) {
        var send: [Change] = []
        var wait: [Change] = []
        var sending = Set<ChangeID>()
        var looked = 0
        for change in changes {
            if send.count == limit { break }
            looked += 1
            let ready = change.supersedes.allSatisfy {
                !expected.contains($0) || held.contains($0) || sending.contains($0)
            }
            if ready {
                send.append(change)
                sending.insert(change.id)
            } else {
                wait.append(change)
            }
        }
        return (send, wait, looked)
    }
}

/// A failure of the benchmark itself (not a figure).
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
