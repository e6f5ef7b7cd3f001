import ConcordCore
import ConcordSQLite
import ConcordStore
import Foundation
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#else
    import Darwin
#endif

/// A first sync from the server's snapshot instead of change by change (protocol.md §14): a store that has pulled
/// nothing yet downloads the server's newest snapshot, checks it, and installs it with its own changes carried
/// across; the sync that follows pushes those and pulls what came after the snapshot.
///
/// Files next to the store `S`: `S.bootstrap` is the download so far (the packed snapshot) and `S.bootstrap.json`
/// the manifest it belongs to, so a download cut short (network, Ctrl-C, kill -9) resumes where it stopped with a
/// `Range` request; `S.bootstrap-ready` is the store file unpacked from a checked download, being installed, never
/// resumed (an unpack or install cut short may have written into it), and removed by the next run, which unpacks
/// the kept download again. The store itself is only ever replaced whole, by a rename
/// (``LocalStore/installSnapshot(_:manifest:into:beforeRename:)``).
///
/// Anything that makes a snapshot unfit (the server has none, another store format, a damaged download, another
/// process using the store) is not an error: ``run()`` says why it skipped, and the sync pulls change by change.
public struct StoreBootstrap: Sendable {
    /// What ``run()`` did.
    public enum Outcome: Equatable, Sendable {
        /// The snapshot is the store now; `carried` of the store's own changes were kept.
        case installed(Wire.SnapshotManifest, carried: Int)
        /// Nothing changed, for this reason; the sync pulls change by change.
        case skipped(SkipReason)
    }

    /// Why a bootstrap left the store as it was. Callers tell the cases apart (a server without snapshots is not
    /// worth a line; the rest are); ``description`` is the sentence for the analyst.
    public enum SkipReason: Equatable, Sendable, CustomStringConvertible {
        /// The store has pulled before: a bootstrap is only for a first sync.
        case syncedBefore
        /// The server makes no snapshots (or has none yet).
        case noSnapshot
        /// The snapshot was made by a concord whose store format differs from this one's.
        case otherFormat
        /// The manifest the server sent describes no usable file.
        case invalidManifest
        /// The server replaced its snapshot while it was being downloaded.
        case replacedDuringDownload
        /// The download is not the file the manifest describes (size, SHA-256, store format, contents).
        case damaged(SnapshotError)
        /// Another connection has the store open; the install needs it alone.
        case storeInUse

        public var description: String {
            switch self {
            case .syncedBefore: "the store has synced before"
            case .noSnapshot: "the server offers no snapshot"
            case .otherFormat: "the server's snapshot is in another store format (another concord version made it)"
            case .invalidManifest: "the server's snapshot manifest is not valid"
            case .replacedDuringDownload: "the server replaced its snapshot during the download"
            case .damaged(let error): error.description
            case .storeInUse:
                "another concord process has the store open (a `sync --watch`?); a bootstrap needs it alone"
            }
        }
    }

    public let path: String
    private let transport: any SyncTransport
    private let attempts: Int
    private let backoff: Duration
    private let progress: @Sendable (SyncProgress) -> Void
    private let beforeRename: @Sendable () throws -> Void

    /// - Parameters:
    ///   - attempts: downloads tried (each resuming the last) before a transient failure stops the sync.
    ///   - beforeRename: called once the new file is ready, before it replaces the store (tests use it to make
    ///     another process open the store in that instant).
    public init(
        path: String, transport: any SyncTransport, attempts: Int = 4, backoff: Duration = .milliseconds(200),
        progress: @escaping @Sendable (SyncProgress) -> Void = { _ in },
        beforeRename: (@Sendable () throws -> Void)? = nil
    ) {
        self.path = path
        self.transport = transport
        self.attempts = attempts
        self.backoff = backoff
        self.progress = progress
        self.beforeRename = beforeRename ?? { Failpoint.reach("bootstrap-install") }
    }

    var partialPath: String { path + ".bootstrap" }
    var manifestPath: String { path + ".bootstrap.json" }
    var readyPath: String { path + ".bootstrap-ready" }

    /// Bootstraps the store if it has pulled nothing yet and the server offers a snapshot it can take.
    public func run() async throws -> Outcome {
        // An install cut short may have written into the ready file: it is not trusted again. An unpack cut short
        // leaves its aside file (``LocalStore/unpackSnapshot(_:to:growing:)``).
        for suffix in ["", "-wal", "-shm", "-journal", "-aside"] { unlinkFile(readyPath + suffix) }
        let store = try await LocalStore.opened(at: path)
        let cursor = try await store.syncLog.metadata().pullCursor
        try await store.syncLog.close()
        guard cursor == 0 else { return .skipped(.syncedBefore) }
        guard let manifest = try await retrying({ () throws(SyncError) in try await transport.snapshotManifest() })
        else {
            return .skipped(.noSnapshot)
        }
        guard manifest.format == LocalStore.storeFormat else {
            return .skipped(.otherFormat)
        }
        guard manifest.bytes > 0, manifest.seq > 0, SnapshotDigest.isDigest(manifest.sha256) else {
            return .skipped(.invalidManifest)
        }
        do {
            guard try await download(manifest) else {
                return .skipped(.replacedDuringDownload)
            }
            try LocalStore.checkSnapshot(at: readyPath, manifest: manifest)
        } catch let error as SnapshotError {
            discardDownload()
            unlinkFile(readyPath)
            return .skipped(.damaged(error))
        }
        let outcome = try LocalStore.installSnapshot(
            readyPath, manifest: manifest, into: path, beforeRename: beforeRename)
        switch outcome {
        case .installed(let carried):
            return .installed(manifest, carried: carried)
        case .storeInUse:
            unlinkFile(readyPath)
            return .skipped(.storeInUse)
        case .alreadyPulled:
            unlinkFile(readyPath)
            return .skipped(.syncedBefore)
        }
    }

    /// Downloads the snapshot to ``partialPath``, resuming a download of the same snapshot, checks its size and
    /// SHA-256, and unpacks it into the store file ``readyPath``. False when the server no longer has it. Throws
    /// ``SnapshotError/refused(_:)`` for a download that is not the file the manifest describes.
    private func download(_ manifest: Wire.SnapshotManifest) async throws -> Bool {
        var offset: Int64 = 0
        var digest = SnapshotDigest()
        let saved = FileManager.default.contents(atPath: manifestPath).flatMap {
            try? JSONDecoder().decode(Wire.SnapshotManifest.self, from: $0)
        }
        if saved == manifest, let size = LocalStore.fileSize(at: partialPath), size <= manifest.bytes {
            // Resume: the bytes so far count toward the digest.
            offset = size
            _ = try LocalStore.hashFile(partialPath, upTo: size, into: &digest)
        } else {
            discardDownload()
            try JSONEncoder().encode(manifest).write(to: URL(fileURLWithPath: manifestPath))
        }
        let file = try DownloadFile(path: partialPath, offset: offset, digest: digest, total: manifest.bytes) {
            [progress] in progress(.downloading(bytes: $0, total: manifest.bytes))
        }
        defer { file.close() }
        // The store is built from the download as it arrives (the rows of a 1M-change snapshot take seconds to
        // insert, about as long as a 100 Mbit/s link takes to bring them); it is used only if the download's
        // SHA-256 turns out to be the manifest's.
        async let unpacking: Void = offload { [partialPath, readyPath] in
            try LocalStore.unpackSnapshot(partialPath, to: readyPath, growing: file)
        }
        let downloaded: Bool
        do {
            downloaded = try await fetch(manifest, into: file)
            file.finish()
        } catch {
            file.finish()
            _ = try? await unpacking
            unlinkFile(readyPath)
            throw error
        }
        let unpacked: Result<Void, any Error>
        do { unpacked = .success(try await unpacking) } catch { unpacked = .failure(error) }
        guard downloaded else {
            unlinkFile(readyPath)
            discardDownload()
            return false
        }
        guard file.digest.hex() == manifest.sha256 else {
            unlinkFile(readyPath)
            throw SnapshotError.refused("the download's SHA-256 is not the manifest's (damaged in transit or on disk)")
        }
        try unpacked.get()
        discardDownload()
        return true
    }

    /// Fetches the rest of the snapshot into `file`, resuming after transient failures; false when the server no
    /// longer has it.
    private func fetch(_ manifest: Wire.SnapshotManifest, into file: DownloadFile) async throws -> Bool {
        var attempt = 1
        var delay = backoff
        while file.offset < manifest.bytes {
            do {
                let found = try await transport.downloadSnapshot(seq: manifest.seq, from: file.offset, into: file)
                if !found { return false }
                // A body that ended early without an error is a cut connection too.
                if file.offset < manifest.bytes { throw SyncError.transient("the snapshot download ended early") }
            } catch let error as SyncError where error.isTransient && attempt < attempts {
                progress(.retrying(attempt: attempt, reason: error.description))
                try? await Task.sleep(for: delay)
                delay *= 2
                attempt += 1
            }
        }
        progress(.unpacking(changes: manifest.changes))
        return true
    }

    /// Removes a download so far and its manifest.
    private func discardDownload() {
        unlinkFile(partialPath)
        unlinkFile(manifestPath)
    }

    private func retrying<T>(_ operation: () async throws(SyncError) -> T) async throws(SyncError) -> T {
        try await retryingTransient(
            attempts: attempts, backoff: backoff, progress: progress, sleep: { try? await Task.sleep(for: $0) },
            operation)
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var done = 0
        while done < bytes.count {
            let wrote = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if wrote < 0 && errno == EINTR { continue }
            guard wrote > 0 else {
                throw StoreError.cannotWrite(path: path, detail: String(cString: strerror(errno)))
            }
            done += wrote
        }
    }
}

/// The download file a snapshot's bytes are appended to, hashed as they are written (a ``SnapshotSink``): the
/// network thread writes, the bootstrap reads ``offset`` and ``digest`` between requests.
final class DownloadFile: SnapshotSink, GrowingFile, @unchecked Sendable {
    private let fd: Int32
    private let grown = NSCondition()
    private var finished = false
    private let path: String
    private let total: Int64
    private let progress: @Sendable (Int64) -> Void
    private let lock = NSLock()
    private var written: Int64
    private var hasher: SnapshotDigest
    private var reported = Int64(0)

    init(
        path: String, offset: Int64, digest: SnapshotDigest, total: Int64, progress: @escaping @Sendable (Int64) -> Void
    )
        throws
    {
        let fd = openForWriting(path)
        guard fd >= 0 else { throw StoreError.cannotWrite(path: path, detail: String(cString: strerror(errno))) }
        guard ftruncate(fd, off_t(offset)) == 0, lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else {
            let reason = String(cString: strerror(errno))
            closeDescriptor(fd)
            throw StoreError.cannotWrite(path: path, detail: reason)
        }
        self.fd = fd
        self.path = path
        self.total = total
        self.progress = progress
        self.written = offset
        self.hasher = digest
    }

    var offset: Int64 { lock.withLock { written } }

    func waitBeyond(_ size: Int64) -> Bool {
        grown.lock()
        defer { grown.unlock() }
        while offset <= size && !finished { grown.wait() }
        return offset > size
    }

    /// No more bytes will be written: a reader waiting at the end stops there.
    func finish() {
        grown.lock()
        finished = true
        grown.broadcast()
        grown.unlock()
    }
    var digest: SnapshotDigest { lock.withLock { hasher } }

    func write(_ bytes: ByteBuffer) throws {
        let now = try lock.withLock { () throws -> Int64? in
            guard written + Int64(bytes.readableBytes) <= total else {
                throw SnapshotError.refused("the download is longer than the \(total) bytes it should be")
            }
            try bytes.withUnsafeReadableBytes { raw in
                try StoreBootstrap.writeAll(fd, raw, path: path)
                hasher.update(raw)
            }
            written += Int64(bytes.readableBytes)
            // A progress line every 8 MiB is plenty.
            guard written - reported >= 8 << 20 || written == total else { return nil }
            reported = written
            return written
        }
        grown.lock()
        grown.broadcast()
        grown.unlock()
        if let now { progress(now) }
        Failpoint.reach("bootstrap-download")
    }

    func close() { closeDescriptor(fd) }
}
