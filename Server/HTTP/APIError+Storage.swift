import ConcordCore
import Hummingbird

extension APIError {
    /// The answer to a database failure the client can do nothing about but wait: disk full (507), or the database
    /// read-only, locked, failing to write or unreachable (503). The push transaction was rolled back, so nothing
    /// was stored; clients treat 5xx as transient and retry.
    static func storage(_ failure: StorageFailure) -> APIError {
        switch failure.kind {
        case .diskFull:
            return APIError(
                .init(code: 507, reasonPhrase: "Insufficient Storage"),
                "the server's disk is full; retry after its administrator frees space",
                detail: adminDetail(failure))
        case .cannotWrite:
            return APIError(
                .serviceUnavailable,
                "the server cannot write its database (disk full, read-only or failing); retry later",
                detail: adminDetail(failure))
        case .busy:
            return APIError(
                .serviceUnavailable, "the server's database is busy; retry in a moment", detail: adminDetail(failure),
                headers: [.retryAfter: "1"])
        case .unavailable:
            return APIError(
                .serviceUnavailable, "\(failure.message); nothing was stored by this request",
                detail: .text("retry later: the server reconnects when the database is back"),
                headers: [.retryAfter: "5"])
        }
    }

    private static func adminDetail(_ failure: StorageFailure) -> Wire.Detail {
        .text(
            "nothing was stored by this request; the administrator must free disk space or fix the database file's "
                + "permissions, then clients' next sync stores it (\(failure.cause))")
    }
}
