import Foundation
import GRDB

extension SQLiteServerStore {
    /// Copies the database to a new file `destination` with SQLite's online backup API, consistent at one instant
    /// even while servers push to it: the copy is made inside one read transaction, which in WAL mode sees the last
    /// commit before it began and does not stop writers. Returns the number of changes in the copy.
    ///
    /// Never overwrites: `destination` must not exist. The copy is written to `destination.partial` first, checked
    /// (`PRAGMA quick_check`), then renamed, so an interrupted backup never leaves a file that looks complete.
    /// Blocks its thread for the copy (about a second per few hundred MB here): it is for the command line.
    public func backup(to destination: String) throws -> Int64 {
        let fileManager = FileManager.default
        // Any entry at the path counts, a symbolic link to nothing included (`fileExists` follows links).
        if let target = try? fileManager.destinationOfSymbolicLink(atPath: destination) {
            throw ServerStoreError(
                path: destination,
                message:
                    "is a symbolic link (to \(target)); a backup never overwrites or follows one: choose a new name")
        }
        guard !fileManager.fileExists(atPath: destination) else {
            throw ServerStoreError(
                path: destination, message: "already exists; a backup never overwrites a file: choose a new name")
        }
        let partial = destination + ".partial"
        try? fileManager.removeItem(atPath: partial)
        guard fileManager.createFile(atPath: partial, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw ServerStoreError(
                path: destination, message: "cannot create the backup file; check the directory exists and is writable")
        }
        do {
            let copy = try DatabaseQueue(path: partial)
            try pool.backup(to: copy)
            let (check, changes) = try copy.read { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA quick_check") ?? "",
                    try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM change") ?? 0
                )
            }
            try copy.close()
            guard check == "ok" else {
                throw ServerStoreError(path: destination, message: "the copy failed its integrity check: \(check)")
            }
            try fileManager.moveItem(atPath: partial, toPath: destination)
            return changes
        } catch {
            try? fileManager.removeItem(atPath: partial)
            if let error = error as? ServerStoreError { throw error }
            throw ServerStoreError(
                path: destination, message: "backup failed, nothing was written: \(error)", cause: error)
        }
    }
}

extension PostgresServerStore {
    /// What to do instead of `concord-server backup` for a PostgreSQL database: its own tools, which take a
    /// consistent snapshot while servers run.
    public static func backupAdvice(_ location: String) -> String {
        """
        \(location) is backed up with PostgreSQL's own tools, consistent while servers run: \
        pg_dump --format=custom --file=concord.dump '\(location)' (restore into a new, empty database with \
        pg_restore --dbname=URL concord.dump); concord-server backup copies SQLite files only
        """
    }
}
