import ConcordCore
import GRDB

/// How the CLI should treat an error: a mistake the user can fix (exit 1) or a sync/network failure (exit 3).
public enum ErrorCategory: Sendable {
    case user
    case network
}

/// An error the `concord` executable reports as one sentence and maps to an exit code by ``category``.
public protocol ConcordError: Error, CustomStringConvertible {
    var category: ErrorCategory { get }
}

extension ConcordError {
    public var category: ErrorCategory { .user }
}

/// A local-store operation that was refused; nothing was written.
public enum StoreError: ConcordError, Hashable, Sendable {
    /// No store file at `path`.
    case noStore(path: String)
    /// `init` on a path that already holds a file.
    case alreadyExists(path: String)
    /// The file is not a Concord store (foreign SQLite database, corrupt file, other format). `cause`: what SQLite
    /// said, when it said it.
    case notAStore(path: String, detail: String, cause: SQLiteFailure? = nil)
    /// Another process holds the write lock for longer than the busy timeout.
    case locked(path: String, cause: SQLiteFailure? = nil)
    /// The file was replaced (by a bootstrap) while it was being opened; opening it again reads the new one.
    case replaced(path: String)
    /// The store was used after ``LocalStore/close()``.
    case closed(path: String)
    /// The store file cannot be created or opened.
    case cannotOpen(path: String, detail: String, cause: SQLiteFailure? = nil)
    /// A write failed (disk full, file or directory read-only, I/O error); the transaction was rolled back.
    case cannotWrite(path: String, detail: String, cause: SQLiteFailure? = nil)
    /// No entity of `kind` matches `reference`.
    case unknownEntity(kind: EntityID.Kind, reference: String)
    /// Several entities match a short id.
    case ambiguous(kind: EntityID.Kind, reference: String, candidates: [EntityID])
    /// A field name or value that the schema refuses, or an operation that does not apply to the field.
    case invalid(String)
    /// An edit refused by the edit rules (deleted event, role, ...).
    case refused(String)
    /// A value or change the schema refuses: ConcordCore's error, kept whole.
    case invalidValue(ValidationError)
    /// An edit the edit rules refuse (role, another analyst's vote, a resolution without a reason): ConcordCore's
    /// error, kept whole.
    case notAllowed(EditError)
    /// An input file that cannot be used.
    case badFile(path: String, problem: String)
    /// A line of an `event import` file that cannot be used.
    case badLine(path: String, line: Int, field: String?, problem: String)

    public var description: String {
        switch self {
        case .noStore(let path):
            return "no Concord store at \(path); run `concord init --analyst NAME` first (or pass --store PATH)"
        case .alreadyExists(let path):
            return "\(path) already exists; pass another --store PATH, or remove the file if it is not needed"
        case .notAStore(let path, let detail, _):
            return "not a Concord store: \(path) (\(detail)); it was left unchanged. Pass another --store PATH"
        case .locked(let path, _):
            return "the store \(path) is locked by another concord process; wait for it to finish and retry"
        case .replaced(let path):
            return
                "the store \(path) was replaced by a first sync's snapshot while it was opened; run the command again"
        case .cannotOpen(let path, let detail, _):
            return "cannot open the store \(path): \(detail)"
        case .cannotWrite(let path, let detail, _):
            return
                "cannot write the store \(path): \(detail); nothing was changed. Free disk space or make the file "
                + "and its directory writable, then run the command again"
        case .unknownEntity(let kind, let reference):
            let hint = kind == .event ? "`concord events` lists them" : "`concord docs` lists them"
            return "no \(kind.rawValue) matches \"\(reference)\"; \(hint)"
        case .ambiguous(let kind, let reference, let candidates):
            return "\"\(reference)\" matches several \(kind.rawValue)s; use more characters:\n"
                + candidates.map { "  \($0.rawValue)" }.joined(separator: "\n")
        case .closed(let path):
            return "the store \(path) was closed; open it again"
        case .invalid(let message), .refused(let message):
            return message
        case .invalidValue(let error):
            return error.description
        case .notAllowed(let error):
            return error.description
        case .badFile(let path, let problem):
            return "\(path): \(problem); nothing was imported"
        case .badLine(let path, let line, let field, let problem):
            return "\(path):\(line): \(field.map { "field \($0): " } ?? "")\(problem); nothing was imported"
        }
    }
}

/// What SQLite said when a store operation failed: GRDB's `DatabaseError`, kept as the cause of a ``StoreError``
/// (whose sentence says what to do) for callers and logs that need the code.
public struct SQLiteFailure: Hashable, Sendable, CustomStringConvertible {
    /// SQLite's extended result code (`SQLITE_BUSY`, `SQLITE_NOTADB`, `SQLITE_IOERR_WRITE`, ...).
    public var code: Int32
    public var message: String?
    /// The statement that failed, if any.
    public var sql: String?

    public init(_ error: DatabaseError) {
        code = error.extendedResultCode.rawValue
        message = error.message
        sql = error.sql
    }

    public var description: String { "SQLite error \(code)" + (message.map { ": \($0)" } ?? "") }
}
