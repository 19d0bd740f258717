import HotlineCore
import HotlineLearn
import HotlineStore

/// The classify stage: classifies every order in the store again, replacing the last output.
///
/// With a trained model, a confident keyword rule (enough keywords found, or a priority above 0)
/// wins; otherwise the model's answer is taken when it is sure enough, and below the threshold the
/// order is left for a person (待人工) rather than guessed. An operator label that disagrees with a
/// very sure prediction is flagged as a likely mislabel. Without a model, the rules alone decide.
///
/// A reader on its own read-only connection pages through the orders in batches, a worker
/// classifies them, and the calling thread writes the results, joined by bounded queues.
public struct ClassifyStage {
    let store: Store
    let classifier: Classifier
    let configHash: String
    let model: LinearModel?
    let settings: ModelSettings
    public var batchSize = 512

    public init(
        store: Store, classifier: Classifier, configHash: String, model: LinearModel? = nil,
        settings: ModelSettings = ModelSettings()
    ) {
        self.store = store
        self.classifier = classifier
        self.configHash = configHash
        self.model = model
        self.settings = settings
    }

    private struct Row: Sendable {
        var seq: Int
        var title: String
        var body: String
        var label: String?
    }

    /// Where one order landed and how.
    struct Decision: Sendable {
        var classification: Classification
        var source: String
        var probability: Double?
        var modelCategory: String?
        var modelProbability: Double?
        var mislabel: Bool
    }

    /// Decides one order's category from the rules and, if there is one, the model.
    static func decide(
        title: String, body: String, label: String?, classifier: Classifier, model: LinearModel?,
        settings: ModelSettings
    ) -> Decision {
        let text = title.isEmpty ? body : title + "\n" + body
        let rule = classifier.classify(text)
        guard let model, let top = model.predict(title: title, body: body).first else {
            return Decision(
                classification: rule, source: rule.rule == "fallback" ? "fallback" : "rule", probability: nil,
                modelCategory: nil, modelProbability: nil, mislabel: false)
        }
        let mislabel = label.map { $0 != top.label && top.probability >= settings.mislabelThreshold } ?? false
        let confident = rule.rule != "fallback" && (rule.keywords.count >= settings.ruleKeywords || rule.priority > 0)
        var decision = Decision(
            classification: rule, source: "rule", probability: nil, modelCategory: top.label,
            modelProbability: top.probability, mislabel: mislabel)
        if confident { return decision }
        if top.probability >= settings.threshold {
            let parent = classifier.taxonomy.rules.first { $0.category == top.label }?.parent
            decision.classification = Classification(category: top.label, parent: parent, rule: "model", keywords: [])
            decision.source = "model"
            decision.probability = top.probability
        } else {
            decision.classification = Classification(
                category: ModelSettings.manual, parent: nil, rule: "manual", keywords: [])
            decision.source = "manual"
            decision.probability = top.probability
        }
        return decision
    }

    @discardableResult
    public func run() throws -> StageCounts {
        try store.runStage("classify", configHash: configHash) { runID in
            try store.db.execute("DELETE FROM classified")
            let reader = UncheckedSendable(try store.readerConnection())
            let batchSize = self.batchSize
            let classifier = self.classifier
            let model = self.model
            let settings = self.settings
            let insert = try store.db.prepare(
                """
                INSERT INTO classified(order_seq, category, parent, rule, keywords, run_id, source, probability,
                    model_category, model_probability, mislabel)
                VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            var count = 0
            var sources: [String: Int] = [:]
            try Pipeline.run(
                label: "classify", depth: 8,
                produce: { send in
                    let select = try reader.value.prepare(
                        """
                        SELECT seq, coalesce(title, ''), coalesce(content, ''), operator_category FROM orders
                        WHERE seq > ? ORDER BY seq LIMIT ?
                        """)
                    try select.batches(
                        size: batchSize,
                        row: {
                            Row(
                                seq: $0.int(0), title: $0.text(1) ?? "", body: $0.text(2) ?? "",
                                label: settings.label($0.text(3)))
                        }, send: send)
                },
                transform: {
                    { batch in
                        batch.map {
                            (
                                $0.seq,
                                Self.decide(
                                    title: $0.title, body: $0.body, label: $0.label, classifier: classifier,
                                    model: model,
                                    settings: settings)
                            )
                        }
                    }
                },
                consume: { batch in
                    for (seq, d) in batch {
                        let c = d.classification
                        try insert.run([
                            seq, c.category, c.parent, c.rule, c.keywords.joined(separator: "、"), runID, d.source,
                            d.probability, d.modelCategory, d.modelProbability, d.mislabel ? 1 : 0,
                        ])
                        sources[d.source, default: 0] += 1
                    }
                    count += batch.count
                    Log.progress("classify: \(count.grouped) orders")
                })
            Log.endProgress()
            let parts = ["rule", "model", "manual", "fallback"].compactMap { s in
                sources[s].map { "\($0.grouped) by \(s == "manual" ? "nobody (待人工)" : s)" }
            }
            return StageCounts(rowsIn: count, rowsOut: count, message: parts.joined(separator: ", "))
        }
    }
}
