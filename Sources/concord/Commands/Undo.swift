import ArgumentParser
import ConcordStore

struct Undo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undo",
        abstract: "Undo your latest command, or the command that wrote CHANGE, with new changes.",
        discussion: """
            The log is never rewritten: the undo is a new change that brings back the value replaced (an event \
            the command created is deleted), synced like any edit. Run it again to undo the command before; \
            `concord undo CHANGE` with a change of an undo redoes. Notes cannot be undone.
            """)

    @OptionGroup var options: StoreOptions
    @Argument(help: "A change id or unique prefix (`concord show EVENT --history` lists them).") var change: String?

    func run() throws {
        let outcome = try options.open().undo(change)
        let first = outcome.undone[0]
        Terminal.message(
            "undid \(first.id)\(outcome.undone.count > 1 ? " and \(outcome.undone.count - 1) more" : "") "
                + "(\(first.field) of \(first.entity)): " + outcome.summary.joined(separator: "; "))
    }
}
