import ArgumentParser
import ConcordStore
import ConcordSync
import ConcordCore
import Foundation

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the local store, or point an existing one at a (new) server.",
        discussion: """
            Run again on an existing store of the same analyst to set or change --server and --token, \
            like `git init` on an existing repository; the change log is never touched.
            """)

    @OptionGroup var options: StoreOptions
    @Option(help: "Your analyst name (a-z, 0-9, '.', '_', '-').") var analyst: String
    @Option(help: "The sync server URL, e.g. http://127.0.0.1:8080.") var server: String?
    @Option(help: "Your token, from `concord-server analyst add`.") var token: String?
    @Option(
        help: ArgumentHelp(
            "Check an https server against the CAs in this PEM file instead of the system's trust store.",
            discussion: "For a server whose certificate your team's own CA (or the server itself) signed."))
    var caFile: String?

    func validate() throws {
        if let server, URL(string: server)?.scheme.map({ ["http", "https"].contains($0) }) != true {
            throw ValidationError("--server must be an http:// or https:// URL, e.g. http://127.0.0.1:8080")
        }
        if caFile != nil, let server, !server.lowercased().hasPrefix("https://") {
            throw ValidationError("--ca-file checks an https server; \(server) is plain http")
        }
    }

    /// The CA file as an absolute path (sync may run from another folder), read once now so a wrong file is
    /// refused here rather than at the first sync.
    private func trustedCAFile() throws -> String? {
        guard let caFile else { return nil }
        let path = URL(fileURLWithPath: caFile).standardizedFileURL.path
        // A bad file is the user's to fix (exit 1), not a network failure; and only a regular file is read (a FIFO
        // would block the read forever).
        let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType
        guard type == .typeRegular else {
            throw StoreError.invalid(
                "--ca-file \(caFile) is " + (type == nil ? "not there" : "not a regular file")
                    + "; pass the PEM file of your server's certificate authority")
        }
        do {
            _ = try HTTPTransport.client(trusting: path)
        } catch {
            throw StoreError.invalid(error.description)
        }
        return path
    }

    func run() throws {
        let name: AnalystName
        do { name = try AnalystName(analyst) } catch { throw StoreError.invalid(error.description) }
        if FileManager.default.fileExists(atPath: options.path) {
            let store = try LocalStore.open(at: options.path)
            let meta = try store.metadata()
            guard meta.analyst == name else {
                throw StoreError.invalid(
                    "\(options.path) is \(meta.analyst)'s store, not \(name)'s; use --store for a new one")
            }
            guard server != nil || token != nil || caFile != nil else {
                throw StoreError.alreadyExists(path: options.path)
            }
            let ca = try trustedCAFile()
            try store.setServer(url: server ?? meta.server, token: token ?? meta.token)
            if let ca { try store.setCAFile(ca) }
            Terminal.message("updated \(store.path): server \(server ?? meta.server ?? "none")")
            return
        }
        let ca = try trustedCAFile()
        let store = try LocalStore.create(at: options.path, analyst: name, server: server, token: token)
        if let ca { try store.setCAFile(ca) }
        let meta = try store.metadata()
        Terminal.message("created \(store.path) for \(name) (replica \(meta.replica))")
    }
}
