/// Inter-coder agreement over clusters (protocol.md §11): α per coded field, and detection and field agreement per
/// pair of analysts.
///
/// Build it with ``compute(_:fields:)``; print it with ``json()`` or ``text()``.
public struct AgreementReport: Sendable, Equatable {
    /// One coded field: its α, its percent agreement and the reliability matrix both were computed from.
    public struct Field: Sendable, Equatable {
        public var name: String
        public var level: AlphaLevel
        /// Nil where α is undefined (no unit, or no variation).
        public var alpha: Double?
        /// The share (0...1) of agreeing value pairs within units; nil without a unit.
        public var percentAgreement: Double?
        /// The number of units: clusters on which at least two coders have a value for this field.
        public var units: Int
        /// The coders with a value in some unit, sorted.
        public var coders: [String]
        /// The units' cluster ids, sorted.
        public var unitIDs: [String]
        /// `values[coder][unit]`, as compared (a `location` normalised); nil where that coder has no value.
        public var values: [[CodedValue?]]

        public init(
            name: String, level: AlphaLevel, alpha: Double?, percentAgreement: Double?, units: Int,
            coders: [String], unitIDs: [String], values: [[CodedValue?]]
        ) {
            self.name = name
            self.level = level
            self.alpha = alpha
            self.percentAgreement = percentAgreement
            self.units = units
            self.coders = coders
            self.unitIDs = unitIDs
            self.values = values
        }
    }

    /// Two analysts who both created events, `a < b`.
    public struct Pair: Sendable, Equatable {
        public var a: String
        public var b: String
        /// `2·matched / (n_a + n_b)` over the documents both coded; nil when that denominator is 0.
        public var detectionF1: Double?
        /// Per field, the share (0...1) of units both coded on which their values are equal; nil for a field
        /// with no such unit.
        public var fields: [String: Double?]
        /// Over the units both coded on `type`: a's type → b's type → number of units.
        public var typeConfusion: [String: [String: Int]]
        /// The documents both coded (each created a non-deleted event with that document).
        public var documents: Int
        /// Clusters holding an event a created and an event b created, both in documents both coded.
        public var matched: Int

        public init(
            a: String, b: String, detectionF1: Double?, fields: [String: Double?],
            typeConfusion: [String: [String: Int]], documents: Int, matched: Int
        ) {
            self.a = a
            self.b = b
            self.detectionF1 = detectionF1
            self.fields = fields
            self.typeConfusion = typeConfusion
            self.documents = documents
            self.matched = matched
        }
    }

    /// In the order of the field specs given to ``compute(_:fields:)``.
    public var fields: [Field]
    /// Sorted by `(a, b)`.
    public var pairs: [Pair]

    /// What blind coding set apart (protocol.md §15); nil when no coder submitted a document.
    public var blind: BlindCoding?

    public init(fields: [Field], pairs: [Pair], blind: BlindCoding? = nil) {
        self.fields = fields
        self.pairs = pairs
        self.blind = blind
    }

    /// True when some field has a unit, so some α could be computed.
    public var hasUnits: Bool {
        fields.contains { $0.units > 0 }
    }
}
