import ConcordCore

/// An analyst known to the server: who they are, what they may do, and whether their token still works.
public struct AnalystRecord: Hashable, Sendable, Codable {
    public var name: AnalystName
    public var role: Role
    /// SHA-256 of the bearer token; the token itself is never stored.
    public var tokenHash: [UInt8]
    /// Unix ms when the analyst was added.
    public var created: Int64
    /// Unix ms when the token was revoked, or nil while it works.
    public var revoked: Int64?

    public init(name: AnalystName, role: Role, tokenHash: [UInt8], created: Int64, revoked: Int64? = nil) {
        self.name = name
        self.role = role
        self.tokenHash = tokenHash
        self.created = created
        self.revoked = revoked
    }
}
