import ArgumentParser
import ConcordStore
import ConcordSync
import Foundation

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the analyst, server, pending and rejected changes, last sync.")

    @OptionGroup var options: StoreOptions
    @OptionGroup var output: JSONOption

    struct Shape: Encodable {
        struct Rejected: Encodable {
            var change: String
            var entity: String
            var field: String
            var value: String
            var reason: String
        }
        var store: String
        var analyst: String
        var replica: String
        var role: String
        var server: String?
        var pending: Int
        var rejected: [Rejected]
        var lastSync: String?
        var cursor: Int64
        var changes: Int
        var events: Int
        var documents: Int
        /// Changes kept in the log but out of the view: written under a newer schema (protocol.md §12).
        var needNewer: Int

        func encode(to encoder: any Encoder) throws {
            enum K: String, CodingKey {
                case store, analyst, replica, role, server, pending, rejected, lastSync, cursor, changes, events,
                    documents, needNewer
            }
            var c = encoder.container(keyedBy: K.self)
            try c.encode(store, forKey: .store)
            try c.encode(analyst, forKey: .analyst)
            try c.encode(replica, forKey: .replica)
            try c.encode(role, forKey: .role)
            try c.encode(server, forKey: .server)
            try c.encode(pending, forKey: .pending)
            try c.encode(rejected, forKey: .rejected)
            try c.encode(lastSync, forKey: .lastSync)
            try c.encode(cursor, forKey: .cursor)
            try c.encode(changes, forKey: .changes)
            try c.encode(events, forKey: .events)
            try c.encode(documents, forKey: .documents)
            try c.encode(needNewer, forKey: .needNewer)
        }
    }

    func run() throws {
        let store = try options.open()
        let meta = try store.metadata()
        let rejected = try store.rejectedChanges()
        let lastSync = meta.lastSync.map { $0.ISO8601Format() }
        let needNewer = try store.newerSchemaCount()
        let shape = Shape(
            store: store.path, analyst: meta.analyst.rawValue, replica: meta.replica.rawValue, role: meta.role.rawValue,
            server: meta.server, pending: meta.pendingCount,
            rejected: rejected.map {
                .init(
                    change: $0.change.id.rawValue, entity: $0.change.entity.rawValue, field: $0.change.field,
                    value: $0.change.value.description, reason: $0.reason)
            }, lastSync: lastSync, cursor: meta.pullCursor, changes: meta.changeCount, events: meta.eventCount,
            documents: meta.documentCount, needNewer: needNewer)
        if output.json { return try Terminal.json(shape) }
        var lines = [
            "store      \(store.path)",
            "analyst    \(meta.analyst) (\(meta.role.rawValue))",
            "replica    \(meta.replica)",
            "server     \(meta.server ?? "none (offline only; `concord init --server` sets one)")",
            "pending    \(meta.pendingCount) change\(meta.pendingCount == 1 ? "" : "s") not yet pushed",
            "last sync  \(lastSync ?? "never")",
            "contents   \(meta.eventCount) events, \(meta.documentCount) documents, \(meta.changeCount) changes",
        ]
        if needNewer > 0 {
            lines.append("newer      " + SyncSummary.needNewerMessage(needNewer) + ", kept in the log")
        }
        if !rejected.isEmpty {
            lines.append("rejected   \(rejected.count) change(s) refused by the server, kept in the log:")
            for r in shape.rejected {
                lines.append("  \(r.change) \(r.entity) \(r.field)=\"\(r.value)\": \(r.reason)")
            }
        }
        Terminal.out(lines.joined(separator: "\n"))
    }
}
