import Foundation
import HotlineAggregate
import HotlineClassify
import HotlineCore
import HotlineDetect
import HotlineIngest
import HotlineLearn
import HotlineStore

extension Commands {
    /// `hotline status`: the store's contents, its sources, the last runs, and which stages are
    /// stale and why, derived from the tables each stage declares it reads.
    static func status(_ setup: Setup) throws {
        let store = try setup.openStore(create: false, readOnly: true)
        let db = store.db
        let size = (try? FileManager.default.attributesOfItem(atPath: store.path)[.size] as? Int) ?? 0
        var out = "Store: \(store.path) (\(StageGraph.migrations.count + Store.migrations.count) migrations, "
        out += "\(Format.megabytes(size)))\n\n"
        out += table(
            ["TABLE", "ROWS", "STAGE"],
            try store.rowCounts(StageGraph.tables).map {
                [$0.table.rawValue, $0.rows.grouped, StageGraph.owner(of: $0.table)?.rawValue ?? ""]
            })
        let sources = try Sources.all(db)
        if !sources.isEmpty {
            out += "\nSources (last ingest of each file):\n"
            out += table(
                ["FILE", "ENCODING", "READ", "INSERTED", "UPDATED", "UNCHANGED", "REJECTED"],
                sources.map { r in
                    [(r.file as NSString).lastPathComponent, r.encoding]
                        + [r.read, r.inserted, r.updated, r.unchanged, r.rejected].map(\.grouped)
                })
            for r in sources where !r.mapping.isEmpty {
                out += "\nColumns of \((r.file as NSString).lastPathComponent):\n"
                out += r.mapping.map { "  " + $0 + "\n" }.joined()
            }
        }
        let runs = try store.recentRuns(limit: 10)
        if !runs.isEmpty {
            // A run recorded as running whose process is gone is marked failed by the next writer.
            let holder = StoreLock.holder(of: store.path)
            func state(_ run: RunRecord) -> String {
                run.status == .running && holder == nil ? "did not finish" : run.status?.rawValue ?? ""
            }
            out += "\nLast runs:\n"
            out += table(
                ["ID", "STAGE", "STARTED", "FINISHED", "IN", "OUT", "REJECTED", "STATUS", "CONFIG"],
                runs.map {
                    [
                        String($0.id), $0.stage, $0.startedAt, $0.finishedAt ?? "", $0.rowsIn.grouped,
                        $0.rowsOut.grouped, $0.rejected.grouped, state($0),
                        String($0.configHash.prefix(8)),
                    ]
                })
            if let failed = runs.first(where: { $0.status == .failed }), let message = failed.message {
                out += "\nLast failure (\(failed.stage), run \(failed.id)): \(message)\n"
            }
        }
        out +=
            "\nStages:\n"
            + table(["STAGE", "LAST OK RUN", "STATE", "NEXT 'hotline run'"], try stageStates(setup, store: store))
        print(out, terminator: "")
    }

    /// Each stage's last successful run and whether its output is up to date.
    static func stageStates(_ setup: Setup, store: Store) throws -> [[String]] {
        func state<S: Stage>(_ type: S.Type) throws -> [String] {
            let last = try store.lastSuccessfulRun(of: S.name).map { "\($0.id) (\($0.startedAt))" } ?? "—"
            if S.name == .ingest {
                return [S.name.rawValue, last, "reads the exports it is given", "reads new and changed exports only"]
            }
            if S.reads.isEmpty { return [S.name.rawValue, last, "reads the exports it is given", "—"] }
            // Without a pipeline file the settings cannot be compared, only the tables.
            var fingerprint: String?
            if setup.config.file != nil {
                do {
                    fingerprint = try S(config: setup.config, paths: setup.paths).fingerprint
                } catch let error as HotlineError {
                    return [S.name.rawValue, last, "cannot tell: \(error)"]
                }
            }
            let text: String
            let staleness = try store.staleness(of: S.self, fingerprint: fingerprint)
            var next = staleness == .current ? "skipped: up to date" : "runs on everything"
            if S.name == .train {
                next = "not run (train is run by hand)"
            } else if [.classify, .aggregate, .detect].contains(S.name), staleness != .current, let fingerprint {
                switch try store.scope(of: S.name, fingerprint: fingerprint, full: false) {
                case .changedSince(let run):
                    let written = try Orders.count(store.db, writtenAfter: run).grouped
                    let changedCount = try Classifications.changedCount(store.db, since: run)
                    let changed = changedCount.grouped
                    switch S.name {
                    case .classify: next = "classifies the \(written) orders written since"
                    case .aggregate:
                        next =
                            try AggregateStage.recountsEverything(store.db, changed: changedCount)
                            ? "recounts every month: \(changed) orders were written or reclassified since"
                            : "recounts the months of the \(changed) orders written or reclassified since"
                    default: next = "prepares the \(written) orders written since, then scans every window"
                    }
                case .everything(let reason):
                    switch S.name {
                    case .classify: next = "classifies every order: \(reason)"
                    case .aggregate: next = "recounts every month: \(reason)"
                    default: next = "prepares every order again: \(reason)"
                    }
                }
            }
            switch staleness {
            case .current:
                text =
                    fingerprint == nil
                    ? "up to date with its inputs (settings not compared: no --config)" : "up to date"
            case .neverRan: text = S.name == .train ? "never run (optional)" : "never run"
            case .inputsChanged, .settingsChanged:
                text = "stale: \(staleness.reason ?? ""); run 'hotline \(S.name.rawValue)'"
            }
            return [S.name.rawValue, last, text, next]
        }
        return try StageGraph.all.map { try state($0) }
    }

    /// `hotline explain ID`: one order, its masked text, and the rules that placed it; or a candidate.
    static func explain(_ setup: Setup, id: String) throws {
        let store = try setup.openStore(create: false, readOnly: true)
        if let candidate = try EscalationCandidates.find(store.db, id: id) {
            return try explainCandidate(store, candidate)
        }
        guard let o = try Orders.find(store.db, id: id) else {
            throw HotlineError.notReady("no order '\(id)' in \(store.path)")
        }
        let classification = try Classifications.of(store.db, orderSeq: o.seq)
        let text = PersonalData.mask([o.title ?? "", o.content ?? ""].filter { !$0.isEmpty }.joined(separator: "\n"))
        func v(_ value: String?) -> String { value.map { PersonalData.mask($0) } ?? "—" }
        var out = """
            Order \(id)  (from \((o.sourceFile as NSString).lastPathComponent), line \(o.sourceLine))
            Received: \(o.receivedAt)   Kind: \(v(o.kind))   Channel: \(v(o.channel))
            Street: \(v(o.street))   Community: \(v(o.community))   Address: \(v(o.address))
            Unit: \(v(o.unit))   Status: \(v(o.status))   Satisfaction: \(v(o.satisfaction))
            Operator's category: \(v(o.operatorCategory))

            Text (names and phone numbers masked):
            \(text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n"))


            """
        if let c = classification {
            let parent = c.parent.map { " (under \($0))" } ?? ""
            out += "Our category: \(v(c.category))\(parent)\n"
            // Stores from before sources were recorded name only the rule.
            let fallback = ClassificationSource.fallback
            switch c.source ?? (c.rule == fallback.rawValue ? fallback : .rule) {
            case .fallback: out += "Rule: no rule matched, so the fallback category\n"
            case .export: out += "Source: the export's own category ([classify] source = export)\n"
            case .model: out += "Source: the model, \(Format.fixed(c.probability ?? 0, places: 3)) sure\n"
            case .manual: out += "Source: nobody yet (待人工): no confident rule, the model not sure enough\n"
            case .rule: out += "Rule: \(c.rule), keywords found: \(v(c.keywords))\n"
            }
        } else {
            out += "Our category: not classified yet (run 'hotline classify')\n"
        }
        // Why, by the taxonomy as it is now.
        let classify: ClassifyStage
        do {
            classify = try ClassifyStage(config: setup.config, paths: setup.paths)
        } catch {
            print(out + "\n(The taxonomy cannot be read, so the matching rules are not shown: \(error))")
            return
        }
        out += explainRules(classify, text: text, stored: classification)
        if let model = classify.model {
            out += explainModel(model, settings: classify.settings, title: o.title ?? "", body: o.content ?? "")
        }
        print(out, terminator: "")
    }

    /// The taxonomy's rules that match `text` now, and which wins.
    static func explainRules(_ classify: ClassifyStage, text: String, stored: ClassificationRecord?) -> String {
        let classifier = classify.classifier
        let name = (classifier.taxonomy.file as NSString).lastPathComponent
        let matches = classifier.matches(for: text)
        let now = classifier.classify(text)
        var out = "\nRules matching this text in \(name) now:\n"
        if matches.isEmpty { out += "  none\n" }
        for c in matches {
            var line = "  \(c.rule.category)  (\(name):\(c.rule.line), priority \(c.rule.priority))"
            line += c.keywords.isEmpty ? "" : "  keywords: \(c.keywords.joined(separator: "、"))"
            line += c.excluded ? "  excluded by: \(c.exclusions.joined(separator: "、"))" : ""
            if c.rule.category == now.category && !c.excluded { line += "  <- wins" }
            out += line + "\n"
        }
        out += "  Order of choice: highest priority, then most keywords found, then the earlier line.\n"
        let byPeopleOrModel: Set<ClassificationSource?> = [.model, .manual, .export]
        if let stored, now.category != stored.category,
            !byPeopleOrModel.contains(ClassificationSource(stored: stored.rule))
        {
            out += "\nThe taxonomy now gives \(now.category); run 'hotline classify' to apply it.\n"
        }
        return out
    }

    /// The model's top classes for a text and the n-grams that weigh most.
    static func explainModel(_ model: LinearModel, settings: ModelSettings, title: String, body: String) -> String {
        let title = PersonalData.mask(title)
        let body = PersonalData.mask(body)
        let ranked = model.predict(title: title, body: body)
        var out = "\nThe model (trained on \(model.trainedOn.grouped) orders) gives:\n"
        for (label, p) in ranked.prefix(3) { out += "  \(label)  \(Format.fixed(p, places: 3))\n" }
        if let top = ranked.first {
            let grams = model.evidence(title: title, body: body, for: top.label)
                .map { "\($0.gram) (\(Format.fixed($0.weight, places: 2)))" }
            out += "  n-grams that weigh most for \(top.label): \(grams.joined(separator: "、"))\n"
            if top.probability < settings.threshold {
                out +=
                    "  Below the threshold \(settings.threshold): without a confident rule, left for a person (待人工).\n"
            }
        }
        return out
    }

    /// `hotline explain TJ-…`: one escalation candidate, its findings, and the orders behind it.
    static func explainCandidate(_ store: Store, _ c: CandidateRecord) throws {
        func v(_ s: String) -> String { s.isEmpty ? "—" : PersonalData.mask(s) }
        let status: [CandidateStatus: String] = [
            .new: "new (first found with the latest data)", .ongoing: "ongoing", .quiet: "gone quiet",
        ]
        let detected =
            c.detected
            ? "rank \(c.rank ?? 0), weight \(Format.fixed(c.weight, places: 1))" : "not found by the last detect run"
        var out = """
            Candidate \(c.id)  (\(detected); \(status[c.status] ?? c.status.rawValue))
            Category: \(v(c.category))   Place: \(v(c.place))
            Streets: \(v(c.streets))   Communities: \(v(c.communities))
            Orders: \(c.orders)   Callers: \(c.callers)   Unsatisfied or reopened: \(c.unsatisfied)
            Seen: \(v(c.firstSeen)) to \(v(c.lastSeen))   First detected: \(v(c.firstDetected))   Last detected: \(v(c.lastDetected))
            Suggested level: \(c.level.label) (\(v(c.levelReason)))
            Departments: \(v(c.departments))
            Signals: \(c.signals.map(\.rawValue).joined(separator: ","))

            Findings:
            \(v(c.reason).split(separator: "；").map { "  " + $0 }.joined(separator: "\n"))

            Evidence (text masked):

            """
        var rows: [[String]] = []
        try EscalationCandidates.forEachEvidence(
            store.db, candidate: c.id,
            columns: [.id, .receivedAt, .community, .address, .status, .satisfaction, .title, .content]
        ) { e in
            let o = e.order
            var cells = [o.id, o.receivedAt]
            cells += [e.category ?? "—", o.community ?? "", o.address ?? "", o.status ?? "", o.satisfaction ?? ""].map {
                PersonalData.mask($0)
            }
            cells.append(e.signals.map(\.rawValue).joined(separator: ","))
            let body = o.content.flatMap { $0.isEmpty ? nil : $0 } ?? o.title ?? ""
            let text = PersonalData.mask(body)
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
