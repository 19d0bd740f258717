import HotlineClassify
import HotlineCore
import HotlineIngest
import HotlineStore
import TestSupport
import Testing

@Suite struct ClassifyStageTests {
    /// Orders built in memory and stored through the ingest stage's API.
    static func orders() -> [Order] {
        let texts = [
            ("A1", "物业服务差", "小区物业不管楼道卫生"), ("A2", "", "楼下工地夜间施工噪音"), ("A3", "", "老板拖欠工资三个月"),
            ("A4", "路灯", "家门口路灯坏了"), ("A5", "", "今天天气不错"), ("A6", "", "孩子上学学位紧张"),
        ]
        return texts.enumerated().map { i, t in
            var o = Order(id: t.0, receivedAt: LocalDateTime(year: 2021, month: 3, day: i + 1))
            o.title = t.1.isEmpty ? nil : t.1
            o.content = t.2
            return o
        }
    }

    @Test func classifiesEveryOrderAndRerunReplacesTheOutput() throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.file("h.sqlite"), stages: [IngestStage.self, ClassifyStage.self])
        try IngestStage.insert(Self.orders(), into: store)
        let taxonomy = try Taxonomy.load(path: Fixtures.taxonomy)
        var stage = ClassifyStage(classifier: Classifier(taxonomy: taxonomy, fallback: "其他"), fingerprint: "a")
        stage.batchSize = 4  // several batches through the queues
        let counts = try store.run(stage)
        #expect((counts.rowsIn, counts.rowsOut) == (6, 6))
        let rows = try store.db.rows(
            "SELECT o.id, c.category, c.rule, c.source FROM classified c JOIN orders o ON o.seq = c.order_seq ORDER BY o.id"
        )
        #expect(rows.map { $0[1].text! } == ["物业管理", "噪音扰民", "劳资纠纷", "市政设施", "其他", "学位紧缺"])
        #expect(rows[4][2].text == ClassificationSource.fallback.rawValue && rows[4][3].text == "fallback")
        #expect(rows[0][3].text == ClassificationSource.rule.rawValue)
        #expect(try Classifications.countBySource(store.db) == [.rule: 5, .fallback: 1])
        #expect(try Classifications.decidedCount(store.db) == 5)
        #expect(try Classifications.count(store.db, source: .fallback) == 1)
        #expect(try Classifications.count(store.db, source: .manual) == 0)
        // The summary's counts read partial indexes whose codes are the stored ones, not the table.
        for (index, where_) in [
            ("classified_fallback", "rule = '\(ClassificationSource.fallback.rawValue)'"),
            ("classified_manual", "source = '\(ClassificationSource.manual.rawValue)'"),
            ("classified_mislabel", "mislabel = 1"),
        ] {
            let plan = try store.db.rows("EXPLAIN QUERY PLAN SELECT count(*) FROM classified WHERE \(where_)")
            #expect(plan.contains { $0.contains { $0.text?.contains(index) == true } }, "\(plan)")
        }

        // The analyst edits the taxonomy: rerunning replaces every row.
        let edited = try Taxonomy.parse("路灯\t\t路灯\n", file: "t.tsv")
        try store.run(ClassifyStage(classifier: Classifier(taxonomy: edited, fallback: "其他"), fingerprint: "b"))
        #expect(try store.db.scalar("SELECT count(*) FROM classified") == 6)
        #expect(try store.db.scalar("SELECT count(*) FROM classified WHERE category = '路灯'") == 1)
        #expect(try store.db.scalar("SELECT count(DISTINCT run_id) FROM classified") == 1)
    }

    /// A night's batches hold exactly the orders written since, in seq order, whatever the batch size.
    @Test func batchesOfWhatChangedHoldExactlyTheOrdersWrittenSince() throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.file("b.sqlite"), stages: [IngestStage.self, ClassifyStage.self])
        try IngestStage.insert(Self.orders(), into: store)
        let first = try #require(try store.lastSuccessfulRun(of: .ingest)).id
        // A later export changes A2, A5 and A6 and adds A7.
        var later = Self.orders().filter { ["A2", "A5", "A6"].contains($0.id) }.map {
            var o = $0
            o.content = (o.content ?? "") + "，再次反映"
            o.sourceFile = "later.csv"
            return o
        }
        later.append(Order(id: "A7", receivedAt: LocalDateTime(year: 2021, month: 4, day: 1)))
        try IngestStage.insert(later, into: store)
        // Seven orders, counted no further than asked.
        #expect(try [1, 6, 7, 8, 100].map { try Orders.count(store.db, upTo: $0) } == [1, 6, 7, 7, 7])
        for size in [1, 2, 3, 10] {
            var batches: [[String]] = []
            try Classifications.batches(store.db, columns: [.id], size: size, writtenAfter: first) {
                batches.append($0.map(\.order.id))
                return true
            }
            #expect(batches.flatMap { $0 } == ["A2", "A5", "A6", "A7"], "size \(size)")
            #expect(batches.allSatisfy { $0.count <= size })
            var plain: [String] = []
            try Orders.batches(store.db, columns: [.id], size: size, writtenAfter: first) {
                plain += $0.map(\.id)
                return true
            }
            #expect(plain == ["A2", "A5", "A6", "A7"])
            var all: [String] = []
            try Orders.batches(store.db, columns: [.id], size: size) {
                all += $0.map(\.id)
                return true
            }
            #expect(all == ["A1", "A2", "A3", "A4", "A5", "A6", "A7"])
        }
        // Each changed order is looked up by its seq: an update of an old order must not make the
        // night read every order between it and the new ones (a range of seqs would).
        let plan = try store.db.rows("EXPLAIN QUERY PLAN " + Orders.changedSelect("SELECT o.seq FROM orders o"))
        #expect(plan.contains { $0.contains { $0.text?.contains("PRIMARY KEY (rowid=?)") == true } }, "\(plan)")
        // And they are found through the run index, not by walking the table in seq order.
        let found = try store.db.rows("EXPLAIN QUERY PLAN " + Orders.writtenAfterInOrder, [first])
        #expect(found.contains { $0.contains { $0.text?.contains("orders_by_run") == true } }, "\(found)")
        #expect(!found.contains { $0.contains { $0.text == "SCAN orders" } }, "\(found)")
    }

    @Test func classifiedOrdersAreReadWithTheirCategory() throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.file("r.sqlite"), stages: [IngestStage.self, ClassifyStage.self])
        try IngestStage.insert(Self.orders(), into: store)
        try ClassifyStage.assign(["A1": ("物业管理", "住房"), "A3": ("劳资纠纷", nil)], in: store)
        var seen: [String: String] = [:]
        try Classifications.forEachOrder(store.db, columns: [.id]) { seen[$0.order.id] = $0.categoryOrUnclassified }
        #expect(seen["A1"] == "物业管理" && seen["A3"] == "劳资纠纷" && seen["A2"] == Values.unclassified)
        let record = try #require(try Classifications.of(store.db, orderSeq: 1))
        #expect(record.parent == "住房")
    }

    @Test func shippedTaxonomyAgreesWithTheDemoDataTruth() throws {
        // The demo exports come with each order's true category: the rules must keep placing
        // at least 98% of them right (they place all 3,000 today).
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.file("d.sqlite"), stages: [IngestStage.self, ClassifyStage.self])
        let config = try PipelineConfig.load(
            path: Fixtures.path("Pipelines/demo.conf"), stages: [IngestStage.self, ClassifyStage.self])
        try IngestStage.ingest(expandInputs(config.inputs), into: store, config: config)
        try store.run(ClassifyStage(config: config, paths: StagePaths(store: store.path)))
        let truth = try String(contentsOfFile: Fixtures.path("Fixtures/demo/truth.csv"), encoding: .utf8)
        try store.db.execute("CREATE TEMP TABLE truth(id TEXT PRIMARY KEY, category TEXT)")
        let insert = try store.db.prepare("INSERT OR REPLACE INTO truth VALUES(?, ?)")
        for line in truth.split(whereSeparator: \.isNewline).dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            try insert.run([String(f[0]), String(f[1])])
        }
        let total = try store.db.scalar(
            "SELECT count(*) FROM classified c JOIN orders o ON o.seq = c.order_seq JOIN truth t ON t.id = o.id")
        let right = try store.db.scalar(
            "SELECT count(*) FROM classified c JOIN orders o ON o.seq = c.order_seq JOIN truth t ON t.id = o.id WHERE t.category = c.category"
        )
        #expect(total == 3_000)
        #expect(Double(right) / Double(total) >= 0.98, "rules place \(right) of \(total) right")
    }
}
