import ConcordCore
import Foundation
import Hummingbird

/// Blind double coding on the routes (protocol.md §15): what a blind analyst is not sent, and how what was withheld
/// reaches them once a document opens.
extension SyncAPI {
    /// A page of the log as `visibility` lets its analyst see it.
    struct VisiblePage {
        var page: ChangePage
        /// The last `seq` scanned: the cursor to ask for next, past withheld changes too.
        var next: Int64
        /// The blind documents whose changes the page left out, sorted.
        var withheld: [EntityID]
        /// The id of the change at ``next`` when the page does not end with it, if known.
        var nextID: String? = nil
    }

    /// Rows a filtered page scans at most before it answers (with `more`), so a request over a long run of withheld
    /// changes stays short.
    static let maxScannedRows = 100_000

    /// Up to `limit` changes after `after` that `visibility` lets through; with `only`, just the changes it would
    /// withhold (a backfill), up to `through`.
    func visiblePage(
        after: Int64, limit: Int, visibility: Visibility, backfill only: Visibility? = nil, through: Int64 = .max
    ) async throws -> VisiblePage {
        if visibility.seesAll && only == nil {
            let page = try await store.changes(after: after, limit: limit)
            return VisiblePage(page: page, next: page.changes.last?.seq ?? after, withheld: [])
        }
        var kept: [StoredChange] = []
        var withheld = Set<EntityID>()
        var cursor = after
        var cursorID: String?
        var scanned = 0
        var bytes = 0
        var more = false
        scan: while true {
            let chunk = try await store.changes(after: cursor, limit: min(Self.maxPageSize, max(limit, 1_000)))
            for stored in chunk.changes {
                if stored.seq > through { break scan }
                let change = try Change.decodeFast(json: Data(stored.body))
                let hidden = visibility.withheldDocuments(of: change)
                if hidden.isEmpty && (only?.withholds(change) ?? true) {
                    // The paging rule of ``ChangePage/collect(limit:maxBytes:_:)``, which cannot be used here: it
                    // reads one change past a full page, and the cursor must not pass it.
                    if kept.count == limit || (!kept.isEmpty && bytes + stored.body.count > Limits.pageBytes) {
                        more = true
                        break scan
                    }
                    kept.append(stored)
                    bytes += stored.body.count
                }
                withheld.formUnion(hidden)
                cursor = stored.seq
                cursorID = change.id.rawValue
                scanned += 1
                if scanned >= Self.maxScannedRows {
                    more = true
                    break scan
                }
            }
            if !chunk.more { break }
        }
        if cursor >= through { more = false }
        return VisiblePage(
            page: ChangePage(changes: kept, more: more), next: cursor, withheld: only == nil ? withheld.sorted() : [],
            nextID: cursorID)
    }

    /// `GET /v1/changes?doc=D&after=A&through=T`: the changes of document D's events (and changes naming them) in
    /// `(A, T]` that were withheld from the analyst while D was blind for them; 409 while D is still blind.
    func backfill(
        _ analyst: AnalystRecord, document text: String, after: Int64, limit: Int, through throughText: String?
    ) async throws -> VisiblePage {
        guard let document = try? EntityID(text), document.kind == .document else {
            throw APIError.badRequest("doc=\(text) is not a document id: expected document/<16 hex>")
        }
        var through = Int64.max
        if let value = throughText {
            guard let number = Int64(value), number >= 0 else {
                throw APIError.badRequest("through=\(value) is not a cursor: expected a non-negative integer")
            }
            // (after, through] holds nothing when through ≤ after: an empty page, not an error.
            through = number
        }
        let visibility = try await store.visibility(for: analyst)
        if visibility.blindDocuments.contains(document) {
            throw APIError(
                .conflict, "\(document) is still blind for \(analyst.name): its coding is sent once it opens",
                detail: .text("submit your coding with `concord submit`, or wait for the other coders or a release"))
        }
        let homes = try await store.eventHomes(in: [document])
        let opened = Visibility(
            analyst: analyst.name, blindDocuments: [document], withheldEvents: homes.mapValues(\.document))
        return try await visiblePage(
            after: after, limit: limit, visibility: visibility, backfill: opened, through: through)
    }

    /// Every change `visibility` lets through, folded: what a blind analyst's conflicts, events and report are
    /// built from (a pass over the log; an analyst who sees everything reads the store's merged view instead).
    func visibleFold(_ visibility: Visibility) async throws -> ReportBuilder {
        Self.fold(try await store.allChanges(), visibleTo: visibility)
    }

    /// `changes` folded without those `visibility` withholds.
    static func fold(_ changes: [Change], visibleTo visibility: Visibility) -> ReportBuilder {
        var builder = ReportBuilder()
        builder.add(contentsOf: changes.lazy.filter { !visibility.withholds($0) })
        return builder
    }

    /// Refuses a snapshot that holds an event of a document blind for the analyst: they pull change by change.
    func checkSnapshot(seq: Int64, for analyst: AnalystRecord) async throws {
        let (_, homes) = try await store.blindHomes(for: analyst)
        if homes.values.contains(where: { $0.seq <= seq }) {
            throw APIError(
                .notFound, "no snapshot \(analyst.name) may install: it holds coding of documents blind for them",
                detail: .text("a first sync pulls change by change, leaving out what is blind for you"))
        }
    }

    /// Refuses a push's coding-field changes that name no analyst of this server, or submit a document the server
    /// does not hold or that is not assigned to the analyst (protocol.md §15): 422, nothing stored.
    func checkCodingChanges(_ changes: [Change], by analyst: AnalystRecord) async throws {
        let coding = changes.enumerated().filter {
            $0.element.entity.kind == .document && $0.element.op == .add
                && ($0.element.field == Blinding.assignedField || $0.element.field == Blinding.submittedField)
        }
        guard !coding.isEmpty else { return }
        let names = Set(try await store.analysts().filter { $0.revoked == nil }.map(\.name.rawValue))
        let batchDocuments = Set(changes.filter { $0.field == "text" }.map(\.entity))
        var refused: [Wire.RefusedChange] = []
        for (index, change) in coding {
            let name = change.value.string ?? ""
            var problem: String?
            if !names.contains(name) {
                problem = "no analyst named \(name) on this server: add them with `concord-server analyst add` first"
            } else if change.field == Blinding.submittedField {
                let held = try await store.snapshot(of: change.entity)
                if held?.fields["text"] == nil && !batchDocuments.contains(change.entity) {
                    problem = "\(change.entity) is not on the server: import and sync the document before submitting"
                } else if analyst.role == .analyst,
                    let held, !Blinding.Document(held).assigned.contains(analyst.name),
                    !changes.contains(where: {
                        $0.entity == change.entity && $0.field == Blinding.assignedField && $0.value == change.value
                    })
                {
                    problem = "\(change.entity) is not assigned to \(analyst.name): only its assigned coders submit it"
                }
            }
            if let problem { refused.append(Wire.RefusedChange(index: index, id: change.id.rawValue, error: problem)) }
        }
        guard !refused.isEmpty else { return }
        throw APIError(.unprocessableContent, refused[0].error, detail: .refused(refused))
    }
}
