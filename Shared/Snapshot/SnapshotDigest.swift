import Crypto

/// SHA-256 over a stream of bytes, as lowercase hex: how a snapshot file is fingerprinted while it is written or
/// downloaded, without holding it in memory (protocol.md §14).
public struct SnapshotDigest {
    private var hasher = SHA256()

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    public mutating func update(_ bytes: some Sequence<UInt8>) {
        hasher.update(data: Array(bytes))
    }

    /// The digest of everything given so far, as 64 lowercase hex digits.
    public func hex() -> String {
        hasher.finalize().map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }

    /// Whether `text` has the form of a digest ``hex()`` writes.
    public static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
