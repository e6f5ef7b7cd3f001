/// One change to a coded field of an event, as a store reads it from its log: what ``CodingVotes`` needs.
public struct CodedChange: Sendable {
    public var id: String
    public var field: String
    public var op: ChangeOp
    public var value: String
    public var author: String
    public var hlc: String
    public var supersedes: [String]
    /// The change gives a reason: an adjudicator's resolution (protocol.md §11), never a vote, even an add that
    /// supersedes nothing (a set resolution adds what was chosen to every member).
    public var resolution: Bool

    public init(
        id: String, field: String, op: ChangeOp, value: String, author: String, hlc: String, supersedes: [String],
        resolution: Bool = false
    ) {
        self.resolution = resolution
        self.id = id
        self.field = field
        self.op = op
        self.value = value
        self.author = author
        self.hlc = hlc
        self.supersedes = supersedes
    }
}

/// Each coder's own current value of an event's coded fields, read from the event's log (protocol.md §11).
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
        // An event has a handful of coded changes: linear scans beat hashing here (this runs once per event).
        func isVote(_ change: CodedChange) -> Bool {
            !change.resolution
                && change.supersedes.allSatisfy { id in
                    guard let old = changes.first(where: { $0.id == id }) else { return true }
                    return old.author == change.author
                }
        }
        let ordered = changes.filter(isVote).sorted { ($0.hlc, $0.id) < ($1.hlc, $1.id) }
        var registers: [CoderVote] = []
        var setValues: [(field: String, coder: String, hlc: String, elements: [String])] = []
        for change in ordered {
            if sets.contains(change.field) {
                let index =
                    setValues.firstIndex { $0.field == change.field && $0.coder == change.author }
                    ?? {
                        setValues.append((change.field, change.author, change.hlc, []))
                        return setValues.count - 1
                    }()
                switch change.op {
                case .add:
                    if !setValues[index].elements.contains(change.value) {
                        setValues[index].elements.append(change.value)
                    }
                case .remove: setValues[index].elements.removeAll { $0 == change.value }
                case .set, .append: continue
                }
                setValues[index].hlc = change.hlc
            } else if change.op == .set && change.value.isEmpty {
                // A clear (protocol.md §16): the coder now codes no value for the field.
                registers.removeAll { $0.field == change.field && $0.coder == change.author }
            } else if change.op == .set {
                let vote = CoderVote(
                    event: event, field: change.field, coder: change.author, hlc: HLC(stored: change.hlc),
                    value: .label(change.value))
                if let index = registers.firstIndex(where: { $0.field == change.field && $0.coder == change.author }) {
                    registers[index] = vote
                } else {
                    registers.append(vote)
                }
            }
        }
        var votes = registers
        for value in setValues {
            votes.append(
                CoderVote(
                    event: event, field: value.field, coder: value.coder, hlc: HLC(stored: value.hlc),
                    value: .set(value.elements.sorted())))
        }
        return votes.sorted { ($0.field, $0.coder) < ($1.field, $1.coder) }
    }
}
