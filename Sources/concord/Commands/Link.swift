import ArgumentParser
import ConcordStore

struct Link: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link",
        abstract: "Record that events report the same happening (links the first to each other).",
        discussion: """
            Linked events form a cluster: agreement compares the analysts' codings across it, and `concord \
            resolve` on a member writes the decision to every member. Any analyst may link or unlink.
            """)

    @OptionGroup var options: StoreOptions
    @Argument(help: "The event to link from (id or unique prefix).") var event: String
    @Argument(help: "Events that report the same happening.") var others: [String]

    func validate() throws {
        if others.isEmpty { throw ValidationError("name at least two events: concord link EVENT EVENT...") }
    }

    func run() throws {
        let outcome = try options.open().link(event, to: others)
        report(outcome)
        for change in outcome.changes { Terminal.message("linked \(change.entity) to \(change.value)") }
    }
}

struct Unlink: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlink", abstract: "Remove the links between two events, in either direction.")

    @OptionGroup var options: StoreOptions
    @Argument(help: "An event (id or unique prefix).") var event: String
    @Argument(help: "The other event.") var other: String

    func run() throws {
        let outcome = try options.open().unlink(event, other)
        report(outcome)
        Terminal.message("unlinked \(outcome.entity) and \(other)")
    }
}

struct Dismiss: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dismiss",
        abstract: "Record that two events report different happenings: `concord match` never suggests them again.",
        discussion: """
            For everyone, once synced. Refused for two events that are linked (directly or through others): \
            unlink them first. `concord undismiss A B` takes it back.
            """)

    @OptionGroup var options: StoreOptions
    @Argument(help: "An event (id or unique prefix).") var event: String
    @Argument(help: "The other event.") var other: String

    func run() throws {
        let outcome = try options.open().dismiss(event, other)
        report(outcome)
        for change in outcome.changes { Terminal.message("dismissed \(change.entity) and \(change.value)") }
    }
}

struct Undismiss: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undismiss", abstract: "Take back a dismissal: `concord match` may suggest the pair again.")

    @OptionGroup var options: StoreOptions
    @Argument(help: "An event (id or unique prefix).") var event: String
    @Argument(help: "The other event.") var other: String

    func run() throws {
        let outcome = try options.open().undismiss(event, other)
        report(outcome)
        Terminal.message("undismissed \(outcome.entity) and \(other)")
    }
}
