import HotlineCore
import HotlineStore

extension SignalScan {
    /// Near-identical texts from many callers within a few days, far more than that text's own rate.
    func massComplaints() throws -> [Finding] {
        let s = settings
        // Appended as texts join clusters (cheaper than keeping it in order), and sorted once to be read.
        try db.execute(
            """
            DROP TABLE IF EXISTS temp.detect_text;
            CREATE TEMP TABLE detect_text(cluster INTEGER NOT NULL, day INTEGER NOT NULL, seq INTEGER NOT NULL, caller TEXT);
            """)
        let window = max(s.massLinkDays, s.massDays) * 86_400
        var linker = NearDuplicateLinker(distance: s.massDistance, windowSeconds: window)
        let insert = try db.prepare("INSERT INTO detect_text(cluster, day, seq, caller) VALUES(?, ?, ?, ?)")
        // The texts in the window without a cluster yet, which a later text may join: their day and caller.
        var waiting: [Int: (day: Int, caller: String?)] = [:]
        var arrived: [(t: Int, seq: Int)] = []
        var head = 0
        // A text cluster with little history is judged against the typical cluster's rate: each
        // day's clustered texts, and each cluster's first day in each regime.
        var perDay = DayCounts(first: period.firstDay, last: period.lastDay)
        var firstDay: [Int64: Int] = [:]
        try Log.timed("detect.mass.link") {
            try db.forEach(Fingerprint.self, Self.textsInTimeOrder) { f in
                while head < arrived.count && arrived[head].t < f.t - window {
                    waiting[arrived[head].seq] = nil
                    head += 1
                }
                if head >= 4_096 && head * 2 >= arrived.count {
                    arrived.removeFirst(head)
                    head = 0
                }
                let joined = linker.add(seq: f.seq, hash: f.hash, time: f.t)
                if joined.isEmpty {
                    waiting[f.seq] = (f.day, f.caller)
                    arrived.append((f.t, f.seq))
                }
                for (seq, cluster) in joined {
                    let (day, caller) = seq == f.seq ? (f.day, f.caller) : waiting.removeValue(forKey: seq)!
                    try insert.run([Int(cluster), day, seq, caller])
                    perDay.add(1, on: day)
                    let key = Int64(cluster) << 32 | Int64(period.regimeStart(day) - period.firstDay)
                    firstDay[key] = min(firstDay[key] ?? day, day)
                }
            }
        }
        guard linker.clusterCount > 0 else { return [] }
        perDay.finish()
        var firstDays: [String: [Int]] = [:]
        for (key, day) in firstDay {
            firstDays[TypicalRates.key("", regime: Int(key & 0xFFFF_FFFF) + period.firstDay), default: []].append(day)
        }
        let typical = TypicalRates(period: period, orders: ["": perDay], firstDays: firstDays.mapValues { $0.sorted() })
        let all = typical.grouping("")
        var findings: [Finding] = []
        try groups(
            "SELECT seq, day, caller, cluster AS key1 FROM detect_text ORDER BY cluster, day, seq", keyColumns: 1
        ) { _, events, _ in
            guard events.count >= s.massMinCallers else { return }
            let found = events.episodes(
                window: s.massDays, minCount: s.massMinCallers, minCallers: s.massMinCallers, alpha: s.alpha,
                minRatio: s.minRatio, since: period.regimeStart,
                expected: ownRate(
                    events, category: nil, prior: { typical.rate(all, window: $0) }, priorOrders: Self.priorOrders))
            for e in found {
                let first = events.seqs[e.range.lowerBound]
                findings.append(
                    Finding(
                        signal: .mass, key: "mass|\(first)",
                        detail:
                            "\(e.peakCallers) 位来电人 \(s.massDays) 天内反映几乎相同的内容，平时同样天数约 \(Self.format(e.expected)) 件，共 \(e.range.count) 件",
                        seqs: Array(events.seqs[e.range])))
            }
        }
        return findings
    }

    /// Every order's time and text fingerprint, in time order: read from `detect_prepared`'s index
    /// (`DetectStage.timeIndex`), not sorted.
    static let textsInTimeOrder = """
        SELECT seq, t, day, caller, simhash FROM main.detect_prepared WHERE simhash IS NOT NULL ORDER BY t, seq
        """

    /// An order's time and text fingerprint.
    private struct Fingerprint: FetchableRecord {
        enum Column: Int, ColumnSet { case seq, t, day, caller, simhash }
        var seq: Int
        var t: Int
        var day: Int
        var caller: String?
        var hash: UInt64

        init(_ row: RowReader<Column>) {
            seq = row.int(.seq)
            t = row.int(.t)
            day = row.int(.day)
            caller = row.text(.caller)
            hash = UInt64(bitPattern: Int64(row.int(.simhash)))
        }
    }

    /// Texts from many callers about one subject (a company, platform or school; see `Subjects`)
    /// within weeks, however each is worded, far more than that subject's own rate: a campaign.
    /// One caller repeating itself is no campaign, whatever the number of its texts.
    func campaigns() throws -> [Finding] {
        let s = settings
        let typical = try TypicalRates(
            db: db, period: period,
            sql: """
                SELECT '' AS grouping, x.name AS member, d.day, count(*) AS n FROM detect_subjects x
                JOIN detect_orders d ON d.seq = x.seq GROUP BY 2, 3 ORDER BY 2, 3
                """)
        let all = typical.grouping("")
        let windows = Array(Set([max(s.campaignDays / 4, 1), max(s.campaignDays / 2, 1), s.campaignDays])).sorted()
        var findings: [Finding] = []
        try groups(
            """
            SELECT d.seq, d.day, d.caller, x.name AS key1 FROM detect_subjects x JOIN detect_orders d ON d.seq = x.seq
            ORDER BY x.name, d.day, d.seq
            """, keyColumns: 1
        ) { key, events, _ in
            guard events.count >= s.massMinCallers else { return }
            let found = events.episodes(
                windows: windows, minCount: s.massMinCallers, minCallers: s.massMinCallers, alpha: s.alpha,
                minRatio: s.minRatio, since: period.regimeStart,
                expected: ownRate(
                    events, category: nil, prior: { typical.rate(all, window: $0) }, priorOrders: Self.priorOrders))
            for e in found {
                let first = events.seqs[e.range.lowerBound]
                findings.append(
                    Finding(
                        signal: .mass, key: "campaign|\(key[0])|\(first)",
                        detail:
                            "\(e.peakCallers) 位来电人 \(e.window) 天内反映同一对象「\(key[0])」，平时同样天数约 \(Self.format(e.expected)) 件，共 \(e.range.count) 件",
                        seqs: Array(events.seqs[e.range]), subject: key[0]))
            }
        }
        return findings
    }
}
