import ConcordCore
import Foundation
import GRDB
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#else
    import Darwin
#endif

/// An analyst's local replica: one SQLite file holding the change log, the merged view and the sync metadata.
///
/// Every public method is one transaction. Edits are written with `synchronous=FULL`. The view is updated
/// incrementally through the ConcordCore merge in the same transaction as the changes it folds in.
///
/// ```swift
/// let store = try LocalStore.create(at: path, analyst: AnalystName("alice"), server: nil, token: nil)
/// let event = try store.addEvent(EventDraft(doc: "3dab73a8", title: "Video talks"))
/// ```
public final class LocalStore: Sendable {
    /// The store file.
    public let path: String
    let dbQueue: DatabaseQueue
    /// Wall clock in Unix ms, for the hybrid clock and `lastSync`.
    let now: @Sendable () -> Int64
    let ids: Mutex<UUIDv7Generator>
    /// The newest change schema this store folds into its view (protocol.md §12): ``Schema/version`` unless a test
    /// plays an older build. Changes written under a newer schema stay in the log, out of the view, until a build
    /// that understands them opens the store (``reconcileView(upgrading:)``).
    public let understoodSchema: Int
    /// Set by ``close()``.
    private let closed = Mutex(false)
    /// Where async code's transactions run (``syncLog``).
    let executor: StoreExecutor

    /// The default store path, `~/.concord/store.sqlite`.
    public static var defaultPath: String {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return home + "/.concord/store.sqlite"
    }

    /// How long a command waits for another process's write to finish before reporting the store as locked.
    public static let busyTimeout: TimeInterval = 3

    private init(
        path: String, dbQueue: DatabaseQueue, now: @escaping @Sendable () -> Int64, ids: sending UUIDv7Generator,
        understoodSchema: Int
    ) {
        self.path = path
        self.dbQueue = dbQueue
        self.now = now
        self.ids = Mutex(ids)
        self.understoodSchema = understoodSchema
        executor = StoreExecutor(label: "concord.store")
    }

    /// Creates a new store file (mode 0600) with a fresh replica id. Refuses to touch an existing file.
    public static func create(at path: String, analyst: AnalystName, server: String?, token: String?) throws
        -> LocalStore
    {
        try create(
            at: path, analyst: analyst, server: server, token: token, now: WallClock.millis, ids: defaultIDs())
    }

    /// Opens an existing store. Refuses files that are not Concord stores, leaving them unchanged. A store written
    /// by an older Concord is upgraded first (once; `upgrading` is called before, as it can take seconds on a large
    /// store), and so is a view that an older Concord folded without the changes it could not read (protocol.md §12).
    public static func open(at path: String, upgrading: (() -> Void)? = nil) throws -> LocalStore {
        try open(at: path, now: WallClock.millis, ids: defaultIDs(), upgrading: upgrading)
    }

    /// ``create(at:analyst:server:token:)`` with an injected wall clock and id source, for tests; and the newest
    /// change schema the store understands, so a test can play an older build.
    public static func create(
        at path: String, analyst: AnalystName, server: String?, token: String?, now: @escaping @Sendable () -> Int64,
        ids: sending UUIDv7Generator, understoodSchema: Int = Schema.version
    ) throws -> LocalStore {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreError.cannotOpen(path: path, detail: "cannot create directory \(directory)")
            }
        }
        let fd = createExclusively(path, mode: 0o600)
        if fd < 0 {
            let code = errno
            if code == EEXIST { throw StoreError.alreadyExists(path: path) }
            throw StoreError.cannotOpen(path: path, detail: String(cString: strerror(code)))
        }
        closeDescriptor(fd)
        var ids = ids
        let replica = try! ReplicaID(ids.next().rawValue)
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration(path: path, checkIdentity: false))
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA application_id = \(StoreSchema.applicationID)")
                try setUpConnection(db, path: path)
            }
            try StoreSchema.migrator.migrate(queue)
            try queue.write { db in
                try db.execute(
                    sql:
                        "INSERT INTO store (id, analyst, replica, server, token, viewSchema) VALUES (1, ?, ?, ?, ?, ?)",
                    arguments: [analyst.rawValue, replica.rawValue, server, token, understoodSchema])
            }
            return LocalStore(path: path, dbQueue: queue, now: now, ids: ids, understoodSchema: understoodSchema)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: path + "-wal")
            try? FileManager.default.removeItem(atPath: path + "-shm")
            throw mapError(error, path: path)
        }
    }

    /// ``open(at:upgrading:)`` with an injected wall clock and id source, for tests; and the newest change schema
    /// the store understands, so a test can play an older build, or the same file opened again after an upgrade.
    public static func open(
        at path: String, now: @escaping @Sendable () -> Int64, ids: sending UUIDv7Generator,
        understoodSchema: Int = Schema.version, upgrading: (() -> Void)? = nil
    ) throws -> LocalStore {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw StoreError.noStore(path: path)
        }
        if isDirectory.boolValue { throw StoreError.notAStore(path: path, detail: "it is a directory") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw StoreError.cannotOpen(path: path, detail: "permission denied")
        }
        do {
            let queue = try openQueue(path)
            // A store written by a newer Concord has migrations this build does not know.
            let known = Set(StoreSchema.migrator.migrations)
            let applied = try queue.read { db in try StoreSchema.migrator.appliedIdentifiers(db) }
            if !applied.isSubset(of: known) {
                throw StoreError.notAStore(path: path, detail: "written by a newer Concord; upgrade concord")
            }
            // Said once, whether the file format, the view or both are upgraded.
            var told = false
            let tell = {
                if !told { upgrading?() }
                told = true
            }
            // Migrating takes the write lock: only do it when there is something to migrate.
            if try !queue.read({ db in try StoreSchema.migrator.hasCompletedMigrations(db) }) {
                tell()
                try StoreSchema.migrator.migrate(queue)
            }
            let store = LocalStore(path: path, dbQueue: queue, now: now, ids: ids, understoodSchema: understoodSchema)
            try store.reconcileView(upgrading: tell)
            return store
        } catch {
            throw mapError(error, path: path)
        }
    }

    /// A connection to the store file at `path`, opened again if a bootstrap replaced the file meanwhile.
    ///
    /// A bootstrap (``installSnapshot(_:manifest:into:)``) renames a new file over the store while it holds the old
    /// one's exclusive lock; a connection opened in that instant holds the old, unlinked file, and its first read
    /// (the identity check) waits for the lock. So the file is checked to be the one at `path` once that read is
    /// done, and opened again if not.
    private static func openQueue(_ path: String) throws -> DatabaseQueue {
        var attempt = 0
        while true {
            let before = fileIdentity(path)
            do {
                return try DatabaseQueue(
                    path: path, configuration: configuration(path: path, checkIdentity: true, file: before))
            } catch StoreError.replaced where attempt < 5 {
                attempt += 1
            }
        }
    }

    /// The device and inode of the file at `path`, or nil if there is none.
    static func fileIdentity(_ path: String) -> [UInt64]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }

    /// Closes the store's connection; any later call throws. A bootstrap needs the file to itself.
    public func close() throws {
        try closed.withLock { closed in
            guard !closed else { return }
            do { try dbQueue.close() } catch { throw Self.mapError(error, path: path) }
            closed = true
        }
    }

    /// Throws once ``close()`` closed the connection (GRDB must not be used then).
    func checkOpen() throws {
        if closed.withLock({ $0 }) { throw StoreError.closed(path: path) }
    }

    /// UUIDv7 ids from the wall clock, with random bits from a generator seeded once from the system's secure
    /// source: `SystemRandomNumberGenerator` costs a `getrandom` system call per id, a third of a bulk import.
    static func defaultIDs() -> UUIDv7Generator {
        UUIDv7Generator(now: WallClock.millis, random: SeededRandom(seed: UInt64.random(in: .min ... .max)))
    }

    /// - Parameter file: the identity (``fileIdentity(_:)``) of the file at `path` when it was opened; checked
    ///   again once the first read is done (see `openQueue`).
    private static func configuration(path: String, checkIdentity: Bool, file: [UInt64]? = nil) -> Configuration {
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.label = "concord.store"
        if checkIdentity {
            config.prepareDatabase { db in
                // Read before anything could write, so a foreign or corrupt file is never modified.
                let id = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                guard id == StoreSchema.applicationID else {
                    throw StoreError.notAStore(path: path, detail: "a SQLite database of another application")
                }
                // Replaced by a bootstrap while that read waited: this connection holds the old file.
                guard fileIdentity(path) == file else { throw StoreError.replaced(path: path) }
                try setUpConnection(db, path: path)
            }
        }
        return config
    }

    /// WAL journal, `synchronous=FULL` (read back to be sure), a 32 MiB page cache, a longer WAL.
    static func setUpConnection(_ db: Database, path: String) throws {
        let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
        guard mode == "wal" else {
            throw StoreError.cannotOpen(path: path, detail: "cannot use WAL journal mode (got \(mode ?? "nothing"))")
        }
        try db.execute(sql: "PRAGMA synchronous = FULL")
        // Up to 32 MiB of pages cached (SQLite's default is 2 MiB): an initial sync of a million changes keeps
        // reading index pages back from the OS otherwise. Memory is only used as pages are touched.
        try db.execute(sql: "PRAGMA cache_size = -32768")
        // Checkpoint the WAL every 8,000 pages (~32 MB) instead of 1,000: a pulled page of 20k changes dirties more
        // than 1,000 pages, so the default copied every transaction back into the database file (and synced it)
        // before the next; a longer WAL lets pages that consecutive transactions touch be written back once. Same
        // figure as the server's writer; the WAL file keeps that size once reached.
        try db.execute(sql: "PRAGMA wal_autocheckpoint = 8000")
        let synchronous = try Int.fetchOne(db, sql: "PRAGMA synchronous")
        guard synchronous == 2 else {
            throw StoreError.cannotOpen(path: path, detail: "cannot set synchronous=FULL")
        }
    }

    static func mapError(_ error: any Error, path: String) -> any Error {
        if error is StoreError { return error }
        if let error = error as? DatabaseError {
            let cause = SQLiteFailure(error)
            switch error.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return StoreError.locked(path: path, cause: cause)
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                return StoreError.notAStore(
                    path: path, detail: "the file is not a SQLite database or is damaged", cause: cause)
            case .SQLITE_CANTOPEN, .SQLITE_PERM:
                return StoreError.cannotOpen(path: path, detail: error.message ?? "\(error.resultCode)", cause: cause)
            case .SQLITE_FULL:
                return StoreError.cannotWrite(path: path, detail: "the disk is full", cause: cause)
            case .SQLITE_READONLY:
                return StoreError.cannotWrite(
                    path: path, detail: "the file or its directory is read-only", cause: cause)
            case .SQLITE_IOERR:
                return StoreError.cannotWrite(
                    path: path,
                    detail: "the disk refused the write (\(error.message ?? "I/O error"); full or failing?)",
                    cause: cause)
            default:
                return error
            }
        }
        return error
    }

    /// Runs `body` in one read transaction, mapping SQLite errors to ``StoreError``s.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try checkOpen()
        do { return try dbQueue.read(body) } catch { throw Self.mapError(error, path: path) }
    }

    /// Runs `body` in one write transaction (`BEGIN IMMEDIATE`), mapping SQLite errors to ``StoreError``s.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try checkOpen()
        do {
            return try dbQueue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch {
            throw Self.mapError(error, path: path)
        }
    }
}

/// `open(2)` with `O_CREAT | O_EXCL`: creates `path` with `mode`, or fails (`EEXIST`) when something is already
/// there, in one system call, so two `concord init` never both believe they made the store. A free function because
/// inside `LocalStore` the name `open` means ``LocalStore/open(at:)``; Glibc, Musl and Darwin all declare this one.
func createExclusively(_ path: String, mode: mode_t) -> Int32 {
    open(path, O_CREAT | O_EXCL | O_WRONLY, mode)
}

/// `close(2)`, outside `LocalStore`, whose ``LocalStore/close()`` hides it there.
package func closeDescriptor(_ fd: Int32) {
    close(fd)
}

/// `open(2)` read-only, for reading a file whole or syncing it.
func openForReading(_ path: String) -> Int32 {
    open(path, O_RDONLY)
}

/// `read(2)` into `buffer`.
func readDescriptor(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
    read(fd, buffer.baseAddress, buffer.count)
}

/// `unlink(2)`, outside `LocalStore`, whose `unlink` is about events.
@discardableResult
package func unlinkFile(_ path: String) -> Int32 {
    unlink(path)
}

/// `rename(2)`: atomically replaces `to` with `from`.
package func renameFile(_ from: String, _ to: String) -> Int32 {
    rename(from, to)
}

/// `open(2)` for writing, created private to its owner (mode 0600) when missing.
package func openForWriting(_ path: String) -> Int32 {
    open(path, O_WRONLY | O_CREAT, 0o600)
}
