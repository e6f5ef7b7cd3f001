extension ConflictReport {
    /// Inter-coder agreement over events' coded fields (protocol.md §11), as `concord agreement` measures it: the
    /// report's headline. The reliability data stay in `concord agreement --json`.
    public struct Coding: Hashable, Sendable, Codable {
        public var fields: [Field] = []
        public var pairs: [Pair] = []
        /// Agreements / (agreements + conflicts) over the episodes of events' coded fields; absent when none.
        public var codedAgreementRate: Double?
        /// What blind coding set apart from the figures above (protocol.md §15); absent when nothing was submitted.
        public var blind: BlindCoding?
        /// Each document with assignees: who codes it, their events, who submitted.
        public var progress: [Progress] = []

        public struct Progress: Hashable, Sendable, Codable {
            public var document: String
            public var assigned: [String]
            public var submitted: [String]
            /// Events each coder created in the document (not deleted; those made after submitting left out), by
            /// name; every assignee is listed.
            public var events: [String: Int]
            /// Open to all: released, or every assignee submitted.
            public var open: Bool
        }

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
            case fields, pairs, blind, progress
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
            var coding = Coding(AgreementReport.compute(input, fields: FieldSpec.coded), fieldAgreement: fieldAgreement)
            coding.blind = input.blind
            var counts: [String: [String: Int]] = [:]
            for event in input.events where !event.deleted {
                if let document = event.document { counts[document, default: [:]][event.creator, default: 0] += 1 }
            }
            coding.progress = input.assignments.map { document in
                var events = counts[document.id.rawValue] ?? [:]
                for coder in document.assigned where events[coder.rawValue] == nil { events[coder.rawValue] = 0 }
                return Progress(
                    document: document.id.rawValue, assigned: document.assigned.map(\.rawValue),
                    submitted: document.submitted.map(\.rawValue), events: events, open: document.isOpenToAll)
            }
            return coding
        }
    }
}
