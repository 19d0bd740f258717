import HotlineStore

extension SignalScan {
    /// How many orders' worth of weight the typical place's rate has in a place's hotspot baseline.
    static let priorOrders = 5.0

    /// The same category on the same place, more often within the window than the place's own rate
    /// (shrunk towards the typical place's rate in its community and category) makes likely, with
    /// both rates taken over the window's baseline period. Windows of a quarter, half and the whole
    /// of `hotspot_days` are tried, so a burst of a week is not diluted into a month. A place known
    /// only from the text of an export without street or community is grouped across categories:
    /// such exports carry no operator category, and a name is specific.
    ///
    /// Returns the test of one group: its place and category ("" for a place from a text) and its
    /// orders in day order.
    func hotspots() -> ([String], Events) throws -> [Finding] {
        let s = settings
        let typical = tallies.hotspotRates(period)
        let windows = Array(Set([max(s.hotspotDays / 4, 1), max(s.hotspotDays / 2, 1), s.hotspotDays])).sorted()
        return { key, events in
            var findings: [Finding] = []
            guard events.count >= s.hotspotMin else { return [] }
            let scope = key[0].firstIndex(of: "|").map { String(key[0][...$0]) } ?? ""
            let grouping = typical.grouping(scope + "\u{1F}" + key[1])
            let found = events.episodes(
                windows: windows, minCount: s.hotspotMin, alpha: s.alpha, minRatio: s.minRatio,
                since: period.regimeStart,
                expected: ownRate(
                    events, category: key[1].isEmpty ? nil : key[1],
                    prior: { typical.rate(grouping, window: $0) }, priorOrders: Self.priorOrders))
            for e in found {
                let name = try label(events.seqs[e.range.lowerBound])
                let category = key[1].isEmpty ? "" : "「\(key[1])」"
                findings.append(
                    Finding(
                        signal: .hotspot, key: "hotspot|\(key[0])|\(key[1])|\(events.days[e.range.lowerBound])",
                        detail:
                            "\(name)\(category)\(e.window) 天内最多 \(e.peak) 件，平时同样天数约 \(Self.format(e.expected)) 件，共 \(e.range.count) 件",
                        seqs: Array(events.seqs[e.range])))
            }
            return findings
        }
    }

    /// Hotspots and stuck orders, from one read of the orders sorted by place (else community) and
    /// category, instead of a sort for each. Stuck orders are tested in every group; hotspots in
    /// those of places, where the groups of a place from a text are put together across categories
    /// (they are read one after another, with callers numbered for the place).
    func placeSignals() throws -> (hotspots: [Finding], stuck: [Finding]) {
        let hotspot = hotspots()
        let stuck = try stuckOrders()
        var found: (hotspots: [Finding], stuck: [Finding]) = ([], [])
        var text: (place: String, parts: [Events])?
        func flushText() throws {
            guard let t = text else { return }
            text = nil
            found.hotspots += try hotspot([t.place, ""], Events(merging: t.parts))
        }
        try groups(
            """
            SELECT seq, day, caller, coalesce(place_key, 'c:' || community || '|') AS key1, category AS key2,
                unsatisfied = 1 OR reopened = 1 AS flag, place_key IS NOT NULL AS mark
            FROM detect_orders WHERE place_key IS NOT NULL OR community IS NOT NULL
            ORDER BY key1, key2, day, seq
            """, keyColumns: 2, flagged: true, marked: true
        ) { key, events, placed in
            if let t = text, t.place != key[0] { try flushText() }
            if let stuck { found.stuck += try stuck(key, events) }
            // The hotspot test reads only orders with a place, not those known only by their community.
            let own = placed.allSatisfy { $0 } ? events : events.filtered(placed)
            guard own.count > 0 else { return }
            if key[0].hasPrefix("t:") {
                text = (key[0], (text?.parts ?? []) + [own])
            } else {
                found.hotspots += try hotspot(key, own)
            }
        }
        try flushText()
        return found
    }
}

/// The typical member's daily rate in each grouping (a place's in its community and category, a
/// text cluster's among all), over a window's baseline period: a floor for a member whose own
/// history is too short to say what is usual. Members count from the day of their first order in
/// the window's regime (see `BaselinePeriod`).
struct TypicalRates {
    let period: BaselinePeriod
    var orders: [String: DayCounts] = [:]
    /// Each grouping's members' first days in each regime, sorted, by grouping and regime.
    var firstDays: [String: [Int]] = [:]

    static func key(_ grouping: String, regime: Int) -> String { grouping + "\u{1E}\(regime)" }

    /// Rates from tallies made elsewhere: `orders` by grouping, and the members' first days, sorted,
    /// by `key(grouping, regime:)`.
    init(period: BaselinePeriod, orders: [String: DayCounts], firstDays: [String: [Int]]) {
        self.period = period
        self.orders = orders
        self.firstDays = firstDays
    }

    /// `sql` gives `grouping`, `member`, `day` and `n` (orders), ordered by the first three.
    init(db: Database, period: BaselinePeriod, sql: String) throws {
        self.period = period
        var orders: [String: DayCounts] = [:]
        var firstDays: [String: [Int]] = [:]
        var lastMember = ""
        var lastGrouping = ""
        var lastRegime = Int.min
        try db.forEach(MemberDay.self, sql) { r in
            orders[r.grouping, default: DayCounts(first: period.firstDay, last: period.lastDay)].add(r.n, on: r.day)
            let regime = period.regimeStart(r.day)
            if r.member != lastMember || r.grouping != lastGrouping || regime != lastRegime {
                firstDays[Self.key(r.grouping, regime: regime), default: []].append(r.day)
                (lastMember, lastGrouping, lastRegime) = (r.member, r.grouping, regime)
            }
        }
        for key in orders.keys { orders[key]!.finish() }
        for key in firstDays.keys { firstDays[key]!.sort() }
        self.orders = orders
        self.firstDays = firstDays
    }

    /// One grouping's orders per day and its members' first days by regime, looked up once for
    /// the many windows of a group.
    struct Grouping {
        var orders: DayCounts?
        var firstDays: [Int: [Int]] = [:]
    }

    func grouping(_ name: String) -> Grouping {
        var g = Grouping(orders: orders[name])
        for regime in period.regimeStarts { g.firstDays[regime] = firstDays[Self.key(name, regime: regime)] }
        return g
    }

    /// Orders per member per day in the grouping (looked up once by the caller, `grouping`), over
    /// the baseline period of `window`.
    func rate(_ grouping: Grouping, window: Range<Int>) -> Double {
        let regime = period.regimeStart(window.upperBound - 1)
        guard let counts = grouping.orders, let first = grouping.firstDays[regime] else { return 0 }
        let periods = period.around(window)
        let days = periods.reduce(0) { $0 + $1.count }
        let n = periods.reduce(0) { $0 + counts.count($1) }
        // Members seen by the end of the period's last stretch.
        let end = periods.map(\.upperBound).max() ?? window.lowerBound
        var lo = 0
        var hi = first.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if first[mid] < end { lo = mid + 1 } else { hi = mid }
        }
        guard days > 0, lo > 0 else { return 0 }
        return Double(n) / Double(lo) / Double(days)
    }

    private struct MemberDay: FetchableRecord {
        enum Column: Int, ColumnSet { case grouping, member, day, n }
        var grouping: String
        var member: String
        var day: Int
        var n: Int
        init(_ row: RowReader<Column>) {
            grouping = row.string(.grouping)
            member = row.string(.member)
            day = row.int(.day)
            n = row.int(.n)
        }
    }
}
