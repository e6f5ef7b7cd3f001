/// Number and table formatting for the plain-text reports, without locale.
enum CodingFormat {
    /// `x` rounded half away from zero to `places` decimals: `decimal(0.8571, places: 3)` is `"0.857"`.
    static func decimal(_ x: Double, places: Int) -> String {
        var scale = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = Int((abs(x) * Double(scale)).rounded())
        let whole = scaled / scale
        let fraction = String(scaled % scale)
        let sign = x < 0 && scaled != 0 ? "-" : ""
        guard places > 0 else { return sign + String(whole) }
        return sign + String(whole) + "." + String(repeating: "0", count: places - fraction.count) + fraction
    }

    /// A share in 0...1 as a whole percentage: `percent(0.8)` is `"80%"`.
    static func percent(_ share: Double) -> String {
        decimal(share * 100, places: 0) + "%"
    }

    /// Rows padded into left-aligned columns two spaces apart, trailing spaces trimmed.
    static func table(_ rows: [[String]]) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in
            rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
        }
        return rows.map { row in
            var line = ""
            for (column, cell) in row.enumerated() {
                line += cell
                if column < row.count - 1 { line += String(repeating: " ", count: widths[column] - cell.count + 2) }
            }
            while line.last == " " { line.removeLast() }
            return line
        }
    }
}
