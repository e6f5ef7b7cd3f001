import ArgumentParser
import ConcordCore
import ConcordStore

struct Resolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Decide a conflict (adjudicators): keep one candidate or write a new value.",
        discussion: """
            Writes one change that supersedes every candidate of FIELD. For a delete/edit conflict use FIELD \
            `deleted` with --value true (confirm the delete) or --value false (restore the event). On a coded set \
            (actors, recipients, context), give the decided elements with --value, once each: every member of the \
            event's cluster then shows exactly them.
            """)

    @OptionGroup var options: StoreOptions

    @Argument(help: "The event id or a unique prefix.")
    var event: String

    @Argument(help: "The field in conflict.")
    var field: String

    @Option(help: "Keep this candidate: its change id or a unique prefix (see `concord conflicts`).")
    var keep: String?

    @Option(help: "Write this value instead of any candidate (on a set, one --value per element).")
    var value: [String] = []

    @Option(help: "Why (required): shown in the report and in `concord show --history`.")
    var reason: String?

    @Option(help: "With FIELD type: the mode every member gets (else a mode the type does not allow is cleared).")
    var mode: String?

    func validate() throws {
        guard (keep == nil) != value.isEmpty else {
            throw ValidationError("give exactly one of --keep CHANGE_ID or --value VALUE")
        }
    }

    func run() throws {
        let store = try options.open()
        if Schema.field(field, of: .event)?.kind == .set {
            guard keep == nil else { throw ValidationError("a set is resolved with --value, once per element") }
            let outcome = try store.resolveSet(event, field: field, values: value, reason: reason)
            for notice in outcome.notices { Terminal.message(notice) }
            Terminal.message("resolved \(field) with \(outcome.changes.count) changes; `concord sync` shares them")
            return
        }
        if value.count > 1 {
            throw ValidationError("--value is given once for \(field); only a set takes several")
        }
        let outcome = try store.resolve(
            event, field: field, keep: keep, value: value.first, reason: reason, mode: mode)
        for notice in outcome.notices { Terminal.message(notice) }
        if let change = outcome.changes.first {
            Terminal.message("resolved \(field) of \(outcome.entity) as \"\(change.value)\"; `concord sync` shares it")
        }
    }
}
