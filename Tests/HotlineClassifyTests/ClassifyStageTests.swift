import HotlineClassify
import HotlineCore
import HotlineIngest
import HotlineStore
import TestSupport
import Testing

@Suite struct ClassifyStageTests {
    @Test func classifiesEveryOrderAndRerunReplacesTheOutput() throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.file("h.sqlite"))
        let config = try PipelineConfig.load(path: Fixtures.smallConfig)
        try Ingester(store: store, config: config).run(files: [Fixtures.exportA, Fixtures.exportB])
        let taxonomy = try Taxonomy.load(path: config.taxonomy)
        var stage = ClassifyStage(
            store: store, classifier: Classifier(taxonomy: taxonomy, fallback: "其他"), configHash: "a")
        stage.batchSize = 4  // several batches through the queues
        let counts = try stage.run()
        #expect((counts.rowsIn, counts.rowsOut) == (13, 13))
        let rows = try store.db.rows(
            "SELECT o.id, c.category FROM classified c JOIN orders o ON o.seq = c.order_seq ORDER BY o.id")
        #expect(
            rows.map { $0[1].text! } == [
                "物业管理", "噪音扰民", "劳资纠纷", "物业管理", "学位紧缺", "社会保险", "户籍证件", "市政设施", "噪音扰民",
                "违建查处", "市政设施", "其他", "物业管理",
            ])
        #expect(
            try store.db.scalarText(
                "SELECT rule FROM classified c JOIN orders o ON o.seq = c.order_seq WHERE o.id = 'GD012'") == "fallback"
        )
        #expect(
            try store.db.scalarText(
                "SELECT keywords FROM classified c JOIN orders o ON o.seq = c.order_seq WHERE o.id = 'GD013'")
                == "物业、楼道")

        // The analyst edits the taxonomy: rerunning replaces every row.
        let edited = try Taxonomy.parse("路灯\t\t路灯\n", file: "t.tsv")
        try ClassifyStage(store: store, classifier: Classifier(taxonomy: edited, fallback: "其他"), configHash: "b").run()
        #expect(try store.db.scalar("SELECT count(*) FROM classified") == 13)
        #expect(try store.db.scalar("SELECT count(*) FROM classified WHERE category = '路灯'") == 1)
        #expect(try store.db.scalar("SELECT count(DISTINCT run_id) FROM classified") == 1)
    }

    @Test func shippedTaxonomyAgreesWithTheDemoDataTruth() throws {
        // The demo exports come with each order's true category: the rules must keep placing
        // at least 98% of them right (they place all 3,000 today).
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.file("d.sqlite"))
        let config = try PipelineConfig.load(path: Fixtures.path("Pipelines/demo.conf"))
        try Ingester(store: store, config: config).run(files: expandInputs(config.inputs))
        try ClassifyStage(
            store: store, classifier: Classifier(taxonomy: try Taxonomy.load(path: config.taxonomy), fallback: "其他"),
            configHash: ""
        ).run()
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
