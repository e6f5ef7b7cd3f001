import ConcordCore
import ConcordStore
import Foundation
import Hummingbird
import Logging

/// The routes of the sync protocol (protocol.md §5) over a ``ServerStore``.
///
/// To add a route (e.g. `/v1/report`): register it in ``register(on:)``, list it in ``APIRoute/all`` and
/// document it in ``OpenAPIDocument``; the OpenAPI test then asks for a scenario for each of its statuses.
public struct SyncAPI: Sendable {
    public let store: any ServerStore
    /// The server's clock, Unix ms: bounds change clocks and stamps receipt.
    public let now: @Sendable () -> Int64
    /// Each token's request budget; nil for none.
    let limiter: RateLimiter?
    /// What `GET /metrics` shows.
    let metrics: ServerMetrics
    /// Wakes long polls when a change is committed.
    let signal: ChangeSignal
    /// The longest this server holds a long poll, in seconds (≤ ``maxWait``).
    let waitLimit: Int
    /// Long polls one analyst's token may hold at once; past it a pull is answered at once (the rate limit then
    /// bounds a client that asks again and again). A watcher holds one; a stolen token cannot pin thousands of
    /// connections this way.
    let pollsPerAnalyst: Int
    /// The snapshots `GET /v1/snapshot` offers; nil when this server makes none.
    let snapshots: SnapshotShelf?
    /// One report at a time, off the request threads.
    let reports = ReportGate()

    public init(
        store: any ServerStore, now: @escaping @Sendable () -> Int64, rateLimit: RateLimit? = nil,
        metrics: ServerMetrics = ServerMetrics(), waitLimit: Int = SyncAPI.maxWait, pollsPerAnalyst: Int = 32,
        snapshots: SnapshotShelf? = nil
    ) {
        self.snapshots = snapshots
        self.waitLimit = max(0, min(waitLimit, Self.maxWait))
        self.pollsPerAnalyst = pollsPerAnalyst
        self.store = store
        self.now = now
        self.limiter = rateLimit.map(RateLimiter.init)
        self.metrics = metrics
        // Other server processes write a PostgreSQL database too: their pushes are seen by polling it.
        var poll: (@Sendable () async throws -> Int64)?
        if let shared = store.sharedLog { poll = { try await shared.lastSeq() } }
        self.signal = ChangeSignal(poll: poll)
    }

    /// The longest `wait=` of a long poll, in seconds: below the client's 60 s read timeout and common proxies'.
    /// A server may hold polls for less (`serve --max-wait`); `wait` up to this is still valid there.
    public static let maxWait = 50

    /// How long `GET /v1/health` waits for the database before answering 503: a load balancer's probe must get an
    /// answer well inside its own timeout.
    public static let readinessTimeout: Duration = .seconds(2)

    /// Default and largest page of `GET /v1/changes`.
    public static let defaultPageSize = 1_000
    public static let maxPageSize = 20_000

    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.post("/v1/changes") { request, context in try await push(request, context: context) }
        router.get("/v1/changes") { request, _ in try await pull(request) }
        router.get("/v1/me") { request, _ in
            let analyst = try await authenticate(request)
            return try JSONResponse.make(Wire.Me(name: analyst.name, role: analyst.role), for: request)
        }
        router.get("/v1/analysts") { request, _ in
            _ = try await authenticate(request)
            let analysts = try await store.analysts().filter { $0.revoked == nil }
            return try JSONResponse.make(analysts.map { Wire.Me(name: $0.name, role: $0.role) }, for: request)
        }
        router.get("/v1/conflicts") { request, _ in
            let analyst = try await authenticate(request)
            let visibility = try await store.visibility(for: analyst)
            let conflicted: [EntitySnapshot]
            let events: [EntitySnapshot]
            var titles: [EntityID: String] = [:]
            if visibility.seesAll {
                conflicted = try await store.conflictedSnapshots()
                events = try await store.allSnapshots().filter { $0.id.kind == .event }
                for snapshot in conflicted {
                    if let doc = snapshot.fields["doc"]?.value.string.flatMap({ try? EntityID($0) }), titles[doc] == nil
                    {
                        titles[doc] = try await store.snapshot(of: doc)?.fields["title"]?.value.string
                    }
                }
            } else {
                // A blind analyst's conflicts are those of what they may see (protocol.md §15).
                let fold = try await visibleFold(visibility)
                let all = fold.entities.keys.sorted().map { fold.entities[$0]!.snapshot }
                conflicted = all.filter { $0.conflictCount > 0 }
                events = all.filter { $0.id.kind == .event }
                for snapshot in all where snapshot.id.kind == .document {
                    titles[snapshot.id] = snapshot.fields["title"]?.value.string
                }
            }
            var conflicts: [ConflictView] = []
            for snapshot in conflicted { conflicts += ConflictView.list(snapshot) { titles[$0] } }
            return try JSONResponse.make(
                ConflictEntry.list(conflicts, ClusterDisagreement.list(events)), for: request)
        }
        router.get("/v1/report") { request, _ in
            let analyst = try await authenticate(request)
            let format = request.uri.queryParameters.get("format") ?? "json"
            guard let kind = ReportFormat(rawValue: format) else {
                throw APIError.badRequest(
                    "unknown report format \"\(format)\": use format=json, format=md or format=html")
            }
            let generatedAt = Date(timeIntervalSince1970: Double(now()) / 1000)
            let visibility = try await store.visibility(for: analyst)
            let store = store
            let built = try await reports.run { () async throws -> Data in
                // Built and rendered one at a time, the CPU-bound parts on a thread of their own.
                if visibility.seesAll {
                    let inputs = try await store.reportInputs()
                    return try await offload(background: true) {
                        kind.render(ConflictReport.build(inputs: inputs, generatedAt: generatedAt))
                    }
                }
                let changes = try await store.allChanges()
                return try await offload(background: true) {
                    kind.render(Self.fold(changes, visibleTo: visibility).finish(generatedAt: generatedAt))
                }
            }
            return try JSONResponse.make(bytes: ByteBuffer(data: built), contentType: kind.contentType, for: request)
        }
        router.get("/v1/events/:id") { request, context in
            let analyst = try await authenticate(request)
            let text = context.parameters.get("id") ?? ""
            let entity: EntityID
            do {
                entity = text.hasPrefix("event/") ? try EntityID(text) : .event(try ChangeID(text))
            } catch {
                throw APIError.badRequest(
                    "\"\(text)\" is not an event id: expected the event's full UUIDv7, e.g. "
                        + "0193f6c2-6e00-7000-8000-1a2b3c4d5e6f", detail: "\(error)")
            }
            let visibility = try await store.visibility(for: analyst)
            var snapshot = try await store.snapshot(of: entity)
            if !visibility.seesAll, let merged = snapshot {
                // A blind analyst (protocol.md §15): an event of a blind document with nothing of theirs answers as
                // an unknown one does, at once; one with their own coding, or naming a withheld event in a link, is
                // built from the changes they may see (a pass over the log).
                let own =
                    merged.fields.values.contains { $0.candidates.contains { $0.author == analyst.name } }
                    || merged.notes.contains { $0.author == analyst.name }
                    || merged.sets.keys.contains { merged.setVotes($0)[analyst.name] != nil }
                let names = Blinding.linkFields.contains { field in
                    (merged.sets[field] ?? []).contains {
                        (try? EntityID($0)).map { visibility.withheldEvents[$0] != nil } ?? false
                    }
                }
                if visibility.withheldEvents[entity] != nil && !own {
                    snapshot = nil
                } else if visibility.withheldEvents[entity] != nil || names {
                    snapshot = try await visibleFold(visibility).entities[entity]?.snapshot
                }
            }
            guard entity.kind == .event, let snapshot else {
                throw APIError(
                    .notFound, "no event \(text) on this server",
                    detail: .text("push it first, or check the id with `concord events`"))
            }
            return try JSONResponse.make(EventView(snapshot), for: request)
        }
        router.get("/v1/snapshot") { request, _ in try await snapshotManifest(request) }
        router.get("/v1/snapshot/:seq") { request, context in try await snapshotFile(request, context: context) }
        router.get("/v1/health") { request, _ in try await health(request) }
        // A load balancer's probe may ask with HEAD: the same answer without the body.
        router.head("/v1/health") { request, _ in
            let response = try await health(request)
            return Response(status: response.status, headers: response.headers)
        }
        router.get("/metrics") { request, _ in
            let count = try? await firstAnswer(within: Self.readinessTimeout) { try await store.changeCount() }
            return try JSONResponse.make(
                bytes: ByteBuffer(bytes: metrics.exposition(storedChanges: count, longPolls: signal.waiting)),
                contentType: "text/plain; version=0.0.4; charset=utf-8", for: request)
        }
        router.get("/openapi.yaml") { request, _ in
            try JSONResponse.make(
                bytes: ByteBuffer(string: OpenAPIDocument.yaml), contentType: "application/yaml", for: request)
        }
    }

    /// Liveness and readiness: 200 with the change count when the database answers a read within
    /// ``readinessTimeout``, else 503 with why, so a load balancer stops sending syncs to a server that cannot serve
    /// them.
    func health(_ request: Request) async throws -> Response {
        let count: Int64
        do {
            count = try await firstAnswer(within: Self.readinessTimeout) { try await store.changeCount() }
        } catch {
            metrics.databaseErrors.increment()
            throw APIError(
                .serviceUnavailable, "not ready: the database did not answer: \(error)",
                detail: .text("the server reconnects by itself when the database is back; retry later"),
                headers: [.retryAfter: "5"])
        }
        return try JSONResponse.make(Wire.Health(status: "ok", changes: count), for: request)
    }

    /// The analyst the request's bearer token belongs to; 401 when it is missing, unknown or revoked.
    func authenticate(_ request: Request) async throws -> AnalystRecord {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("missing Authorization header")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorized("Authorization header must be `Bearer <token>`")
        }
        let hash = AccessToken.hash(String(parts[1]).trimmingCharacters(in: .whitespaces))
        var match: AnalystRecord?
        for analyst in try await store.analysts() where AccessToken.constantTimeEqual(analyst.tokenHash, hash) {
            match = analyst
        }
        guard let match else {
            throw APIError.unauthorized(
                "unknown token: no analyst of the database this server serves has it (a token works only with the "
                    + "database `concord-server analyst add --db PATH` wrote it to)")
        }
        if match.revoked != nil { throw APIError.unauthorized("the token of \(match.name) was revoked") }
        if let limiter, let wait = limiter.admit(match.name.rawValue) {
            throw APIError(
                .tooManyRequests,
                "\(match.name) made more than \(Int(limiter.limit.burst)) requests in a burst (limit: "
                    + "\(limiter.limit.perSecond.formatted()) a second); retry after \(wait) s",
                detail: .text("concord sync waits and retries by itself; a script should honour Retry-After"),
                headers: [.retryAfter: "\(wait)"])
        }
        return match
    }

    func push<Context: RequestContext>(_ request: Request, context: Context) async throws -> Response {
        let analyst = try await authenticate(request)
        let body = try await BodyReader.read(request)
        let batch: Wire.PushRequest
        do {
            batch = try Wire.PushRequest.decode(json: Data(body.readableBytesView))
        } catch {
            if let problem = JSONTextCheck.problem(in: body.readableBytesView) {
                throw APIError.badRequest("malformed push body: \(problem)")
            }
            let decoding = ChangeDecodingError(error)
            throw APIError.badRequest(
                "malformed push body: \(decoding); expected {\"replica\": ..., \"changes\": [...]}",
                detail: decoding.description)
        }
        guard batch.changes.count <= Limits.batchChanges else {
            throw APIError(
                .contentTooLarge,
                "batch of \(batch.changes.count) changes is over the limit of \(Limits.batchChanges); "
                    + "push in smaller batches")
        }
        let superseded = batch.changes.reduce(0) { $0 + $1.supersedes.count }
        guard superseded <= Limits.pushSupersedes else {
            throw APIError(
                .contentTooLarge,
                "batch lists \(superseded) superseded ids, over the limit of \(Limits.pushSupersedes) per push; "
                    + "push in smaller batches")
        }
        try await checkCodingChanges(batch.changes, by: analyst)
        // What the analyst may not see matters only to a change that lists others (protocol.md §15).
        let visibility =
            batch.changes.contains { !$0.supersedes.isEmpty } ? try await store.visibility(for: analyst) : nil
        switch try await store.push(
            batch.changes, replica: batch.replica, by: analyst, now: now(), visibility: visibility)
        {
        case .stored(var response):
            if response.accepted > 0 { signal.advance(to: response.cursor) }
            // Seqs are never reassigned (short of a rewound log), so the id at the cursor is read after the commit.
            if response.cursor > 0 { response.cursorID = try await store.changeID(at: response.cursor) }
            metrics.pushesStored.increment()
            metrics.changesAccepted.increment(by: Int64(response.accepted))
            metrics.changesDuplicate.increment(by: Int64(response.duplicates))
            context.logger.info(
                "push stored",
                metadata: [
                    "concord.analyst": "\(analyst.name)", "concord.accepted": "\(response.accepted)",
                    "concord.duplicates": "\(response.duplicates)", "concord.cursor": "\(response.cursor)",
                ])
            return try JSONResponse.make(response, for: request)
        case .refused(let refusal):
            metrics.pushesRefused.increment()
            metrics.changesRefused.increment(by: Int64(batch.changes.count))
            context.logger.notice(
                "push refused",
                metadata: [
                    "concord.analyst": "\(analyst.name)", "concord.reason": "\(refusal.reason.rawValue)",
                    "concord.refused": "\(refusal.refused.count)",
                ])
            throw APIError(
                refusal.reason == .forbidden ? .forbidden : .unprocessableContent, refusal.message,
                detail: .refused(refusal.refused))
        }
    }

    func pull(_ request: Request) async throws -> Response {
        let record = try await authenticate(request)
        let analyst = record.name.rawValue
        let query = request.uri.queryParameters
        var after: Int64 = 0
        if let text = query.get("after") {
            guard let value = Int64(text), value >= 0 else {
                throw APIError.badRequest("after=\(text) is not a cursor: expected a non-negative integer (0 to start)")
            }
            after = value
        }
        var limit = Self.defaultPageSize
        if let text = query.get("limit") {
            guard let value = Int(text), (1...Self.maxPageSize).contains(value) else {
                throw APIError.badRequest("limit=\(text) is out of range: expected 1 to \(Self.maxPageSize)")
            }
            limit = value
        }
        var wait = 0
        if let text = query.get("wait") {
            guard let value = Int(text), (0...Self.maxWait).contains(value) else {
                throw APIError.badRequest("wait=\(text) is out of range: expected 0 to \(Self.maxWait) seconds")
            }
            wait = min(value, waitLimit)
        }
        // `through` means something only with `doc`, but one that is not a cursor is refused either way.
        if let value = query.get("through"), Int64(value).map({ $0 < 0 }) ?? true {
            throw APIError.badRequest("through=\(value) is not a cursor: expected a non-negative integer")
        }
        if let known = query.get("known") { try await checkNotRewound(known) }
        if let document = query.get("doc") {
            let page = try await backfill(
                record, document: document, after: after, limit: limit, through: query.get("through"))
            return try respond(page, request: request)
        }
        var page = try await visiblePage(
            after: after, limit: limit, visibility: try await store.visibility(for: record))
        if page.page.changes.isEmpty && !page.page.more && wait > 0
            && signal.takePoll(of: analyst, limit: pollsPerAnalyst)
        {
            // Long poll (protocol.md §14): hold the request until a change after the cursor that this analyst may
            // see is committed, or the wait ends. A change withheld from them (§15) neither answers nor wakes it.
            defer { signal.releasePoll(of: analyst) }
            let deadline = ContinuousClock.now + .seconds(wait)
            var seen = page.next
            while ContinuousClock.now < deadline {
                await signal.wait(after: seen, timeout: deadline - ContinuousClock.now)
                // The token may have been revoked while the poll was held: a revoked token is answered nothing more.
                if try await store.analysts().first(where: { $0.name.rawValue == analyst })?.revoked != nil {
                    throw APIError.unauthorized("the token of \(analyst) was revoked")
                }
                page = try await visiblePage(
                    after: after, limit: limit, visibility: try await store.visibility(for: record))
                if !page.page.changes.isEmpty || page.page.more || page.next == seen { break }
                seen = page.next
            }
        }
        return try respond(page, request: request)
    }

    /// `known=SEQ:ID` (protocol.md §5): the latest point of the log the client has seen (from a pull or a push).
    /// 409 when this server holds another change at SEQ, or none: its log was rewound (a restored backup), and the
    /// client repairs (pushes its own changes again, pulls from the start).
    func checkNotRewound(_ known: String) async throws {
        let parts = known.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let seq = Int64(parts[0]), seq >= 0, let id = try? ChangeID(String(parts[1])) else {
            throw APIError.badRequest("known=\(known) is not SEQ:ID (a seq and the id of the change at it)")
        }
        guard seq > 0 else { return }
        let held = try await store.changeID(at: seq)
        if held != id.rawValue {
            throw APIError(
                .conflict,
                "the server's log was rewound: it holds "
                    + (held.map { "another change (\($0))" } ?? "no change") + " at seq \(seq), where you saw "
                    + "\(id) (was it restored from an older backup?)",
                detail: .text(Wire.rewoundDetail))
        }
    }

    /// The pull answer: stored bodies with their `seq` spliced in, `more`, `next` and the withheld documents.
    private func respond(_ visible: VisiblePage, request: Request) throws -> Response {
        let page = visible.page
        metrics.pullPages.increment()
        metrics.pullChanges.increment(by: Int64(page.changes.count))
        // Splice "seq" into each stored canonical body instead of decoding and re-encoding it.
        var out = ByteBuffer()
        out.reserveCapacity(page.changes.reduce(64) { $0 + $1.body.count + 24 })
        out.writeString("{\"changes\":[")
        for (i, change) in page.changes.enumerated() {
            if i > 0 { out.writeString(",") }
            out.writeBytes(change.body.dropLast())
            out.writeString(",\"seq\":\(change.seq)}")
        }
        out.writeString("],\"more\":\(page.more),\"next\":\(visible.next)")
        if let id = visible.nextID, page.changes.last?.seq != visible.next {
            out.writeString(",\"at\":\"\(id)\"")
        }
        if !visible.withheld.isEmpty {
            out.writeString(
                ",\"withheld\":[" + visible.withheld.map { "\"\($0.rawValue)\"" }.joined(separator: ",") + "]")
        }
        out.writeString("}")
        return try JSONResponse.make(bytes: out, for: request)
    }
}
