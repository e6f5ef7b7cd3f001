import ArgumentParser
import ConcordCore
import ConcordStore
import ConcordSync

/// Parses analyst names given on the command line, one by one or comma-separated.
private func coderNames(_ texts: [String], option: String) throws -> [AnalystName] {
    let parts = texts.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        .filter { !$0.isEmpty }
    guard !parts.isEmpty else { throw ValidationError("name at least one coder with \(option)") }
    return try parts.map { text in
        do { return try AnalystName(text) } catch {
            throw ValidationError("\(option) \(text): \(error)")
        }
    }
}

struct Assign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign",
        abstract: "Assign documents to coders, who then code them blind (adjudicators).",
        discussion: """
            An assigned document is blind: its coders see only their own events on it, and other analysts see \
            none of theirs, until each coder has run `concord submit` (or an adjudicator runs `concord release`). \
            The server enforces it. `--auto` balances: each document gets coders until it has --per-doc of them, \
            each time the coder with the fewest assignments (ties by name), documents in id order; the same \
            state and arguments always give the same assignment. Takes effect for others at your next sync; the \
            server refuses a name that is not one of its analysts.
            """)

    @OptionGroup var options: StoreOptions
    @Argument(help: "Documents (id or unique prefix); with --auto, none means every imported document.")
    var documents: [String] = []
    @Option(name: .long, help: "A coder to assign (repeat, or separate names with commas).") var coder: [String] = []
    @Flag(name: .long, help: "Choose the coders of each document from --coders, balanced.") var auto = false
    @Option(name: .long, help: "With --auto: the coders to choose from, e.g. alice,bob,carol.") var coders: [String] =
        []
    @Option(name: .customLong("per-doc"), help: "With --auto: coders per document.") var perDoc: Int = 2

    func validate() throws {
        if auto {
            if !coder.isEmpty { throw ValidationError("--auto takes --coders (the pool), not --coder") }
            if coders.isEmpty { throw ValidationError("--auto needs --coders NAME,NAME,...") }
        } else {
            if documents.isEmpty { throw ValidationError("name the documents: concord assign DOC... --coder NAME") }
            if coder.isEmpty { throw ValidationError("name the coders with --coder NAME (or use --auto)") }
            if !coders.isEmpty { throw ValidationError("--coders goes with --auto; use --coder NAME") }
        }
    }

    func run() async throws {
        let store = try options.open()
        let names = try coderNames(auto ? coders : coder, option: auto ? "--coders" : "--coder")
        try await Self.checkNames(names, store: store)
        let outcome =
            auto
            ? try store.autoAssign(documents, coders: names, perDocument: perDoc)
            : try store.assign(documents, coders: names)
        report(outcome)
        for change in outcome.changes { Terminal.message("assigned \(change.value) to \(change.entity)") }
    }
}

extension Assign {
    /// Refuses, before anything is written, a name that is not one of the server's analysts (protocol.md §15). A
    /// server that cannot be reached is said in one line and the assignment written offline: the server refuses an
    /// unknown name at the next sync.
    static func checkNames(_ names: [AnalystName], store: LocalStore) async throws {
        let meta = try store.metadata()
        guard let server = meta.server, let token = meta.token else { return }
        let client = try meta.caFile.map { path throws(SyncError) in try HTTPTransport.client(trusting: path) }
        let transport = HTTPTransport(
            server: server, token: token, client: client ?? HTTPTransport.sharedClient, timeout: .seconds(10))
        let analysts: [Wire.Me]?
        do {
            analysts = try await transport.analysts()
        } catch {
            Terminal.message(
                "could not check the coder names with \(server) (\(error)); assigning offline: the server refuses a "
                    + "name that is not one of its analysts at your next sync")
            return
        }
        guard let analysts else { return }
        let known = Set(analysts.map(\.name))
        if let unknown = names.first(where: { !known.contains($0) }) {
            throw StoreError.invalid(
                "no analyst named \(unknown) on \(server) (its analysts: "
                    + analysts.map(\.name.rawValue).joined(separator: ", ")
                    + "); nothing written. Ask the server admin to run `concord-server analyst add \(unknown)` first")
        }
    }
}

struct Unassign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unassign", abstract: "Take a coder off a document (adjudicators).")

    @OptionGroup var options: StoreOptions
    @Argument(help: "The document (id or unique prefix).") var document: String
    @Option(name: .long, help: "The coder to take off.") var coder: String

    func run() throws {
        let name = try coderNames([coder], option: "--coder")[0]
        let outcome = try options.open().unassign(document, coder: name)
        report(outcome)
        Terminal.message("unassigned \(name) from \(outcome.entity)")
    }
}

struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Say your coding of an assigned document is done; an empty coding is a coding.",
        discussion: """
            After your next sync you see the other coders' events on the document, and once every coder has \
            submitted they see yours. Agreement uses each coder's votes from before their submission; later \
            edits are counted as revisions. Only an adjudicator can reopen a submission.
            """)

    @OptionGroup var options: StoreOptions
    @Argument(help: "The document (id or unique prefix).") var document: String

    func run() throws {
        let outcome = try options.open().submit(document)
        report(outcome)
        if !outcome.changes.isEmpty {
            Terminal.message("submitted your coding of \(outcome.entity); run concord sync to send it")
        }
    }
}

struct Reopen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reopen", abstract: "Take back a coder's submission of a document (adjudicators).")

    @OptionGroup var options: StoreOptions
    @Argument(help: "The document (id or unique prefix).") var document: String
    @Option(name: .long, help: "The coder whose submission to take back.") var coder: String

    func run() throws {
        let name = try coderNames([coder], option: "--coder")[0]
        let outcome = try options.open().reopen(document, coder: name)
        report(outcome)
        Terminal.message("reopened \(outcome.entity) for \(name)")
    }
}

struct Release: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "End blind coding of a document for everyone before all coders submitted (adjudicators).")

    @OptionGroup var options: StoreOptions
    @Argument(help: "The document (id or unique prefix).") var document: String
    @Option(name: .long, help: "Why (required; shown in the document's history).") var reason: String

    func run() throws {
        let outcome = try options.open().release(document, reason: reason)
        report(outcome)
        if !outcome.changes.isEmpty { Terminal.message("released \(outcome.entity)") }
    }
}

struct Queue: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "List the documents assigned to you that you have not submitted.")

    @OptionGroup var options: StoreOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let store = try options.open()
        let queue = try store.queue()
        if output.json { return try Terminal.json(queue.map(\.summary)) }
        if queue.isEmpty { return Terminal.message("nothing assigned to you is waiting; concord docs lists all") }
        let short = Terminal.stdoutIsTTY ? try store.shortIDs(of: .document) : [:]
        Terminal.table(
            ["ID", "TITLE", "CODERS"],
            queue.map {
                [
                    short[$0.summary.id] ?? $0.summary.id.rawValue, $0.summary.title ?? "",
                    ($0.coding?.assigned ?? []).map(\.rawValue).joined(separator: ", "),
                ]
            })
    }
}

struct Progress: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "progress",
        abstract: "Per assigned document: coders, events per coder, who submitted when, open disagreements.")

    @OptionGroup var options: StoreOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let store = try options.open()
        let progress = try store.progress()
        if output.json { return try Terminal.json(progress) }
        if progress.isEmpty {
            return Terminal.message("no document is assigned; concord assign DOC --coder NAME assigns one")
        }
        let short = Terminal.stdoutIsTTY ? try store.shortIDs(of: .document) : [:]
        Terminal.table(
            ["ID", "TITLE", "STATE", "CODERS (EVENTS)", "SUBMITTED", "DISAGREEMENTS"],
            progress.map { doc in
                [
                    short[doc.id] ?? doc.id.rawValue, doc.title ?? "", doc.state,
                    doc.assigned.map { "\($0) (\(doc.events[$0] ?? 0))" }.joined(separator: ", "),
                    doc.submitted.map { "\($0) \(doc.submittedAt[$0] ?? "")" }.joined(separator: ", "),
                    String(doc.disagreements),
                ]
            })
    }
}
