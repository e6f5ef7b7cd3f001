import ArgumentParser
import ConcordStore

struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "List events (deleted ones only with --deleted).",
        discussion: """
            Every filter given must hold. On a terminal the ID column shows each event's shortest unique \\
            reference, which any command accepts; piped, the listing is tab-separated with full ids and no header.
            """)

    @OptionGroup var options: StoreOptions
    @OptionGroup var output: JSONOption
    @Option(help: "Only events of this document (id or unique prefix).") var doc: String?
    @Option(help: "Only events of this PLOVER type (any case).") var type: String?
    @Option(help: "Only events this analyst created.") var author: String?
    @Option(help: "Only events with this tag.") var tag: String?
    @Option(help: "Only events with this status (draft, reviewed, disputed, rejected) among their versions.")
    var status: String?
    @Option(
        help:
            "Only events whose title, summary, evidence, location, notes, actors, recipients or tags contain every one of these words (any case)."
    )
    var text: String?
    @Flag(help: "Only events with open conflicts, or whose linked events' codings disagree.") var conflicts = false
    @Flag(help: "Only deleted events (hidden otherwise); `concord event restore` brings one back.") var deleted = false
    @Flag(help: "Only events lacking what a PLOVER record requires: a type, a date or an actor.") var incomplete = false

    func run() throws {
        let store = try options.open()
        let events = try store.events(
            EventFilter(
                doc: doc, type: type, author: author, tag: tag, status: status, text: text, conflictsOnly: conflicts,
                deleted: deleted ? .only : .hidden, incompleteOnly: incomplete), detailed: output.json)
        if output.json { return try Terminal.json(events) }
        let short = Terminal.stdoutIsTTY ? try store.shortIDs(of: .event) : [:]
        Terminal.table(
            ["ID", "AUTHOR", "TYPE", "DATE", "CONFLICTS", "TITLE"],
            events.map {
                [
                    short[$0.id] ?? $0.id.rawValue, $0.creator ?? "", $0.type ?? "", $0.date ?? "",
                    String($0.conflicts) + ($0.disagreements > 0 ? "+\($0.disagreements)" : ""),
                    ($0.deleted ? "[deleted] " : "") + ($0.title ?? ""),
                ]
            })
    }
}
