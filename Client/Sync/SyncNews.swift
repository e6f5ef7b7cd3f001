import ConcordCore
import ConcordStore

/// What a sync brought that concerns the analyst who ran it (protocol.md §11 "telling analysts"): one line per kind of
/// news and per other analyst, printed after the sync summary, e.g.
/// `bob disagrees with your coding on 2 events (type, date); run concord conflicts`.
///
/// - Disagreements: (event or cluster, field) pairs where the analyst's own vote and another analyst's differ,
///   that were not there before the sync (entity conflicts and cluster disagreements alike).
/// - Resolutions: pulled changes by others that carry an adjudicator's reason.
/// - Links: pulled `same_as` adds by others.
public struct SyncNews: Sendable, Equatable {
    /// A disagreement between the analyst and `other` on one field of one event or cluster.
    struct Disagreement: Hashable, Sendable {
        var subject: String
        var field: String
        var other: String
    }

    var newDisagreements: [Disagreement] = []
    /// Resolutions pulled, by adjudicator: (events, fields).
    var resolutions: [String: (events: Set<String>, fields: Set<String>)] = [:]
    /// Links pulled, by analyst.
    var links: [String: Int] = [:]
    /// Documents whose withheld coding this sync received (protocol.md §15).
    var opened: Set<String> = []
    /// Documents newly assigned to the analyst, and coders who submitted, by document (protocol.md §15).
    var assigned: Set<String> = []
    var submitted: [String: Set<String>] = [:]

    public static func == (a: SyncNews, b: SyncNews) -> Bool { a.lines == b.lines }

    /// The disagreements involving `me` in these conflicts and cluster disagreements.
    static func disagreements(
        of me: AnalystName, conflicts: [ConflictView], clusters: [ClusterDisagreement]
    ) -> Set<Disagreement> {
        var out = Set<Disagreement>()
        for conflict in conflicts where conflict.kind == nil {
            let mine = Set(conflict.candidates.filter { $0.author == me }.map(\.value))
            guard !mine.isEmpty else { continue }
            for other in conflict.candidates where other.author != me && !mine.contains(other.value) {
                out.insert(
                    .init(subject: conflict.entity.rawValue, field: conflict.field, other: other.author.rawValue))
            }
        }
        for cluster in clusters {
            guard let mine = cluster.candidates.first(where: { $0.author == me }) else { continue }
            for other in cluster.candidates where other.author != me && other.value != mine.value {
                out.insert(.init(subject: cluster.cluster.rawValue, field: cluster.field, other: other.author.rawValue))
            }
        }
        return out
    }

    /// Notes the pulled changes written by others.
    mutating func note(pulled changes: some Sequence<Change>, me: AnalystName) {
        for change in changes where change.author != me {
            if change.entity.kind == .document {
                if change.field == Blinding.assignedField && change.op == .add && change.value.string == me.rawValue {
                    assigned.insert(change.entity.rawValue)
                } else if change.field == Blinding.submittedField && change.op == .add, let name = change.value.string {
                    submitted[change.entity.rawValue, default: []].insert(name)
                }
                continue
            }
            if change.field == Schema.sameAsField && change.op == .add {
                links[change.author.rawValue, default: 0] += 1
            } else if change.op == .set, let reason = change.reason, !reason.isEmpty {
                var entry = resolutions[change.author.rawValue] ?? ([], [])
                entry.events.insert(change.entity.rawValue)
                entry.fields.insert(change.field)
                resolutions[change.author.rawValue] = entry
            }
        }
    }

    /// One sentence per kind of news and other analyst; empty when nothing concerns the analyst.
    public var lines: [String] {
        var out: [String] = []
        for (other, items) in Dictionary(grouping: newDisagreements, by: \.other).sorted(by: { $0.key < $1.key }) {
            let subjects = Set(items.map(\.subject)).count
            let fields = Set(items.map(\.field)).sorted().joined(separator: ", ")
            out.append(
                "\(other) disagrees with your coding on \(subjects) event\(subjects == 1 ? "" : "s") (\(fields)); "
                    + "run concord conflicts")
        }
        for (adjudicator, entry) in resolutions.sorted(by: { $0.key < $1.key }) {
            let n = entry.events.count
            out.append(
                "\(adjudicator) resolved \(entry.fields.sorted().joined(separator: ", ")) on \(n) event"
                    + "\(n == 1 ? "" : "s"); run concord show EVENT --history for the reasons")
        }
        for (analyst, count) in links.sorted(by: { $0.key < $1.key }) {
            out.append(
                "\(analyst) linked \(count) pair\(count == 1 ? "" : "s") of events as the same happening; run "
                    + "concord agreement")
        }
        if !assigned.isEmpty {
            let n = assigned.count
            out.append(
                "\(n) document\(n == 1 ? " was" : "s were") assigned to you to code blind; run concord queue")
        }
        for (document, names) in submitted.sorted(by: { $0.key < $1.key }) {
            out.append(
                "\(names.sorted().joined(separator: ", ")) submitted their coding of \(document)")
        }
        if !opened.isEmpty {
            let n = opened.count
            out.append(
                "the other coders' work on \(n) document\(n == 1 ? "" : "s") you coded blind is now visible; run "
                    + "concord match")
        }
        return out
    }
}
