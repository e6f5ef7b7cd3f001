/// A coded field and how α measures it.
public struct FieldSpec: Hashable, Sendable {
    public var name: String
    public var level: AlphaLevel
    /// For an ordinal field, its labels from lowest to highest.
    public var order: [String]

    public init(name: String, level: AlphaLevel, order: [String] = []) {
        self.name = name
        self.level = level
        self.order = order
    }

    /// The coded fields of protocol.md §11 (schema 2), in report order.
    public static let coded: [FieldSpec] = [
        FieldSpec(name: "type", level: .nominal),
        FieldSpec(name: "date", level: .interval),
        FieldSpec(name: "location", level: .nominal),
        FieldSpec(name: "country", level: .nominal),
        FieldSpec(name: "confidence", level: .ordinal, order: ["low", "medium", "high"]),
        FieldSpec(name: "actors", level: .masi),
        FieldSpec(name: "recipients", level: .masi),
        FieldSpec(name: "mode", level: .nominal),
        FieldSpec(name: "context", level: .masi),
        FieldSpec(name: "end_date", level: .interval),
        FieldSpec(name: "aux", level: .masi),
    ]
}
