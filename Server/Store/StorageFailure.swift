import GRDB

/// A failure of the store's database that a request can do nothing about but wait for, in the words of the server,
/// not of its database library, so the HTTP layer answers them without knowing which database is behind the store.
/// The PostgreSQL store throws it itself; SQLite's result codes, which GRDB throws from every read and write, are
/// mapped here, once (``from(_:)``).
public struct StorageFailure: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The disk is full (507).
        case diskFull
        /// The database cannot be written: read-only, permissions, an I/O error (503).
        case cannotWrite
        /// The database is busy or locked by another writer (503, retry in a moment).
        case busy
        /// The database cannot be reached (a PostgreSQL server went away or is restarting) (503).
        case unavailable
    }

    public var kind: Kind
    /// What happened, for the answer and the log.
    public var message: String
    /// The database's own words for it (its result code or error), for the administrator.
    public var cause: String

    public init(_ kind: Kind, message: String, cause: String) {
        self.kind = kind
        self.message = message
        self.cause = cause
    }

    public var description: String { "\(message) (\(cause))" }

    /// The failure `error` is, when it is one of a store's database failures; nil for anything else (a bug, bad
    /// input), which the caller answers otherwise.
    public static func from(_ error: any Error) -> StorageFailure? {
        switch error {
        case let failure as StorageFailure:
            return failure
        case let database as DatabaseError:
            let cause = "SQLite: \(database.resultCode)"
            switch database.resultCode {
            case .SQLITE_FULL:
                return StorageFailure(.diskFull, message: "the server's disk is full", cause: cause)
            case .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
                return StorageFailure(
                    .cannotWrite, message: "the server cannot write its database (disk full, read-only or failing)",
                    cause: cause)
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return StorageFailure(.busy, message: "the server's database is busy", cause: cause)
            default:
                return nil
            }
        default:
            return nil
        }
    }
}
