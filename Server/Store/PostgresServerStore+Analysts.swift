import ConcordCore
import ConcordSQLite
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import PostgresNIO

/// The PostgreSQL store's analysts.
extension PostgresServerStore {
    // MARK: Analysts

    public func addAnalyst(_ analyst: AnalystRecord) async throws {
        let inserted = try await run {
            try await client.query(
                """
                INSERT INTO analyst (name, role, token_sha256, created, revoked)
                VALUES (\(analyst.name.rawValue), \(analyst.role.rawValue), \(ByteBuffer(bytes: analyst.tokenHash)),
                    \(analyst.created), \(analyst.revoked))
                ON CONFLICT (name) DO NOTHING RETURNING name
                """, logger: logger
            ).collect().count
        }
        if inserted == 0 { throw AdminError.analystExists(analyst.name) }
    }

    public func analysts() async throws -> [AnalystRecord] {
        try await run {
            var records: [AnalystRecord] = []
            for try await (name, role, hash, created, revoked) in try await client.query(
                "SELECT name, role, token_sha256, created, revoked FROM analyst ORDER BY name", logger: logger
            ).decode((String, String, ByteBuffer, Int64, Int64?).self) {
                guard let role = Role(rawValue: role) else {
                    throw ServerStoreError(path: location, message: "analyst \(name) has unknown role \(role)")
                }
                records.append(
                    AnalystRecord(
                        name: try AnalystName(name), role: role, tokenHash: Array(hash.readableBytesView),
                        created: created, revoked: revoked))
            }
            return records
        }
    }

    public func revoke(_ name: AnalystName, at: Int64) async throws {
        let updated = try await run {
            try await client.query(
                """
                UPDATE analyst SET revoked = COALESCE(revoked, \(at)) WHERE name = \(name.rawValue) RETURNING name
                """, logger: logger
            ).collect().count
        }
        if updated == 0 { throw AdminError.unknownAnalyst(name) }
    }
}
