import ConcordCore
import GRDB

extension LocalStore {
    /// The entity a full id or a unique prefix names (like git's short hashes), with or without the `KIND/` part.
    public func entityID(matching reference: String, kind: EntityID.Kind) throws -> EntityID {
        try read { db in try Self.entityID(matching: reference, kind: kind, db) }
    }

    static func entityID(matching reference: String, kind: EntityID.Kind, _ db: Database) throws -> EntityID {
        var text = reference.trimmingCharacters(in: .whitespaces).lowercased()
        if text.hasPrefix(kind.rawValue + "/") { text.removeFirst(kind.rawValue.count + 1) }
        let allowed = text.utf8.allSatisfy {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
                || $0 == UInt8(ascii: "-")
        }
        guard !text.isEmpty, allowed else { throw StoreError.unknownEntity(kind: kind, reference: reference) }
        let lower = kind.rawValue + "/" + text
        var ids = try String.fetchAll(
            db.cachedStatement(sql: "SELECT id FROM entity WHERE id >= ? AND id < ? ORDER BY id LIMIT 11"),
            arguments: [lower, lower + "~"])
        if ids.first == lower { return try EntityID(ids[0]) }
        // A short id (``ShortID``) may also start an event id's random last group: at most 12 characters, no dash.
        if kind == .event && text.count <= 12 && !text.contains("-") {
            let byGroup = try String.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT id FROM entity WHERE kind = 'event' AND substr(id, length(id) - 11, ?) = ?
                        ORDER BY id LIMIT 11
                        """),
                arguments: [text.count, text])
            ids = Array(Set(ids).union(byGroup)).sorted()
        }
        if ids.count == 1 { return try EntityID(ids[0]) }
        if ids.isEmpty { throw StoreError.unknownEntity(kind: kind, reference: reference) }
        throw StoreError.ambiguous(
            kind: kind, reference: reference, candidates: try ids.prefix(10).map { try EntityID($0) })
    }

    /// The shortest reference that names each entity of `kind` alone (``ShortID``), by id: what listings show.
    public func shortIDs(of kind: EntityID.Kind) throws -> [EntityID: String] {
        try read { db in try Self.shortIDs(of: kind, db) }
    }

    static func shortIDs(of kind: EntityID.Kind, _ db: Database) throws -> [EntityID: String] {
        let ids = try String.fetchAll(db, sql: "SELECT id FROM entity WHERE kind = ?", arguments: [kind.rawValue])
        let prefix = kind.rawValue.count + 1
        let shortest = ShortID.shortest(ids.map { String($0.dropFirst(prefix)) })
        var result: [EntityID: String] = [:]
        result.reserveCapacity(ids.count)
        for id in ids { result[EntityID(stored: id)] = shortest[String(id.dropFirst(prefix))] }
        return result
    }
}

import Foundation
