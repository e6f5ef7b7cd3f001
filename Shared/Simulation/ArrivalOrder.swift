/// The orders in which a server may receive simulated analysts' pushes.
///
/// An honest client learns other analysts' changes only from the server, so a change never reaches the server
/// before the changes it lists in `supersedes` (the server refuses one that does, protocol.md §16). Simulated analysts
/// trade changes among themselves (``HistorySimulator/deliver(_:to:)``), so their pushes must be ordered to keep that
/// true: this is the order, random among those that keep it.
public enum ArrivalOrder {
    /// Interleaves each author's queue of batches (each queue in the author's own order) at random, sending a batch
    /// only once every id its changes list has been sent (by an earlier batch or earlier in the batch itself). When
    /// no queue's next batch can go whole, the longest prefix of one that can goes first and the rest waits, as a
    /// client that synced in between would have split it. Ids no queue holds are not waited for.
    public static func interleave(_ queues: [[[Change]]], using random: inout some RandomNumberGenerator) -> [[Change]]
    {
        var queues = queues
        let everywhere = Set(queues.joined().joined().map(\.id))
        var sent = Set<ChangeID>()
        var order: [[Change]] = []
        /// How many of `batch`'s changes can go now, in order.
        func ready(_ batch: [Change]) -> Int {
            var known = sent
            for (index, change) in batch.enumerated() {
                if change.supersedes.contains(where: { everywhere.contains($0) && !known.contains($0) }) {
                    return index
                }
                known.insert(change.id)
            }
            return batch.count
        }
        while true {
            let open = queues.indices.filter { !queues[$0].isEmpty }
            if open.isEmpty { return order }
            let whole = open.filter { ready(queues[$0][0]) == queues[$0][0].count }
            if let index = whole.randomElement(using: &random) {
                let batch = queues[index].removeFirst()
                order.append(batch)
                sent.formUnion(batch.map(\.id))
                continue
            }
            let partial = open.filter { ready(queues[$0][0]) > 0 }
            // Every queue waits on another: a cycle no honest history makes. Send one anyway, so the caller sees
            // the refusal instead of a hang.
            let index = partial.randomElement(using: &random) ?? open[0]
            let count = max(1, ready(queues[index][0]))
            let batch = queues[index][0]
            order.append(Array(batch.prefix(count)))
            sent.formUnion(batch.prefix(count).map(\.id))
            if count == batch.count {
                queues[index].removeFirst()
            } else {
                queues[index][0] = Array(batch.dropFirst(count))
            }
        }
    }
}
