extension ConflictReport {
    /// The report as one self-contained HTML page: inline CSS only, no scripts, nothing fetched from anywhere.
    ///
    /// Summary cards at the top, open conflicts as cards with the candidates side by side, resolutions with who
    /// chose what and why, delete/edit conflicts, agreement rates as CSS bars, and the per-analyst table. All user
    /// text (titles, values, reasons, quotes, names) is escaped.
    public func html() -> String {
        let h = ReportText.html
        var out = ""
        func emit(_ line: String) {
            out += line
            out += "\n"
        }
        func display(_ iso: String) -> String { h(ReportText.display(iso)) }
        func shortID(_ id: ChangeID) -> String { String(id.rawValue.suffix(12)) }
        func avatar(_ name: AnalystName) -> String {
            var hash: UInt32 = 2_166_136_261
            for byte in name.rawValue.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
            let hue = hash % 360
            let initial = name.rawValue.first.map { String($0).uppercased() } ?? "?"
            return "<span class=\"avatar\" style=\"background:hsl(\(hue),55%,45%)\">\(h(initial))</span>"
        }
        func who(_ name: AnalystName) -> String { avatar(name) + "<span class=\"name\">\(h(name.rawValue))</span>" }
        func heading(_ field: String, _ title: String?, _ entity: EntityID) -> String {
            "<div class=\"card-head\"><span class=\"field\">\(h(field))</span><h3>"
                + (title.map(h) ?? "<em>untitled</em>")
                + "</h3><code class=\"entity\">\(h(entity.rawValue))</code></div>"
        }
        func documentLine(_ document: DocumentRef?) -> String {
            guard let document else { return "" }
            return "<div class=\"doc\"><span class=\"doc-label\">Document</span> "
                + (document.title.map { "<strong>\(h($0))</strong> " } ?? "")
                + "<code>\(h(document.id.rawValue))</code></div>"
        }
        func candidate(_ c: Candidate, classes: String = "", tag: String? = nil) -> String {
            "<div class=\"candidate \(classes)\">" + (tag.map { "<span class=\"tag\">\($0)</span>" } ?? "")
                + "<div class=\"value\">\(h(c.value.description))</div>"
                + "<div class=\"who\">\(who(c.author))</div>"
                + "<div class=\"when\">\(display(c.time))</div>"
                + "<div class=\"ids\"><code>\(h(c.change.rawValue))</code><br><span class=\"hlc\">hlc "
                + "<code>\(h(c.hlc.description))</code></span></div></div>"
        }

        emit("<!DOCTYPE html>")
        emit("<html lang=\"en\"><head><meta charset=\"utf-8\">")
        emit("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        emit("<title>Concord conflict report</title>")
        emit("<style>\(Self.css)</style>")
        emit("</head><body><main>")

        // Header.
        emit("<header class=\"top\"><h1>Concord conflict report</h1><p class=\"meta\">")
        if let range = header.range {
            emit(
                "Data from <strong>\(display(range.firstTime))</strong> to <strong>\(display(range.lastTime))</strong>")
            emit(
                "<span class=\"muted\">(hlc \(h(range.firstHLC.description)) – \(h(range.lastHLC.description)))</span>")
        } else {
            emit("No data yet.")
        }
        if let generatedAt { emit("<br><span class=\"muted\">Generated \(display(generatedAt))</span>") }
        emit("</p></header>")

        let c = header.counts
        emit("<section class=\"summary\">")
        let cards: [(String, String, String)] = [
            ("Open conflicts", String(c.openConflicts), c.openConflicts > 0 ? "alert" : "ok"),
            ("Delete/edit conflicts", String(c.deleteEditConflicts), c.deleteEditConflicts > 0 ? "warn" : "ok"),
            ("Resolved conflicts", String(c.resolvedConflicts), "ok"),
            (
                "Cluster disagreements", String(clusterDisagreements.count),
                clusterDisagreements.isEmpty ? "ok" : "alert"
            ),
            ("Krippendorff's <span class=\"greek\">α</span>", alphaHeadline, "info"),
            ("Detection F1", f1Headline, "info"),
            (
                "Events",
                String(c.events) + (c.deletedEvents > 0 ? " <small>(\(c.deletedEvents) deleted)</small>" : ""), "plain"
            ),
            ("Documents", String(c.documents), "plain"),
            ("Changes", String(c.changes), "plain"),
            ("Analysts", String(c.analysts), "plain"),
        ]
        for (label, figure, tone) in cards {
            emit(
                "<div class=\"stat \(tone)\"><div class=\"figure\">\(figure)</div><div class=\"label\">\(label)</div></div>"
            )
        }
        emit("</section>")

        // Open conflicts.
        emit("<section><h2>Open conflicts <span class=\"badge alert\">\(openConflicts.count)</span></h2>")
        emit(
            "<p class=\"hint\">By event, most important first: type, mode, date, actors, recipients, country, location, "
                + "context, confidence, status, then the rest. The last candidate is displayed provisionally until an "
                + "adjudicator decides.</p>")
        if openConflicts.isEmpty && clusterDisagreements.isEmpty {
            emit("<p class=\"empty\">No open conflicts and no cluster disagreements. Everyone agrees, for now.</p>")
        } else if openConflicts.isEmpty {
            emit(
                "<p class=\"empty\">No event is in conflict on its own; the linked events below still disagree.</p>")
        }
        for group in openConflictsByEntity {
            let first = group[0]
            emit("<article class=\"card conflict\">")
            emit(heading(group.map(\.field).joined(separator: " · "), first.title, first.entity))
            emit(documentLine(first.document))
            if let evidence = first.evidence { emit("<blockquote>\(h(evidence))</blockquote>") }
            for conflict in group {
                emit("<div class=\"field-conflict\"><span class=\"field\">\(h(conflict.field))</span> ")
                emit("<span class=\"since\">open since \(display(UTCTime.iso(millis: conflict.since.millis)))</span>")
                emit("<div class=\"candidates\">")
                for (i, cand) in conflict.candidates.enumerated() {
                    let shown = i == conflict.candidates.count - 1
                    emit(candidate(cand, classes: shown ? "provisional" : "", tag: shown ? "shown for now" : nil))
                }
                emit("</div></div>")
            }
            emit("</article>")
        }
        emit("</section>")

        // Cluster disagreements.
        if !clusterDisagreements.isEmpty {
            emit(
                "<section><h2>Cluster disagreements <span class=\"badge alert\">\(clusterDisagreements.count)</span></h2>"
            )
            emit(
                "<p class=\"hint\">Linked events (the same happening) that analysts coded differently. "
                    + "<code>concord resolve</code> on any member decides for every member.</p>")
            for disagreement in clusterDisagreements {
                emit("<article class=\"card conflict\">")
                emit(
                    heading(
                        disagreement.field, disagreement.candidates.first?.title, disagreement.cluster))
                emit("<div class=\"candidates\">")
                for vote in disagreement.candidates {
                    emit(
                        "<div class=\"candidate\"><div class=\"value\">\(h(vote.value.description))</div>"
                            + "<div class=\"who\">\(who(vote.author))</div>"
                            + "<div class=\"when\">\(display(vote.time))</div>"
                            + "<div class=\"ids\">on <code>\(h(vote.event.rawValue))</code>"
                            + (vote.title.map { " (\(h($0)))" } ?? "") + "<br><code>\(h(vote.change.rawValue))</code>"
                            + "</div></div>")
                }
                emit("</div></article>")
            }
            emit("</section>")
        }

        // Resolved conflicts.
        emit("<section><h2>Resolved conflicts <span class=\"badge ok\">\(resolvedConflicts.count)</span></h2>")
        if resolvedConflicts.isEmpty { emit("<p class=\"empty\">Nothing has been adjudicated yet.</p>") }
        for resolution in resolvedConflicts {
            let chosen = resolution.chosen
            emit("<article class=\"card resolved\">")
            emit(heading(resolution.headline, resolution.title, resolution.entity))
            emit(documentLine(resolution.document))
            if let members = resolution.members {
                emit(
                    "<p class=\"members\">Written to the \(members.count) linked events "
                        + members.map { "<code class=\"id\">\(h($0.rawValue))</code>" }.joined(separator: ", ")
                        + ".</p>")
            }
            emit(
                "<p class=\"verdict\">\(who(chosen.author)) chose <strong class=\"chosen-value\">\(h(chosen.value.description))</strong>"
            )
            emit(
                "on \(display(chosen.time)) — "
                    + (resolution.chosenWasAlternative ? "one of the alternatives" : "a new value") + ".</p>")
            emit(
                "<p class=\"reason\">"
                    + (resolution.reason.map { "<span class=\"doc-label\">Reason</span> \(h($0))" }
                        ?? "<span class=\"muted\">No reason given.</span>") + "</p>")
            emit("<div class=\"candidates\">")
            for alternative in resolution.alternatives {
                emit(candidate(alternative, classes: alternative.value == chosen.value ? "kept" : "overruled"))
            }
            emit("<div class=\"arrow\">→</div>")
            emit(candidate(chosen, classes: "decision", tag: "decision"))
            emit("</div></article>")
        }
        emit("</section>")

        // Delete/edit conflicts.
        emit("<section><h2>Delete/edit conflicts <span class=\"badge warn\">\(deleteEditConflicts.count)</span></h2>")
        if deleteEditConflicts.isEmpty { emit("<p class=\"empty\">No edits were made behind a delete.</p>") }
        for conflict in deleteEditConflicts {
            emit("<article class=\"card deleted\">")
            emit(heading("deleted", conflict.title, conflict.entity))
            emit(documentLine(conflict.document))
            for delete in conflict.deletes {
                emit(
                    "<p class=\"verdict\">Deleted by \(who(delete.author)) on \(display(delete.time))"
                        + " <code>\(h(delete.change.rawValue))</code></p>")
            }
            emit(
                "<p class=\"hint\">Edits written without seeing the delete: restore the event to keep them, or delete it again.</p>"
            )
            emit(
                "<div class=\"table-wrap\"><table><thead><tr><th>field</th><th>op</th><th>value</th><th>author</th><th>time</th><th>change</th></tr></thead><tbody>"
            )
            for edit in conflict.edits {
                emit(
                    "<tr><td><span class=\"field\">\(h(edit.field))</span></td><td>\(h(edit.op.rawValue))</td>"
                        + "<td>\(h(edit.value.description))</td><td>\(who(edit.author))</td><td>\(display(edit.time))</td>"
                        + "<td><code>\(h(edit.change.rawValue))</code></td></tr>")
            }
            emit("</tbody></table></div></article>")
        }
        emit("</section>")

        // Inter-coder agreement.
        emit("<section><h2>Inter-coder agreement (Krippendorff's α)</h2>")
        let measured = coding.fields.filter { $0.units > 0 }
        if measured.isEmpty {
            emit(
                "<p class=\"empty\">No unit has two coders yet: link events that report the same happening to "
                    + "compare codings.</p>")
        } else {
            emit(
                "<div class=\"table-wrap\"><table class=\"coding\"><thead><tr><th>field</th><th>level</th><th class=\"num\"><span class=\"greek\">α</span></th>"
                    + "<th class=\"num\">agreement</th><th class=\"num\">units</th></tr></thead><tbody>")
            for field in measured {
                emit(
                    "<tr><td>\(h(field.field))</td><td>\(h(field.level))</td><td class=\"num\">"
                        + (field.alpha.map { CodingFormat.decimal($0, places: 3) } ?? "undefined")
                        + "</td><td class=\"num\">"
                        + ReportText.percent(field.percentAgreement) + "</td><td class=\"num\">\(field.units)</td></tr>"
                )
            }
            emit("</tbody></table></div>")
        }
        for pair in coding.pairs {
            emit(
                "<p>\(h(pair.a)) – \(h(pair.b)): detection F1 <strong>"
                    + (pair.detectionF1.map { CodingFormat.decimal($0, places: 3) } ?? "–")
                    + "</strong> over \(pair.documents) document\(pair.documents == 1 ? "" : "s") both coded</p>")
        }
        if !coding.progress.isEmpty {
            emit(
                "<h3>Blind coding</h3><div class=\"table-wrap\"><table class=\"coding\"><thead><tr><th>document</th>"
                    + "<th>coders (events)</th><th>submitted</th><th>state</th></tr></thead><tbody>")
            for row in coding.progress {
                emit(
                    "<tr><td>\(h(row.document))</td><td>"
                        + h(row.assigned.map { "\($0) (\(row.events[$0] ?? 0))" }.joined(separator: ", "))
                        + "</td><td>\(h(row.submitted.joined(separator: ", ")))</td><td>\(row.open ? "open" : "blind")</td></tr>"
                )
            }
            emit("</tbody></table></div>")
        }
        if let blind = coding.blind { emit("<p>\(h(blind.sentence))</p>") }
        emit("</section>")

        // Agreement by field.
        emit("<section><h2>Agreement by field</h2>")
        emit(
            "<p class=\"hint\">Agreements / (agreements + conflicts) over episodes where two or more analysts wrote the same field together.</p>"
        )
        if fieldAgreement.isEmpty {
            emit("<p class=\"empty\">No field has been written by two analysts together yet.</p>")
        } else {
            emit("<div class=\"chart\">")
            emit(
                "<div class=\"legend\"><span class=\"swatch agree\"></span>agreements "
                    + "<span class=\"swatch conflict\"></span>conflicts</div>")
            for row in fieldAgreement {
                let agreeWidth = ReportText.percent(row.rate)
                let label = row.entityKind == .event ? row.field : "\(row.entityKind.rawValue).\(row.field)"
                emit(
                    "<div class=\"bar-row\"><div class=\"bar-label\">\(h(label))</div>"
                        + "<div class=\"bar\"><div class=\"bar-agree\" style=\"width:\(agreeWidth)\"></div></div>"
                        + "<div class=\"bar-figure\"><strong>\(ReportText.percent(row.rate))</strong> "
                        + "<span class=\"muted\">\(row.agreements) agreement" + (row.agreements == 1 ? "" : "s")
                        + ", \(row.conflicts) conflict" + (row.conflicts == 1 ? "" : "s") + "</span></div></div>")
            }
            emit("</div>")
        }
        emit("</section>")

        // Analysts.
        emit("<section><h2>Analysts</h2>")
        emit(
            "<div class=\"table-wrap\"><table class=\"analysts\"><thead><tr><th>analyst</th><th class=\"num\">changes</th><th class=\"num\">events touched</th>"
                + "<th class=\"num\">conflicts involved</th><th class=\"num\">agreements involved</th><th class=\"num\">resolutions</th>"
                + "<th>first activity</th><th>last activity</th></tr></thead><tbody>")
        for analyst in analysts {
            emit(
                "<tr><td>\(who(analyst.analyst))</td><td class=\"num\">\(analyst.changes)</td>"
                    + "<td class=\"num\">\(analyst.eventsTouched)</td><td class=\"num\">\(analyst.conflictsInvolved)</td>"
                    + "<td class=\"num\">\(analyst.agreementsInvolved)</td><td class=\"num\">\(analyst.resolutions)</td>"
                    + "<td class=\"time\">\(display(analyst.firstTime))</td>"
                    + "<td class=\"time\">\(display(analyst.lastTime))</td></tr>")
        }
        emit("</tbody></table></div></section>")

        emit("<footer><h2>Definitions</h2><dl>")
        for (name, text) in definitions.sorted(by: { $0.key < $1.key }) {
            emit("<dt>\(h(name.replacingOccurrences(of: "_", with: " ")))</dt><dd>\(Self.codeSpans(h(text)))</dd>")
        }
        emit("</dl></footer>")
        emit("</main></body></html>")
        return out
    }

    static let css = """
        :root{--ink:#1d2433;--muted:#6b7385;--line:#e3e6ee;--bg:#f5f6fa;--card:#fff;--alert:#c62828;--alert-bg:#fdecec;\
        --ok:#15803d;--ok-bg:#ecfdf3;--warn:#b7791f;--warn-bg:#fff7e0;--info:#1d4ed8;--info-bg:#eef3ff}
        *{box-sizing:border-box}
        body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,\
        "Helvetica Neue",Arial,sans-serif}
        main{max-width:1100px;margin:0 auto;padding:32px 24px 48px}
        h1{font-size:28px;margin:0 0 4px}
        h2{font-size:20px;margin:36px 0 8px;display:flex;align-items:center;gap:10px}
        h3{font-size:17px;margin:0}
        code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:#4b5366;word-break:break-all}
        .meta{margin:0;color:var(--ink)}.muted{color:var(--muted)}.hint{color:var(--muted);margin:0 0 12px;font-size:14px}
        .empty{background:var(--card);border:1px dashed var(--line);border-radius:10px;padding:16px;color:var(--muted)}
        .summary{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin-top:20px}
        .stat{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:14px 16px;border-top:4px solid #c9cedb}
        .stat .figure{font-size:30px;font-weight:700;line-height:1.1}.stat .label{color:var(--muted);font-size:13px;\
        text-transform:uppercase;letter-spacing:.04em}
        .stat small{font-size:13px;font-weight:400;color:var(--muted)}
        .stat.alert{border-top-color:var(--alert)}.stat.alert .figure{color:var(--alert)}
        .stat.warn{border-top-color:var(--warn)}.stat.warn .figure{color:var(--warn)}
        .stat.ok{border-top-color:var(--ok)}.stat.ok .figure{color:var(--ok)}
        .stat.info{border-top-color:var(--info)}.stat.info .figure{color:var(--info)}
        .badge{font-size:13px;font-weight:700;border-radius:999px;padding:1px 10px}
        .badge.alert{background:var(--alert-bg);color:var(--alert)}.badge.ok{background:var(--ok-bg);color:var(--ok)}
        .badge.warn{background:var(--warn-bg);color:var(--warn)}
        .card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:18px 20px;margin:0 0 16px;\
        box-shadow:0 1px 2px rgba(20,30,60,.05);border-left:5px solid #c9cedb}
        .card.conflict{border-left-color:var(--alert)}.card.resolved{border-left-color:var(--ok)}
        .card.deleted{border-left-color:var(--warn)}
        .card-head{display:flex;flex-wrap:wrap;align-items:baseline;gap:10px}.card-head .entity{margin-left:auto}
        .field{display:inline-block;font:600 12px/1.6 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;\
        background:#eef0f6;color:#3b4356;border-radius:6px;padding:0 8px}
        .since{color:var(--muted);font-size:13px;margin-top:2px}
        .doc{margin-top:10px;font-size:14px}.doc-label{font-size:11px;text-transform:uppercase;letter-spacing:.06em;\
        color:var(--muted);margin-right:4px}
        blockquote{margin:12px 0;padding:10px 14px;border-left:3px solid #9aa3b8;background:#f8f9fc;border-radius:0 8px 8px 0;\
        font-family:Georgia,"Times New Roman",serif;font-style:italic;color:#333a4a}
        .candidates{display:flex;flex-wrap:wrap;gap:12px;margin-top:12px;align-items:stretch}
        .candidate{flex:1 1 220px;max-width:340px;border:1px solid var(--line);border-radius:10px;padding:12px 14px;background:#fbfcfe}
        .candidate .value{font-size:18px;font-weight:700;margin-bottom:6px;word-break:break-word}
        .candidate .who{display:flex;align-items:center;gap:6px}.candidate .when{color:var(--muted);font-size:13px}
        .candidate .ids{margin-top:6px;font-size:12px;color:var(--muted)}
        .candidate.provisional{border-color:#f0a8a8;background:var(--alert-bg)}
        .candidate.overruled .value{text-decoration:line-through;color:var(--muted)}
        .candidate.kept{border-color:#b7e4c7}
        .candidate.decision{border:2px solid var(--ok);background:var(--ok-bg)}
        .arrow{align-self:center;font-size:26px;color:var(--ok);padding:0 2px}
        .verdict{margin:12px 0 4px;display:flex;flex-wrap:wrap;align-items:center;gap:6px}
        .chosen-value{background:var(--ok-bg);color:var(--ok);padding:0 8px;border-radius:6px}
        .reason{margin:4px 0 0}
        .avatar{display:inline-flex;align-items:center;justify-content:center;width:22px;height:22px;border-radius:50%;\
        color:#fff;font-size:12px;font-weight:700;flex:none}
        .name{font-weight:600}
        td .avatar{margin-right:6px;vertical-align:middle}
        table{width:100%;border-collapse:collapse;background:var(--card);margin-top:10px;font-size:14px}
        th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);text-align:left;\
        border-bottom:2px solid var(--line);padding:8px 10px}
        td{border-bottom:1px solid var(--line);padding:8px 10px;vertical-align:middle}
        .num{text-align:right;font-variant-numeric:tabular-nums}
        table.analysts{border:1px solid var(--line);border-radius:12px;overflow:hidden}
        .chart{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:14px 18px}
        .bar-row{display:grid;grid-template-columns:150px 1fr 240px;gap:14px;align-items:center;padding:6px 0}
        .bar-label{font:600 13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;text-align:right}
        .bar{height:16px;border-radius:8px;background:#e57373;overflow:hidden}
        .bar-agree{height:100%;background:linear-gradient(90deg,#22a559,#15803d)}
        .bar-figure{font-size:14px}
        .legend{display:flex;justify-content:flex-end;align-items:center;gap:6px;font-size:12px;color:var(--muted);\
        margin-bottom:4px}
        .swatch{display:inline-block;width:12px;height:12px;border-radius:3px;margin-left:10px}
        .swatch.agree{background:#15803d}.swatch.conflict{background:#e57373}
        .candidate{position:relative}.tag{position:absolute;top:-9px;right:10px;font-size:11px;font-weight:700;\
        text-transform:uppercase;letter-spacing:.05em;background:var(--card);border:1px solid currentColor;\
        border-radius:999px;padding:0 8px;color:var(--alert)}
        .candidate.decision .tag{color:var(--ok)}
        .hlc{white-space:nowrap}
        table.analysts td{white-space:nowrap}table.analysts td.time{white-space:normal;min-width:9em}
        code{white-space:nowrap}
        .table-wrap{overflow-x:auto;max-width:100%}
        .field-conflict{margin-top:16px}.field-conflict .since{display:inline;margin-left:6px}
        .members{margin:8px 0 0;font-size:14px}
        footer dl{display:grid;grid-template-columns:190px 1fr;gap:6px 16px;font-size:13px;color:#4b5366}
        footer dt{font-weight:700;text-transform:capitalize}footer dd{margin:0}\
        .greek{text-transform:none}.stat .figures{display:flex;flex-wrap:wrap;gap:4px 10px;font-size:18px}\
        .stat .figures small{font-size:12px;font-weight:400;color:var(--muted)}
        @media (max-width:900px){main{padding:20px 14px 36px}.card{padding:14px 14px}td,th{padding:6px 6px}\
        table.analysts td.time{min-width:6em}}
        @media (max-width:760px){.summary{grid-template-columns:repeat(2,1fr)}.bar-row{grid-template-columns:100px 1fr}\
        .bar-figure{grid-column:2}}
        """
}

extension ConflictReport {
    /// The headline's α: each coded field two coders measured, as `field 0.667` ("undefined" where α is), or "–".
    var alphaHeadline: String {
        let measured = coding.fields.filter { $0.units > 0 }
        guard !measured.isEmpty else { return "–" }
        return "<span class=\"figures\">"
            + measured.map { field in
                "<span><small>\(ReportText.html(field.field))</small> "
                    + (field.alpha.map { CodingFormat.decimal($0, places: 2) } ?? "<small>undefined</small>")
                    + "</span>"
            }.joined(separator: " ") + "</span>"
    }

    /// The headline's detection F1: each pair of analysts as `a–b 0.91`, or "–".
    var f1Headline: String {
        guard !coding.pairs.isEmpty else { return "–" }
        return "<span class=\"figures\">"
            + coding.pairs.map { pair in
                "<span><small>\(ReportText.html(pair.a))–\(ReportText.html(pair.b))</small> "
                    + (pair.detectionF1.map { CodingFormat.decimal($0, places: 2) } ?? "–") + "</span>"
            }.joined(separator: " ") + "</span>"
    }

    /// HTML-escaped text with its Markdown code spans (`x`) as `<code>` (the definitions are written for both).
    static func codeSpans(_ escaped: String) -> String {
        let parts = escaped.split(separator: "`", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return escaped }
        var out = ""
        for (index, part) in parts.enumerated() {
            // An unmatched last backtick stays a backtick.
            if index % 2 == 1 && index == parts.count - 1 {
                out += "`" + part
            } else {
                out += index % 2 == 1 ? "<code>\(part)</code>" : String(part)
            }
        }
        return out
    }
}
