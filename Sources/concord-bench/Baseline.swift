import ConcordCore
import ConcordSQLite
import Foundation
import GRDB

/// The physical reference: raw batched SQLite inserts of change-sized rows (protocol.md §10), measured in the same run.
///
/// One prepared statement, 10k rows a transaction, WAL, synchronous=NORMAL, an INTEGER PRIMARY KEY plus a UNIQUE
/// UUIDv7 text column, ~300-byte rows.
enum Baseline {
    static func run(rows: Int, directory: URL) throws -> Measurement {
        let path = directory.appendingPathComponent("baseline.sqlite").path
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode=WAL")
        }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous=NORMAL")
            try db.execute(
                sql: """
                    CREATE TABLE rows (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, entity TEXT NOT NULL,
                    field TEXT NOT NULL, body TEXT NOT NULL)
                    """)
        }
        var generator = UUIDv7Generator()
        let ids = (0..<rows).map { _ in generator.next().rawValue }
        let body = String(repeating: "x", count: 200)
        let entity = "event/0197f0a0-0000-7000-8000-000000000001"
        let start = ContinuousClock.now
        let cpuStart = ProcessStats.threadCPUSeconds()
        var written = 0
        while written < rows {
            let n = min(10_000, rows - written)
            try queue.inTransaction { db in
                let statement = try RawStatement(
                    db, sql: "INSERT INTO rows (id, entity, field, body) VALUES (?, ?, ?, ?)")
                for i in written..<(written + n) {
                    statement.bind(ids[i], at: 1)
                    statement.bind(entity, at: 2)
                    statement.bind("type", at: 3)
                    statement.bind(body, at: 4)
                    try statement.execute()
                }
                return .commit
            }
            written += n
        }
        let seconds = elapsed(start)
        let cpuSeconds = ProcessStats.threadCPUSeconds() - cpuStart
        let rate = Double(rows) / seconds
        return Measurement(
            name: "baseline", changes: rows, seconds: seconds, baseline: rate, extra: ["cpu_seconds": cpuSeconds])
    }
}
