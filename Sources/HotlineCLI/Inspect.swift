import Foundation
import HotlineClassify
import HotlineCore
import HotlineLearn
import HotlineRender
import HotlineStore

extension Commands {
    /// `hotline status`: the store's contents, its sources, the last runs, and stale stages.
    static func status(_ ctx: Context) throws {
        let store = try Store(path: ctx.storePath, create: false, readOnly: true)
        let db = store.db
        let size = (try? FileManager.default.attributesOfItem(atPath: store.path)[.size] as? Int) ?? 0
        var out = "Store: \(store.path) (schema \(Store.schemaVersion), \(Format.megabytes(size)))\n\n"
        out += table(["TABLE", "ROWS"], try store.tableCounts().map { [$0.table, $0.rows.grouped] })
        let sources = try db.rows(
            "SELECT file, encoding, rows_read, inserted, updated, unchanged, rejected FROM sources ORDER BY file")
        if !sources.isEmpty {
            out += "\nSources (last ingest of each file):\n"
            out += table(
                ["FILE", "ENCODING", "READ", "INSERTED", "UPDATED", "UNCHANGED", "REJECTED"],
                sources.map { r in
                    let name = ((r[0].text ?? "") as NSString).lastPathComponent
                    let counts: [String] = r[2...].map { ($0.int ?? 0).grouped }
                    return [name, r[1].text ?? ""] + counts
                })
        }
        let runs = try store.recentRuns(limit: 10)
        if !runs.isEmpty {
            out += "\nLast runs:\n"
            out += table(
                ["ID", "STAGE", "STARTED", "FINISHED", "IN", "OUT", "REJECTED", "STATUS", "CONFIG"],
                runs.map {
                    [
                        String($0.id), $0.stage, $0.startedAt, $0.finishedAt ?? "", $0.rowsIn.grouped,
                        $0.rowsOut.grouped,
                        $0.rejected.grouped, $0.status, String($0.configHash.prefix(8)),
                    ]
                })
            if let failed = runs.first(where: { $0.status == "failed" }), let message = failed.message {
                out += "\nLast failure (\(failed.stage), run \(failed.id)): \(message)\n"
            }
        }
        let stages = ["ingest", "classify", "aggregate", "detect", "render"]
        // A stage is out of date when an earlier stage ran after it.
        var newest: (stage: String, id: Int)?
        var notes: [String] = []
        for stage in stages {
            let last = try store.lastSuccessfulRun(of: stage)
            if let newest, last ?? 0 < newest.id {
                notes.append("\(stage) has not run since the last \(newest.stage); run 'hotline \(stage)'")
            }
            if let last, last > newest?.id ?? 0 { newest = (stage, last) }
        }
        if !notes.isEmpty { out += "\nOut of date:\n" + notes.map { "  " + $0 + "\n" }.joined() }
        print(out, terminator: "")
    }

    /// `hotline explain ID`: one order, its masked text, and the rules that placed it.
    static func explain(_ ctx: Context, id: String) throws {
        let store = try Store(path: ctx.storePath, create: false, readOnly: true)
        if try store.db.scalar("SELECT count(*) FROM candidates WHERE id = ?", [id]) > 0 {
            return try explainCandidate(store, id: id)
        }
        let rows = try store.db.rows(
            """
            SELECT o.received_at, o.street, o.community, o.address, o.unit, o.status, o.satisfaction, o.kind,
                o.channel, o.operator_category, coalesce(o.title, ''), coalesce(o.content, ''), o.source_file,
                o.source_line, c.category, c.parent, c.rule, c.keywords, c.run_id, c.probability
            FROM orders o LEFT JOIN classified c ON c.order_seq = o.seq WHERE o.id = ?
            """, [id])
        guard let r = rows.first else { throw HotlineError.failed("no order '\(id)' in \(store.path)") }
        let text = PersonalData.mask(
            [r[10].text ?? "", r[11].text ?? ""].filter { !$0.isEmpty }.joined(separator: "\n"))
        func v(_ i: Int) -> String { r[i].text.map { PersonalData.mask($0) } ?? "—" }
        var out = """
            Order \(id)  (from \(((r[12].text ?? "") as NSString).lastPathComponent), line \(r[13].int ?? 0))
            Received: \(r[0].text ?? "—")   Kind: \(v(7))   Channel: \(v(8))
            Street: \(v(1))   Community: \(v(2))   Address: \(v(3))
            Unit: \(v(4))   Status: \(v(5))   Satisfaction: \(v(6))
            Operator's category: \(v(9))

            Text (names and phone numbers masked):
            \(text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n"))


            """
        if r[14] == .null {
            out += "Our category: not classified yet (run 'hotline classify')\n"
        } else {
            let parent = r[15].text.map { " (under \($0))" } ?? ""
            let rule = r[16].text ?? ""
            out += "Our category: \(v(14))\(parent)\n"
            out +=
                rule == "fallback"
                ? "Rule: no rule matched, so the fallback category\n"
                : "Rule: \(rule), keywords found: \(v(17))\n"
        }
        // Why, by the taxonomy as it is now.
        let classifier: Classifier
        do {
            classifier = try loadClassifier(ctx.config)
        } catch {
            print(out + "\n(The taxonomy cannot be read, so the matching rules are not shown: \(error))")
            return
        }
        let candidates = classifier.candidates(for: text)
        let now = classifier.classify(text)
        out += "\nRules matching this text in \((classifier.taxonomy.file as NSString).lastPathComponent) now:\n"
        if candidates.isEmpty { out += "  none\n" }
        for c in candidates {
            let name = (classifier.taxonomy.file as NSString).lastPathComponent
            var line = "  \(c.rule.category)  (\(name):\(c.rule.line), priority \(c.rule.priority))"
            line += c.keywords.isEmpty ? "" : "  keywords: \(c.keywords.joined(separator: "、"))"
            line += c.excluded ? "  excluded by: \(c.exclusions.joined(separator: "、"))" : ""
            if c.rule.category == now.category && !c.excluded { line += "  <- wins" }
            out += line + "\n"
        }
        out += "  Order of choice: highest priority, then most keywords found, then the earlier line.\n"
        if r[14] != .null && now.category != r[14].text && r[16].text != "model" && r[16].text != "manual" {
            out += "\nThe taxonomy now gives \(now.category); run 'hotline classify' to apply it.\n"
        }
        let settings = try ModelSettings(config: ctx.config)
        if let model = try loadModel(ctx, settings: settings) {
            let title = PersonalData.mask(r[10].text ?? "")
            let body = PersonalData.mask(r[11].text ?? "")
            let ranked = model.predict(title: title, body: body)
            out += "\nThe model (trained on \(model.trainedOn.grouped) orders) gives:\n"
            for (label, p) in ranked.prefix(3) { out += "  \(label)  \(Format.fixed(p, places: 3))\n" }
            if let top = ranked.first {
                let grams = model.evidence(title: title, body: body, for: top.label)
                    .map { "\($0.gram) (\(Format.fixed($0.weight, places: 2)))" }
                out += "  n-grams that weigh most for \(top.label): \(grams.joined(separator: "、"))\n"
                if ranked.first!.probability < settings.threshold {
                    out +=
                        "  Below the threshold \(settings.threshold): without a confident rule, left for a person (待人工).\n"
                }
            }
        }
        print(out, terminator: "")
    }

    /// `hotline explain TJ-…`: one escalation candidate, its findings, and the orders behind it.
    static func explainCandidate(_ store: Store, id: String) throws {
        let r = try store.db.rows(
            """
            SELECT detected, rank, weight, status, signals, reason, category, place, streets, communities, orders,
                callers, unsatisfied, first_seen, last_seen, level, level_reason, departments, first_detected,
                last_detected
            FROM candidates WHERE id = ?
            """, [id])[0]
        func v(_ i: Int) -> String { r[i].text.map { $0.isEmpty ? "—" : PersonalData.mask($0) } ?? "—" }
        let status = ["new": "new (first found with the latest data)", "ongoing": "ongoing", "quiet": "gone quiet"]
        let detected =
            r[0].int == 1
            ? "rank \(r[1].int ?? 0), weight \(Format.fixed(r[2].double ?? 0, places: 1))"
            : "not found by the last detect run"
        var out = """
            Candidate \(id)  (\(detected); \(status[r[3].text ?? ""] ?? v(3)))
            Category: \(v(6))   Place: \(v(7))
            Streets: \(v(8))   Communities: \(v(9))
            Orders: \(r[10].int ?? 0)   Callers: \(r[11].int ?? 0)   Unsatisfied or reopened: \(r[12].int ?? 0)
            Seen: \(v(13)) to \(v(14))   First detected: \(v(18))   Last detected: \(v(19))
            Suggested level: \(v(15)) (\(v(16)))
            Departments: \(v(17))
            Signals: \(v(4))

            Findings:
            \(v(5).split(separator: "；").map { "  " + $0 }.joined(separator: "\n"))

            Evidence (text masked):

            """
        let evidence = try store.db.prepare(
            """
            SELECT o.id, o.received_at, coalesce(c.category, '—'), coalesce(o.community, ''), coalesce(o.address, ''),
                coalesce(o.status, ''), coalesce(o.satisfaction, ''), e.signals,
                coalesce(nullif(o.content, ''), o.title, '')
            FROM candidate_evidence e JOIN orders o ON o.seq = e.order_seq
            LEFT JOIN classified c ON c.order_seq = o.seq
            WHERE e.candidate_id = ? ORDER BY o.received_at, o.id
            """)
        try evidence.bind([id])
        var rows: [[String]] = []
        while try evidence.step() {
            var cells = [evidence.text(0) ?? "", evidence.text(1) ?? ""]
            cells += (2..<8).map { PersonalData.mask(evidence.text($0) ?? "") }
            let text = PersonalData.mask(evidence.text(8) ?? "")
            cells.append(text.count > 40 ? String(text.prefix(40)) + "…" : text)
            rows.append(cells)
        }
        out += table(
            ["ORDER", "RECEIVED", "CATEGORY", "COMMUNITY", "ADDRESS", "STATUS", "SATISFACTION", "SIGNALS", "TEXT"], rows
        )
        print(out, terminator: "")
    }

    /// A plain text table with columns padded to their widest cell (CJK counted as two).
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { i in all.map { $0.count > i ? displayWidth($0[i]) : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { i, cell in
                cell + String(repeating: " ", count: i == row.count - 1 ? 0 : widths[i] - displayWidth(cell) + 2)
            }.joined()
        }.joined(separator: "\n") + "\n"
    }

    static func displayWidth(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) {
            $0
                + ($1.value >= 0x1100 && $1.properties.isIdeographic || ($1.value >= 0xFF00 && $1.value <= 0xFF60)
                    ? 2 : 1)
        }
    }
}

extension Format {
    static func megabytes(_ bytes: Int) -> String { Format.fixed(Double(bytes) / 1_048_576, places: 1) + " MB" }
}
