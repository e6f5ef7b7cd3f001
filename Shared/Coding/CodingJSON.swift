/// A JSON value written the same way every time: keys sorted, two-space indentation, `null` never omitted.
///
/// The agreement and match reports are read by people and diffed by scripts, so their text must be stable.
/// Arrays marked `inline` (short lists, one reliability row) stay on one line.
indirect enum CodingJSON {
    case null
    case int(Int)
    case double(Double)
    case string(String)
    case array([CodingJSON], inline: Bool = false)
    case object([String: CodingJSON])

    static func optional(_ value: Double?) -> CodingJSON {
        value.map { .double($0) } ?? .null
    }

    static func value(_ value: CodedValue?) -> CodingJSON {
        switch value {
        case nil: .null
        case .label(let text): .string(text)
        case .set(let elements): .array(elements.map { .string($0) }, inline: true)
        }
    }

    /// The text, without a trailing newline.
    var text: String {
        var out = ""
        write(to: &out, indent: 0)
        return out
    }

    func write(to out: inout String, indent: Int) {
        switch self {
        case .null: out += "null"
        case .int(let n): out += String(n)
        case .double(let x): out += x.isFinite ? String(x) : "null"
        case .string(let s): Self.quote(s, into: &out)
        case .array(let items, let inline):
            if items.isEmpty {
                out += "[]"
            } else if inline {
                out += "["
                for (i, item) in items.enumerated() {
                    if i > 0 { out += ", " }
                    item.write(to: &out, indent: indent)
                }
                out += "]"
            } else {
                out += "[\n"
                for (i, item) in items.enumerated() {
                    out += String(repeating: " ", count: indent + 2)
                    item.write(to: &out, indent: indent + 2)
                    out += i == items.count - 1 ? "\n" : ",\n"
                }
                out += String(repeating: " ", count: indent) + "]"
            }
        case .object(let members):
            if members.isEmpty {
                out += "{}"
                return
            }
            out += "{\n"
            let keys = members.keys.sorted { Array($0.unicodeScalars).lexicographicallyPrecedes($1.unicodeScalars) }
            for (i, key) in keys.enumerated() {
                out += String(repeating: " ", count: indent + 2)
                Self.quote(key, into: &out)
                out += ": "
                members[key]!.write(to: &out, indent: indent + 2)
                out += i == keys.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: " ", count: indent) + "}"
        }
    }

    static func quote(_ s: String, into out: inout String) {
        out += "\""
        // Most strings (ids, codes, names) need no escape: append them whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += s
            out += "\""
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
