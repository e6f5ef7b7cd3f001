import ConcordStore
import Foundation

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Writing to the terminal: messages on stderr, data on stdout, tables on a TTY and tab-separated text when piped.
enum Terminal {
    static let stdoutIsTTY = isatty(STDOUT_FILENO) != 0
    static let stderrIsTTY = isatty(STDERR_FILENO) != 0

    static func error(_ message: String) {
        FileHandle.standardError.write(Data("concord: error: \(message.printable)\n".utf8))
    }

    static func message(_ message: String) {
        FileHandle.standardError.write(Data("\(message.printable)\n".utf8))
    }

    /// Prints text meant for a person, with control characters escaped (``Swift/String/printable``): a title another
    /// analyst wrote cannot drive this terminal.
    static func out(_ text: String = "") { print(text.printable) }

    /// Prints `value` as one line of canonical JSON.
    static func json<T: Encodable>(_ value: T) throws {
        print(String(decoding: try JSONShapes.encoder().encode(value), as: UTF8.self))
    }

    /// A table with a header on a terminal; rows of tab-separated cells without a header when piped.
    static func table(_ header: [String], _ rows: [[String]]) {
        let clean = rows.map {
            $0.map { $0.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ") }
        }
        guard stdoutIsTTY else {
            for row in clean { out(row.joined(separator: "\t")) }
            return
        }
        let cells = clean.map { $0.map { $0.count > 60 ? String($0.prefix(59)) + "…" : $0 } }
        var widths = header.map(\.count)
        for row in cells {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ row: [String]) -> String {
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }.joined(separator: "  ")
        }
        out(line(header))
        for row in cells { out(line(row)) }
    }
}
