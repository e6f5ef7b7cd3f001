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

    /// The one paging rule every store follows: stored changes in `seq` order from `next`, up to `limit` changes and
    /// `maxBytes` of bodies (a page always holds one change when there is one). `more` is true when the page was cut
    /// by either bound; `next` may be asked for one change past the page, to know.
    public static func collect(
        limit: Int, maxBytes: Int = Limits.pageBytes, _ next: () throws -> StoredChange?
    ) rethrows -> ChangePage {
        var page: [StoredChange] = []
        var bytes = 0
        while let change = try next() {
            if page.count == limit || (!page.isEmpty && bytes + change.body.count > maxBytes) {
                return ChangePage(changes: page, more: true)
            }
            page.append(change)
            bytes += change.body.count
        }
        return ChangePage(changes: page, more: false)
    }
}
