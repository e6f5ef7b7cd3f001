import Foundation

extension Change {
    /// The change's canonical JSON: byte for byte what ``Change/canonicalEncoder()`` writes (sorted keys, slashes
    /// unescaped), written directly, several times faster.
    public var canonicalJSON: Data {
        var writer = WireJSONWriter()
        writer.change(self)
        return Data(writer.bytes)
    }
}

extension Wire.PushRequest {
    /// The body ``Change/canonicalEncoder()`` would write for this push, written directly.
    public var canonicalJSON: Data {
        var writer = WireJSONWriter()
        writer.bytes.reserveCapacity(64 + changes.count * 400)
        writer.raw("{\"changes\":[")
        for (index, change) in changes.enumerated() {
            if index > 0 { writer.bytes.append(UInt8(ascii: ",")) }
            writer.change(change)
        }
        writer.raw("],\"replica\":")
        writer.string(replica.rawValue)
        writer.bytes.append(UInt8(ascii: "}"))
        return Data(writer.bytes)
    }
}

/// Writes the canonical JSON of changes: keys in sorted order, strings escaped as Foundation's `JSONEncoder` does.
struct WireJSONWriter {
    var bytes: [UInt8] = []

    mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// author, entity, field, hlc, id, op, reason?, replica, schema, supersedes, value.
    mutating func change(_ change: Change) {
        raw("{\"author\":")
        string(change.author.rawValue)
        raw(",\"entity\":")
        string(change.entity.rawValue)
        raw(",\"field\":")
        string(change.field)
        raw(",\"hlc\":")
        string(change.hlc.description)
        raw(",\"id\":")
        string(change.id.rawValue)
        raw(",\"op\":")
        string(change.op.rawValue)
        if let reason = change.reason {
            raw(",\"reason\":")
            string(reason)
        }
        raw(",\"replica\":")
        string(change.replica.rawValue)
        raw(",\"schema\":")
        bytes.append(contentsOf: String(change.schema).utf8)
        raw(",\"supersedes\":[")
        for (index, id) in change.supersedes.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            string(id.rawValue)
        }
        raw("],\"value\":")
        switch change.value {
        case .string(let text): string(text)
        case .bool(let flag): flag ? raw("true") : raw("false")
        }
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var start = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                start = index + 1
                switch byte {
                case 0x22: raw("\\\"")
                case 0x5C: raw("\\\\")
                case 0x08: raw("\\b")
                case 0x0C: raw("\\f")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    raw("\\u00")
                    bytes.append(hex[Int(byte >> 4)])
                    bytes.append(hex[Int(byte & 0x0F)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
