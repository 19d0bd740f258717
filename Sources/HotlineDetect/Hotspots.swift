import HotlineStore

extension SignalScan {
    /// How many orders' worth of weight the typical place's rate has in a place's hotspot baseline.
    static let priorOrders = 5.0

    /// The same category on the same place, more often within the window than the place's own rate
    /// (shrunk towards the typical place's rate in its community and category) makes likely. A place
    /// known only from the text of an export without street or community is grouped across
    /// categories: such exports carry no operator category, and a name is specific.
    func hotspots() throws -> [Finding] {
        var findings: [Finding] = []
        let s = settings
        // The typical place's rate in each community (or street, or the whole export) and category:
        // a floor for a place whose own history is too short to say what is usual.
        var typical: [String: Double] = [:]
        try db.forEach(
            TypicalPlace.self,
            """
            SELECT substr(place_key, 1, instr(place_key, '|')) AS scope,
                CASE WHEN place_key LIKE 't:%' THEN '' ELSE category END AS grouping, count(*) AS n,
                count(DISTINCT place_key) AS places
            FROM detect_orders WHERE place_key IS NOT NULL GROUP BY 1, 2
            """
        ) { r in
            let perPlace = Double(r.n) / Double(max(r.places, 1))
            typical[r.scope + "\u{1F}" + r.grouping] = perPlace / Double(max(spanDays, 1))
        }
        try groups(
            """
            SELECT seq, day, caller, place_key AS key1, CASE WHEN place_key LIKE 't:%' THEN '' ELSE category END AS key2
            FROM detect_orders WHERE place_key IS NOT NULL ORDER BY place_key, key2, day, seq
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
                findings.append(
                    Finding(
                        signal: .hotspot, key: "hotspot|\(key[0])|\(key[1])|\(events.days[e.range.lowerBound])",
                        detail:
                            "\(name)\(category)\(s.hotspotDays) 天内最多 \(e.peak) 件（按平时约 \(Self.format(e.expected)) 件），共 \(e.range.count) 件",
                        seqs: Array(events.seqs[e.range])))
            }
        }
        return findings
    }

    /// Orders on the places of one scope and grouping.
    private struct TypicalPlace: FetchableRecord {
        enum Column: Int, ColumnSet { case scope, grouping, n, places }
        var scope: String
        var grouping: String
        var n: Int
        var places: Int

        init(_ row: RowReader<Column>) {
            scope = row.string(.scope)
            grouping = row.string(.grouping)
            n = row.int(.n)
            places = row.int(.places)
        }
    }
}
