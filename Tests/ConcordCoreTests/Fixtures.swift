import ConcordCore

/// Builds changes for small stories about the seed articles.
struct Story {
    static let drill = try! EntityID("event/0197f0a0-0000-7000-8000-000000000001")
    static let alice = try! AnalystName("alice")
    static let bob = try! AnalystName("bob")
    static let carol = try! AnalystName("carol")
    static let replicas: [AnalystName: ReplicaID] = [
        alice: try! ReplicaID("0197f0a0-aaaa-7000-8000-00000000000a"),
        bob: try! ReplicaID("0197f0a0-bbbb-7000-8000-00000000000b"),
        carol: try! ReplicaID("0197f0a0-cccc-7000-8000-00000000000c"),
    ]
    private var counter = 0

    mutating func change(
        _ author: AnalystName, _ field: String, _ value: FieldValue, supersedes: [Change] = [],
        at millis: Int64, entity: EntityID = Story.drill, reason: String? = nil
    ) -> Change {
        change(author, field, .set, value, supersedes: supersedes, at: millis, entity: entity, reason: reason)
    }

    mutating func change(
        _ author: AnalystName, _ field: String, _ op: ChangeOp, _ value: FieldValue, supersedes: [Change] = [],
        at millis: Int64, entity: EntityID = Story.drill, reason: String? = nil
    ) -> Change {
        counter += 1
        let hex = String(counter, radix: 16)
        let id = try! ChangeID(
            "0197f0a1-" + String(repeating: "0", count: 4 - hex.count) + hex + "-7000-8000-000000000000")
        return Change(
            id: id, entity: entity, field: field, op: op, value: value, supersedes: supersedes.map(\.id),
            hlc: HLC(millis: millis, counter: 0), author: author, replica: Story.replicas[author]!, reason: reason)
    }
}

extension FieldValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}
