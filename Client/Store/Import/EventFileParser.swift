import ConcordCore
import Foundation

/// Parses an `event import` file: JSON Lines (one object per line) or CSV with a header row.
///
/// Keys are the `event add` fields: doc, title, summary, type, date, location, country, confidence, status,
/// evidence, mode, actors, recipients, context, tags. In JSONL, the sets are arrays of strings; in CSV, `;`-separated.
/// The format is CSV when the file name ends in `.csv`, else JSONL when the first non-blank byte is `{`.
enum EventFileParser {
    /// Largest `event import` file.
    static let maximumBytes = 512 * 1024 * 1024

    struct Row {
        var line: Int
        var draft: EventDraft
    }

    static func parse(_ data: Data, path: String) throws -> [Row] {
        guard !data.isEmpty else { throw StoreError.badFile(path: path, problem: "the file is empty") }
        if data.contains(0) {
            throw StoreError.badFile(path: path, problem: "the file is binary, not JSONL or CSV text")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw StoreError.badFile(path: path, problem: "the file is not UTF-8 text")
        }
        let firstByte = text.utf8.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        let rows: [Row]
        if path.lowercased().hasSuffix(".csv") {
            rows = try parseCSV(text, path: path)
        } else if firstByte == UInt8(ascii: "{") {
            rows = try parseJSONL(data, path: path)
        } else if firstByte == nil {
            throw StoreError.badFile(path: path, problem: "the file holds only blank lines")
        } else {
            rows = try parseCSV(text, path: path)
        }
        if rows.isEmpty { throw StoreError.badFile(path: path, problem: "the file holds no events") }
        return rows
    }

    static func parseJSONL(_ data: Data, path: String) throws -> [Row] {
        var rows: [Row] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if !line.contains(where: { $0 != 0x20 && $0 != 0x0D && $0 != 0x09 }) { continue }
            let object: Any
            do {
                object = try JSONSerialization.jsonObject(with: line)
            } catch {
                throw StoreError.badLine(path: path, line: lineNumber, field: nil, problem: "not valid JSON")
            }
            guard let dictionary = object as? [String: Any] else {
                throw StoreError.badLine(
                    path: path, line: lineNumber, field: nil, problem: "expected a JSON object with the event's fields")
            }
            var draft = EventDraft()
            for (key, value) in dictionary {
                switch key {
                case _ where EventDraft.setField(forKey: key) != nil:
                    let list: [String]
                    if let array = value as? [String] {
                        list = array
                    } else if let single = value as? String {
                        list = [single]
                    } else {
                        throw StoreError.badLine(
                            path: path, line: lineNumber, field: key, problem: "expected an array of strings")
                    }
                    draft.elements[EventDraft.setField(forKey: key)!, default: []] += list
                default:
                    guard EventDraft.registerFields.contains(key) else {
                        throw StoreError.badLine(
                            path: path, line: lineNumber, field: key,
                            problem: "unknown field; expected one of " + EventDraft.importKeys.joined(separator: ", "))
                    }
                    if value is NSNull { continue }
                    guard let string = value as? String else {
                        throw StoreError.badLine(path: path, line: lineNumber, field: key, problem: "expected a string")
                    }
                    draft.values[key] = string
                }
            }
            rows.append(Row(line: lineNumber, draft: draft))
        }
        return rows
    }

    static func parseCSV(_ text: String, path: String) throws -> [Row] {
        let records = try CSV.records(text, path: path)
        guard let (headerLine, header) = records.first else { return [] }
        let columns = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for column in columns
        where !EventDraft.registerFields.contains(column) && EventDraft.setField(forKey: column) == nil {
            throw StoreError.badLine(
                path: path, line: headerLine, field: column,
                problem: "unknown column; expected a header row with some of "
                    + EventDraft.importKeys.joined(separator: ", "))
        }
        var rows: [Row] = []
        for (line, fields) in records.dropFirst() {
            if fields.count == 1 && fields[0].isEmpty { continue }
            guard fields.count == columns.count else {
                throw StoreError.badLine(
                    path: path, line: line, field: nil,
                    problem: "\(fields.count) columns where the header has \(columns.count)")
            }
            var draft = EventDraft()
            for (column, value) in zip(columns, fields) {
                switch column {
                case _ where EventDraft.setField(forKey: column) != nil:
                    draft.elements[EventDraft.setField(forKey: column)!, default: []] +=
                        value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                        .filter { !$0.isEmpty }
                default:
                    if !value.isEmpty { draft.values[column] = value }
                }
            }
            rows.append(Row(line: line, draft: draft))
        }
        return rows
    }
}

/// A small RFC 4180 reader: quoted fields with `""` escapes and embedded newlines.
enum CSV {
    /// The records with the line each starts on.
    static func records(_ text: String, path: String) throws -> [(Int, [String])] {
        var records: [(Int, [String])] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending {
                pending = nil
                return p
            }
            return iterator.next()
        }
        var atRecordStart = true
        while let c = next() {
            if inQuotes {
                if c == "\"" {
                    if let n = next() {
                        if n == "\"" {
                            field.unicodeScalars.append("\"")
                        } else {
                            inQuotes = false
                            pending = n
                        }
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            atRecordStart = false
            switch c {
            case "\"":
                inQuotes = true
            case ",":
                fields.append(field)
                field = ""
            case "\r":
                continue
            case "\n":
                fields.append(field)
                records.append((recordLine, fields))
                fields = []
                field = ""
                line += 1
                recordLine = line
                atRecordStart = true
            default:
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes {
            throw StoreError.badLine(path: path, line: recordLine, field: nil, problem: "a quoted field is not closed")
        }
        if !atRecordStart || !field.isEmpty || !fields.isEmpty {
            fields.append(field)
            records.append((recordLine, fields))
        }
        return records
    }
}
