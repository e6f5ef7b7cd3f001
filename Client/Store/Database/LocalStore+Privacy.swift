import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension LocalStore {
    /// The store file's permission bits other users have (group and others), or 0 when it is private or unknown.
    /// A symbolic link is followed (`stat`, not `lstat`): a link's own bits are always 777 and mean nothing.
    var sharedPermissions: Int {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return Int(info.st_mode) & 0o077
    }

    /// Why the token in this store must not be used or written, or nil: the file is readable or writable by other
    /// users, who could copy the token (as ssh refuses a private key others can read).
    func tokenExposure() -> String? {
        let shared = sharedPermissions
        guard shared != 0 else { return nil }
        let mode = String(0o600 | shared, radix: 8)
        return "\(path) can be read by other users (mode \(mode)) and would hold your token; run `chmod 600 \(path)`"
    }

    /// Refuses, before a token is read for a sync or written by `concord init --token`, when the store is not
    /// private to its owner.
    public func checkTokenIsPrivate() throws {
        if let problem = tokenExposure() { throw StoreError.refused(problem) }
    }

    /// A warning for every command while a store holding a token is readable by others; nil otherwise.
    public func tokenWarning() throws -> String? {
        guard let exposure = tokenExposure(), try metadata().token != nil else { return nil }
        return "warning: " + exposure.replacingOccurrences(of: "would hold", with: "holds")
    }
}
