import ConcordStore
import ConcordCore
import Foundation
import Testing

/// A temporary directory removed when the test ends.
final class TempDir {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "concord-client-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        let p = file(name)
        try! Data(text.utf8).write(to: URL(fileURLWithPath: p))
        return p
    }
}

/// The repository root, found from this file's path.
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The seed articles.
let seedFiles: [String] = {
    let dir = repositoryRoot + "/seeds"
    return (try! FileManager.default.contentsOfDirectory(atPath: dir)).filter { $0.hasSuffix(".txt") }.sorted()
        .map { dir + "/" + $0 }
}()

/// A deterministic clock and id source for stores in tests.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var millis: Int64

    init(start: Int64 = 1_752_224_400_000) { millis = start }

    var now: @Sendable () -> Int64 {
        { [self] in
            lock.lock()
            defer { lock.unlock() }
            millis += 1
            return millis
        }
    }
}

extension FieldValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

func makeStore(
    _ dir: TempDir, name: String = "store.sqlite", analyst: String = "alice", seed: UInt64 = 1
) throws -> LocalStore {
    let clock = TestClock()
    return try LocalStore.create(
        at: dir.file(name), analyst: AnalystName(analyst), server: nil, token: nil, now: clock.now,
        ids: UUIDv7Generator(now: clock.now, random: SeededRandom(seed: seed)))
}
