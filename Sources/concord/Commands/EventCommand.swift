import ArgumentParser
import ConcordClient

struct EventCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event", abstract: "Add and edit events.",
        subcommands: [
            EventAdd.self, EventImport.self, EventSet.self, EventAddActor.self, EventRemoveActor.self, EventTag.self,
            EventUntag.self, EventNote.self, EventDelete.self, EventRestore.self,
        ])
}

/// Prints an edit's notices on stderr.
func report(_ outcome: EditOutcome) {
    for notice in outcome.notices { Terminal.message(notice) }
}

struct EventAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add an event; prints its full id alone.")

    @OptionGroup var options: StoreOptions
    @Option(help: "The document the event comes from (id or unique prefix).") var doc: String
    @Option(help: "A short title.") var title: String
    @Option(help: "A PLOVER event type, e.g. CONSULT.") var type: String?
    @Option(help: "YYYY-MM-DD, YYYY-MM or YYYY.") var date: String?
    @Option(help: "A place name.") var location: String?
    @Option(help: "An ISO 3166-1 alpha-3 code, e.g. KOR.") var country: String?
    @Option(name: .customLong("actor"), help: "An actor (repeatable).") var actors: [String] = []
    @Option(name: .customLong("tag"), help: "A tag (repeatable).") var tags: [String] = []
    @Option(name: .customLong("recipient"), help: "A PLOVER recipient: whom the event targets (repeatable).")
    var recipients: [String] = []
    @Option(help: "A PLOVER mode of the event's type, e.g. visit for CONSULT.") var mode: String?
    @Option(name: .customLong("context"), help: "A PLOVER context, e.g. military (repeatable).")
    var contexts: [String] = []
    @Option(help: "low, medium or high.") var confidence: String?
    @Option(help: "A verbatim quote from the document.") var evidence: String?
    @Option(help: "A summary.") var summary: String?
    @Option(help: "draft, reviewed, disputed or rejected.") var status: String?

    func run() throws {
        var values = ["doc": doc, "title": title]
        for (name, value) in [
            ("type", type), ("date", date), ("location", location), ("country", country),
            ("confidence", confidence), ("evidence", evidence), ("summary", summary), ("status", status),
            ("mode", mode),
        ] {
            if let value { values[name] = value }
        }
        let id = try options.open().addEvent(
            EventDraft(values: values, actors: actors, tags: tags, recipients: recipients, context: contexts))
        print(id.rawValue)
    }
}

struct EventImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add events from a JSONL or CSV file (all or nothing).",
        discussion: """
            Each row has the `event add` fields: doc, title, summary, type, date, location, country, confidence,
            status, evidence, mode, actors, recipients, context, tags. JSONL: one object per line, the sets as
            arrays. CSV: a header row, set elements separated by ';'. Errors name the line and the field; nothing is
            imported then.
            """)

    @OptionGroup var options: StoreOptions
    @Argument(help: "A .jsonl or .csv file.") var file: String

    func run() throws {
        let ids = try options.open().importEvents(from: file)
        Terminal.message("imported \(ids.count) event\(ids.count == 1 ? "" : "s") from \(file)")
    }
}

struct EventSet: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Set a field of an event.")

    @OptionGroup var options: StoreOptions
    @Argument(help: "The event (full id or unique prefix).") var event: String
    @Argument(help: "title, summary, type, date, location, country, confidence, mode, status, evidence or doc.")
    var field: String
    @Argument(help: "The new value.") var value: String

    func run() throws { report(try options.open().set(event, field: field, value: value)) }
}

struct EventAddActor: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add-actor", abstract: "Add an actor.")
    @OptionGroup var options: StoreOptions
    @Argument var event: String
    @Argument var value: String
    func run() throws { report(try options.open().addElement(event, field: "actors", value: value)) }
}

struct EventRemoveActor: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove-actor", abstract: "Remove an actor.")
    @OptionGroup var options: StoreOptions
    @Argument var event: String
    @Argument var value: String
    func run() throws { report(try options.open().removeElement(event, field: "actors", value: value)) }
}

struct EventTag: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tag", abstract: "Add a tag.")
    @OptionGroup var options: StoreOptions
    @Argument var event: String
    @Argument var value: String
    func run() throws { report(try options.open().addElement(event, field: "tags", value: value)) }
}

struct EventUntag: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "untag", abstract: "Remove a tag.")
    @OptionGroup var options: StoreOptions
    @Argument var event: String
    @Argument var value: String
    func run() throws { report(try options.open().removeElement(event, field: "tags", value: value)) }
}

struct EventNote: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "note", abstract: "Append a note.")
    @OptionGroup var options: StoreOptions
    @Argument var event: String
    @Argument var text: String
    func run() throws { report(try options.open().note(event, text: text)) }
}

struct EventDelete: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete an event (its fields are kept; restore brings it back).")
    @OptionGroup var options: StoreOptions
    @Argument var event: String
    func run() throws { report(try options.open().delete(event)) }
}

struct EventRestore: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restore", abstract: "Restore a deleted event.")
    @OptionGroup var options: StoreOptions
    @Argument var event: String
    func run() throws { report(try options.open().restore(event)) }
}
