import ConcordCore
import GRDB
import Hummingbird

extension APIError {
    /// The answer to a database failure the client can do nothing about but wait: disk full (507), or the database
    /// read-only, locked or failing to write (503). The push transaction was rolled back, so nothing was stored;
    /// clients treat 5xx as transient and retry.
    static func storage(_ error: DatabaseError) -> APIError? {
        let detail = Wire.Detail.text(
            "nothing was stored by this request; the administrator must free disk space or fix the database file's "
                + "permissions, then clients' next sync stores it (SQLite: \(error.resultCode))")
        switch error.resultCode {
        case .SQLITE_FULL:
            return APIError(
                .init(code: 507, reasonPhrase: "Insufficient Storage"),
                "the server's disk is full; retry after its administrator frees space",
                detail: detail)
        case .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
            return APIError(
                .serviceUnavailable,
                "the server cannot write its database (disk full, read-only or failing); retry later", detail: detail)
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return APIError(
                .serviceUnavailable, "the server's database is busy; retry in a moment", detail: detail,
                headers: [.retryAfter: "1"])
        default:
            return nil
        }
    }
}
