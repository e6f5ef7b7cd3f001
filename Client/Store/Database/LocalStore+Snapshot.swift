import ConcordCore
import ConcordSQLite
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#else
    import Darwin
#endif

/// Store snapshots (protocol.md §14): a server keeps a client store of its log, folded page by page as a client's pull
/// folds it, and a client with nothing pulled yet installs a copy of it instead of replaying every change.
///
/// A snapshot is a plain store file: the log (every change `remote`, with its server `seq`), the view, the votes and
/// the report's tables, with no identity (analyst, replica, server, token) and no edit commands. A client takes one
/// only when its tables are exactly the tables this build would write (``storeFormat``), so the installed store is
/// the store a change-by-change pull would have built, table for table.
extension LocalStore {
    /// The size of the file at `path`, or nil if there is none.
    public static func fileSize(at path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }

    /// The fingerprint of the store format this build writes: the SHA-256 of its schema (every table, index and
    /// view with its SQL), its migrations and its application id. Two builds with the same fingerprint fold a
    /// change into the same rows.
    public static let storeFormat: String = {
        do {
            let queue = try DatabaseQueue()
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA application_id = \(StoreSchema.applicationID)")
            }
            try StoreSchema.migrator.migrate(queue)
            return try queue.read { db in try format(of: db) }
        } catch {
            preconditionFailure("cannot build an in-memory store: \(error)")
        }
    }()

    /// The fingerprint of the store format of the database `db` (``storeFormat``).
    static func format(of db: Database) throws -> String {
        var digest = SnapshotDigest()
        let application = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        digest.update("application_id \(application)\n".utf8)
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master
                WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name
                """)
        for row in rows {
            digest.update("\(row[0] as String) \(row[1] as String) \(row[2] as String)\n\(row[3] as String)\n".utf8)
        }
        let migrations = (try? String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY 1")) ?? []
        digest.update(("migrations " + migrations.joined(separator: ",")).utf8)
        // How a snapshot of the store is encoded: a client that reads another encoding does not download it.
        digest.update("\nsnapshot CNCDPACK2".utf8)
        return digest.hex()
    }

    /// The replica id a snapshot's metadata row carries until a client installs it and writes its own.
    static let snapshotReplica = "00000000-0000-7000-8000-000000000000"

    /// The tables a snapshot leaves out: GRDB's migration list, which the store format (``storeFormat``) fixes.
    static let unpackedTables: Set<String> = ["grdb_migrations"]

    /// Writes this store to `path` (which must not exist; it is created mode 0600) as a snapshot, packed
    /// (``TablePack``): the metadata row loses this store's identity and the command table is left empty. Returns
    /// its manifest; `seq` is this store's pull cursor. For a server's snapshot store, whose changes are all pulled.
    public func writeSnapshot(to path: String) throws -> Wire.SnapshotManifest {
        do {
            // The view a snapshot carries holds the whole log.
            try foldBacklog()
            let (seq, changes, format) = try read { db -> (Int64, Int64, String) in
                _ = try TablePack.write(
                    db, to: path, skipping: Self.unpackedTables,
                    select: [
                        "store": [
                            "analyst": "'snapshot'", "replica": "'\(Self.snapshotReplica)'", "server": "NULL",
                            "token": "NULL", "caFile": "NULL", "role": "'analyst'", "lastSync": "NULL",
                        ]
                    ], emptied: ["command"])
                let cursor = try Int64.fetchOne(db, sql: "SELECT pullCursor FROM store") ?? 0
                let count = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM change") ?? 0
                return (cursor, count, try Self.format(of: db))
            }
            let (bytes, sha256) = try Self.digest(ofFile: path)
            return Wire.SnapshotManifest(seq: seq, changes: changes, bytes: bytes, sha256: sha256, format: format)
        } catch let error as PackError {
            throw StoreError.cannotWrite(path: path, detail: error.description)
        } catch {
            throw Self.mapError(error, path: path)
        }
    }

    /// Makes the store file `path` (which must not exist) from the downloaded snapshot `pack`: this build's empty
    /// store, filled with the pack's rows, its indexes made once at the end. Throws ``SnapshotError/refused(_:)``
    /// when `pack` is not a snapshot of this store format, and removes what it wrote. A `growing` pack (a download
    /// under way) is read as it grows.
    ///
    /// The log (`change`, most of the rows) is inserted into the store while every other table is filled at the
    /// same time, on another thread, in a second new file (`path` + `-aside`), then copied in whole
    /// (``TablePack/Aside``); the second file is removed at the end.
    public static func unpackSnapshot(_ pack: String, to path: String, growing: (any GrowingFile)? = nil) throws {
        let fd = createExclusively(path, mode: 0o600)
        guard fd >= 0 else { throw StoreError.cannotWrite(path: path, detail: String(cString: strerror(errno))) }
        closeDescriptor(fd)
        let asidePath = path + "-aside"
        defer { unlinkFile(asidePath) }
        do {
            // The aside file is this unpack's scratch, named after the new store: one left by an unpack that was
            // killed goes.
            unlinkFile(asidePath)
            let asideFD = createExclusively(asidePath, mode: 0o600)
            guard asideFD >= 0 else {
                throw StoreError.cannotWrite(path: asidePath, detail: String(cString: strerror(errno)))
            }
            closeDescriptor(asideFD)
            let queue = try emptyStore(at: path)
            defer { try? queue.close() }
            // The aside tables are filled in key order, appended: a small cache does (16 MiB: +10-20 MB RSS, no
            // faster).
            let aside = try emptyStore(at: asidePath, cacheKiB: 4096)
            defer { try? aside.close() }
            // Every table but the log goes aside.
            let tables = try aside.read { db in
                try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            }.filter { $0 != "change" }
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "ATTACH DATABASE ? AS aside", arguments: [asidePath])
                // Deferred: an immediate transaction would lock the aside file too, which the other thread fills.
                try db.inTransaction(.deferred) {
                    _ = try TablePack.read(
                        from: pack, into: db, skipping: unpackedTables, growing: growing,
                        aside: TablePack.Aside(tables: Set(tables), writer: aside, attachedAs: "aside"))
                    return .commit
                }
                try db.execute(sql: "DETACH DATABASE aside")
                _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
            }
        } catch {
            for suffix in ["", "-journal", "-wal", "-shm"] { unlinkFile(path + suffix) }
            if let error = error as? PackError { throw SnapshotError.refused("it is not a valid snapshot: \(error)") }
            if let error = error as? DatabaseError,
                [.SQLITE_CONSTRAINT, .SQLITE_MISMATCH, .SQLITE_TOOBIG, .SQLITE_RANGE].contains(error.resultCode)
            {
                throw SnapshotError.refused("its rows do not fit this store: \(error.message ?? "\(error)")")
            }
            if let error = error as? StoreError { throw error }
            throw mapError(error, path: path)
        }
    }

    /// This build's empty store in the new, empty file `path`, to be filled from a snapshot: no journal and no syncs
    /// while it is filled, since no one else opens it until it is renamed into place (``installSnapshot``), and it
    /// is synced once whole then.
    private static func emptyStore(at path: String, cacheKiB: Int = 16384) throws -> DatabaseQueue {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA application_id = \(StoreSchema.applicationID)")
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = OFF")
            try db.execute(sql: "PRAGMA synchronous = OFF")
            try db.execute(sql: "PRAGMA cache_size = -\(cacheKiB)")
        }
        try StoreSchema.migrator.migrate(queue)
        return queue
    }

    /// The server `seq` and id of the last change of the log, when it was pulled: in a server's snapshot store,
    /// which only pulls, the newest change it folded.
    public func lastPulledChange() throws -> (seq: Int64, id: String)? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT serverSeq, id, state FROM change ORDER BY seq DESC LIMIT 1").flatMap {
                row in
                (row[2] as String) == LogState.remote.rawValue ? ((row[0] as Int64?) ?? 0, row[1] as String) : nil
            }
        }
    }

    /// The size and SHA-256 of the file at `path`, read 1 MiB at a time.
    public static func digest(ofFile path: String) throws -> (bytes: Int64, sha256: String) {
        var digest = SnapshotDigest()
        let bytes = try hashFile(path, upTo: nil, into: &digest)
        return (bytes, digest.hex())
    }

    /// Feeds the file at `path` to `digest`, 1 MiB at a time: its first `limit` bytes (throwing if it is shorter),
    /// or all of it. Returns the bytes read.
    package static func hashFile(_ path: String, upTo limit: Int64?, into digest: inout SnapshotDigest) throws -> Int64
    {
        let fd = openForReading(path)
        guard fd >= 0 else {
            throw StoreError.cannotOpen(path: path, detail: String(cString: strerror(errno)))
        }
        defer { closeDescriptor(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        while limit.map({ total < $0 }) ?? true {
            let wanted = Int(min(Int64(buffer.count), (limit ?? Int64.max) - total))
            let count = readDescriptor(fd, UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]))
            if count < 0 {
                if errno == EINTR { continue }
                throw StoreError.cannotOpen(path: path, detail: String(cString: strerror(errno)))
            }
            if count == 0 {
                if limit != nil {
                    throw StoreError.cannotOpen(path: path, detail: "the file is shorter than \(limit!) bytes")
                }
                break
            }
            digest.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            total += Int64(count)
        }
        return total
    }

    /// Checks that the downloaded snapshot at `path` (whose bytes already matched `manifest`'s size and SHA-256) is
    /// a store of this build's format holding what `manifest` says: its first `seq` changes, all pulled. Throws
    /// ``SnapshotError/refused(_:)`` saying what is wrong; the file is only read.
    public static func checkSnapshot(at path: String, manifest: Wire.SnapshotManifest) throws {
        var configuration = Configuration()
        configuration.readonly = true
        let facts: (Int32, String, Int64, Int64, Bool)
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            facts = try queue.read { db in
                (
                    try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0, try format(of: db),
                    try Int64.fetchOne(db, sql: "SELECT pullCursor FROM store") ?? -1,
                    try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM change") ?? -1,
                    try Bool.fetchOne(
                        db,
                        sql: "SELECT 1 FROM change WHERE state IN (\(LogState.pending.sql), \(LogState.rejected.sql))"
                    ) ?? false
                )
            }
        } catch {
            throw SnapshotError.refused("it is not a readable store (\(error))")
        }
        let (application, fileFormat, cursor, count, local) = facts
        guard application == StoreSchema.applicationID else {
            throw SnapshotError.refused("it is not a Concord store")
        }
        guard fileFormat == storeFormat, fileFormat == manifest.format else {
            throw SnapshotError.refused("its tables are not the ones this concord writes (another version made it)")
        }
        guard cursor == manifest.seq, count == manifest.changes, !local else {
            throw SnapshotError.refused(
                "it holds \(count) changes up to seq \(cursor), not the \(manifest.changes) up to seq \(manifest.seq) "
                    + "its manifest names")
        }
    }

    /// Installs the checked snapshot file `snapshot` as the store at `path`, in place of a store that has pulled
    /// nothing yet; `snapshot` is consumed. The store's own changes (written before its first sync) are carried
    /// into the snapshot with their states, as are its identity, server, token and edit commands, so nothing the
    /// analyst did is lost and their pending changes are pushed by the sync that follows.
    ///
    /// The store must be had alone: its journal is switched out of WAL under an exclusive lock, which no other
    /// connection may hold open (another `concord` process using the store answers ``SnapshotInstall/storeInUse``
    /// and nothing changes). Under that lock the new file is made durable and renamed over the old one, so a crash
    /// at any instant leaves either the old store or the new one, each whole.
    public static func installSnapshot(
        _ snapshot: String, manifest: Wire.SnapshotManifest, into path: String,
        beforeRename: () throws -> Void = {}
    ) throws -> SnapshotInstall {
        var configuration = Configuration()
        configuration.busyMode = .timeout(0.5)
        configuration.prepareDatabase { db in
            let id = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
            guard id == StoreSchema.applicationID else {
                throw StoreError.notAStore(path: path, detail: "a SQLite database of another application")
            }
        }
        do {
            let old = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? old.close() }
            return try old.inDatabase { db -> SnapshotInstall in
                try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE")
                do {
                    guard try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE") == "delete" else {
                        return .storeInUse
                    }
                } catch let error as DatabaseError
                    where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
                {
                    return .storeInUse
                }
                // From here on this connection has the file alone until it closes.
                let cursor = try Int64.fetchOne(db, sql: "SELECT pullCursor FROM store") ?? 0
                let pulled =
                    try Bool.fetchOne(
                        db, sql: "SELECT 1 FROM change WHERE state = \(LogState.remote.sql) LIMIT 1") ?? false
                guard cursor == 0 && !pulled else {
                    try restoreWAL(db)
                    return .alreadyPulled
                }
                let carried = try carry(from: db, into: snapshot)
                try syncFile(snapshot)
                try beforeRename()
                // The old file's journal names would be the new one's: none may be left for it to mistake as its own.
                unlinkFile(path + "-wal")
                unlinkFile(path + "-shm")
                guard renameFile(snapshot, path) == 0 else {
                    let reason = String(cString: strerror(errno))
                    try restoreWAL(db)
                    throw StoreError.cannotWrite(path: path, detail: "cannot rename the snapshot into place: \(reason)")
                }
                try syncFile(
                    (path as NSString).deletingLastPathComponent.isEmpty
                        ? "." : (path as NSString).deletingLastPathComponent)
                return .installed(carried: carried)
            }
        } catch {
            throw mapError(error, path: path)
        }
    }

    /// Puts a store this connection switched to the rollback journal back into WAL, as every store is kept.
    private static func restoreWAL(_ db: Database) throws {
        try db.execute(sql: "PRAGMA locking_mode = NORMAL")
        _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
    }

    /// Writes the old store's own changes, commands and identity (read through `db`) into the snapshot file, in one
    /// transaction, and closes it checkpointed. Returns how many changes were carried.
    private static func carry(from db: Database, into snapshot: String) throws -> Int {
        let identity = try Row.fetchOne(
            db, sql: "SELECT analyst, replica, server, token, role, clock, lastSync, caFile FROM store")!
        let rows = try Row.fetchAll(
            db, sql: "SELECT seq, state, rejectReason, serverSeq, \(Columns.changeSelection) FROM change ORDER BY seq")
        let commands = try Row.fetchAll(db, sql: "SELECT first, last, undoes FROM command ORDER BY first")
        let store = try LocalStore.open(at: snapshot)
        defer { try? store.close() }
        try store.write { db in
            // Own changes the server already has (pushed before a pull finished) are the snapshot's rows already.
            let find = try db.makeStatement(sql: "SELECT seq FROM change WHERE id = ?")
            var newSeq: [Int64: Int64] = [:]
            var fresh: [(change: Change, seq: Int64?)] = []
            for row in rows {
                let change = try Columns.change(row, offset: 4)
                if let seq = try Int64.fetchOne(find, arguments: [change.id.rawValue]) {
                    newSeq[row[0]] = seq
                    try db.execute(
                        sql: "UPDATE change SET state = \(LogState.pushed.sql) WHERE seq = ?", arguments: [seq])
                } else {
                    fresh.append((change, nil))
                }
            }
            try apply(fresh, origin: .local, understanding: store.understoodSchema, db)
            var rejected: Set<EntityID> = []
            for row in rows where newSeq[row[0]] == nil {
                let change = try Columns.change(row, offset: 4)
                guard let seq = try Int64.fetchOne(find, arguments: [change.id.rawValue]) else { continue }
                newSeq[row[0]] = seq
                let state: String = row[1]
                if state != LogState.pending.rawValue {
                    try db.execute(
                        sql: "UPDATE change SET state = ?, rejectReason = ?, serverSeq = ? WHERE seq = ?",
                        arguments: [state, row[2] as String?, row[3] as Int64?, seq])
                    if state == LogState.rejected.rawValue && touchesVotes(change.entity, field: change.field) {
                        rejected.insert(change.entity)
                    }
                }
            }
            if !rejected.isEmpty {
                try refreshVotes(
                    of: rejected.sorted { $0.rawValue < $1.rawValue }, understanding: store.understoodSchema, db)
            }
            // A command keeps its row when its changes stay one run of the log; otherwise each is a command alone.
            for command in commands {
                let first: Int64 = command[0]
                let last: Int64 = command[1]
                guard let start = newSeq[first],
                    (first...last).allSatisfy({ newSeq[$0] == nil || newSeq[$0] == start + ($0 - first) }),
                    newSeq[last] == start + (last - first)
                else { continue }
                let undoes = (command[2] as Int64?).flatMap { newSeq[$0] }
                try db.execute(
                    sql: "INSERT INTO command (first, last, undoes) VALUES (?, ?, ?)",
                    arguments: [start, start + (last - first), undoes])
            }
            let stored = try HLC(try String.fetchOne(db, sql: "SELECT clock FROM store") ?? HLC.zero.description)
            let own = try HLC(identity[5] as String)
            try db.execute(
                sql: """
                    UPDATE store SET analyst = ?, replica = ?, server = ?, token = ?, role = ?, clock = ?, lastSync = ?,
                        caFile = ?
                    """,
                arguments: [
                    identity[0] as String, identity[1] as String, identity[2] as String?, identity[3] as String?,
                    identity[4] as String, max(stored, own).description, identity[6] as Double?,
                    identity[7] as String?,
                ])
        }
        try store.dbQueue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        return rows.count
    }

    /// `fsync(2)` of the file or directory at `path`.
    static func syncFile(_ path: String) throws {
        let fd = openForReading(path)
        guard fd >= 0 else {
            throw StoreError.cannotWrite(path: path, detail: String(cString: strerror(errno)))
        }
        defer { closeDescriptor(fd) }
        guard fsync(fd) == 0 else {
            throw StoreError.cannotWrite(path: path, detail: "fsync failed: \(String(cString: strerror(errno)))")
        }
    }
}

/// What ``LocalStore/installSnapshot(_:manifest:into:beforeRename:)`` did.
public enum SnapshotInstall: Equatable, Sendable {
    /// The snapshot is the store now, with `carried` of the old store's own changes.
    case installed(carried: Int)
    /// Another connection has the store open; nothing changed.
    case storeInUse
    /// The store has pulled changes already: a snapshot is only for a first sync. Nothing changed.
    case alreadyPulled
}

/// Why a snapshot was not taken.
public enum SnapshotError: Error, Equatable, CustomStringConvertible {
    /// The file is not the snapshot its manifest describes (truncated, corrupted, another format).
    case refused(String)

    public var description: String {
        switch self {
        case .refused(let why): return "the server's snapshot was refused: \(why)"
        }
    }
}
