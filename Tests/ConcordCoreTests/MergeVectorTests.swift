import ConcordCore
import Foundation
import Testing

/// The worked examples of `../shared/merge-vectors.json`, reached from every order of their changes, with duplicates.
@Suite("Merge vectors")
struct MergeVectorTests {
    struct Vector: Decodable, CustomTestStringConvertible {
        var name: String
        var description: String
        var changes: [Change]
        var expect: [String: Expected]
        var testDescription: String { name }
    }

    struct Expected: Decodable {
        struct Field: Decodable {
            var value: FieldValue
            var conflict: Bool
            var live: [String]
        }
        var fields: [String: Field]
        var sets: [String: [String]]
        var notes: [String]
        var deleted: Bool
        var delete_edit_conflict: [String]
    }

    static let vectors: [Vector] = {
        let url = Bundle.module.url(forResource: "merge-vectors", withExtension: "json")!
        struct File: Decodable { var vectors: [Vector] }
        return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url)).vectors
    }()

    @Test("the vector file holds every rule of protocol.md §4")
    func vectorFileIsComplete() {
        #expect(Self.vectors.count >= 13)
        let ops = Set(Self.vectors.flatMap { $0.changes.map(\.op) })
        #expect(ops == Set(ChangeOp.allCases))
    }

    @Test("each vector reaches its expected state in every order, with duplicates", arguments: vectors)
    func vectorConverges(_ vector: Vector) throws {
        var random = SeededRandom(seed: 42)
        let orders = permutations(vector.changes, limit: 120, random: &random)
        for (n, order) in orders.enumerated() {
            var delivered = order
            if n % 2 == 1 { delivered += order.shuffled(using: &random) }
            let replica = Replica(folding: delivered)
            for (entity, expected) in vector.expect {
                let snapshot = try #require(replica.snapshot(of: try EntityID(entity)))
                try check(snapshot, against: expected, vector: vector.name)
            }
        }
    }

    func check(_ snapshot: EntitySnapshot, against expected: Expected, vector: String) throws {
        #expect(Set(snapshot.fields.keys) == Set(expected.fields.keys), "\(vector): fields")
        for (name, field) in expected.fields {
            let got = try #require(snapshot.fields[name], "\(vector): \(name) missing")
            #expect(got.value == field.value, "\(vector): \(name) value")
            #expect(got.conflict == field.conflict, "\(vector): \(name) conflict")
            #expect(got.candidates.map(\.change.rawValue).sorted() == field.live.sorted(), "\(vector): \(name) live")
        }
        for (name, elements) in expected.sets {
            #expect((snapshot.sets[name] ?? []) == elements.sorted(), "\(vector): set \(name)")
        }
        #expect(snapshot.notes.map(\.value.description) == expected.notes, "\(vector): notes")
        #expect(snapshot.deleted == expected.deleted, "\(vector): deleted")
        #expect(
            snapshot.deleteEditConflict.map(\.rawValue) == expected.delete_edit_conflict.sorted(),
            "\(vector): delete/edit")
    }
}

/// All permutations of `items` when there are few, else `limit` random ones.
func permutations<T>(_ items: [T], limit: Int, random: inout SeededRandom) -> [[T]] {
    if items.count <= 5 {
        var result: [[T]] = []
        func permute(_ prefix: [T], _ rest: [T]) {
            if rest.isEmpty { result.append(prefix) }
            for i in rest.indices {
                var remaining = rest
                let item = remaining.remove(at: i)
                permute(prefix + [item], remaining)
            }
        }
        permute([], items)
        return result
    }
    return (0..<limit).map { _ in items.shuffled(using: &random) }
}
