extension AgreementReport {
    /// The report as `concord agreement --json` prints it (protocol.md §11), keys sorted, two-space indented:
    ///
    /// ```
    /// {"fields": {FIELD: {"level", "alpha", "percent_agreement", "units",
    ///                     "reliability": {"coders": [NAME...], "units": [CLUSTER...],
    ///                                     "values": [[VALUE or null per unit] per coder]}}},
    ///  "pairs": [{"a", "b", "detection_f1", "fields": {FIELD: PERCENT}, "type_confusion": {A: {B: COUNT}}}]}
    /// ```
    ///
    /// `alpha`, `percent_agreement`, `detection_f1` and a pair's field share are `null` when undefined, never
    /// omitted; shares are fractions in 0...1. Labels (dates as coded) are strings, sets sorted arrays. The only
    /// addition to §11's shape is `type_confusion`.
    public func json() -> String {
        var fieldMembers: [String: CodingJSON] = [:]
        for field in fields {
            fieldMembers[field.name] = .object([
                "level": .string(field.level.rawValue),
                "alpha": .optional(field.alpha),
                "percent_agreement": .optional(field.percentAgreement),
                "units": .int(field.units),
                "reliability": .object([
                    "coders": .array(field.coders.map { .string($0) }, inline: true),
                    "units": .array(field.unitIDs.map { .string($0) }, inline: true),
                    "values": .array(field.values.map { row in .array(row.map(CodingJSON.value), inline: true) }),
                ]),
            ])
        }
        let pairMembers: [CodingJSON] = pairs.map { pair in
            .object([
                "a": .string(pair.a),
                "b": .string(pair.b),
                "detection_f1": .optional(pair.detectionF1),
                "fields": .object(pair.fields.mapValues { CodingJSON.optional($0) }),
                "type_confusion": .object(pair.typeConfusion.mapValues { row in .object(row.mapValues { .int($0) }) }),
            ])
        }
        var members: [String: CodingJSON] = ["fields": .object(fieldMembers), "pairs": .array(pairMembers)]
        if let blind {
            members["blind"] = .object([
                "documents": .int(blind.documents), "submissions": .int(blind.submissions),
                "revisions": .int(blind.revisions), "late_events": .int(blind.lateEvents),
            ])
        }
        return CodingJSON.object(members).text + "\n"
    }
}
