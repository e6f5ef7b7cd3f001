import ConcordCore

/// One stored change as the pull route sends it: its commit order and its canonical JSON.
public struct StoredChange: Hashable, Sendable {
    public var seq: Int64
    /// The change's canonical JSON object (``Change/canonicalEncoder()``).
    public var body: [UInt8]

    public init(seq: Int64, body: [UInt8]) {
        self.seq = seq
        self.body = body
    }
}

/// A page of the change log.
public struct ChangePage: Hashable, Sendable {
    public var changes: [StoredChange]
    /// Whether changes after the last one of this page exist.
    public var more: Bool

    public init(changes: [StoredChange], more: Bool) {
        self.changes = changes
        self.more = more
    }
}
