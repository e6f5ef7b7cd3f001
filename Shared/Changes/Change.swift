import Foundation

/// One immutable edit: the only way anything is written, on any replica (protocol.md §3).
///
/// Decoding is strict: unknown keys, wrong types and malformed ids are refused with a message naming the key.
public struct Change: Hashable, Sendable, Codable, Identifiable {
    public var id: ChangeID
    public var entity: EntityID
    public var field: String
    public var op: ChangeOp
    public var value: FieldValue
    /// For `set`: the versions of this field the author saw; for `remove`: the `add`s being removed.
    /// Ids of other fields are context (what the author had seen), never retired by this change.
    public var supersedes: [ChangeID]
    public var hlc: HLC
    public var author: AnalystName
    public var replica: ReplicaID
    /// Free text, used by resolutions.
    public var reason: String?
    /// The field-schema version the change was written under: by default the oldest that has its field
    /// (``Schema/minimumVersion(of:for:)``), so a client of that version can still read it.
    public var schema: Int

    public init(
        id: ChangeID, entity: EntityID, field: String, op: ChangeOp, value: FieldValue, supersedes: [ChangeID] = [],
        hlc: HLC, author: AnalystName, replica: ReplicaID, reason: String? = nil, schema: Int? = nil
    ) {
        self.id = id
        self.entity = entity
        self.field = field
        self.op = op
        self.value = value
        self.supersedes = supersedes
        self.hlc = hlc
        self.author = author
        self.replica = replica
        self.reason = reason
        // A clear (an empty value) came with schema 3 (protocol.md §16).
        let clear = Schema.isClear(op: op, value: value, field: field, of: entity.kind)
        self.schema = schema ?? max(Schema.minimumVersion(of: field, for: entity.kind), clear ? Schema.clearSchema : 1)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, entity, field, op, value, supersedes, hlc, author, replica, reason, schema
    }

    public init(from decoder: any Decoder) throws {
        try self.init(from: decoder, allowing: [])
    }

    /// Decodes a change from an object that may also carry the envelope keys in `extra`.
    init(from decoder: any Decoder, allowing extra: Set<String>) throws {
        try Change.refuseUnknownKeys(decoder, allowing: extra)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(ChangeID.self, forKey: .id)
        entity = try c.decode(EntityID.self, forKey: .entity)
        field = try c.decode(String.self, forKey: .field)
        op = try c.decode(ChangeOp.self, forKey: .op)
        value = try c.decode(FieldValue.self, forKey: .value)
        supersedes = try c.decodeIfPresent([ChangeID].self, forKey: .supersedes) ?? []
        hlc = try c.decode(HLC.self, forKey: .hlc)
        author = try c.decode(AnalystName.self, forKey: .author)
        replica = try c.decode(ReplicaID.self, forKey: .replica)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        do {
            schema = try c.decode(Int.self, forKey: .schema)
        } catch {
            // Foundation reports a number that is not an Int (1.5, 1e400) as invalid JSON without a path: say which
            // key and what it takes.
            throw DecodingError.typeMismatch(
                Int.self, .init(codingPath: c.codingPath + [CodingKeys.schema], debugDescription: "expected an integer")
            )
        }
    }

    /// Throws when the object at `decoder` has keys that are neither a change's nor in `allowing`.
    static func refuseUnknownKeys(_ decoder: any Decoder, allowing extra: Set<String>) throws {
        let all = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        let known = Set(CodingKeys.allCases.map(\.rawValue)).union(extra)
        let unknown = all.filter { !known.contains($0) }.sorted()
        if !unknown.isEmpty {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription:
                        "unknown key\(unknown.count > 1 ? "s" : "") \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")); "
                        + "a change has id, entity, field, op, value, supersedes, hlc, author, replica, reason, schema")
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(entity, forKey: .entity)
        try c.encode(field, forKey: .field)
        try c.encode(op, forKey: .op)
        try c.encode(value, forKey: .value)
        try c.encode(supersedes, forKey: .supersedes)
        try c.encode(hlc, forKey: .hlc)
        try c.encode(author, forKey: .author)
        try c.encode(replica, forKey: .replica)
        try c.encodeIfPresent(reason, forKey: .reason)
        try c.encode(schema, forKey: .schema)
    }
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

extension Change {
    /// The canonical JSON encoder: sorted keys, no escaped slashes, so equal values give equal bytes.
    public static func canonicalEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Decodes one change from JSON, turning decoding failures into a ``ChangeDecodingError`` a person can act on.
    public static func decode(json data: Data) throws(ChangeDecodingError) -> Change {
        do {
            return try JSONDecoder().decode(Change.self, from: data)
        } catch {
            throw ChangeDecodingError(error)
        }
    }
}

/// A change (or a wire body) that could not be decoded, with the key path and what was wrong.
public struct ChangeDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The dotted path to the offending key, e.g. `changes.3.hlc`; empty for the whole body.
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public init(_ error: any Error) {
        guard let error = error as? DecodingError else {
            self.init(path: "", message: "\(error)")
            return
        }
        func pathText(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context):
            let expected = type == FieldValue.self ? "a string, or true/false for `deleted`" : Self.typeName(type)
            self.init(path: pathText(context.codingPath), message: "wrong type: expected \(expected)")
        case .valueNotFound(let type, let context):
            self.init(path: pathText(context.codingPath), message: "missing value: expected \(Self.typeName(type))")
        case .keyNotFound(let key, let context):
            self.init(
                path: pathText(context.codingPath + [key]), message: "missing required key \"\(key.stringValue)\"")
        case .dataCorrupted(let context):
            let message =
                context.codingPath.isEmpty && context.underlyingError != nil
                ? "not valid JSON" : context.debugDescription
            self.init(path: pathText(context.codingPath), message: message)
        @unknown default:
            self.init(path: "", message: "\(error)")
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type: return "an integer"
        case is Bool.Type: return "true or false"
        case is [ChangeID].Type: return "an array of change ids"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return name
        }
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
