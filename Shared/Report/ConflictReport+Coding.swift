extension ConflictReport {
    /// Inter-coder agreement over events' coded fields (protocol.md §11), as `concord agreement` measures it: the
    /// report's headline. The reliability data stay in `concord agreement --json`.
    public struct Coding: Hashable, Sendable, Codable {
        public var fields: [Field] = []
        public var pairs: [Pair] = []
        /// Agreements / (agreements + conflicts) over the episodes of events' coded fields; absent when none.
        public var codedAgreementRate: Double?

        public struct Field: Hashable, Sendable, Codable {
            public var field: String
            public var level: String
            /// Krippendorff's α; absent when undefined (no unit, or no variation).
            public var alpha: Double?
            public var percentAgreement: Double?
            public var units: Int

            enum CodingKeys: String, CodingKey {
                case field, level, alpha, units
                case percentAgreement = "percent_agreement"
            }
        }

        public struct Pair: Hashable, Sendable, Codable {
            public var a: String
            public var b: String
            public var detectionF1: Double?
            /// Documents both analysts coded, and clusters holding an event of each in them.
            public var documents: Int
            public var matched: Int

            enum CodingKeys: String, CodingKey {
                case a, b, documents, matched
                case detectionF1 = "detection_f1"
            }
        }

        enum CodingKeys: String, CodingKey {
            case fields, pairs
            case codedAgreementRate = "coded_agreement_rate"
        }

        public init() {}

        /// The headline figures of `agreement`, with the coded-field agreement rate from the report's episodes.
        public init(_ agreement: AgreementReport, fieldAgreement: [FieldAgreement]) {
            fields = agreement.fields.map {
                Field(
                    field: $0.name, level: $0.level.rawValue, alpha: $0.alpha, percentAgreement: $0.percentAgreement,
                    units: $0.units)
            }
            pairs = agreement.pairs.map {
                Pair(a: $0.a, b: $0.b, detectionF1: $0.detectionF1, documents: $0.documents, matched: $0.matched)
            }
            let coded = Set(Schema.codedEventFields)
            let rows = fieldAgreement.filter { $0.entityKind == .event && coded.contains($0.field) }
            let agreements = rows.reduce(0) { $0 + $1.agreements }
            let total = agreements + rows.reduce(0) { $0 + $1.conflicts }
            codedAgreementRate = total == 0 ? nil : Double(agreements) / Double(total)
        }

        /// The coding figures of these inputs and episodes.
        public static func build(_ input: AgreementInput, fieldAgreement: [FieldAgreement]) -> Coding {
            Coding(AgreementReport.compute(input, fields: FieldSpec.coded), fieldAgreement: fieldAgreement)
        }
    }
}
