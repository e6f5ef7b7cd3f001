/// What agreement on blindly coded documents rests on (protocol.md §15): on a document with assignees, each coder
/// who submitted is counted with their **blind votes** (their latest vote written before they submitted) and the
/// events they created before submitting; what they changed after is counted here, never in α or detection F1.
public struct BlindCoding: Hashable, Sendable, Codable {
    /// Documents with at least one submission, whose figures use blind votes.
    public var documents: Int = 0
    /// Coders' submissions counted (a coder who submitted two documents counts twice).
    public var submissions: Int = 0
    /// Votes (event, field, coder) whose value changed after their coder submitted: kept out of α.
    public var revisions: Int = 0
    /// Events a coder created in a document after submitting it: kept out of agreement and detection F1.
    public var lateEvents: Int = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case documents, submissions, revisions
        case lateEvents = "late_events"
    }

    /// Each coder's first submission of each document, by document id then coder name.
    public typealias Submissions = [String: [String: HLC]]

    /// Notes `change` if it is a submission (an add to a document's `submitted`).
    public static func note(_ change: Change, into submissions: inout Submissions) {
        guard change.entity.kind == .document, change.field == Blinding.submittedField, change.op == .add,
            let name = change.value.string
        else { return }
        let document = change.entity.rawValue
        if let earlier = submissions[document]?[name], earlier <= change.hlc { return }
        submissions[document, default: [:]][name] = change.hlc
    }

    private static let setFields = Set(
        Schema.codedEventFields.filter { Schema.field($0, of: .event)?.kind == .set })

    /// Rewrites `input` for blind coding: on documents with submissions, each submitted coder's votes become their
    /// blind votes, and events they created after submitting are left out. `history` gives an event's coded-field
    /// changes (any order); `created` each event's creation clock. Returns what was set apart (also stored in
    /// `input.blind`); nil, and `input` unchanged, when nothing was submitted.
    @discardableResult
    public static func apply(
        to input: inout AgreementInput, submissions: Submissions, created: [String: HLC],
        history: (String) throws -> [CodedChange]
    ) rethrows -> BlindCoding? {
        guard !submissions.isEmpty else { return nil }
        var summary = BlindCoding()
        summary.documents = submissions.count
        summary.submissions = submissions.values.reduce(0) { $0 + $1.count }
        var late = Set<String>()
        var cutoffs: [String: [String: HLC]] = [:]
        for event in input.events {
            guard let document = event.document, let cutoff = submissions[document] else { continue }
            if let submitted = cutoff[event.creator], let made = created[event.id], made > submitted {
                late.insert(event.id)
                continue
            }
            cutoffs[event.id] = cutoff
        }
        summary.lateEvents = late.count
        var blindVotes: [String: [CoderVote]] = [:]
        for (event, cutoff) in cutoffs {
            let changes = try history(event)
            let before = changes.filter { change in
                guard let submitted = cutoff[change.author] else { return true }
                return HLC(stored: change.hlc) <= submitted
            }
            blindVotes[event] = CodingVotes.votes(event: event, changes: before, sets: setFields)
        }
        var votes: [CoderVote] = []
        votes.reserveCapacity(input.votes.count)
        var counted = Set<String>()
        for vote in input.votes where !late.contains(vote.event) {
            guard let cutoff = cutoffs[vote.event], cutoff[vote.coder] != nil else {
                votes.append(vote)
                continue
            }
            // Counted once per event: the event's blind votes of its submitted coders replace theirs.
            if counted.insert(vote.event).inserted {
                votes += (blindVotes[vote.event] ?? []).filter { cutoff[$0.coder] != nil }
            }
            let blind = blindVotes[vote.event]?.first { $0.field == vote.field && $0.coder == vote.coder }
            if blind?.value != vote.value { summary.revisions += 1 }
        }
        // Events whose submitted coders voted only before submitting, and changed nothing since, were added above
        // with their other votes; events whose every blind vote was later cleared still count theirs.
        for (event, cutoff) in cutoffs where !counted.contains(event) {
            let blind = (blindVotes[event] ?? []).filter { cutoff[$0.coder] != nil }
            votes += blind
            summary.revisions += blind.count
        }
        input.events.removeAll { late.contains($0.id) }
        input.votes = votes.sorted { ($0.event, $0.field, $0.coder) < ($1.event, $1.field, $1.coder) }
        input.blind = summary
        return summary
    }
}
