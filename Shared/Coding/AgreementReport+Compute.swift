extension AgreementReport {
    /// The report for these events, links and votes, over `fields` (typically ``FieldSpec/coded``).
    ///
    /// Choices, following DESIGN §11:
    /// - Clusters are ``Clusters`` of the non-deleted events. Votes on deleted or unknown events, and on fields
    ///   not in `fields`, are ignored. When an event id repeats, its last record counts.
    /// - A coder's value for a cluster and a field: on a `masi` field (a set), the union of that coder's sets on
    ///   all members (a label counts as a one-element set), so what they coded on any member counts; on any
    ///   other field (a register), their vote with the greatest `hlc` on any member, ties broken by the greater
    ///   event id.
    /// - A unit is a cluster on which at least two coders have a value for the field. Units are sorted by cluster
    ///   id, coders by name.
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
        var byField: [String: [Int]] = [:]
        for (index, vote) in input.votes.enumerated() { byField[vote.field, default: []].append(index) }
        let fields = specs.map { spec in
            field(spec, votes: input.votes, indices: byField[spec.name] ?? [], numbering: numbering)
        }
        return AgreementReport(fields: fields, pairs: pairs(numbering, fields: fields))
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
            let coders = Set(input.votes.map(\.coder)).sorted()
            self.coders = coders
            var coderOf: [String: Int] = [:]
            for (n, coder) in coders.enumerated() { coderOf[coder] = n }
            // Stores give an event's votes together: look the event up once per run.
            var lastEvent: String?
            var lastCluster: Int?
            var keys: [Int?] = []
            keys.reserveCapacity(input.votes.count)
            for vote in input.votes {
                if vote.event != lastEvent {
                    lastEvent = vote.event
                    lastCluster = clusters.number[vote.event].map { clusters.clusterOfEvent[$0] }
                }
                keys.append(lastCluster.map { $0 * coders.count + coderOf[vote.coder]! })
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
            let vote = votes[index]
            guard let key = numbering.voteKeys[index] else { continue }
            if isSet {
                if let current = unions[key] {
                    unions[key] = Array(Set(current).union(vote.value.elements))
                } else {
                    unions[key] = vote.value.elements
                }
            } else if let kept = latest[key], (votes[kept].hlc, votes[kept].event) >= (vote.hlc, vote.event) {
                continue
            } else {
                latest[key] = index
            }
        }
        var chosen: [(key: Int, value: CodedValue)] =
            isSet
            ? unions.map { ($0.key, CodedValue.set(Array(Set($0.value)).sorted())) }
            : latest.map { key, index in
                let vote = votes[index]
                if spec.name == "location", case .label(let text) = vote.value {
                    return (key, .label(CodingText.normalizedLocation(text)))
                }
                return (key, vote.value)
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
        let byCreator = Dictionary(grouping: numbering.live.indices) { numbering.live[$0].creator }
        let documents = byCreator.mapValues { Set($0.compactMap { numbering.live[$0].document }) }
        let creators = byCreator.keys.sorted()
        var result: [Pair] = []
        for (i, a) in creators.enumerated() {
            for b in creators[(i + 1)...] {
                let shared = documents[a]!.intersection(documents[b]!)
                func inShared(_ event: Int) -> Bool { numbering.live[event].document.map(shared.contains) ?? false }
                let eventsA = byCreator[a]!.filter(inShared)
                let eventsB = byCreator[b]!.filter(inShared)
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
