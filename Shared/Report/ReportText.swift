/// Text helpers shared by the report renderers: escaping and number formats.
enum ReportText {
    /// `66.7%`, rounded to one decimal, or an em dash when there is no rate.
    static func percent(_ rate: Double?) -> String {
        guard let rate else { return "—" }
        let tenths = Int((rate * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }

    /// `2025-07-11 09:00:00 UTC` from the report's ISO time.
    static func display(_ iso: String) -> String {
        iso.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
    }

    /// Escapes text for HTML element content and quoted attribute values.
    static func html(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Escapes text for inline Markdown: formatting characters get a backslash, line breaks become spaces.
    static func markdown(_ text: String, lineBreak: String = " ") -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "#":
                out += "\\"
                out.unicodeScalars.append(scalar)
            case "\n", "\r": out += lineBreak
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Escapes text for a Markdown table cell: as inline text (so `|` cannot split the cell), line breaks as `<br>`.
    static func cell(_ text: String) -> String {
        markdown(text.replacingOccurrences(of: "\r\n", with: "\n"), lineBreak: "<br>")
    }
}
