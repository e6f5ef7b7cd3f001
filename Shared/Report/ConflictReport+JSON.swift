import Foundation

extension ConflictReport {
    /// The canonical JSON: sorted keys, pretty printed, slashes unescaped; equal reports give equal bytes.
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // Every member is a plain value and rates are finite, so encoding cannot fail.
        return try! encoder.encode(self)
    }

    /// Reads a report back from its JSON.
    public static func decode(json data: Data) throws -> ConflictReport {
        try JSONDecoder().decode(ConflictReport.self, from: data)
    }
}
