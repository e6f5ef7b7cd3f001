import ArgumentParser
import ConcordStore

struct Undo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undo",
        abstract: "Undo your latest command, or the command that wrote CHANGE, with new changes.",
        discussion: """
            The log is never rewritten: the undo is a new change that brings back the value replaced (an event \
            the command created is deleted), synced like any edit. Run it again to undo the command before; \
            `concord undo CHANGE` with a change of an undo redoes. Notes cannot be undone. A resolution is undone \
            only with --reason (undoing a decision is a decision); a command the server refused is passed over.
            """)

    @OptionGroup var options: StoreOptions
    @Argument(help: "A change id or unique prefix (`concord show EVENT --history` lists them).") var change: String?
    @Option(help: "Why, to undo a resolution (required then; shown in the report).") var reason: String?

    func run() throws {
        let outcome = try options.open().undo(change, reason: reason)
        Terminal.message("undid your command that " + outcome.undoneDescription)
        Terminal.message("  so: " + outcome.summary.joined(separator: "; "))
    }
}
