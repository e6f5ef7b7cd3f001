import ConcordStore
import ConcordCore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Where a server keeps its store snapshots for bootstrapping clients (protocol.md §14), and how often it makes one.
public struct SnapshotSettings: Sendable {
    /// The folder: a work store and the published snapshots with their manifests. One per server process.
    public var directory: String
    /// A new snapshot is made once the log holds this many changes more than the last one (the first once it holds
    /// this many), or a tenth more when that is larger: a first sync then pulls at most about that many changes
    /// after installing it.
    public var every: Int
    /// How often the log is checked for growth; nil only when ``RunningServer/makeSnapshot()`` asks (tests).
    public var interval: Duration?
    /// With several servers on one database (PostgreSQL): how long the lease on making snapshots lasts unless its
    /// holder renews it. A holder that dies is replaced this long after its last renewal.
    public var leaseSeconds: Int64

    public init(directory: String, every: Int = 50_000, interval: Duration? = .seconds(1), leaseSeconds: Int64 = 60) {
        self.directory = directory
        self.every = max(1, every)
        self.interval = interval
        self.leaseSeconds = max(1, leaseSeconds)
    }

    /// The default folder for a SQLite database at `dbPath`: `DB.snapshots` beside it.
    public static func defaultDirectory(forDatabase dbPath: String) -> String { dbPath + ".snapshots" }
}

/// The published snapshots, shared by the maker (which publishes) and the routes (which serve them).
///
/// The newest and the one before are kept, so a client that read the manifest just before a new one was published
/// still gets its file; an older one is removed (a download already under way keeps reading its open file).
public final class SnapshotShelf: Sendable {
    public let directory: String
    private let published = Mutex<[Wire.SnapshotManifest]>([])

    public init(directory: String) {
        self.directory = directory
    }

    /// The newest published snapshot.
    public var newest: Wire.SnapshotManifest? { published.withLock { $0.last } }

    /// The file and manifest of the published snapshot at `seq`, if it is still kept.
    func file(seq: Int64) -> (path: String, manifest: Wire.SnapshotManifest)? {
        published.withLock { list in list.first { $0.seq == seq } }.map { (filePath(seq: $0.seq), $0) }
    }

    func filePath(seq: Int64) -> String { directory + "/snapshot-\(seq).pack" }
    func manifestPath(seq: Int64) -> String { directory + "/snapshot-\(seq).json" }

    /// Makes `manifest` the newest; returns the seqs no longer kept.
    func publish(_ manifest: Wire.SnapshotManifest) -> [Int64] {
        published.withLock { list in
            list.append(manifest)
            let dropped = list.dropLast(2).map(\.seq)
            list = Array(list.suffix(2))
            return dropped
        }
    }
}

/// Keeps the shelf's snapshots up to date with the log: a service of the server application.
///
/// It folds the log into a private client store (`work.sqlite`) with the client's own code (``LocalStore``), page by
/// page as a client's pull would, so a snapshot is exactly what a change-by-change first sync builds. Each time the
/// log has grown by ``SnapshotSettings/every`` changes it catches up and publishes the store's tables packed
/// (``LocalStore/writeSnapshot(to:)``, about a tenth of the store's size), written to a `.partial` file, hashed, and
/// renamed into place with its manifest. The work is done on a thread of
/// its own, not the server's request threads. On start it serves the snapshots it published before, after checking
/// that the log still holds the changes they hold (a database restored from an older backup does not); if not, it
/// starts over.
///
/// Several servers on one PostgreSQL database (``ServerStore/sharedSnapshots``) make each snapshot once: the holder
/// of a lease in the database makes it and stores it there too, and every server (the holder included) copies the
/// newest stored snapshot into its own folder and serves it. A server that starts later copies it on its first
/// check, a second after it starts, without folding the log; if the holder dies, another takes the lease once it
/// runs out and goes on from the newest snapshot, unpacked into its work store, not from the start of the log.
struct SnapshotMaker: Service {
    let store: any ServerStore
    let shelf: SnapshotShelf
    let settings: SnapshotSettings
    let logger: Logger
    /// This process's name in the lease.
    let holder = UUID().uuidString

    var workPath: String { shelf.directory + "/work.sqlite" }

    func run() async throws {
        // Without an interval snapshots are made only when asked (tests), from an empty folder.
        guard let interval = settings.interval else {
            try? await gracefulShutdown()
            return
        }
        do {
            try makeDirectory()
            try await restore()
        } catch {
            logger.error("snapshots are off: \(error)")
            return
        }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await makeIfDue() } catch is CancellationError { return } catch {
                    logger.error("could not make a snapshot (the server goes on without a new one): \(error)")
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    private func makeDirectory() throws {
        try FileManager.default.createDirectory(
            atPath: shelf.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// Publishes the snapshots a previous run left, if the log still agrees with them; else clears the folder.
    private func restore() async throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: shelf.directory)) ?? []
        var manifests: [Wire.SnapshotManifest] = []
        for name in names where name.hasPrefix("snapshot-") && name.hasSuffix(".json") {
            guard let data = FileManager.default.contents(atPath: shelf.directory + "/" + name),
                let manifest = try? JSONDecoder().decode(Wire.SnapshotManifest.self, from: data)
            else { continue }
            manifests.append(manifest)
        }
        manifests.sort { $0.seq < $1.seq }
        let work = FileManager.default.fileExists(atPath: workPath) ? try await LocalStore.opened(at: workPath) : nil
        var workLast: (Int64, String)?
        if let work {
            workLast = try await Self.lastChange(of: work)
            try await work.syncLog.close()
        }
        // The work store's last change must be the log's change at that seq, or the log is another one now.
        if let (seq, id) = workLast {
            let page = try await store.changes(after: seq - 1, limit: 1)
            let same =
                page.changes.first.map {
                    $0.seq == seq && (try? Change.decodeFast(json: Data($0.body)))?.id.rawValue == id
                } ?? false
            if !same {
                logger.warning("the snapshot folder does not match this database; making snapshots anew")
                for name in names { try? FileManager.default.removeItem(atPath: shelf.directory + "/" + name) }
                return
            }
        }
        for manifest in manifests
        where manifest.seq <= (workLast?.0 ?? 0) && manifest.format == LocalStore.storeFormat
            && LocalStore.fileSize(at: shelf.filePath(seq: manifest.seq)) == manifest.bytes
        {
            _ = shelf.publish(manifest)
        }
        removeUnkept()
    }

    /// The seq and id of the work store's newest pulled change.
    private static func lastChange(of store: LocalStore) async throws -> (Int64, String)? {
        guard let last = try await store.syncLog.lastPulledChange(),
            last.seq == (try await store.syncLog.metadata().pullCursor)
        else {
            return nil
        }
        return (last.seq, last.id)
    }

    /// Catches up and publishes when the log has grown by `every` since the newest snapshot; returns the manifest
    /// published, if one was. With shared snapshots, first copies a newer one the database holds, and makes one only
    /// while this process holds the lease.
    @discardableResult
    func makeIfDue() async throws -> Wire.SnapshotManifest? {
        try makeDirectory()
        guard let shared = store.sharedSnapshots else { return try await make(renewing: nil) }
        let adopted = try await adopt(from: shared)
        guard try await shared.claimSnapshotLease(holder: holder, seconds: settings.leaseSeconds) else {
            return adopted
        }
        guard let made = try await make(renewing: shared) else { return adopted }
        try await shared.publishSharedSnapshot(made, from: shelf.filePath(seq: made.seq))
        return made
    }

    /// Copies the newest shared snapshot into the folder and serves it, if it is newer than the shelf's and of this
    /// build's store format; returns its manifest then.
    private func adopt(from shared: any SharedSnapshots) async throws -> Wire.SnapshotManifest? {
        guard let manifest = try await shared.newestSharedSnapshot(), manifest.seq > (shelf.newest?.seq ?? 0),
            manifest.format == LocalStore.storeFormat
        else { return nil }
        let partial = shelf.directory + "/snapshot-\(manifest.seq).partial"
        unlinkIfPresent(partial)
        guard try await shared.copySharedSnapshot(seq: manifest.seq, to: partial) else {
            unlinkIfPresent(partial)
            return nil
        }
        let (bytes, sha256) = try LocalStore.digest(ofFile: partial)
        guard bytes == manifest.bytes, sha256 == manifest.sha256 else {
            // Replaced while it was copied: the next check copies the newer one.
            unlinkIfPresent(partial)
            return nil
        }
        try publish(manifest, partial: partial)
        logger.info("snapshot copied from the database", metadata: ["concord.seq": "\(manifest.seq)"])
        return manifest
    }

    /// Folds the log into the work store and publishes a snapshot if the log grew enough. With `shared`, renews the
    /// lease as it goes, and stops (nil) if the lease was lost.
    private func make(renewing shared: (any SharedSnapshots)?) async throws -> Wire.SnapshotManifest? {
        let base = shelf.newest?.seq ?? 0
        // Each snapshot copies the whole store, so a large log waits for a tenth more before the next: copying
        // costs at most ~10 bytes of snapshot per new byte of log, and a first sync pulls at most that tenth.
        let growth = max(Int64(settings.every), base / 10)
        let probe = try await store.changes(after: base + growth - 1, limit: 1)
        guard !probe.changes.isEmpty else { return nil }
        let work = try await offload { [workPath, shelf] in
            if FileManager.default.fileExists(atPath: workPath) { return try LocalStore.open(at: workPath) }
            // A server that took the lease over goes on from the newest snapshot, not from the start of the log.
            if let newest = shelf.newest {
                try LocalStore.unpackSnapshot(shelf.filePath(seq: newest.seq), to: workPath)
                return try LocalStore.open(at: workPath)
            }
            return try LocalStore.create(
                at: workPath, analyst: try AnalystName("snapshot"), server: nil, token: nil)
        }
        defer { try? work.close() }
        var cursor = try await work.syncLog.metadata().pullCursor
        var renewed = ContinuousClock.now
        while true {
            if let shared, ContinuousClock.now - renewed > .seconds(settings.leaseSeconds) / 3 {
                guard try await shared.claimSnapshotLease(holder: holder, seconds: settings.leaseSeconds) else {
                    return nil
                }
                renewed = .now
            }
            let page = try await store.changes(after: cursor, limit: SyncAPI.maxPageSize)
            guard let last = page.changes.last else { break }
            let changes = try page.changes.map { stored in
                Wire.SequencedChange(seq: stored.seq, change: try Change.decodeFast(json: Data(stored.body)))
            }
            _ = try await work.syncLog.applyPulled(changes, cursor: last.seq)
            cursor = last.seq
            try Task.checkCancellation()
            if !page.more { break }
        }
        let started = ContinuousClock.now
        let partial = shelf.directory + "/snapshot-\(cursor).partial"
        unlinkIfPresent(partial)
        let manifest = try await offload { try work.writeSnapshot(to: partial) }
        try publish(manifest, partial: partial)
        logger.info(
            "snapshot published",
            metadata: [
                "concord.seq": "\(manifest.seq)", "concord.bytes": "\(manifest.bytes)",
                "concord.seconds": "\((ContinuousClock.now - started).components.seconds)",
            ])
        return manifest
    }

    /// Renames the checked file `partial` into place with its manifest, makes it the shelf's newest and removes the
    /// snapshots the shelf no longer keeps.
    private func publish(_ manifest: Wire.SnapshotManifest, partial: String) throws {
        try writeAtomically(
            JSONEncoder().encode(manifest), to: shelf.manifestPath(seq: manifest.seq), partial: partial + ".json")
        guard rename(partial, shelf.filePath(seq: manifest.seq)) == 0 else {
            throw ServerStoreError(path: partial, message: "cannot rename: \(String(cString: strerror(errno)))")
        }
        for seq in shelf.publish(manifest) {
            unlinkIfPresent(shelf.filePath(seq: seq))
            unlinkIfPresent(shelf.manifestPath(seq: seq))
        }
    }

    /// Removes snapshot files the shelf does not keep (left by a crash or an older run).
    private func removeUnkept() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: shelf.directory)) ?? []
        for name in names where name.hasPrefix("snapshot-") {
            let seq = Int64(name.dropFirst("snapshot-".count).prefix { $0.isNumber }) ?? -1
            if shelf.file(seq: seq) == nil {
                unlinkIfPresent(shelf.directory + "/" + name)
            }
        }
    }

    private func writeAtomically(_ data: Data, to path: String, partial: String) throws {
        try data.write(to: URL(fileURLWithPath: partial))
        guard rename(partial, path) == 0 else {
            throw ServerStoreError(path: path, message: "cannot rename: \(String(cString: strerror(errno)))")
        }
    }

    private func unlinkIfPresent(_ path: String) { _ = unlink(path) }
}
