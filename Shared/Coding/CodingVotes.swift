/// One change to a coded field of an event, as a store reads it from its log: what ``CodingVotes`` needs.
public struct CodedChange: Sendable {
    public var id: String
    public var field: String
    public var op: ChangeOp
    public var value: String
    public var author: String
    public var hlc: String
    public var supersedes: [String]

    public init(
        id: String, field: String, op: ChangeOp, value: String, author: String, hlc: String, supersedes: [String]
    ) {
        self.id = id
        self.field = field
        self.op = op
        self.value = value
        self.author = author
        self.hlc = hlc
        self.supersedes = supersedes
    }
}

/// Each coder's own current value of an event's coded fields, read from the event's log (DESIGN §11).
///
/// A change is a **vote** when every id its `supersedes` lists (among the changes of its own field) was written by
/// its own author: it replaces or removes only that analyst's own coding. Any other change (an adjudicator's
/// resolution, a cluster resolution) is never a vote, and never changes what a coder is counted as having coded.
/// Ids the log does not hold are ignored (every replica holds them once synced).
///
/// - A register's value is the coder's vote with the greatest clock (ties: greater change id).
/// - A set's value is the coder's adds minus the coder's removes, replayed in clock order; an emptied set is
///   still a value (the coder coded "none of these") only if they ever added to it — a coder who never voted on
///   the set has no value.
public enum CodingVotes {
    /// The votes of one event, from all of its coded-field changes (any order). `sets` names the set fields.
    public static func votes(event: String, changes: [CodedChange], sets: Set<String>) -> [CoderVote] {
        var authorOf: [String: String] = [:]
        for change in changes { authorOf[change.id] = change.author }
        let ordered = changes.filter { change in
            change.supersedes.allSatisfy { authorOf[$0].map { $0 == change.author } ?? true }
        }.sorted { ($0.hlc, $0.id) < ($1.hlc, $1.id) }
        var registers: [String: CoderVote] = [:]
        var setValues: [String: (hlc: String, elements: Set<String>)] = [:]
        for change in ordered {
            let key = change.field + "\u{0}" + change.author
            if sets.contains(change.field) {
                var current = setValues[key] ?? (change.hlc, [])
                switch change.op {
                case .add: current.elements.insert(change.value)
                case .remove: current.elements.remove(change.value)
                case .set, .append: continue
                }
                current.hlc = change.hlc
                setValues[key] = current
            } else if change.op == .set {
                registers[key] = CoderVote(
                    event: event, field: change.field, coder: change.author, hlc: change.hlc,
                    value: .label(change.value))
            }
        }
        var votes = Array(registers.values)
        for (key, value) in setValues {
            let parts = key.split(separator: "\u{0}", maxSplits: 1, omittingEmptySubsequences: false)
            votes.append(
                CoderVote(
                    event: event, field: String(parts[0]), coder: String(parts[1]), hlc: value.hlc,
                    value: .set(value.elements.sorted())))
        }
        return votes.sorted { ($0.field, $0.coder) < ($1.field, $1.coder) }
    }
}
