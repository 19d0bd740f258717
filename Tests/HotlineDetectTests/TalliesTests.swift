import HotlineCore
import HotlineStore
import TestSupport
import Testing

@testable import HotlineDetect

/// `Tallies` counts in one pass what the signals used to ask SQLite to group: the same numbers.
@Suite struct TalliesTests {
    let dir = TemporaryDirectory()

    /// 120 days of orders from 2021-01-01: 5 a day, then 40 a day from March (a second regime);
    /// places from addresses and from texts, orders with only a community, with no street, and
    /// with neither; troubled orders among them.
    func orders() throws -> (Database, first: Int, last: Int) {
        let db = try Database(path: dir.file("t.sqlite"))
        try DetectStage.createOrdersTable(db)
        let first = LocalDateTime(year: 2021, month: 1, day: 1).dayNumber
        let places: [String?] = ["c:甲社区|阳光小区", "c:甲社区|幸福里", "c:乙社区|阳光小区", "t:|华城花园", "t:|万科城", nil]
        let categories = ["物业管理", "噪音扰民", "劳资纠纷"]
        let communities: [String?] = ["甲社区", "乙社区", nil]
        let streets: [String?] = ["南湾街道", nil]
        var random = 12_345
        func next(_ n: Int) -> Int {
            random = (random &* 1_103_515_245 &+ 12_345) & 0x7FFF_FFFF
            return (random >> 8) % n
        }
        var seq = 0
        for day in first..<(first + 120) {
            for _ in 0..<(day - first < 59 ? 5 : 40) {
                seq += 1
                let date = LocalDateTime(dayNumber: day)
                try db.execute(
                    """
                    INSERT INTO detect_orders(seq, t, day, month, category, place_key, street, community, caller,
                        unsatisfied, reopened)
                    VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        seq, date.secondsSinceEpoch, day, date.monthKey, categories[next(3)], places[next(6)],
                        streets[next(2)], communities[next(3)], "c\(next(50))", next(7) == 0 ? 1 : 0,
                        next(11) == 0 ? 1 : 0,
                    ])
            }
        }
        return (db, first, first + 119)
    }

    func dayCounts(_ db: Database, _ sql: String, first: Int, last: Int) throws -> [Int32] {
        var counts = DayCounts(first: first, last: last)
        try db.forEach(Tally.self, sql) { counts.add($0.n, on: Int($0.key)!) }
        counts.finish()
        return counts.prefix
    }

    @Test func onePassCountsWhatTheGroupBysCounted() throws {
        let (db, first, last) = try orders()
        let t = try Tallies(db: db, firstDay: first, lastDay: last, needs: [.district, .hotspot, .stuck, .surge])
        #expect(
            t.volume.prefix
                == (try dayCounts(
                    db, "SELECT day AS key, count(*) AS n FROM detect_orders GROUP BY 1", first: first, last: last)))
        #expect(t.byCategory.count == 3)
        for (category, counts) in t.byCategory {
            let sql = "SELECT day AS key, count(*) AS n FROM detect_orders WHERE category = '\(category)' GROUP BY 1"
            #expect(counts.prefix == (try dayCounts(db, sql, first: first, last: last)))
        }
        let troubled =
            "SELECT day AS key, count(*) AS n FROM detect_orders WHERE unsatisfied = 1 OR reopened = 1 GROUP BY 1"
        #expect(t.troubled.prefix == (try dayCounts(db, troubled, first: first, last: last)))
        let firstTroubled = try db.rows(
            """
            SELECT min(day) FROM detect_orders WHERE (place_key IS NOT NULL OR community IS NOT NULL)
                AND (unsatisfied = 1 OR reopened = 1)
            GROUP BY coalesce(place_key, 'c:' || community || '|') || char(31) || category ORDER BY 1
            """
        ).map { $0[0].int! }
        #expect(firstTroubled.count > 10)
        #expect(t.firstTroubled.values.sorted() == firstTroubled)
        let cells = try db.rows(
            """
            SELECT coalesce(street, ''), community, category, month, count(*) FROM detect_orders
            WHERE community IS NOT NULL GROUP BY 1, 2, 3, 4
            """)
        #expect(cells.count == t.cells.count)
        for c in cells {
            let cell = Tallies.Cell(street: c[0].text!, community: c[1].text!, category: c[2].text!, month: c[3].text!)
            #expect(t.cells[cell] == c[4].int)
        }
    }

    @Test func hotspotRatesAreTheGroupedQuerys() throws {
        let (db, first, last) = try orders()
        let t = try Tallies(db: db, firstDay: first, lastDay: last, needs: [.hotspot])
        let period = BaselinePeriod(firstDay: first, lastDay: last, days: 365, minDays: 30, volume: t.volume)
        #expect(period.regimeStarts.count == 2)
        let mine = t.hotspotRates(period)
        let theirs = try TypicalRates(
            db: db, period: period,
            sql: """
                SELECT substr(place_key, 1, instr(place_key, '|')) || char(31)
                    || CASE WHEN place_key LIKE 't:%' THEN '' ELSE category END AS grouping,
                    place_key AS member, day, count(*) AS n
                FROM detect_orders WHERE place_key IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
                """)
        #expect(mine.orders.mapValues(\.prefix) == theirs.orders.mapValues(\.prefix))
        #expect(mine.firstDays == theirs.firstDays)
        #expect(mine.firstDays.count > 6)
    }

    /// Hotspots and stuck orders read one sorted query together: the groups each used to read from
    /// its own query give the same findings (places from texts across categories, orders known only
    /// by their community left out of hotspots).
    @Test func placeSignalsFindWhatTheirOwnQueriesFound() throws {
        let (db, first, last) = try orders()
        var settings = DetectSettings()
        (settings.alpha, settings.stuckAlpha, settings.minRatio) = (0.2, 0.5, 1)
        (settings.hotspotMin, settings.stuckMin) = (3, 2)
        let t = try Tallies(db: db, firstDay: first, lastDay: last, needs: [.district, .hotspot, .stuck])
        let period = BaselinePeriod(firstDay: first, lastDay: last, days: 365, minDays: 30, volume: t.volume)
        let scan = SignalScan(
            db: db, settings: settings, period: period,
            district: DistrictRates(period: period, byCategory: t.byCategory), tallies: t)
        let found = try scan.placeSignals()
        var hotspots: [Finding] = []
        let hotspot = scan.hotspots()
        try scan.groups(
            """
            SELECT seq, day, caller, place_key AS key1, CASE WHEN place_key LIKE 't:%' THEN '' ELSE category END AS key2
            FROM detect_orders WHERE place_key IS NOT NULL ORDER BY place_key, key2, day, seq
            """, keyColumns: 2
        ) { key, events, _ in hotspots += try hotspot(key, events) }
        var stuck: [Finding] = []
        let judge = try #require(try scan.stuckOrders())
        try scan.groups(
            """
            SELECT seq, day, caller, coalesce(place_key, 'c:' || community || '|') AS key1, category AS key2,
                unsatisfied = 1 OR reopened = 1 AS flag
            FROM detect_orders WHERE place_key IS NOT NULL OR community IS NOT NULL ORDER BY key1, key2, day, seq
            """, keyColumns: 2, flagged: true
        ) { key, events, _ in stuck += try judge(key, events) }
        #expect(found.hotspots.map(\.key) == hotspots.map(\.key))
        #expect(found.hotspots.map(\.seqs) == hotspots.map(\.seqs))
        #expect(found.hotspots.map(\.detail) == hotspots.map(\.detail))
        #expect(found.stuck.map(\.key) == stuck.map(\.key))
        #expect(found.stuck.map(\.seqs) == stuck.map(\.seqs))
        #expect(hotspots.contains { $0.key.hasPrefix("hotspot|t:") })
        #expect(hotspots.contains { $0.key.hasPrefix("hotspot|c:") })
        #expect(stuck.contains { $0.key.hasPrefix("stuck|c:甲社区||") })
    }
}
