extension AgreementReport {
    /// What `concord agreement` prints without `--json`: a table of fields, then each pair's detection F1, field
    /// agreement and type confusion.
    ///
    /// ```
    /// field       level     α      agreement  units
    /// type        nominal   0.667  80%        5
    /// confidence  ordinal   —      100%       2      undefined: no variation
    ///
    /// alice–bob: detection F1 0.857 over 2 documents; type 80%, confidence 100%
    ///   type confusion (rows alice, columns bob):
    ///                AGREE  COOPERATE
    ///     AGREE      1      0
    ///     COOPERATE  1      3
    /// ```
    ///
    /// Without any unit it says so, and how to get one, instead of the table.
    public func text() -> String {
        var lines: [String] = []
        if hasUnits {
            var rows = [["field", "level", "α", "agreement", "units", ""]]
            for field in fields {
                let note = field.alpha != nil ? "" : field.units == 0 ? "undefined: no unit" : "undefined: no variation"
                rows.append([
                    field.name, field.level.rawValue, field.alpha.map { CodingFormat.decimal($0, places: 3) } ?? "—",
                    field.percentAgreement.map(CodingFormat.percent) ?? "—", String(field.units), note,
                ])
            }
            lines += CodingFormat.table(rows)
        } else {
            lines.append(
                "No unit has two coders yet: α is undefined. Link events that report the same happening "
                    + "(concord match, concord link) and code the same fields.")
        }
        if let blind { lines += ["", blind.sentence] }
        for pair in pairs {
            lines.append("")
            lines.append(line(pair))
            if !pair.typeConfusion.isEmpty {
                lines.append("  type confusion (rows \(pair.a), columns \(pair.b)):")
                let rowTypes = pair.typeConfusion.keys.sorted()
                let columnTypes = Set(pair.typeConfusion.values.flatMap(\.keys)).sorted()
                var rows = [[""] + columnTypes]
                for type in rowTypes {
                    rows.append([type] + columnTypes.map { String(pair.typeConfusion[type]?[$0] ?? 0) })
                }
                lines += CodingFormat.table(rows).map { "    " + $0 }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func line(_ pair: Pair) -> String {
        var text = "\(pair.a)–\(pair.b): detection F1 "
        if let f1 = pair.detectionF1 {
            let documents = pair.documents == 1 ? "1 document" : "\(pair.documents) documents"
            text += "\(CodingFormat.decimal(f1, places: 3)) over \(documents)"
        } else {
            text += "— (no document both coded)"
        }
        let shares = fields.compactMap { field -> String? in
            guard let share = pair.fields[field.name] ?? nil else { return nil }
            return "\(field.name) \(CodingFormat.percent(share))"
        }
        text += shares.isEmpty ? "; no unit both coded" : "; " + shares.joined(separator: ", ")
        return text
    }
}

extension BlindCoding {
    /// What the figures rest on, in one sentence (`concord agreement`, the report).
    public var sentence: String {
        func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        return "Blind coding: on \(plural(documents, "assigned document")) with \(plural(submissions, "submission")), "
            + "each submitted coder counts with the votes and events they made before submitting; "
            + "\(plural(revisions, "vote")) revised and \(plural(lateEvents, "event")) created after submission "
            + "are not counted."
    }
}
