extension ConflictReport {
    /// The report as Markdown for terminals and tickets: headings, tables, evidence as a blockquote.
    ///
    /// User text is escaped: Markdown formatting characters get a backslash, `|` cannot split a table cell, and
    /// line breaks become spaces (`<br>` inside cells).
    public func markdown() -> String {
        var out: [String] = []
        func md(_ text: String) -> String { ReportText.markdown(text) }
        let cell = ReportText.cell
        func table(_ header: [String], _ rows: [[String]]) {
            out.append("| " + header.joined(separator: " | ") + " |")
            out.append("|" + String(repeating: "---|", count: header.count))
            for row in rows { out.append("| " + row.joined(separator: " | ") + " |") }
            out.append("")
        }
        func titled(_ title: String?, _ entity: EntityID) -> String {
            title.map { "“\(md($0))” (`\(entity)`)" } ?? "`\(entity)`"
        }
        func documentLine(_ document: DocumentRef?) {
            guard let document else { return }
            out.append("Document: " + (document.title.map { "**\(md($0))** " } ?? "") + "(`\(document.id)`)")
            out.append("")
        }
        func candidateRows(_ candidates: [Candidate]) -> [[String]] {
            candidates.map {
                ["`\($0.change)`", cell($0.value.description), cell($0.author.rawValue), "`\($0.hlc)`", $0.time]
            }
        }

        out.append("# Concord conflict report")
        out.append("")
        if let generatedAt { out.append("Generated \(generatedAt).") }
        if let range = header.range {
            out.append(
                "Data from \(range.firstTime) to \(range.lastTime) (hlc `\(range.firstHLC)` – `\(range.lastHLC)`).")
        } else {
            out.append("No data yet.")
        }
        out.append("")
        let c = header.counts
        table(
            [
                "changes", "documents", "events", "deleted events", "analysts", "open conflicts",
                "cluster disagreements", "resolved conflicts", "delete/edit conflicts",
            ],
            [
                [
                    String(c.changes), String(c.documents), String(c.events), String(c.deletedEvents),
                    String(c.analysts), String(c.openConflicts), String(clusterDisagreements.count),
                    String(c.resolvedConflicts), String(c.deleteEditConflicts),
                ]
            ])

        out.append("## Inter-coder agreement (Krippendorff's α)")
        out.append("")
        let measured = coding.fields.filter { $0.units > 0 }
        if measured.isEmpty {
            out += [
                "No unit has two coders yet: link events that report the same happening (`concord match`, "
                    + "`concord link`) to compare codings.", "",
            ]
        } else {
            table(
                ["field", "level", "α", "agreement", "units"],
                measured.map {
                    [
                        $0.field, $0.level, $0.alpha.map { CodingFormat.decimal($0, places: 3) } ?? "undefined",
                        ReportText.percent($0.percentAgreement), String($0.units),
                    ]
                })
        }
        if !coding.pairs.isEmpty {
            table(
                ["analysts", "detection F1", "documents both coded", "matched clusters"],
                coding.pairs.map {
                    [
                        cell("\($0.a) – \($0.b)"), $0.detectionF1.map { CodingFormat.decimal($0, places: 3) } ?? "–",
                        String($0.documents), String($0.matched),
                    ]
                })
        }

        if !coding.progress.isEmpty {
            out.append("### Blind coding")
            out.append("")
            table(
                ["document", "coders (events)", "submitted", "state"],
                coding.progress.map { row in
                    [
                        cell(row.document),
                        cell(row.assigned.map { "\($0) (\(row.events[$0] ?? 0))" }.joined(separator: ", ")),
                        cell(row.submitted.joined(separator: ", ")), row.open ? "open" : "blind",
                    ]
                })
        }
        if let blind = coding.blind { out += [blind.sentence, ""] }

        out.append("## Open conflicts (\(openConflicts.count))")
        out.append("")
        if openConflicts.isEmpty {
            out += [
                clusterDisagreements.isEmpty
                    ? "None, and no cluster disagreement."
                    : "No event is in conflict on its own; see the cluster disagreements.",
                "",
            ]
        } else {
            out.append(
                "By event, most important first (type, mode, date, actors, recipients, country, location, context, "
                    + "confidence, status, then the rest).")
            out.append("")
        }
        for (n, group) in openConflictsByEntity.enumerated() {
            let first = group[0]
            out.append(
                "### \(n + 1). \(titled(first.title, first.entity)): "
                    + group.map { "`\($0.field)`" }.joined(separator: ", "))
            out.append("")
            documentLine(first.document)
            if let evidence = first.evidence {
                out += evidence.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map {
                    "> " + md(String($0))
                }
                out.append("")
            }
            for conflict in group {
                out.append("`\(conflict.field)`, open since \(UTCTime.iso(millis: conflict.since.millis)):")
                out.append("")
                table(["change", "value", "author", "hlc", "time"], candidateRows(conflict.candidates))
            }
        }

        out.append("## Cluster disagreements (\(clusterDisagreements.count))")
        out.append("")
        if clusterDisagreements.isEmpty { out += ["None.", ""] }
        for disagreement in clusterDisagreements {
            out.append("### `\(disagreement.field)` of cluster `\(disagreement.cluster.rawValue)`")
            out.append("")
            out.append("Linked events coded differently; `concord resolve` on any member decides for every member.")
            out.append("")
            table(
                ["event", "title", "value", "author", "change", "time"],
                disagreement.candidates.map {
                    [
                        "`\($0.event.rawValue)`", cell($0.title ?? ""), cell($0.value.description),
                        cell($0.author.rawValue), "`\($0.change)`", $0.time,
                    ]
                })
        }

        out.append("## Resolved conflicts (\(resolvedConflicts.count))")
        out.append("")
        if resolvedConflicts.isEmpty { out += ["None.", ""] }
        for resolution in resolvedConflicts {
            let chosen = resolution.chosen
            out.append("### `\(resolution.headline)` of \(titled(resolution.title, resolution.entity))")
            out.append("")
            documentLine(resolution.document)
            if let members = resolution.members {
                out.append(
                    "Written to the \(members.count) linked events " + members.map { "`\($0)`" }.joined(separator: ", ")
                        + ".")
                out.append("")
            }
            out.append(
                "**\(md(chosen.author.rawValue))** chose **\(md(chosen.value.description))** at \(chosen.time) "
                    + "(`\(chosen.change)`, hlc `\(chosen.hlc)`), "
                    + (resolution.chosenWasAlternative ? "one of the alternatives." : "a new value."))
            out.append("")
            out.append("Reason: " + (resolution.reason.map { "“\(md($0))”" } ?? "none given."))
            out.append("")
            table(["alternative", "value", "author", "hlc", "time"], candidateRows(resolution.alternatives))
        }

        out.append("## Delete/edit conflicts (\(deleteEditConflicts.count))")
        out.append("")
        if deleteEditConflicts.isEmpty { out += ["None.", ""] }
        for conflict in deleteEditConflicts {
            out.append("### \(titled(conflict.title, conflict.entity))")
            out.append("")
            documentLine(conflict.document)
            for delete in conflict.deletes {
                out.append(
                    "- Deleted by **\(md(delete.author.rawValue))** at \(delete.time) (`\(delete.change)`, "
                        + "hlc `\(delete.hlc)`)")
            }
            out.append("")
            table(
                ["unseen edit", "field", "op", "value", "author", "hlc", "time"],
                conflict.edits.map {
                    [
                        "`\($0.change)`", cell($0.field), $0.op.rawValue, cell($0.value.description),
                        cell($0.author.rawValue), "`\($0.hlc)`", $0.time,
                    ]
                })
        }

        out.append("## Agreement by field")
        out.append("")
        if fieldAgreement.isEmpty {
            out += ["No field has been written by two analysts together yet.", ""]
        } else {
            table(
                ["entity", "field", "agreements", "conflicts", "rate"],
                fieldAgreement.map {
                    [
                        $0.entityKind.rawValue, cell($0.field), String($0.agreements), String($0.conflicts),
                        ReportText.percent($0.rate),
                    ]
                })
        }

        out.append("## Analysts")
        out.append("")
        table(
            [
                "analyst", "changes", "events touched", "conflicts involved", "agreements involved", "resolutions",
                "first activity", "last activity",
            ],
            analysts.map {
                [
                    cell($0.analyst.rawValue), String($0.changes), String($0.eventsTouched),
                    String($0.conflictsInvolved),
                    String($0.agreementsInvolved), String($0.resolutions), $0.firstTime, $0.lastTime,
                ]
            })

        out.append("## Definitions")
        out.append("")
        for (name, text) in definitions.sorted(by: { $0.key < $1.key }) {
            out.append("- `\(name)`: \(md(text))")
        }
        out.append("")
        return out.joined(separator: "\n")
    }
}
