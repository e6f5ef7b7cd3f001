extension AgreementReport {
    /// The report for these events, links and votes, over `fields` (typically ``FieldSpec/coded``).
    ///
    /// Choices, following protocol.md §11:
    /// - Clusters are ``Clusters`` of the non-deleted events. Votes on deleted or unknown events, and on fields
    ///   not in `fields`, are ignored. When an event id repeats, its last record counts.
    /// - A coder's value for a cluster and a field: on a `masi` field (a set), the union of that coder's sets on
    ///   all members (a label counts as a one-element set), so what they coded on any member counts; on any
    ///   other field (a register), their vote with the greatest `hlc` on any member, ties broken by the greater
    ///   event id.
    /// - A unit is a cluster on which at least two coders have a value for the field. On a set field, a coder who
    ///   created an event of the cluster has a value even if they added nothing to the set on it: the empty set
    ///   (protocol.md §16). Units are sorted by cluster id, coders by name.
    /// - On the field named `location`, labels are compared after ``CodingText/normalizedLocation(_:)``, and the
    ///   reliability matrix holds them normalised.
    /// - Pairs are every two analysts who created non-deleted events. A coder coded a document when they created
    ///   a non-deleted event with it. Over the documents both coded: `n_a` (`n_b`) counts a's (b's) events in
    ///   them, `matched` the clusters holding one of a's and one of b's events in them, and detection F1 is
    ///   `2·matched / (n_a + n_b)` (nil when 0/0). Requiring both events in documents both coded keeps F1 ≤ 1.
    /// - A pair's field agreement and type confusion use the units both have a value in; type confusion is
    ///   empty when no field is named `type`.
    ///
    /// Events are numbered once (by ``Clusters``) and everything after works on numbers: a string id is hashed
    /// once per event and once per run of votes on one event.
    public static func compute(_ input: AgreementInput, fields specs: [FieldSpec]) -> AgreementReport {
        let numbering = Numbering(input)
        // The votes of each field, by index. Few fields: a field's number is found by comparing names, not hashing.
        let names = specs.map(\.name)
        var byField = [[Int]](repeating: [], count: specs.count)
        input.votes.withUnsafeBufferPointer { votes in
            for index in votes.indices {
                if let n = SmallIndex.find(votes[index].field, in: names) { byField[n].append(index) }
            }
        }
        let fields = specs.indices.map { n in
            field(specs[n], votes: input.votes, indices: byField[n], numbering: numbering)
        }
        return AgreementReport(fields: fields, pairs: pairs(numbering, fields: fields), blind: input.blind)
    }

    /// Events, clusters and coders as numbers: events and clusters as ``Clusters`` numbers them (clusters in id
    /// order), coders in name order, so a (cluster, coder) key `cluster · coders + coder` sorts units by cluster id
    /// and coders by name.
    struct Numbering {
        let clusters: Clusters
        /// The live events (a repeated id keeping its last record), by the number ``Clusters`` gave them.
        let live: [CodingEvent]
        var clusterIDs: [String] { clusters.clusterIDs }
        let coders: [String]
        /// The (cluster, coder) key of each vote, nil for a vote on a deleted or unknown event.
        let voteKeys: [Int?]

        init(_ input: AgreementInput) {
            var byID: [String: CodingEvent] = [:]
            var order: [String] = []
            byID.reserveCapacity(input.events.count)
            for event in input.events where byID.updateValue(event, forKey: event.id) == nil { order.append(event.id) }
            let clusters = Clusters(
                events: order, deleted: Set(byID.values.filter(\.deleted).map(\.id)), links: input.links)
            self.clusters = clusters
            live = clusters.ids.map { byID[$0]! }
            // The votes are read in place (a copy of a vote retains its four strings), and coders are few: a
            // coder's number is found by comparing names, an event's cluster once per run of its votes.
            let (coders, coderOfVote) = input.votes.withUnsafeBufferPointer { votes in
                var coders = SmallIndex()
                let numbers = votes.indices.map { coders.number(of: votes[$0].coder) }
                return (coders, numbers)
            }
            let (sorted, renumber) = coders.sorted()
            self.coders = sorted
            var keys: [Int?] = []
            keys.reserveCapacity(input.votes.count)
            input.votes.withUnsafeBufferPointer { votes in
                var lastEvent: String?
                var lastCluster: Int?
                for index in votes.indices {
                    if votes[index].event != lastEvent {
                        lastEvent = votes[index].event
                        lastCluster = clusters.number[votes[index].event].map { clusters.clusterOfEvent[$0] }
                    }
                    keys.append(lastCluster.map { $0 * sorted.count + renumber[coderOfVote[index]] })
                }
            }
            voteKeys = keys
        }
    }

    static func field(_ spec: FieldSpec, votes: [CoderVote], indices: [Int], numbering: Numbering) -> Field {
        let isSet = spec.level == .masi
        // Indices into `votes`, not copies: a vote holds four strings.
        var latest: [Int: Int] = [:]
        var unions: [Int: [String]] = [:]
        latest.reserveCapacity(indices.count)
        for index in indices {
            guard let key = numbering.voteKeys[index] else { continue }
            if isSet {
                if let current = unions[key] {
                    unions[key] = Array(Set(current).union(votes[index].value.elements))
                } else {
                    unions[key] = votes[index].value.elements
                }
            } else if let kept = latest[key],
                (votes[kept].hlc, votes[kept].event) >= (votes[index].hlc, votes[index].event)
            {
                continue
            } else {
                latest[key] = index
            }
        }
        if isSet {
            // An empty set is a value when the coder coded the unit (protocol.md §16): a coder who created an event
            // of the cluster and added nothing to this set on it coded "none", which disagrees with a coder who
            // named some. (A coder with no vote at all on any coded field is not a coder here.)
            let coderNumber = Dictionary(
                numbering.coders.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            for (event, coded) in numbering.live.enumerated() {
                guard let coder = coderNumber[coded.creator] else { continue }
                let key = numbering.clusters.clusterOfEvent[event] * numbering.coders.count + coder
                if unions[key] == nil { unions[key] = [] }
            }
        }
        var chosen: [(key: Int, value: CodedValue)] =
            isSet
            ? unions.map { ($0.key, CodedValue.set(Array(Set($0.value)).sorted())) }
            : latest.map { key, index in
                if spec.name == "location", case .label(let text) = votes[index].value {
                    return (key, .label(CodingText.normalizedLocation(text)))
                }
                return (key, votes[index].value)
            }
        chosen.sort { $0.key < $1.key }
        let coderCount = numbering.coders.count
        var unitIDs: [String] = []
        var cells: [(unit: Int, coder: Int, value: CodedValue)] = []
        var start = 0
        while start < chosen.count {
            let cluster = chosen[start].key / coderCount
            var end = start + 1
            while end < chosen.count && chosen[end].key / coderCount == cluster { end += 1 }
            if end - start >= 2 {
                for cell in chosen[start..<end] { cells.append((unitIDs.count, cell.key % coderCount, cell.value)) }
                unitIDs.append(numbering.clusterIDs[cluster])
            }
            start = end
        }
        let present = Set(cells.map(\.coder)).sorted()
        let row = Dictionary(uniqueKeysWithValues: present.enumerated().map { ($1, $0) })
        var values = [[CodedValue?]](
            repeating: [CodedValue?](repeating: nil, count: unitIDs.count), count: present.count)
        for cell in cells { values[row[cell.coder]!][cell.unit] = cell.value }
        return Field(
            name: spec.name, level: spec.level,
            alpha: Krippendorff.alpha(values, level: spec.level, order: spec.order),
            percentAgreement: Krippendorff.percentAgreement(values), units: unitIDs.count,
            coders: present.map { numbering.coders[$0] }, unitIDs: unitIDs, values: values)
    }

    static func pairs(_ numbering: Numbering, fields: [Field]) -> [Pair] {
        // Creators and documents as numbers: each string is hashed once, not once per pair.
        var creatorNumbers = SmallIndex()
        var documentNumber: [String: Int] = [:]
        var byCreator: [[(event: Int, document: Int?)]] = []
        for (event, coded) in numbering.live.enumerated() {
            let creator = creatorNumbers.number(of: coded.creator)
            if creator == byCreator.count { byCreator.append([]) }
            let document = coded.document.map { id in
                if let n = documentNumber[id] { return n }
                documentNumber[id] = documentNumber.count
                return documentNumber.count - 1
            }
            byCreator[creator].append((event, document))
        }
        let documents = byCreator.map { Set($0.compactMap(\.document)) }
        let order = creatorNumbers.order
        var result: [Pair] = []
        for (i, na) in order.enumerated() {
            for nb in order[(i + 1)...] {
                let (a, b) = (creatorNumbers.names[na], creatorNumbers.names[nb])
                let shared = documents[na].intersection(documents[nb])
                let eventsA = byCreator[na].filter { $0.document.map(shared.contains) ?? false }.map(\.event)
                let eventsB = byCreator[nb].filter { $0.document.map(shared.contains) ?? false }.map(\.event)
                let clustersA = Set(eventsA.map { numbering.clusters.clusterOfEvent[$0] })
                let clustersB = Set(eventsB.map { numbering.clusters.clusterOfEvent[$0] })
                let matched = clustersA.intersection(clustersB).count
                let detected = eventsA.count + eventsB.count
                var agreement: [String: Double?] = [:]
                var confusion: [String: [String: Int]] = [:]
                for field in fields {
                    let both = bothCoded(field, a, b)
                    let share = both.isEmpty ? nil : Double(both.filter { $0.0 == $0.1 }.count) / Double(both.count)
                    agreement.updateValue(share, forKey: field.name)
                    if field.name == "type" {
                        for (x, y) in both { confusion[x.description, default: [:]][y.description, default: 0] += 1 }
                    }
                }
                result.append(
                    Pair(
                        a: a, b: b, detectionF1: detected == 0 ? nil : 2 * Double(matched) / Double(detected),
                        fields: agreement, typeConfusion: confusion, documents: shared.count, matched: matched))
            }
        }
        return result
    }

    /// The values of `a` and `b` on the units of `field` where both have one.
    static func bothCoded(_ field: Field, _ a: String, _ b: String) -> [(CodedValue, CodedValue)] {
        guard let rowA = field.coders.firstIndex(of: a), let rowB = field.coders.firstIndex(of: b) else { return [] }
        return zip(field.values[rowA], field.values[rowB]).compactMap { x, y in
            guard let x, let y else { return nil }
            return (x, y)
        }
    }
}

/// Numbers for distinct names (coders, creators), by first appearance. A team has a handful: up to 32 names are
/// found by comparing them in order, cheaper than hashing each of 300k votes' strings; past that, by a dictionary.
struct SmallIndex {
    /// The names in the order they were first seen.
    private(set) var names: [String] = []
    private var lookup: [String: Int] = [:]

    /// The number of `name`, giving it the next one when new.
    mutating func number(of name: String) -> Int {
        if names.count <= 32 {
            if let n = Self.find(name, in: names) { return n }
        } else if let n = lookup[name] {
            return n
        }
        names.append(name)
        if names.count > 32 {
            if lookup.isEmpty { for (n, known) in names.enumerated() { lookup[known] = n } }
            lookup[name] = names.count - 1
        }
        return names.count - 1
    }

    /// The numbers in name order.
    var order: [Int] { names.indices.sorted { names[$0] < names[$1] } }

    /// The names sorted, and for each first-seen number its sorted number.
    func sorted() -> (names: [String], renumber: [Int]) {
        let order = self.order
        var renumber = [Int](repeating: 0, count: names.count)
        for (rank, n) in order.enumerated() { renumber[n] = rank }
        return (order.map { names[$0] }, renumber)
    }

    /// The position of `name` in a short list of names.
    static func find(_ name: String, in names: [String]) -> Int? {
        names.firstIndex(of: name)
    }
}
