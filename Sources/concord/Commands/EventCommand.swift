import ArgumentParser
import ConcordCore
import ConcordStore

struct EventCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event", abstract: "Add and edit events.",
        subcommands: [
            EventAdd.self, EventEditCommand.self, EventImport.self, EventSet.self, EventAddActor.self,
            EventRemoveActor.self, EventTag.self,
            EventUntag.self, EventNote.self, EventDelete.self, EventRestore.self,
        ])
}

/// Replaces `--date`/`--end-date` values such as `Friday`, `yesterday` or `today` by the day they name in the
/// article (protocol.md §17), saying how each was read.
func resolveRelativeDates(_ values: inout [String: String], document: String, store: LocalStore) throws {
    for field in ["date", "end_date"] {
        guard let text = values[field], let (day, note) = try store.resolveRelativeDate(text, document: document)
        else { continue }
        values[field] = day
        Terminal.message(field == "date" ? note : "end " + note)
    }
}

/// Prints an edit's notices on stderr.
func report(_ outcome: EditOutcome) {
    for notice in outcome.notices { Terminal.message(notice) }
}

/// ``report(_:)``, and when nothing else was said, a line per element added or removed or note written: the
/// element commands' confirmation (`add-actor`, `untag`, `note`, ...).
func reportElements(_ outcome: EditOutcome) {
    report(outcome)
    guard outcome.notices.isEmpty else { return }
    for change in outcome.changes {
        switch change.op {
        case .add: Terminal.message("added \"\(change.value)\" to \(change.field) of \(change.entity)")
        case .remove: Terminal.message("removed \"\(change.value)\" from \(change.field) of \(change.entity)")
        case .append: Terminal.message("noted on \(change.entity)")
        case .set: continue
        }
    }
}

/// The options `event add` and `event edit` share: every event field but `doc` and `title`.
struct EventFieldOptions: ParsableArguments {
    // Single-valued options are parsed as lists so that one given twice is a usage error naming it (a second
    // `--type` silently won before).
    @Option(help: "A PLOVER event type, e.g. CONSULT (any case).") var type: [String] = []
    @Option(help: "YYYY-MM-DD, YYYY-MM or YYYY.") var date: [String] = []
    @Option(
        name: .customLong("end-date"),
        help: "When the event ended (PLOVER's enddate), YYYY-MM-DD, YYYY-MM or YYYY; never before --date.")
    var endDate: [String] = []
    @Option(
        name: .customLong("aux"),
        help: "A PLOVER auxiliary mode, on any type: future, historical, hypothetical, negation (repeatable).")
    var aux: [String] = []
    @Option(
        name: .customLong("quote"),
        help: "Another verbatim quote from the document, beside --evidence (repeatable; PLOVER's event_text).")
    var quotes: [String] = []
    @Option(help: "A place name.") var location: [String] = []
    @Option(help: "An ISO 3166-1 alpha-3 code, e.g. KOR.") var country: [String] = []
    @Option(name: .customLong("actor"), help: "An actor (repeatable).") var actors: [String] = []
    @Option(name: .customLong("tag"), help: "A tag (repeatable).") var tags: [String] = []
    @Option(name: .customLong("recipient"), help: "A PLOVER recipient: whom the event targets (repeatable).")
    var recipients: [String] = []
    @Option(help: "A PLOVER mode of the event's type, e.g. visit for CONSULT (needs a type).") var mode: [String] = []
    @Option(name: .customLong("context"), help: "A PLOVER context, e.g. military (repeatable).")
    var contexts: [String] = []
    @Option(help: "low, medium or high.") var confidence: [String] = []
    @Option(help: "A verbatim quote from the document.") var evidence: [String] = []
    @Option(help: "A summary.") var summary: [String] = []
    @Option(help: "draft, reviewed, disputed or rejected.") var status: [String] = []

    func validate() throws {
        for (name, given) in [
            ("type", type), ("date", date), ("end-date", endDate), ("location", location), ("country", country),
            ("mode", mode), ("confidence", confidence), ("evidence", evidence), ("summary", summary),
            ("status", status),
        ] where given.count > 1 {
            throw ValidationError(
                "--\(name) was given \(given.count) times (\(given.map { "\"\($0)\"" }.joined(separator: ", "))); an "
                    + "event has one \(name): give it once")
        }
    }

    /// The register fields given, by name.
    var values: [String: String] {
        var values: [String: String] = [:]
        for (name, value) in [
            ("type", type), ("date", date), ("end_date", endDate), ("location", location), ("country", country),
            ("confidence", confidence), ("evidence", evidence), ("summary", summary), ("status", status),
            ("mode", mode),
        ] {
            if let value = value.first { values[name] = value }
        }
        return values
    }

    /// The set elements given, by field.
    var elements: [String: [String]] {
        ["actors": actors, "recipients": recipients, "context": contexts, "tags": tags, "aux": aux, "quotes": quotes]
            .filter { !$0.value.isEmpty }
    }
}

struct EventAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add an event; prints its full id alone.")

    @OptionGroup var options: StoreOptions
    @Option(help: "The document the event comes from (id or unique prefix).") var doc: String
    @Option(help: "A short title.") var title: String
    @OptionGroup var fields: EventFieldOptions

    func run() throws {
        let store = try options.open()
        var draft = EventDraft(values: fields.values.merging(["doc": doc, "title": title]) { _, new in new })
        draft.elements = fields.elements
        try resolveRelativeDates(&draft.values, document: doc, store: store)
        print(try store.addEvent(draft).rawValue)
        // A PLOVER record requires a type, a date and an actor (protocol.md §17): said at once, not at export.
        let missing = [
            ("type", draft.values["type"]), ("date", draft.values["date"]),
            ("actor", draft.actors.first),
        ].filter { $0.1?.isEmpty ?? true }.map(\.0)
        if !missing.isEmpty {
            Terminal.message(
                "note: the event has no \(missing.joined(separator: ", ")), which a PLOVER record requires; "
                    + "`concord events --incomplete` lists such events")
        }
    }
}

struct EventEditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Change several fields of an event in one change set.",
        discussion: """
            Takes the options of `event add`; --actor, --recipient, --context and --tag add elements, and their \
            --remove-… twins remove them. Everything is checked before anything is written: one refused value \
            writes nothing. A value the event already shows writes nothing for that field.
            """)

    @OptionGroup var options: StoreOptions
    @Argument(help: "The event (id or unique prefix).") var event: String
    @Option(help: "The document the event comes from (id or unique prefix).") var doc: String?
    @Option(help: "A short title.") var title: String?
    @OptionGroup var fields: EventFieldOptions
    @Option(name: .customLong("remove-actor"), help: "An actor to remove (repeatable).") var removedActors: [String] =
        []
    @Option(name: .customLong("remove-recipient"), help: "A recipient to remove (repeatable).")
    var removedRecipients: [String] = []
    @Option(name: .customLong("remove-context"), help: "A context to remove (repeatable).") var removedContexts:
        [String] = []
    @Option(name: .customLong("untag"), help: "A tag to remove (repeatable).") var removedTags: [String] = []
    @Option(name: .customLong("remove-aux"), help: "An auxiliary mode to remove (repeatable).")
    var removedAux: [String] = []
    @Option(name: .customLong("remove-quote"), help: "A quote to remove (repeatable).") var removedQuotes: [String] = []
    @Option(
        name: .customLong("clear"),
        help: "A field to clear: no value from now on; on a coded field, your coding of none (repeatable).")
    var cleared: [String] = []

    func run() throws {
        var values = fields.values
        if let doc { values["doc"] = doc }
        if let title { values["title"] = title }
        let store = try options.open()
        if values["date"].map(RelativeDate.isRelative) == true
            || values["end_date"].map(RelativeDate.isRelative) == true
        {
            let document = try doc ?? store.event(event).fields["doc"]?.value.string ?? ""
            try resolveRelativeDates(&values, document: document, store: store)
        }
        let edit = EventEdit(
            values: values, added: fields.elements,
            removed: [
                "actors": removedActors, "recipients": removedRecipients, "context": removedContexts,
                "tags": removedTags, "aux": removedAux, "quotes": removedQuotes,
            ], cleared: cleared)
        let outcome = try store.editEvent(event, edit)
        report(outcome)
        if !outcome.changes.isEmpty {
            Terminal.message("\(outcome.changes.count) change\(outcome.changes.count == 1 ? "" : "s") written")
        }
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
    @Option(help: "Why: required of an adjudicator editing another analyst's coding (a resolution).")
    var reason: String?
    func run() throws {
        reportElements(try options.open().addElement(event, field: "actors", value: value, reason: reason))
    }
}

struct EventRemoveActor: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove-actor", abstract: "Remove an actor.")
    @OptionGroup var options: StoreOptions
    @Argument var event: String
    @Argument var value: String
    @Option(help: "Why: required of an adjudicator removing another analyst's coding (a resolution).")
    var reason: String?
    func run() throws {
        reportElements(try options.open().removeElement(event, field: "actors", value: value, reason: reason))
    }
}

struct EventTag: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tag", abstract: "Add a tag.")
    @OptionGroup var options: StoreOptions
    @Argument var event: String
    @Argument var value: String
    func run() throws { reportElements(try options.open().addElement(event, field: "tags", value: value)) }
}

struct EventUntag: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "untag", abstract: "Remove a tag.")
    @OptionGroup var options: StoreOptions
    @Argument var event: String
    @Argument var value: String
    func run() throws { reportElements(try options.open().removeElement(event, field: "tags", value: value)) }
}

struct EventNote: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "note", abstract: "Append a note.")
    @OptionGroup var options: StoreOptions
    @Argument var event: String
    @Argument var text: String
    func run() throws { reportElements(try options.open().note(event, text: text)) }
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
