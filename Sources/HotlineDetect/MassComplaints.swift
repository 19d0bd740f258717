import HotlineStore

extension SignalScan {
    /// Near-identical texts from many callers within a few days, far more than that text's own rate.
    func massComplaints() throws -> [Finding] {
        let s = settings
        try db.execute(
            """
            DROP TABLE IF EXISTS temp.detect_text;
            CREATE TEMP TABLE detect_text(seq INTEGER PRIMARY KEY, cluster INTEGER NOT NULL);
            """)
        var linker = NearDuplicateLinker(
            distance: s.massDistance, windowSeconds: max(s.massLinkDays, s.massDays) * 86_400)
        let insert = try db.prepare("INSERT INTO detect_text(seq, cluster) VALUES(?, ?)")
        try db.forEach(
            Fingerprint.self, "SELECT seq, t, simhash FROM detect_orders WHERE simhash IS NOT NULL ORDER BY t, seq"
        ) { f in
            let joined = linker.add(seq: f.seq, hash: f.hash, time: f.t)
            for (seq, cluster) in joined { try insert.run([seq, Int(cluster)]) }
        }
        guard linker.clusterCount > 0 else { return [] }
        try db.execute("CREATE TEMP TABLE detect_roots(cluster INTEGER PRIMARY KEY, root INTEGER NOT NULL)")
        defer { try? db.execute("DROP TABLE temp.detect_roots") }
        let root = try db.prepare("INSERT INTO detect_roots(cluster, root) VALUES(?, ?)")
        for c in 0..<linker.clusterCount { try root.run([c, Int(linker.root(Int32(c)))]) }
        // A text cluster with little history is judged against the typical cluster's rate.
        let typical = try TypicalRates(
            db: db, period: period,
            sql: """
                SELECT '' AS grouping, r.root AS member, d.day, count(*) AS n FROM detect_text x
                JOIN detect_roots r ON r.cluster = x.cluster JOIN detect_orders d ON d.seq = x.seq
                GROUP BY 2, 3 ORDER BY 2, 3
                """)
        var findings: [Finding] = []
        try groups(
            """
            SELECT d.seq, d.day, d.caller, r.root AS key1 FROM detect_text x JOIN detect_roots r ON r.cluster = x.cluster
            JOIN detect_orders d ON d.seq = x.seq ORDER BY r.root, d.day, d.seq
            """, keyColumns: 1
        ) { _, events in
            guard events.count >= s.massMinCallers else { return }
            let found = events.episodes(
                window: s.massDays, minCount: s.massMinCallers, minCallers: s.massMinCallers, alpha: s.alpha,
                minRatio: s.minRatio, since: period.regimeStart,
                expected: ownRate(
                    events, category: nil, prior: { typical.rate("", window: $0) }, priorOrders: Self.priorOrders))
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

    /// An order's time and text fingerprint.
    private struct Fingerprint: FetchableRecord {
        enum Column: Int, ColumnSet { case seq, t, simhash }
        var seq: Int
        var t: Int
        var hash: UInt64

        init(_ row: RowReader<Column>) {
            seq = row.int(.seq)
            t = row.int(.t)
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
        let windows = Array(Set([max(s.campaignDays / 4, 1), max(s.campaignDays / 2, 1), s.campaignDays])).sorted()
        var findings: [Finding] = []
        try groups(
            """
            SELECT d.seq, d.day, d.caller, x.name AS key1 FROM detect_subjects x JOIN detect_orders d ON d.seq = x.seq
            ORDER BY x.name, d.day, d.seq
            """, keyColumns: 1
        ) { key, events in
            guard events.count >= s.massMinCallers else { return }
            let found = events.episodes(
                windows: windows, minCount: s.massMinCallers, minCallers: s.massMinCallers, alpha: s.alpha,
                minRatio: s.minRatio, since: period.regimeStart,
                expected: ownRate(
                    events, category: nil, prior: { typical.rate("", window: $0) }, priorOrders: Self.priorOrders))
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
