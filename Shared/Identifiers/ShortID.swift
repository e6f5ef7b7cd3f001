/// Short references to entities, as git abbreviates commit hashes: the fewest characters that name one entity.
///
/// An event id is a UUIDv7 whose first 12 hex digits are its creation time, so events made the same minute share
/// their first ~10 characters and a prefix of the id is never short. A reference may therefore also be a prefix of
/// the id's random last group (the 12 hex digits after its last `-`). A document id is a hash, whose prefixes are
/// already short: there the last group is the whole hash.
///
/// A reference names an entity when it is a prefix of the entity's key (its id without `kind/`) or of the key's last
/// group; ``shortest(_:)`` gives each key the shortest such reference, at least ``minimumLength`` characters, that
/// names no other key.
public enum ShortID {
    /// The fewest characters shown, as git shows at least 4.
    public static let minimumLength = 4

    /// The random part of `key` a reference may start from: what follows its last `-`, or all of it.
    public static func lastGroup(_ key: Substring) -> Substring {
        guard let dash = key.lastIndex(of: "-") else { return key }
        return key[key.index(after: dash)...]
    }

    /// Whether `reference` names `key`: a prefix of it or of its last group.
    public static func matches(_ reference: Substring, key: Substring) -> Bool {
        key.hasPrefix(reference) || lastGroup(key).hasPrefix(reference)
    }

    /// The shortest unique reference of each key (ids without `kind/`, all of one kind), by key. A key no reference
    /// shorter than itself names alone keeps its full text.
    public static func shortest(_ keys: some Collection<String>) -> [String: String] {
        let byKey = keys.sorted()
        let byGroup = keys.map { (group: lastGroup($0[...]), key: $0) }.sorted { $0.group < $1.group }
        var result: [String: String] = [:]
        result.reserveCapacity(byKey.count)
        for key in byKey {
            let group = lastGroup(key[...])
            var chosen = key
            var length = min(minimumLength, group.count)
            while length <= group.count {
                let candidate = group.prefix(length)
                if isUnique(candidate, key: key, byKey: byKey, byGroup: byGroup) {
                    chosen = String(candidate)
                    break
                }
                length += 1
            }
            result[key] = chosen
        }
        return result
    }

    /// Whether `reference` names `key` and no other key.
    private static func isUnique(
        _ reference: Substring, key: String, byKey: [String], byGroup: [(group: Substring, key: String)]
    ) -> Bool {
        var named: Set<String> = []
        for other in prefixed(byKey, by: reference, { $0[...] }) {
            named.insert(other)
            if named.count > 1 { return false }
        }
        for other in prefixed(byGroup, by: reference, \.group) {
            named.insert(other.key)
            if named.count > 1 { return false }
        }
        return named == [key]
    }

    /// The elements of `sorted` (ascending by `text`) whose text starts with `prefix`, by binary search.
    private static func prefixed<Element>(
        _ sorted: [Element], by prefix: Substring, _ text: (Element) -> Substring
    ) -> ArraySlice<Element> {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if text(sorted[middle]) < prefix { low = middle + 1 } else { high = middle }
        }
        var end = low
        while end < sorted.count && text(sorted[end]).hasPrefix(prefix) { end += 1 }
        return sorted[low..<end]
    }
}
