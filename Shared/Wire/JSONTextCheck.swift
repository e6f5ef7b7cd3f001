/// Why a JSON body cannot hold text, when that is why it failed to decode: a byte that is not UTF-8, or a `\u`
/// escape of a lone UTF-16 surrogate. Run only after a decode failed, to say which and where instead of "wrong type"
/// or "not valid JSON".
public enum JSONTextCheck {
    public static func problem(in bytes: some Collection<UInt8>) -> String? {
        let array = Array(bytes)
        if String(validating: array, as: UTF8.self) == nil {
            var offset = 0
            // The first byte where decoding fails: validate growing prefixes by scalar boundaries.
            var iterator = array.makeIterator()
            var decoder = UTF8()
            loop: while true {
                switch decoder.decode(&iterator) {
                case .scalarValue(let scalar): offset += UTF8.width(scalar)
                case .emptyInput: break loop
                case .error:
                    return "byte \(offset) is not UTF-8 (0x\(String(array[min(offset, array.count - 1)], radix: 16))): "
                        + "send text as UTF-8"
                }
            }
        }
        // `\uD800`–`\uDBFF` must be followed by `\uDC00`–`\uDFFF`, and the latter never stands alone.
        var i = 0
        var escaped = false
        var expectLow = false
        func hex(_ at: Int) -> UInt32? {
            guard at + 6 <= array.count, array[at] == UInt8(ascii: "\\"), array[at + 1] == UInt8(ascii: "u") else {
                return nil
            }
            return UInt32(String(decoding: array[(at + 2)..<(at + 6)], as: UTF8.self), radix: 16)
        }
        while i < array.count {
            if escaped {
                escaped = false
                i += 1
                continue
            }
            if array[i] == UInt8(ascii: "\\") {
                if let value = hex(i) {
                    let high = (0xD800...0xDBFF).contains(value)
                    let low = (0xDC00...0xDFFF).contains(value)
                    if expectLow && !low || !expectLow && low {
                        return lone(expectLow ? i - 6 : i, array)
                    }
                    expectLow = high
                    i += 6
                    continue
                }
                escaped = true
            } else if expectLow {
                return lone(i - 6, array)
            }
            i += 1
        }
        return expectLow ? lone(array.count - 6, array) : nil
    }

    private static func lone(_ at: Int, _ array: [UInt8]) -> String {
        let escape = String(decoding: array[max(0, at)..<min(array.count, at + 6)], as: UTF8.self)
        return "the escape \(escape) at byte \(max(0, at)) is a lone UTF-16 surrogate, not a character: a string must "
            + "be valid Unicode (a surrogate pair is two escapes, high then low)"
    }
}
