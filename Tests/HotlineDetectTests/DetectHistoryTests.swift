import HotlineClassify
import HotlineCore
import HotlineIngest
import HotlineStore
import TestSupport
import Testing

@testable import HotlineDetect

/// Detection over a store that grows for years: a window is judged only by data near it.
@Suite struct DetectHistoryTests {
    static let stages: [any Stage.Type] = [IngestStage.self, ClassifyStage.self, DetectStage.self]
    let dir = TemporaryDirectory()

    /// A deterministic generator (SplitMix64), so the synthetic district is the same every run.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static let communities = [("园岭街道", "园岭社区"), ("园岭街道", "南园社区"), ("华强街道", "华强社区"), ("华强街道", "荔村社区")]
    static let estates = ["翠竹苑", "金色家园", "阳光花园", "松柏新村", "东方半岛"]
    static let categories = ["物业管理", "噪音扰民", "交通出行", "环境卫生"]

    /// A year of background orders, `perDay` a day spread evenly over communities, estates and
    /// categories, each from its own caller, plus `planted` bursts: `burst` orders in 6 days on one
    /// estate and category.
    static func year(
        _ year: Int, perDay: Int, planted: [(community: Int, estate: Int, category: Int, day: Int)], burst: Int,
        seed: UInt64
    ) -> [(Order, String)] {
        var random = Random(state: seed)
        var out: [(Order, String)] = []
        let first = LocalDateTime(year: year, month: 1, day: 1).dayNumber
        func order(day: Int, community: Int, estate: Int, category: Int) -> (Order, String) {
            let n = out.count
            var o = Order(
                id: "Y\(year)-\(n)",
                receivedAt: LocalDateTime(dayNumber: day, seconds: 9 * 3_600 + random.below(36_000)))
            (o.street, o.community) = communities[community]
            o.address = estates[estate] + "\(1 + random.below(20))栋"
            o.content = "\(estates[estate])\(categories[category])问题第\(n)次反映"
            o.callerKey = "caller-\(year)-\(n)"
            o.status = OrderStatus.closed.rawValue
            o.satisfaction = Satisfaction.satisfied.rawValue
            return (o, categories[category])
        }
        for day in first..<(first + 365) {
            for _ in 0..<perDay {
                out.append(
                    order(
                        day: day, community: random.below(communities.count), estate: random.below(estates.count),
                        category: random.below(categories.count)))
            }
        }
        for p in planted {
            for i in 0..<burst {
                out.append(
                    order(
                        day: first + p.day + i * 6 / burst, community: p.community, estate: p.estate,
                        category: p.category))
            }
        }
        return out
    }

    /// Candidates the last detect run found, with their evidence orders' ids.
    func candidates(_ store: Store) throws -> [String: Set<String>] {
        var out: [String: Set<String>] = [:]
        for row in try store.db.rows(
            """
            SELECT e.candidate_id, o.id FROM candidate_evidence e JOIN candidates c ON c.id = e.candidate_id
            JOIN orders o ON o.seq = e.order_seq WHERE c.detected = 1
            """)
        {
            out[row[0].text!, default: []].insert(row[1].text!)
        }
        return out
    }

    func add(_ orders: [(Order, String)], to store: Store, categories: inout [String: String]) throws {
        try IngestStage.insert(orders.map(\.0), into: store)
        for (o, c) in orders { categories[o.id] = c }
        try ClassifyStage.assign(categories.mapValues { ($0, nil) }, in: store)
        try store.run(DetectStage(settings: DetectSettings()))
    }

    @Test func aYearsCandidatesDoNotChangeWhenTheNextYearArrivesAtTwiceTheVolume() throws {
        let store = try Store(path: dir.file("h.sqlite"), stages: Self.stages)
        var categories: [String: String] = [:]
        let first = Self.year(
            2023, perDay: 20, planted: [(0, 0, 0, 100), (3, 2, 1, 250)], burst: 12, seed: 1)
        try add(first, to: store, categories: &categories)
        let before = try candidates(store)
        // Both planted bursts are found, each with its 12 orders.
        let planted = before.values.filter { $0.count >= 12 }
        #expect(planted.count == 2)
        #expect(before.count <= 3)

        // The next year: twice the orders a day, and two bursts of its own, larger as it is busier.
        let second = Self.year(
            2024, perDay: 40, planted: [(1, 1, 2, 60), (2, 4, 3, 200)], burst: 16, seed: 2)
        try add(second, to: store, categories: &categories)
        let after = try candidates(store)
        let earlier = after.filter { $0.value.allSatisfy { $0.hasPrefix("Y2023") } }
        #expect(earlier == before)
        // Doubling is growth, not a problem: the new year's candidates are about as many as the
        // first's, its two bursts among them.
        let later = after.filter { $0.value.allSatisfy { $0.hasPrefix("Y2024") } }
        let reasons = try store.db.rows("SELECT reason FROM candidates WHERE detected = 1").map { $0[0].text! }
        #expect(later.values.filter { $0.count >= 16 }.count == 2, "\(reasons)")
        #expect(later.count <= 3)
        #expect(after.count == earlier.count + later.count)
    }

    @Test func aWindowIsJudgedOnlyWithinItsRegime() {
        // 100 orders a day in January 1970 (day 0 to 30), then 10 a day: two regimes, and no
        // baseline across them.
        var volume = DayCounts(first: 0, last: 119)
        for day in 0..<120 { volume.add(day < 31 ? 100 : 10, on: day) }
        volume.finish()
        let period = BaselinePeriod(firstDay: 0, lastDay: 119, days: 365, minDays: 60, volume: volume)
        #expect(period.regimeStart(10) == 0)
        #expect(period.regimeStart(45) == 31)
        // A window in the second regime looks back only to its start, then forward for the rest.
        let stretches = period.around(40..<47)
        #expect(stretches.allSatisfy { $0.lowerBound >= 31 })
        #expect(stretches.reduce(0) { $0 + $1.count } == 60)
        // A window in the first looks forward only within it.
        #expect(period.around(5..<12).allSatisfy { $0.upperBound <= 31 })
    }
}
