import ConcordCore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The PostgreSQL store's shared snapshots (protocol.md §14.3): one set per database, served by every server.
extension PostgresServerStore {
    // MARK: Shared snapshots

    /// Bytes per stored chunk of a snapshot file.
    static let snapshotChunk = 1 << 20

    public func claimSnapshotLease(holder: String, seconds: Int64) async throws -> Bool {
        let now = WallClock.millis()
        return try await run {
            try await client.query(
                """
                INSERT INTO snapshot_maker (id, holder, until) VALUES (1, \(holder), \(now + seconds * 1000))
                ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until
                WHERE snapshot_maker.holder = EXCLUDED.holder OR snapshot_maker.until < \(now)
                RETURNING holder
                """, logger: logger
            ).collect().count == 1
        }
    }

    public func newestSharedSnapshot() async throws -> Wire.SnapshotManifest? {
        let text = try await run {
            try await client.query("SELECT manifest FROM snapshot ORDER BY seq DESC LIMIT 1", logger: logger)
                .collect().first?.decode(String.self)
        }
        return try text.map { try JSONDecoder().decode(Wire.SnapshotManifest.self, from: Data($0.utf8)) }
    }

    public func publishSharedSnapshot(_ manifest: Wire.SnapshotManifest, from path: String) async throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ServerStoreError(path: path, message: "cannot read the snapshot to publish")
        }
        defer { try? handle.close() }
        let text = String(decoding: try JSONEncoder().encode(manifest), as: UTF8.self)
        try await run {
            try await client.withTransaction(logger: logger) { connection in
                let newer = try await connection.query(
                    "SELECT 1 FROM snapshot WHERE seq >= \(manifest.seq) LIMIT 1", logger: logger
                ).collect()
                guard newer.isEmpty else { return }
                try await connection.query(
                    "INSERT INTO snapshot (seq, manifest) VALUES (\(manifest.seq), \(text))", logger: logger)
                var n: Int32 = 0
                while let data = try handle.read(upToCount: Self.snapshotChunk), !data.isEmpty {
                    try await connection.query(
                        "INSERT INTO snapshot_chunk (seq, n, bytes) VALUES (\(manifest.seq), \(n), \(ByteBuffer(data: data)))",
                        logger: logger)
                    n += 1
                }
                // The newest two are kept, as a server keeps them in its folder.
                try await connection.query(
                    """
                    DELETE FROM snapshot WHERE seq < (SELECT MIN(seq) FROM (SELECT seq FROM snapshot ORDER BY seq DESC LIMIT 2) AS kept)
                    """, logger: logger)
            }
        }
    }

    public func copySharedSnapshot(seq: Int64, to path: String) async throws -> Bool {
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw ServerStoreError(path: path, message: "cannot create the snapshot copy")
        }
        defer { try? handle.close() }
        return try await run {
            var n: Int32 = 0
            while true {
                let rows = try await client.query(
                    "SELECT bytes FROM snapshot_chunk WHERE seq = \(seq) AND n = \(n)", logger: logger
                ).collect()
                guard let bytes = try rows.first?.decode(ByteBuffer.self) else { return n > 0 }
                try handle.write(contentsOf: Data(bytes.readableBytesView))
                n += 1
            }
        }
    }
}
