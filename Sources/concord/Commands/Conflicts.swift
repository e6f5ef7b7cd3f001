import ArgumentParser
import ConcordStore
import ConcordCore

struct Conflicts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conflicts",
        abstract: "List open conflicts: each candidate with its author and clock, and the event's context.",
        discussion: """
            Besides conflicts on one event, lists cluster disagreements: linked events (concord link) whose \
            analysts coded a field differently. `concord resolve MEMBER FIELD ... --reason R` on any member \
            decides it for every member.
            """)

    @OptionGroup var options: StoreOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let store = try options.open()
        let conflicts = try store.conflictViews()
        let clusters = try store.clusterDisagreements()
        if output.json { return try Terminal.json(ConflictEntry.list(conflicts, clusters)) }
        if conflicts.isEmpty && clusters.isEmpty { return Terminal.message("no open conflicts") }
        guard Terminal.stdoutIsTTY else {
            for conflict in conflicts {
                for c in conflict.candidates {
                    Terminal.out(
                        [
                            conflict.entity.rawValue, conflict.field, c.value.description, c.author.rawValue,
                            c.hlc.description, c.change.rawValue,
                        ]
                        .map { $0.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ") }
                        .joined(separator: "\t"))
                }
            }
            for disagreement in clusters {
                for c in disagreement.candidates {
                    Terminal.out(
                        [
                            disagreement.cluster.rawValue, disagreement.field, c.value.description,
                            c.author.rawValue, c.hlc.description, c.change.rawValue, c.event.rawValue,
                        ]
                        .map { $0.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ") }
                        .joined(separator: "\t"))
                }
            }
            return
        }
        // On a terminal: each event by its shortest unique reference and title, each candidate's change by a
        // prefix that tells it from the other candidates (what `resolve --keep` takes).
        let short = try store.shortIDs(of: .event)
        let titles = Dictionary(
            try store.events().map { ($0.id.rawValue, $0.title ?? "") }, uniquingKeysWith: { a, _ in a })
        func event(_ id: EntityID) -> String {
            (short[id] ?? id.rawValue) + (titles[id.rawValue].map { $0.isEmpty ? "" : "  \"\($0)\"" } ?? "")
        }
        /// The shortest prefix (8 characters or more) that tells `id` from the other candidates of its conflict.
        func change(_ id: ChangeID, among others: [ChangeID]) -> String {
            var length = 8
            while length < id.rawValue.count,
                others.contains(where: { $0 != id && $0.rawValue.hasPrefix(id.rawValue.prefix(length)) })
            {
                length += 1
            }
            return String(id.rawValue.prefix(length))
        }
        Terminal.out(
            "OPEN CONFLICTS: \(conflicts.count) on events, \(clusters.count) across linked events "
                + "(times in UTC; change ids in brackets go to `resolve --keep`)\n")
        for conflict in conflicts {
            let kind = conflict.kind == "delete-edit" ? "delete/edit conflict" : "conflict on \(conflict.field)"
            Terminal.out(
                (short[conflict.entity] ?? conflict.entity.rawValue) + "  \(conflict.title.map { "\"\($0)\"" } ?? "")")
            if let document = conflict.document {
                Terminal.out("  from \(document.title ?? document.id.rawValue)")
            }
            if let evidence = conflict.evidence { Terminal.out("  evidence: “\(evidence)”") }
            Terminal.out("  \(kind):")
            for c in conflict.candidates {
                Terminal.out(
                    "    \(c.value)  — \(c.author), \(c.hlc.readable)  "
                        + "[\(change(c.change, among: conflict.candidates.map(\.change)))]")
            }
            if let concurrent = conflict.concurrent {
                Terminal.out("    edits the delete did not see: " + concurrent.map(\.rawValue).joined(separator: ", "))
            }
            Terminal.out()
        }
        for disagreement in clusters {
            Terminal.out(
                "cluster \(short[disagreement.cluster] ?? disagreement.cluster.rawValue): linked events coded "
                    + "differently on \(disagreement.field):")
            for c in disagreement.candidates {
                Terminal.out(
                    "    \(c.value)  — \(c.author) on \(event(c.event)), \(c.hlc.readable)  "
                        + "[\(change(c.change, among: disagreement.candidates.map(\.change)))]")
            }
            Terminal.out()
        }
        if !clusters.isEmpty {
            Terminal.message(
                "\(clusters.count) cluster disagreement\(clusters.count == 1 ? "" : "s"); resolving on any member "
                    + "writes the decision to every member")
        }
        Terminal.message(
            "\(conflicts.count) open conflict\(conflicts.count == 1 ? "" : "s"); an adjudicator decides with "
                + "`concord resolve EVENT FIELD --keep CHANGE` or `--value V`")
    }
}
