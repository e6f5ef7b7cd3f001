import ArgumentParser
import ConcordStore

/// `concord`: an analyst's offline-first annotation tool.
struct Concord: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "concord",
        abstract: "Annotate news events offline; sync and reconcile later.",
        discussion: """
            The store is one SQLite file: --store PATH, else $CONCORD_STORE, else ~/.concord/store.sqlite.
            Messages go to stderr, data to stdout. Exit codes: 0 ok, 1 user error (nothing written),
            2 usage error, 3 sync or network error.
            """,
        subcommands: [
            Init.self, Import.self, Docs.self, DocCommand.self, EventCommand.self, Events.self, Show.self, Status.self,
            Sync.self, Conflicts.self, Resolve.self, Undo.self, Link.self, Unlink.self, Dismiss.self, Undismiss.self,
            Match.self, Agreement.self,
            Report.self, Assign.self, Unassign.self, Submit.self, Reopen.self, Release.self, Queue.self, Progress.self,
            Export.self, Rebuild.self,
            Demo.self,
        ]
    )
}
