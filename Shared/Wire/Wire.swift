/// Request and response bodies of the sync protocol (protocol.md §5). Both sides encode and decode these types only.
public enum Wire {
    /// `POST /v1/changes` body.
    public struct PushRequest: Codable, Hashable, Sendable {
        public var replica: ReplicaID
        public var changes: [Change]

        public init(replica: ReplicaID, changes: [Change]) {
            self.replica = replica
            self.changes = changes
        }

        enum CodingKeys: String, CodingKey { case replica, changes }

        /// Strict, as a change is: an unknown key is refused, naming it, rather than dropped.
        public init(from decoder: any Decoder) throws {
            let keys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
            let unknown = keys.filter { CodingKeys(rawValue: $0) == nil }.sorted()
            if !unknown.isEmpty {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: decoder.codingPath,
                        debugDescription: "unknown key\(unknown.count > 1 ? "s" : "") "
                            + unknown.map { "\"\($0)\"" }.joined(separator: ", ") + "; a push has replica and changes"))
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            replica = try c.decode(ReplicaID.self, forKey: .replica)
            changes = try c.decode([Change].self, forKey: .changes)
        }
    }

    /// `POST /v1/changes` answer: how many were new, how many the server already had, and its cursor after them.
    public struct PushResponse: Codable, Hashable, Sendable {
        public var accepted: Int
        public var duplicates: Int
        public var cursor: Int64
        /// The id of the change at `cursor` (protocol.md §5, a rewound log): what the client checks its next pull
        /// against. Absent from servers before it, and when the log is empty.
        public var cursorID: String?

        public init(accepted: Int, duplicates: Int, cursor: Int64, cursorID: String? = nil) {
            self.accepted = accepted
            self.duplicates = duplicates
            self.cursor = cursor
            self.cursorID = cursorID
        }

        enum CodingKeys: String, CodingKey {
            case accepted, duplicates, cursor
            case cursorID = "cursor_id"
        }
    }

    /// One refused change of a `422` push: its index in the batch, its id, and why.
    public struct RefusedChange: Codable, Hashable, Sendable {
        public var index: Int
        public var id: String?
        public var error: String

        public init(index: Int, id: String?, error: String) {
            self.index = index
            self.id = id
            self.error = error
        }
    }

    /// A change with the server's commit order.
    public struct SequencedChange: Codable, Hashable, Sendable {
        public var seq: Int64
        public var change: Change

        public init(seq: Int64, change: Change) {
            self.seq = seq
            self.change = change
        }

        enum CodingKeys: String, CodingKey { case seq }

        public init(from decoder: any Decoder) throws {
            seq = try decoder.container(keyedBy: CodingKeys.self).decode(Int64.self, forKey: .seq)
            change = try Change(from: decoder, allowing: ["seq"])
        }

        public func encode(to encoder: any Encoder) throws {
            try change.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(seq, forKey: .seq)
        }
    }

    /// `GET /v1/changes?after=S&limit=N` answer.
    public struct PullPage: Codable, Hashable, Sendable {
        public var changes: [SequencedChange]
        /// The cursor to ask for next: the last `seq` in this page, or `after` when the page is empty.
        public var next: Int64
        public var more: Bool
        /// The blind documents (protocol.md §15) whose changes this page left out: the client asks for them again
        /// once a document stops being blind for it. Absent when nothing was left out.
        public var withheld: [EntityID]?
        /// The id of the change at `next` when the page does not end with it (an empty page, or one whose last
        /// changes were withheld): what the client checks its next pull against (protocol.md §5).
        public var at: String?

        public init(
            changes: [SequencedChange], next: Int64, more: Bool, withheld: [EntityID]? = nil, at: String? = nil
        ) {
            self.changes = changes
            self.next = next
            self.more = more
            self.withheld = withheld
            self.at = at
        }

        /// The id of the change at ``next``, when this page tells it.
        public var nextID: String? {
            if let last = changes.last, last.seq == next { return last.change.id.rawValue }
            return at
        }
    }

    /// The `detail` of the 409 a pull gets when the server's log was rewound (protocol.md §5).
    public static let rewoundDetail = "rewound"

    /// `GET /v1/me` answer.
    public struct Me: Codable, Hashable, Sendable {
        public var name: AnalystName
        public var role: Role

        public init(name: AnalystName, role: Role) {
            self.name = name
            self.role = role
        }
    }

    /// Every error body: a sentence a person can act on, and optional structured detail.
    public struct ErrorBody: Codable, Hashable, Sendable {
        public var error: String
        public var detail: Detail?

        public init(error: String, detail: Detail? = nil) {
            self.error = error
            self.detail = detail
        }
    }

    /// The `detail` of an error body: the refused changes of a 422, or a plain hint.
    public enum Detail: Codable, Hashable, Sendable {
        case refused([RefusedChange])
        case text(String)

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let refused = try? container.decode([RefusedChange].self) {
                self = .refused(refused)
            } else {
                self = .text(try container.decode(String.self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .refused(let list): try container.encode(list)
            case .text(let text): try container.encode(text)
            }
        }
    }

    /// `GET /v1/health` answer.
    public struct Health: Codable, Hashable, Sendable {
        public var status: String
        public var changes: Int64

        public init(status: String, changes: Int64) {
            self.status = status
            self.changes = changes
        }
    }

    /// `GET /v1/snapshot` answer (protocol.md §14): the newest store snapshot the server offers a bootstrapping client.
    ///
    /// The snapshot is a client store file holding the server's first `seq` changes, folded as a change-by-change
    /// pull folds them. `format` fingerprints its tables, so a client takes it only when its own build would have
    /// written the very same tables; `sha256` and `bytes` let it refuse a truncated or corrupted download before
    /// anything is applied.
    public struct SnapshotManifest: Codable, Hashable, Sendable {
        /// The server `seq` of the last change the snapshot holds: the client's pull cursor once it is installed.
        public var seq: Int64
        /// Changes in the snapshot's log.
        public var changes: Int64
        /// The file's size in bytes.
        public var bytes: Int64
        /// The file's SHA-256, lowercase hex.
        public var sha256: String
        /// The fingerprint of the store format the file is written in (``format`` of the store that made it).
        public var format: String

        public init(seq: Int64, changes: Int64, bytes: Int64, sha256: String, format: String) {
            self.seq = seq
            self.changes = changes
            self.bytes = bytes
            self.sha256 = sha256
            self.format = format
        }
    }
}
