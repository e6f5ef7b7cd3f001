import Foundation

extension Wire.PushRequest {
    /// Decodes a `POST /v1/changes` body exactly as `JSONDecoder().decode(Wire.PushRequest.self, from:)` does,
    /// several times faster for well-formed bodies.
    ///
    /// A hand-written reader takes the plain case (known keys once each, integers without fraction, valid ids).
    /// Anything else — malformed JSON, an unknown or repeated key, a bad id — goes to `JSONDecoder`, so bad input
    /// gets the very same `DecodingError` (and ``ChangeDecodingError`` text) as before.
    public static func decode(json data: Data) throws -> Wire.PushRequest {
        if let fast = data.withUnsafeBytes({ bytes in
            var reader = WireJSONReader(bytes)
            return try? reader.pushRequest()
        }) {
            return fast
        }
        return try JSONDecoder().decode(Wire.PushRequest.self, from: data)
    }
}

extension Wire.PullPage {
    /// Decodes a `GET /v1/changes` body exactly as `JSONDecoder().decode(Wire.PullPage.self, from:)` does, several
    /// times faster for well-formed bodies (see ``Wire/PushRequest/decode(json:)``).
    public static func decode(json data: Data) throws -> Wire.PullPage {
        if let fast = data.withUnsafeBytes({ bytes in
            var reader = WireJSONReader(bytes)
            return try? reader.pullPage()
        }) {
            return fast
        }
        return try JSONDecoder().decode(Wire.PullPage.self, from: data)
    }
}

/// A strict reader for the plain case of the wire bodies; throws ``Fallback`` at the first thing it does not take,
/// and the caller then asks `JSONDecoder` (which owns the error messages).
struct WireJSONReader {
    struct Fallback: Error {}

    private let bytes: UnsafeRawBufferPointer
    private var i = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func pushRequest() throws(Fallback) -> Wire.PushRequest {
        var replica: ReplicaID?
        var changes: [Change]?
        try object { (reader, key) throws(Fallback) in
            switch key {
            case "replica" where replica == nil:
                replica = try reader.identifier { try? ReplicaID($0) }
            case "changes" where changes == nil:
                var list: [Change] = []
                try reader.array { (reader) throws(Fallback) in list.append(try reader.change(sequenced: false).0) }
                changes = list
            default: throw Fallback()
            }
        }
        try end()
        guard let replica, let changes else { throw Fallback() }
        return Wire.PushRequest(replica: replica, changes: changes)
    }

    mutating func pullPage() throws(Fallback) -> Wire.PullPage {
        var changes: [Wire.SequencedChange]?
        var next: Int64?
        var more: Bool?
        var withheld: [EntityID]?
        var at: String?
        try object { (reader, key) throws(Fallback) in
            switch key {
            case "changes" where changes == nil:
                var list: [Wire.SequencedChange] = []
                try reader.array { (reader) throws(Fallback) in
                    let (change, seq) = try reader.change(sequenced: true)
                    list.append(Wire.SequencedChange(seq: seq!, change: change))
                }
                changes = list
            case "next" where next == nil: next = try reader.integer()
            case "more" where more == nil: more = try reader.boolean()
            case "withheld" where withheld == nil:
                var ids: [EntityID] = []
                try reader.array { (reader) throws(Fallback) in
                    guard let id = try? EntityID(try reader.string()) else { throw Fallback() }
                    ids.append(id)
                }
                withheld = ids
            case "at" where at == nil: at = try reader.string()
            default: throw Fallback()
            }
        }
        try end()
        guard let changes, let next, let more else { throw Fallback() }
        return Wire.PullPage(changes: changes, next: next, more: more, withheld: withheld, at: at)
    }

    /// One change object; with `sequenced`, also its required `seq`.
    mutating func change(sequenced: Bool) throws(Fallback) -> (Change, Int64?) {
        var id: ChangeID?
        var entity: EntityID?
        var field: String?
        var op: ChangeOp?
        var value: FieldValue?
        var supersedes: [ChangeID]?
        var sawSupersedes = false
        var hlc: HLC?
        var author: AnalystName?
        var replica: ReplicaID?
        var reason: String?
        var sawReason = false
        var schema: Int64?
        var seq: Int64?
        try object { (reader, key) throws(Fallback) in
            switch key {
            case "id" where id == nil: id = try reader.identifier { try? ChangeID($0) }
            case "entity" where entity == nil: entity = try reader.identifier { try? EntityID($0) }
            case "field" where field == nil: field = try reader.string()
            case "op" where op == nil: op = try reader.identifier { ChangeOp(rawValue: $0) }
            case "value" where value == nil:
                switch reader.peek() {
                case UInt8(ascii: "\""): value = .string(try reader.string())
                case UInt8(ascii: "t"), UInt8(ascii: "f"): value = .bool(try reader.boolean())
                default: throw Fallback()
                }
            case "supersedes" where !sawSupersedes:
                sawSupersedes = true
                if try reader.null() { break }
                var list: [ChangeID] = []
                try reader.array { (reader) throws(Fallback) in
                    list.append(try reader.identifier { try? ChangeID($0) })
                }
                supersedes = list
            case "hlc" where hlc == nil: hlc = try reader.identifier { try? HLC($0) }
            case "author" where author == nil: author = try reader.identifier { try? AnalystName($0) }
            case "replica" where replica == nil: replica = try reader.identifier { try? ReplicaID($0) }
            case "reason" where !sawReason:
                sawReason = true
                if try reader.null() { break }
                reason = try reader.string()
            case "schema" where schema == nil: schema = try reader.integer()
            case "seq" where sequenced && seq == nil: seq = try reader.integer()
            default: throw Fallback()
            }
        }
        guard let id, let entity, let field, let op, let value, let hlc, let author, let replica, let schema,
            !sequenced || seq != nil, let schemaInt = Int(exactly: schema)
        else { throw Fallback() }
        let change = Change(
            id: id, entity: entity, field: field, op: op, value: value, supersedes: supersedes ?? [], hlc: hlc,
            author: author, replica: replica, reason: reason, schema: schemaInt)
        return (change, seq)
    }

    // MARK: JSON

    private func peek() -> UInt8? { i < bytes.count ? bytes[i] : nil }

    private mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8) throws(Fallback) {
        skipSpace()
        guard i < bytes.count, bytes[i] == byte else { throw Fallback() }
        i += 1
    }

    /// Only whitespace may follow the top-level value.
    mutating func end() throws(Fallback) {
        skipSpace()
        if i != bytes.count { throw Fallback() }
    }

    /// `{ "key": value, ... }`, calling `member` positioned at each value.
    private mutating func object(_ member: (inout WireJSONReader, String) throws(Fallback) -> Void) throws(Fallback) {
        try expect(UInt8(ascii: "{"))
        skipSpace()
        if peek() == UInt8(ascii: "}") {
            i += 1
            return
        }
        while true {
            skipSpace()
            let key = try string()
            try expect(UInt8(ascii: ":"))
            skipSpace()
            try member(&self, key)
            skipSpace()
            guard let byte = peek() else { throw Fallback() }
            i += 1
            if byte == UInt8(ascii: "}") { return }
            if byte != UInt8(ascii: ",") { throw Fallback() }
        }
    }

    /// A whole body that is one JSON array of strings (a set vote's stored value, ``CodedValue/storedText``).
    mutating func stringArray() throws(Fallback) -> [String] {
        var strings: [String] = []
        skipSpace()
        try array { (reader) throws(Fallback) in strings.append(try reader.string()) }
        try end()
        return strings
    }

    /// `[ element, ... ]`, calling `element` positioned at each element.
    private mutating func array(_ element: (inout WireJSONReader) throws(Fallback) -> Void) throws(Fallback) {
        try expect(UInt8(ascii: "["))
        skipSpace()
        if peek() == UInt8(ascii: "]") {
            i += 1
            return
        }
        while true {
            skipSpace()
            try element(&self)
            skipSpace()
            guard let byte = peek() else { throw Fallback() }
            i += 1
            if byte == UInt8(ascii: "]") { return }
            if byte != UInt8(ascii: ",") { throw Fallback() }
        }
    }

    private mutating func identifier<T>(_ make: (String) -> T?) throws(Fallback) -> T {
        guard let value = make(try string()) else { throw Fallback() }
        return value
    }

    private mutating func null() throws(Fallback) -> Bool {
        guard literal("null") else { return false }
        return true
    }

    private mutating func boolean() throws(Fallback) -> Bool {
        if literal("true") { return true }
        if literal("false") { return false }
        throw Fallback()
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard i + count <= bytes.count else { return false }
        for k in 0..<count where bytes[i + k] != word.utf8Start[k] { return false }
        i += count
        return true
    }

    /// A plain integer: optional minus, digits without a leading zero, no fraction or exponent, at most 18 digits.
    private mutating func integer() throws(Fallback) -> Int64 {
        var negative = false
        if peek() == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        let start = i
        var value: Int64 = 0
        while let byte = peek(), byte >= 0x30, byte <= 0x39 {
            // 18 digits always fit in Int64; a longer number is JSONDecoder's to judge (it must not trap here).
            guard i - start < 18 else { throw Fallback() }
            value = value * 10 + Int64(byte - 0x30)
            i += 1
        }
        let digits = i - start
        guard digits >= 1, digits <= 18, !(digits > 1 && bytes[start] == 0x30), !(negative && value == 0) else {
            throw Fallback()
        }
        if let byte = peek(), byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            throw Fallback()
        }
        return negative ? -value : value
    }

    /// A string: raw runs are validated UTF-8; the JSON escapes are decoded; raw control characters fall back.
    private mutating func string() throws(Fallback) -> String {
        guard peek() == UInt8(ascii: "\"") else { throw Fallback() }
        i += 1
        let start = i
        var ascii = true
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") {
                let run = UnsafeRawBufferPointer(rebasing: bytes[start..<i])
                i += 1
                if ascii { return String(decoding: run, as: UTF8.self) }
                guard let text = String(validating: run, as: UTF8.self) else { throw Fallback() }
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw Fallback() }
            if byte >= 0x80 { ascii = false }
            i += 1
        }
        // Escapes: decode into a buffer.
        var out = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
        while i < bytes.count {
            let byte = bytes[i]
            i += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: out, as: UTF8.self) else { throw Fallback() }
                return text
            case UInt8(ascii: "\\"):
                guard let escaped = peek() else { throw Fallback() }
                i += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard literal("\\u") else { throw Fallback() }
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw Fallback() }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw Fallback()
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw Fallback() }
                    out.append(contentsOf: Array(String(Character(unicode)).utf8))
                default: throw Fallback()
                }
            default:
                if byte < 0x20 { throw Fallback() }
                out.append(byte)
            }
        }
        throw Fallback()
    }

    private mutating func hex4() throws(Fallback) -> UInt32 {
        guard i + 4 <= bytes.count else { throw Fallback() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[i]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw Fallback()
            }
            value = value * 16 + digit
            i += 1
        }
        return value
    }
}
