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
    public static func compute(_ input: AgreementInput, fields specs: [FieldSpec]) -> AgreementReport {
        var events: [String: CodingEvent] = [:]
        for event in input.events { events[event.id] = event }
        let live = events.values.filter { !$0.deleted }
        let clusters = Clusters(
            events: Array(events.keys), deleted: Set(events.values.filter(\.deleted).map(\.id)), links: input.links)
        let numbering = Numbering(clusters: clusters, votes: input.votes)
        let votesByField = Dictionary(grouping: input.votes, by: \.field)
        let fields = specs.map { spec in
            field(spec, votes: votesByField[spec.name] ?? [], numbering: numbering)
        }
        return AgreementReport(fields: fields, pairs: pairs(live, clusters: clusters, fields: fields))
    }

    /// Clusters and coders as numbers sorted like their names, so a (cluster, coder) key is one integer and
    /// sorting keys sorts units by cluster id and coders by name.
    struct Numbering {
        var clusterOfEvent: [String: Int] = [:]
        var clusterIDs: [String]
        var coderOf: [String: Int] = [:]
        var coders: [String]

        init(clusters: Clusters, votes: [CoderVote]) {
            clusterIDs = clusters.members.keys.sorted()
            for (number, id) in clusterIDs.enumerated() {
                for member in clusters.members[id]! { clusterOfEvent[member] = number }
            }
            coders = Set(votes.map(\.coder)).sorted()
            for (number, coder) in coders.enumerated() { coderOf[coder] = number }
        }

        func key(_ vote: CoderVote) -> Int? {
            clusterOfEvent[vote.event].map { $0 * coders.count + coderOf[vote.coder]! }
        }
    }

    static func field(_ spec: FieldSpec, votes: [CoderVote], numbering: Numbering) -> Field {
        let isSet = spec.level == .masi
        // Indices into `votes`, not copies: a vote holds four strings.
        var latest: [Int: Int] = [:]
        var unions: [Int: [String]] = [:]
        latest.reserveCapacity(votes.count)
        for (index, vote) in votes.enumerated() {
            guard let key = numbering.key(vote) else { continue }
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

    static func pairs(_ live: [CodingEvent], clusters: Clusters, fields: [Field]) -> [Pair] {
        let byCreator = Dictionary(grouping: live, by: \.creator)
        let documents = byCreator.mapValues { Set($0.compactMap(\.document)) }
        // Each live event's cluster as a number, looked up once rather than once per pair.
        var clusterNumbers: [String: Int] = [:]
        var clusterOf: [String: Int] = [:]
        clusterOf.reserveCapacity(live.count)
        for event in live {
            guard let cluster = clusters.cluster(of: event.id) else { continue }
            let number = clusterNumbers[cluster] ?? clusterNumbers.count
            clusterNumbers[cluster] = number
            clusterOf[event.id] = number
        }
        let creators = byCreator.keys.sorted()
        var result: [Pair] = []
        for (i, a) in creators.enumerated() {
            for b in creators[(i + 1)...] {
                let shared = documents[a]!.intersection(documents[b]!)
                let eventsA = byCreator[a]!.filter { $0.document.map(shared.contains) ?? false }
                let eventsB = byCreator[b]!.filter { $0.document.map(shared.contains) ?? false }
                let clustersA = Set(eventsA.compactMap { clusterOf[$0.id] })
                let clustersB = Set(eventsB.compactMap { clusterOf[$0.id] })
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
