/// Parsing and formatting of canonical UUID text (`8-4-4-4-12` lowercase hex), shared by the identifier types.
enum UUIDText {
    /// Returns the lowercase canonical form of `text`, or `nil` when it is not a UUID.
    static func canonical(_ text: some StringProtocol) -> String? {
        switch check(text) {
        case .canonical: return String(text)
        case .uppercase:
            return String(decoding: text.utf8.map { (0x41...0x46).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
        case .invalid: return nil
        }
    }

    enum Form { case canonical, uppercase, invalid }

    /// Checks `text` in one pass without allocating: ids on the wire and in files are almost always canonical
    /// already, and every change carries several.
    static func check(_ text: some StringProtocol) -> Form {
        let utf8 = text.utf8
        guard utf8.count == 36 else { return .invalid }
        var index = 0
        var uppercase = false
        for byte in utf8 {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return .invalid }
            } else {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): break
                case UInt8(ascii: "A")...UInt8(ascii: "F"): uppercase = true
                default: return .invalid
                }
            }
            index += 1
        }
        return uppercase ? .uppercase : .canonical
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Formats 16 bytes as canonical lowercase UUID text.
    static func format(_ bytes: [UInt8]) -> String {
        precondition(bytes.count == 16)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether every byte of `text` is a lowercase hex digit.
    static func isLowerHex(_ text: some StringProtocol) -> Bool {
        text.utf8.allSatisfy {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
        }
    }
}
