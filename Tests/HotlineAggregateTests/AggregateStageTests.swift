import HotlineAggregate
import HotlineClassify
import HotlineCore
import HotlineIngest
import HotlineStore
import TestSupport
import Testing

/// Every figure checked against the hand counts in Fixtures/small/EXPECTED.md.
@Suite struct AggregateStageTests {
    let dir = TemporaryDirectory()

    func aggregated(config path: String = Fixtures.smallConfig) throws -> Store {
        let store = try Store(
            path: dir.file("h.sqlite"), stages: [IngestStage.self, ClassifyStage.self, AggregateStage.self])
        let config = try PipelineConfig.load(
            path: path, stages: [IngestStage.self, ClassifyStage.self, AggregateStage.self])
        try IngestStage.ingest([Fixtures.exportA, Fixtures.exportB], into: store, config: config)
        try store.run(ClassifyStage(config: config, paths: StagePaths(store: store.path)))
        try store.run(AggregateStage(config: config, paths: StagePaths(store: store.path)))
        return store
    }

    /// A night that changed half of the orders or more counts every month afresh; fewer, only theirs.
    @Test func halfTheOrdersChangedRecountsEverything() {
        #expect(AggregateStage.recountsEverything(changed: 5, of: 10))
        #expect(AggregateStage.recountsEverything(changed: 10, of: 10))
        #expect(!AggregateStage.recountsEverything(changed: 4, of: 10))
        #expect(!AggregateStage.recountsEverything(changed: 0, of: 0))
        #expect(!AggregateStage.recountsEverything(changed: 30_000, of: 1_030_000))
    }

    @Test func categoryCountsAndShares() throws {
        let store = try aggregated()
        let rows = try store.db.rows("SELECT category, n, share FROM agg_category ORDER BY n DESC, category")
        let counts = Dictionary(uniqueKeysWithValues: rows.map { ($0[0].text!, $0[1].int!) })
        #expect(
            counts == [
                "物业管理": 3, "噪音扰民": 2, "市政设施": 2, "劳资纠纷": 1, "学位紧缺": 1, "社会保险": 1, "户籍证件": 1,
                "违建查处": 1, "其他": 1,
            ])
        #expect(rows[0][0].text == "物业管理")
        #expect(abs(rows[0][2].double! - 3.0 / 13.0) < 1e-12)
        #expect(try store.db.scalarText("SELECT parent FROM agg_category WHERE category = '物业管理'") == "住房和物业")
    }

    /// A full run drops and re-creates the caller index around its bulk insert: as the migration made it.
    @Test func aFullRunLeavesTheSchemaAsTheMigrationsMadeIt() throws {
        let fresh = try Store(
            path: dir.file("fresh.sqlite"), stages: [IngestStage.self, ClassifyStage.self, AggregateStage.self])
        let schema = "SELECT name, sql FROM sqlite_master WHERE tbl_name LIKE 'agg_%' ORDER BY name"
        let before = try fresh.db.rows(schema)
        let store = try aggregated()
        #expect(try store.db.rows(schema) == before)
        #expect(try store.db.rows(schema).contains { $0[0].text == "agg_order_month_by_caller" })
    }

    @Test func monthsIncludeEmptyOnes() throws {
        let store = try aggregated()
        let months = try store.db.rows("SELECT month, n FROM agg_month ORDER BY month").map {
            "\($0[0].text!)=\($0[1].int!)"
        }
        #expect(months == ["2021-03=3", "2021-04=3", "2021-05=0", "2021-06=3", "2021-07=0", "2021-08=4"])
        #expect(
            try store.db.scalar("SELECT n FROM agg_month_category WHERE month = '2021-08' AND category = '物业管理'") == 1)
        #expect(try store.db.scalar("SELECT sum(n) FROM agg_month_category") == 13)
    }

    @Test func streetsAndCommunitiesWithPopulationRates() throws {
        let store = try aggregated()
        let areas = try store.db.rows(
            "SELECT street, community, n, population, per_10k, grid_workers, per_grid, top_category, top_n FROM agg_area ORDER BY street, community"
        )
        func row(_ street: String, _ community: String) -> [SQLValue]? {
            areas.first { $0[0].text == street && $0[1].text == community }
        }
        #expect(areas.count == 6)
        let liuyue = try #require(row("横岗街道", "六约社区"))
        #expect(liuyue[2].int == 5)
        #expect(liuyue[3].int == 152_000)
        #expect(abs(liuyue[4].double! - 5.0 * 10_000 / 152_000) < 1e-9)
        #expect(abs(liuyue[6].double! - 5.0 / 40) < 1e-9)
        #expect(liuyue[7].text == "噪音扰民")  // 噪音扰民 2 and 物业管理 2 tie: the name that sorts first
        let shawan = try #require(row("南湾街道", "沙湾社区"))
        #expect(shawan[2].int == 3)
        #expect(abs(shawan[4].double! - 3.0 * 10_000 / 1_522) < 1e-9)
        #expect(row("南湾街道", "南岭社区")?[2].int == 3)
        #expect(row("南湾街道", "南岭社区")?[4] == .null)
        #expect(row("南湾街道", "南岭社区")?[7].text == "市政设施")
        #expect(row("横岗街道", "志盛社区")?[2].int == 1)
        // In the reference table but without orders: listed with 0.
        #expect(row("横岗街道", "保安社区")?[2].int == 0)
        #expect(row("横岗街道", "保安社区")?[4].double == 0)
        // No street and community in the export.
        #expect(row("（未注明）", "（未注明）")?[2].int == 1)
        // The row with an unreadable population was skipped.
        #expect(row("南湾街道", "丹竹头社区") == nil)
        #expect(try store.db.scalar("SELECT count(*) FROM communities") == 5)

        let streets = try store.db.rows(
            "SELECT street, n, population, per_10k, per_grid, top_category, top_n FROM agg_street ORDER BY street")
        #expect(streets.map { $0[0].text! } == ["南湾街道", "横岗街道", "（未注明）"])
        #expect(streets.map { $0[1].int! } == [6, 6, 1])
        // 南岭 has no population, so 南湾's rate is unknown; 保安 has no grid workers, so 横岗's is.
        #expect(streets[0][3] == .null)
        #expect(streets[1][2].int == 202_000)
        #expect(abs(streets[1][3].double! - 6.0 * 10_000 / 202_000) < 1e-9)
        #expect(streets[1][4] == .null)
        #expect(streets[1][5].text == "物业管理")
        #expect(streets[1][6].int == 3)
    }

    @Test func summaryHoldsTheHeadlineFigures() throws {
        let store = try aggregated()
        var summary: [String: String] = [:]
        for r in try store.db.rows("SELECT key, value FROM agg_summary") { summary[r[0].text!] = r[1].text! }
        #expect(summary["orders"] == "13")
        #expect(summary["rows_read"] == "19")
        #expect(summary["rejected"] == "4")
        #expect(summary["first_received"] == "2021-03-05 14:22:01")
        #expect(summary["last_received"] == "2021-08-28 21:00:00")
        #expect(summary["population"] == "203522")
        #expect(summary["by_rule"] == "12")
        #expect(summary["pipeline"] == "测试区（手工核对样例）")
    }

    /// Orders not classified yet count among the orders, not among those a rule placed.
    @Test func ordersNotClassifiedYetAreNotCountedAsPlacedByARule() throws {
        let store = try aggregated()
        try IngestStage.insert(
            [
                Order(id: "N1", receivedAt: LocalDateTime(year: 2021, month: 9, day: 1)),
                Order(id: "N2", receivedAt: LocalDateTime(year: 2021, month: 9, day: 2)),
            ], into: store)
        let config = try PipelineConfig.load(
            path: Fixtures.smallConfig, stages: [IngestStage.self, ClassifyStage.self, AggregateStage.self])
        try store.run(AggregateStage(config: config, paths: StagePaths(store: store.path)))
        var summary: [String: String] = [:]
        for r in try store.db.rows("SELECT key, value FROM agg_summary") { summary[r[0].text!] = r[1].text! }
        #expect(summary["orders"] == "15")
        #expect(summary["unclassified"] == "2")
        #expect(summary["by_rule"] == "12")
    }

    @Test func streetIsFilledFromTheReferenceWhenTheExportLacksIt() throws {
        let store = try Store(
            path: dir.file("f.sqlite"), stages: [IngestStage.self, ClassifyStage.self, AggregateStage.self])
        let export = dir.write("e.csv", "工单编号,受理时间,所属社区,诉求内容\nA1,2021-05-01,沙湾社区,路灯坏了\nA2,2021-05-02,不存在社区,路灯坏了\n")
        let conf = dir.write(
            "f.conf",
            "taxonomy = \(Fixtures.taxonomy)\ncommunities = \(Fixtures.path("Fixtures/small/communities.csv"))\n")
        let config = try PipelineConfig.load(
            path: conf, stages: [IngestStage.self, ClassifyStage.self, AggregateStage.self])
        try IngestStage.ingest([export], into: store, config: config)
        try store.run(AggregateStage(config: config, paths: StagePaths(store: store.path)))
        #expect(try store.db.scalar("SELECT n FROM agg_area WHERE street = '南湾街道' AND community = '沙湾社区'") == 1)
        #expect(try store.db.scalar("SELECT n FROM agg_area WHERE street = '（未注明）' AND community = '不存在社区'") == 1)
        // Not classified yet: counted, and said so.
        #expect(try store.db.scalarText("SELECT category FROM agg_category") == "（未分类）")
    }
}
