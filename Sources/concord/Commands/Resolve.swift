import ArgumentParser
import ConcordStore

struct Resolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Decide a conflict (adjudicators): keep one candidate or write a new value.",
        discussion: """
            Writes one change that supersedes every candidate of FIELD. For a delete/edit conflict use FIELD \
            `deleted` with --value true (confirm the delete) or --value false (restore the event).
            """)

    @OptionGroup var options: StoreOptions

    @Argument(help: "The event id or a unique prefix.")
    var event: String

    @Argument(help: "The field in conflict.")
    var field: String

    @Option(help: "Keep this candidate: its change id or a unique prefix (see `concord conflicts`).")
    var keep: String?

    @Option(help: "Write this value instead of any candidate.")
    var value: String?

    @Option(help: "Why (required): shown in the report and in `concord show --history`.")
    var reason: String?

    func validate() throws {
        guard (keep == nil) != (value == nil) else {
            throw ValidationError("give exactly one of --keep CHANGE_ID or --value VALUE")
        }
    }

    func run() throws {
        let outcome = try options.open().resolve(event, field: field, keep: keep, value: value, reason: reason)
        for notice in outcome.notices { Terminal.message(notice) }
        if let change = outcome.changes.first {
            Terminal.message("resolved \(field) of \(outcome.entity) as \"\(change.value)\"; `concord sync` shares it")
        }
    }
}
