import Foundation
import HotlineCore
import HotlineStore

/// The detect stage: finds recurring problems in the store and keeps them as escalation candidates.
///
/// Every order gets a place (from its address, else from its text) and a SimHash of its text in
/// one pass, into a temporary table. Each signal then reads that table sorted its own way and
/// keeps only one group at a time in memory: hotspots by place and category, repeat callers by
/// caller and category, mass complaints by text cluster, surges by community, category and month,
/// stuck orders by place and category. Findings that share most of their orders are merged into one
/// candidate, which keeps the id of the earlier run's candidate with the same orders.
public struct DetectStage {
    let store: Store
    let config: PipelineConfig
    let settings: DetectSettings
    let batchSize = 2_048

    public init(store: Store, config: PipelineConfig, settings: DetectSettings) {
        self.store = store
        self.config = config
        self.settings = settings
    }

    @discardableResult
    public func run() throws -> StageCounts {
        try store.runStage("detect", configHash: config.hash) { runID in
            let db = store.db
            guard try db.scalar("SELECT count(*) FROM orders") > 0 else {
                try db.execute("UPDATE candidates SET detected = 0, rank = NULL, status = 'quiet'")
                return StageCounts(rowsIn: 0, rowsOut: 0, message: "no orders, so no candidates")
            }
            let total = try prepare(db)
            let span = try db.rows("SELECT min(day), max(day) FROM detect_orders")[0]
            let firstDay = span[0].int ?? 0
            let lastDay = span[1].int ?? 0
            let context = Context(db: db, settings: settings, spanDays: lastDay - firstDay + 1)
            var hits: [Hit] = []
            hits += try context.hotspots()
            hits += try context.repeatCallers()
            hits += try context.massComplaints()
            hits += try context.surges()
            hits += try context.stuck()
            var counts: [Signal: Int] = [:]
            for hit in hits { counts[hit.signal, default: 0] += 1 }
            let candidates = try Candidates.build(from: hits, db: db, settings: settings)
            let written = try Candidates.write(
                candidates, db: db, runID: runID, dataEnd: LocalDateTime(dayNumber: lastDay), settings: settings)
            try db.execute("DROP TABLE temp.detect_orders; DROP TABLE IF EXISTS temp.detect_text")
            try db.execute("DELETE FROM meta WHERE key LIKE 'detect.%'")
            let meta = try db.prepare("INSERT INTO meta(key, value) VALUES(?, ?)")
            try meta.run(["detect.data_end", LocalDateTime(dayNumber: lastDay).description.prefix(10).description])
            for (i, (name, text)) in settings.description.enumerated() {
                try meta.run(["detect.setting.\(i < 10 ? "0" : "")\(i).\(name)", text])
            }
            let found = Signal.allCases.map { "\($0.label) \(counts[$0, default: 0])" }.joined(separator: ", ")
            return StageCounts(
                rowsIn: total, rowsOut: written.current,
                message: "\(written.current) candidates (\(written.new) new, \(written.quiet) quiet) from \(found)")
        }
    }

    /// Fills `detect_orders` with every order's time, category, place, caller and text fingerprint.
    private func prepare(_ db: Database) throws -> Int {
        try db.execute(
            """
            DROP TABLE IF EXISTS temp.detect_orders;
            CREATE TEMP TABLE detect_orders(
                seq INTEGER PRIMARY KEY, t INTEGER NOT NULL, day INTEGER NOT NULL, month TEXT NOT NULL,
                category TEXT NOT NULL, place_key TEXT, place_name TEXT, place_label TEXT, from_text INTEGER,
                street TEXT, community TEXT, caller TEXT, unit TEXT, unsatisfied INTEGER NOT NULL,
                reopened INTEGER NOT NULL, simhash INTEGER);
            """)
        struct Row: Sendable {
            var seq: Int
            var received: String
            var fields: [String?]
            var caller: String?
            var category: String
            var unit: String?
            var unsatisfied: Bool
            var reopened: Bool
        }
        struct Prepared: Sendable {
            var row: Row
            var time: LocalDateTime
            var place: Place?
            var simhash: UInt64?
        }
        let reader = UncheckedSendable(try store.readerConnection())
        let batchSize = self.batchSize
        let minChars = settings.massMinChars
        let insert = try db.prepare(
            "INSERT INTO detect_orders VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        var count = 0
        try Pipeline.run(
            label: "detect", depth: 8,
            produce: { send in
                let select = try reader.value.prepare(
                    """
                    SELECT o.seq, o.received_at, o.district, o.street, o.community, o.address, o.title, o.content,
                        o.caller_key, coalesce(c.category, '\(Values.unclassified)'), o.unit,
                        coalesce(o.status, '') = '已办结' AND coalesce(o.satisfaction, '') = '不满意',
                        EXISTS(SELECT 1 FROM order_history h WHERE h.order_seq = o.seq AND h.status = '已办结'
                            AND (coalesce(o.status, '') <> '已办结' OR coalesce(o.closed_at, '') <> h.closed_at))
                    FROM orders o LEFT JOIN classified c ON c.order_seq = o.seq
                    WHERE o.seq > ? ORDER BY o.seq LIMIT ?
                    """)
                try select.batches(
                    size: batchSize,
                    row: {
                        Row(
                            seq: $0.int(0), received: $0.text(1) ?? "", fields: (2...7).map($0.text),
                            caller: $0.text(8), category: $0.text(9) ?? Values.unclassified, unit: $0.text(10),
                            unsatisfied: $0.int(11) != 0, reopened: $0.int(12) != 0)
                    }, send: send)
            },
            transform: {
                { batch in
                    batch.compactMap { row -> Prepared? in
                        guard let time = LocalDateTime.stored(row.received) else { return nil }
                        let f = row.fields
                        let place = Places.place(
                            address: f[3], district: f[0], street: f[1], community: f[2], title: f[4], content: f[5])
                        let text = [f[4], f[5]].compactMap { $0 }.joined(separator: "。")
                        return Prepared(
                            row: row, time: time, place: place, simhash: SimHash.of(text, minChars: minChars))
                    }
                }
            },
            consume: { prepared in
                for p in prepared {
                    let r = p.row
                    let street = r.fields[1].flatMap { $0.isEmpty ? nil : $0 }
                    let community = r.fields[2].flatMap { $0.isEmpty ? nil : $0 }
                    try insert.run([
                        r.seq, p.time.secondsSinceEpoch, p.time.dayNumber, p.time.monthKey, r.category, p.place?.key,
                        p.place?.name, p.place?.label, p.place.map { $0.fromText ? 1 : 0 }, street, community,
                        r.caller, r.unit, r.unsatisfied ? 1 : 0, r.reopened ? 1 : 0,
                        p.simhash.map { Int64(bitPattern: $0) },
                    ])
                    count += 1
                }
            })
        return count
    }
}

/// The signals, each one query sorted into groups and a scan over them.
struct Context {
    let db: Database
    let settings: DetectSettings
    let spanDays: Int

    /// Reads `sql` (whose first columns are seq, day, caller, then the group's key columns) one
    /// group at a time, calling `body` with the key and the group's events.
    /// With `flagged`, the column after the key columns is a 0/1 flag for each event.
    func groups(
        _ sql: String, keyColumns: Int, flagged: Bool = false, _ values: [any SQLBindable] = [],
        body: ([String], Events) throws -> Void
    ) throws {
        let statement = try db.prepare(sql)
        try statement.bind(values)
        var key: [String]?
        var events = Events()
        var callers: [String: Int] = [:]
        while try statement.step() {
            let k = (0..<keyColumns).map { statement.text(3 + $0) ?? "" }
            if k != key {
                if let key, events.count > 0 { try body(key, events) }
                key = k
                events = Events()
                callers.removeAll(keepingCapacity: true)
            }
            let caller = statement.text(2).map { c in
                callers[c]
                    ?? {
                        callers[c] = callers.count
                        return callers.count - 1
                    }()
            }
            events.append(
                day: statement.int(1), seq: statement.int(0), caller: caller,
                flag: flagged && statement.int(3 + keyColumns) != 0)
        }
        if let key, events.count > 0 { try body(key, events) }
    }

    /// How many orders' worth of weight the typical place's rate has in a place's hotspot baseline.
    static let priorOrders = 5.0

    /// A baseline for a group of `total` events: the rate outside the window, over a window.
    func spread(total: Int, window: Int) -> (Int) -> Double {
        let outside = Double(max(spanDays - window, window))
        return { k in Double(max(total - k, 0)) * Double(window) / outside }
    }

    /// The same category on the same place, more often within the window than the place's own rate
    /// (shrunk towards the typical place's rate in its community and category) makes likely. A place known only from the text of an export without street or community is
    /// grouped across categories: such exports carry no operator category, and a name is specific.
    func hotspots() throws -> [Hit] {
        var hits: [Hit] = []
        let s = settings
        // The typical place's rate in each community (or street, or the whole export) and category:
        // a floor for a place whose own history is too short to say what is usual.
        var typical: [String: Double] = [:]
        for r in try db.rows(
            """
            SELECT substr(place_key, 1, instr(place_key, '|')) AS scope,
                CASE WHEN place_key LIKE 't:%' THEN '' ELSE category END AS g, count(*), count(DISTINCT place_key)
            FROM detect_orders WHERE place_key IS NOT NULL GROUP BY 1, 2
            """)
        {
            let perPlace = Double(r[2].int ?? 0) / Double(max(r[3].int ?? 1, 1))
            typical[(r[0].text ?? "") + "\u{1F}" + (r[1].text ?? "")] = perPlace / Double(max(spanDays, 1))
        }
        try groups(
            """
            SELECT seq, day, caller, place_key, CASE WHEN place_key LIKE 't:%' THEN '' ELSE category END AS g
            FROM detect_orders WHERE place_key IS NOT NULL ORDER BY place_key, g, day, seq
            """, keyColumns: 2
        ) { key, events in
            guard events.count >= s.hotspotMin else { return }
            let scope = key[0].firstIndex(of: "|").map { String(key[0][...$0]) } ?? ""
            // The place's rate outside the window, shrunk towards the typical place's rate by a prior
            // worth `priorOrders` orders, so that a place with little history is not judged by it alone.
            let prior = max(typical[scope + "\u{1F}" + key[1]] ?? 0, 1e-9)
            let total = events.count
            let window = Double(s.hotspotDays)
            let outside = Double(max(spanDays - s.hotspotDays, s.hotspotDays))
            let baseline: (Int) -> Double = { k in
                window * (Self.priorOrders + Double(max(total - k, 0))) / (Self.priorOrders / prior + outside)
            }
            let found = events.episodes(
                window: s.hotspotDays, minCount: s.hotspotMin, alpha: s.alpha, minRatio: s.minRatio,
                expected: baseline)
            for e in found {
                let name = try label(events.seqs[e.range.lowerBound])
                let category = key[1].isEmpty ? "" : "「\(key[1])」"
                hits.append(
                    Hit(
                        signal: .hotspot, key: "hotspot|\(key[0])|\(key[1])|\(events.days[e.range.lowerBound])",
                        detail:
                            "\(name)\(category)\(s.hotspotDays) 天内最多 \(e.peak) 件（按平时约 \(Self.format(e.expected)) 件），共 \(e.range.count) 件",
                        seqs: Array(events.seqs[e.range])))
            }
        }
        return hits
    }

    /// One caller on one matter (category) again and again within the window.
    func repeatCallers() throws -> [Hit] {
        var hits: [Hit] = []
        let s = settings
        try groups(
            """
            SELECT seq, day, caller, caller, category FROM detect_orders
            WHERE caller IN (SELECT caller FROM detect_orders WHERE caller IS NOT NULL GROUP BY caller
                HAVING count(*) >= ?)
            ORDER BY caller, category, day, seq
            """, keyColumns: 2, [s.repeatMin]
        ) { key, events in
            guard events.count >= s.repeatMin else { return }
            for e in events.episodes(window: s.repeatDays, minCount: s.repeatMin, alpha: 1) {
                hits.append(
                    Hit(
                        signal: .repeatCaller, key: "repeat|\(key[0])|\(key[1])|\(events.days[e.range.lowerBound])",
                        detail: "同一来电人就「\(key[1])」\(s.repeatDays) 天内来电最多 \(e.peak) 次，共 \(e.range.count) 次",
                        seqs: Array(events.seqs[e.range])))
            }
        }
        return hits
    }

    /// Near-identical texts from many callers within a few days, far more than that text's own rate.
    func massComplaints() throws -> [Hit] {
        let s = settings
        try db.execute(
            """
            DROP TABLE IF EXISTS temp.detect_text;
            CREATE TEMP TABLE detect_text(seq INTEGER PRIMARY KEY, cluster INTEGER NOT NULL);
            """)
        var linker = NearDuplicateLinker(
            distance: s.massDistance, windowSeconds: max(s.massLinkDays, s.massDays) * 86_400)
        let scan = try db.prepare(
            "SELECT seq, t, simhash FROM detect_orders WHERE simhash IS NOT NULL ORDER BY t, seq")
        let insert = try db.prepare("INSERT INTO detect_text(seq, cluster) VALUES(?, ?)")
        while try scan.step() {
            let joined = linker.add(seq: scan.int(0), hash: UInt64(bitPattern: Int64(scan.int(2))), time: scan.int(1))
            for (seq, cluster) in joined { try insert.run([seq, Int(cluster)]) }
        }
        guard linker.clusterCount > 0 else { return [] }
        try db.execute("CREATE TEMP TABLE detect_roots(cluster INTEGER PRIMARY KEY, root INTEGER NOT NULL)")
        defer { try? db.execute("DROP TABLE temp.detect_roots") }
        let root = try db.prepare("INSERT INTO detect_roots VALUES(?, ?)")
        for c in 0..<linker.clusterCount { try root.run([c, Int(linker.root(Int32(c)))]) }
        var hits: [Hit] = []
        try groups(
            """
            SELECT d.seq, d.day, d.caller, r.root FROM detect_text x JOIN detect_roots r ON r.cluster = x.cluster
            JOIN detect_orders d ON d.seq = x.seq ORDER BY r.root, d.day, d.seq
            """, keyColumns: 1
        ) { _, events in
            guard events.count >= s.massMinCallers else { return }
            let found = events.episodes(
                window: s.massDays, minCount: s.massMinCallers, minCallers: s.massMinCallers, alpha: s.alpha,
                minRatio: s.minRatio, expected: spread(total: events.count, window: s.massDays))
            for e in found {
                let first = events.seqs[e.range.lowerBound]
                hits.append(
                    Hit(
                        signal: .mass, key: "mass|\(first)",
                        detail:
                            "\(e.peakCallers) 位来电人 \(s.massDays) 天内反映几乎相同的内容（此类内容平时约 \(Self.format(e.expected)) 件），共 \(e.range.count) 件",
                        seqs: Array(events.seqs[e.range])))
            }
        }
        return hits
    }

    /// A category's month in one community far above the community's other months, after scaling by
    /// how the whole district's month compares with its other months (so 学位 in August is expected).
    func surges() throws -> [Hit] {
        let s = settings
        let months = try db.rows("SELECT DISTINCT month FROM detect_orders ORDER BY month").compactMap { $0[0].text }
        guard months.count > s.surgeHistory else { return [] }
        let monthIndex = Dictionary(uniqueKeysWithValues: months.enumerated().map { ($1, $0) })
        var district: [String: [Int]] = [:]
        var cells: [[String]: [Int]] = [:]
        for r in try db.rows(
            """
            SELECT street, community, category, month, count(*) FROM detect_orders WHERE community IS NOT NULL
            GROUP BY 1, 2, 3, 4
            """)
        {
            let category = r[2].text ?? ""
            guard let m = monthIndex[r[3].text ?? ""] else { continue }
            let n = r[4].int ?? 0
            cells[[r[0].text ?? "", r[1].text ?? "", category], default: Array(repeating: 0, count: months.count)][m] +=
                n
            district[category, default: Array(repeating: 0, count: months.count)][m] += n
        }
        var hits: [Hit] = []
        let evidence = try db.prepare(
            """
            SELECT seq FROM detect_orders WHERE coalesce(street, '') = ? AND community = ? AND category = ? AND month = ?
            ORDER BY day, seq
            """)
        for (cell, counts) in cells.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            let others = district[cell[2]]!.enumerated().map { $1 - counts[$0] }
            for (m, k) in counts.enumerated() where k >= s.surgeMin {
                let history = Double(months.count - 1)
                let own = Double(counts.reduce(0, +) - k) / history
                let elsewhere = Double(others.reduce(0, +) - others[m]) / history
                let season = elsewhere > 0 ? Double(others[m]) / elsewhere : 1
                let expected = max(own * season, 0.5)
                guard Double(k) >= s.minRatio * expected, Poisson.tail(atLeast: k, mean: expected) < s.alpha else {
                    continue
                }
                try evidence.bind([cell[0], cell[1], cell[2], months[m]])
                var seqs: [Int] = []
                while try evidence.step() { seqs.append(evidence.int(0)) }
                hits.append(
                    Hit(
                        signal: .surge, key: "surge|\(cell[1])|\(cell[2])|\(months[m])",
                        detail:
                            "\(cell[1])「\(cell[2])」\(months[m]) 共 \(k) 件，按本社区往月并计季节约 \(Self.format(expected)) 件",
                        seqs: seqs))
            }
        }
        return hits
    }

    /// Orders unsatisfied after closure, or reopened, bunched on one place (else community) and
    /// category, far more of them than the place's orders at the district's share would give.
    func stuck() throws -> [Hit] {
        let s = settings
        let all = try db.rows(
            "SELECT count(*), coalesce(sum(unsatisfied = 1 OR reopened = 1), 0) FROM detect_orders")[0]
        let rate = Double(all[1].int ?? 0) / Double(max(all[0].int ?? 1, 1))
        guard rate > 0 else { return [] }
        var hits: [Hit] = []
        try groups(
            """
            SELECT seq, day, caller, coalesce(place_key, 'c:' || community || '|') AS k, category,
                unsatisfied = 1 OR reopened = 1
            FROM detect_orders WHERE place_key IS NOT NULL OR community IS NOT NULL
            ORDER BY k, category, day, seq
            """, keyColumns: 2, flagged: true
        ) { key, events in
            guard events.flags.lazy.filter({ $0 }).count >= s.stuckMin else { return }
            let found = events.flaggedEpisodes(
                window: s.stuckDays, minCount: s.stuckMin, rate: rate, alpha: s.stuckAlpha, minRatio: s.minRatio)
            for e in found {
                let seqs = e.range.filter { events.flags[$0] }.map { events.seqs[$0] }
                let name = try label(seqs[0])
                hits.append(
                    Hit(
                        signal: .stuck, key: "stuck|\(key[0])|\(key[1])|\(events.days[e.range.lowerBound])",
                        detail:
                            "\(name)「\(key[1])」\(s.stuckDays) 天内 \(seqs.count) 件办结后仍不满意或重新办理（按全区比例约 \(Self.format(e.expected)) 件）",
                        seqs: seqs))
            }
        }
        return hits
    }

    /// How the page names an order's place: its estate with street and community, else its community.
    func label(_ seq: Int) throws -> String {
        let r = try db.rows(
            "SELECT coalesce(place_label, trim(coalesce(street, '') || ' ' || coalesce(community, ''))) FROM detect_orders WHERE seq = ?",
            [seq])
        return r.first?[0].text ?? ""
    }

    static func format(_ x: Double) -> String {
        x < 10 ? String(format: "%.1f", x) : String(Int(x.rounded()))
    }
}
