import Foundation
import HotlineCore
import HotlineIngest
import HotlineLearn
import HotlineStore

/// Where the taxonomy is and what no rule gives.
public struct ClassifySettings: Sendable {
    public static let taxonomy = Setting(
        "pipeline", "taxonomy", .inputFile, default: "taxonomy.tsv",
        "The taxonomy: one category a line with its keywords (see Pipelines/taxonomy.tsv).")
    public static let fallback = Setting(
        "classify", "fallback", .text, default: "其他", "The category of an order no rule matches.")
    public static let source = Setting(
        "classify", "source", .choice(Source.allCases.map(\.rawValue)), default: "rules",
        "What decides an order's category first: the taxonomy's rules (a trained model filling in), the model, or the export's own category (at [model] label_level); the others fill orders it leaves open."
    )
    public static let all = [taxonomy, fallback, source]

    /// What decides first.
    public enum Source: String, CaseIterable, Sendable {
        /// Confident keyword rules, then the model when there is one (the default).
        case rules
        /// The model when it is sure, then the rules; a model is required.
        case model
        /// The export's own category; the rules and the model fill orders without one.
        case export
    }

    /// The taxonomy's path: the setting, else `taxonomy.tsv` beside the pipeline file (or
    /// `Pipelines/taxonomy.tsv` under the working directory when there is no pipeline file).
    public static func taxonomyPath(_ config: PipelineConfig) -> String {
        if config.isSet(taxonomy) || config.file != nil { return config.path(taxonomy)! }
        return config.resolve("Pipelines/taxonomy.tsv")
    }
}

/// The classify stage: classifies every order in the store again, replacing the last output.
///
/// With a trained model, a confident keyword rule (enough keywords found, or a priority above 0)
/// wins; otherwise the model's answer is taken when it is sure enough, and below the threshold the
/// order is left for a person (待人工) rather than guessed. An operator label that disagrees with a
/// very sure prediction is flagged as a likely mislabel. Without a model, the rules alone decide.
///
/// A reader on its own read-only connection pages through the orders in batches, a worker
/// classifies them, and the calling thread writes the results, joined by bounded queues.
public struct ClassifyStage: Stage {
    public static let name = StageName.classify
    public static let reads: [TableName] = [.orders]
    public static let owns: [TableName] = [.classified]
    public static let migrations = ClassifySchema.migrations
    public static let settings = ClassifySettings.all + ModelSettings.all

    public let classifier: Classifier
    public let model: LinearModel?
    public let settings: ModelSettings
    public let source: ClassifySettings.Source
    public let fingerprint: String
    public var batchSize = 512
    /// Classify every order, not only those written since the last run.
    public var full = false

    /// Reads the taxonomy and, when there is one, the model beside the store.
    public init(config: PipelineConfig, paths: StagePaths) throws {
        let taxonomy = try Taxonomy.load(path: ClassifySettings.taxonomyPath(config))
        var settings = ModelSettings(config: config)
        let modelPath = settings.path(store: paths.store)
        let model = FileManager.default.fileExists(atPath: modelPath) ? try LinearModel.read(from: modelPath) : nil
        // A model trained for [model] target_accuracy carries the threshold that reaches it.
        if let routing = model?.routing, settings.targetAccuracy != nil { settings.threshold = routing.threshold }
        let source = ClassifySettings.Source(rawValue: config.text(ClassifySettings.source) ?? "") ?? .rules
        if source == .model && model == nil {
            throw HotlineError.notReady(
                "[classify] source = model needs a model at \(modelPath): run 'hotline train' first")
        }
        self.init(
            classifier: Classifier(taxonomy: taxonomy, fallback: config.text(ClassifySettings.fallback) ?? "其他"),
            model: model, settings: settings, source: source,
            fingerprint: Self.fingerprint(of: config, files: [taxonomy.file, modelPath]))
        full = paths.full
    }

    /// A stage with these rules and model, for tests and tools that build them themselves.
    public init(
        classifier: Classifier, model: LinearModel? = nil, settings: ModelSettings = ModelSettings(),
        source: ClassifySettings.Source = .rules, fingerprint: String = ""
    ) {
        self.classifier = classifier
        self.model = model
        self.settings = settings
        self.source = source
        self.fingerprint = fingerprint
    }

    /// Where one order landed and how.
    struct Decision: Sendable {
        var classification: Classification
        var source: ClassificationSource
        var probability: Double?
        var modelCategory: String?
        var modelProbability: Double?
        var mislabel: Bool
    }

    /// Decides one order's category: the export's own label first when `source` says so, then the
    /// rules and, if there is one, the model.
    static func decide(
        title: String, body: String, label: String?, classifier: Classifier, model: LinearModel?,
        settings: ModelSettings, source: ClassifySettings.Source = .rules
    ) -> Decision {
        if source == .export, let label, !label.isEmpty {
            let parent = classifier.taxonomy.rules.first { $0.category == label }?.parent
            return Decision(
                classification: Classification(
                    category: label, parent: parent, rule: ClassificationSource.export.rawValue, keywords: []),
                source: .export, probability: nil, modelCategory: nil, modelProbability: nil, mislabel: false)
        }
        let text = title.isEmpty ? body : title + "\n" + body
        let rule = classifier.classify(text)
        guard let model, let top = model.predict(title: title, body: body).first else {
            return Decision(
                classification: rule, source: rule.isFallback ? .fallback : .rule, probability: nil,
                modelCategory: nil, modelProbability: nil, mislabel: false)
        }
        let mislabel = label.map { $0 != top.label && top.probability >= settings.mislabelThreshold } ?? false
        let confident = !rule.isFallback && (rule.keywords.count >= settings.ruleKeywords || rule.priority > 0)
        var decision = Decision(
            classification: rule, source: .rule, probability: nil, modelCategory: top.label,
            modelProbability: top.probability, mislabel: mislabel)
        if source == .model && top.probability < settings.threshold && !rule.isFallback { return decision }
        if confident && source != .model { return decision }
        if top.probability >= settings.threshold {
            let parent = classifier.taxonomy.rules.first { $0.category == top.label }?.parent
            decision.classification = Classification(
                category: top.label, parent: parent, rule: ClassificationSource.model.rawValue, keywords: [])
            decision.source = .model
        } else {
            decision.classification = Classification(
                category: ModelSettings.manual, parent: nil, rule: ClassificationSource.manual.rawValue, keywords: [])
            decision.source = .manual
        }
        decision.probability = top.probability
        return decision
    }

    /// Gives orders (by id) the categories given, as one classify run that replaces every earlier
    /// classification: for tests and tools that build a store's state without a taxonomy.
    public static func assign(_ categories: [String: (category: String, parent: String?)], in store: Store) throws {
        try store.runStage(name, fingerprint: "", owns: owns) { runID in
            try store.db.execute("DELETE FROM classified")
            let insert = try store.db.insert(
                into: "classified", [ClassifiedColumn.orderSeq, .category, .parent, .rule, .keywords, .runID, .source])
            var n = 0
            try Orders.forEach(store.db, columns: [.seq, .id]) { order in
                guard let c = categories[order.id] else { return }
                try insert.set(.orderSeq, order.seq)
                try insert.set(.category, c.category)
                try insert.set(.parent, c.parent)
                try insert.set(.rule, "given")
                try insert.set(.keywords, "")
                try insert.set(.runID, runID)
                try insert.set(.source, ClassificationSource.rule.rawValue)
                try insert.run()
                n += 1
            }
            return StageCounts(rowsIn: n, rowsOut: n)
        }
    }

    /// Classifies the orders inserted or updated since the last run with the same taxonomy, model
    /// and settings; every order when those changed, orders were removed, or `full` is set.
    public func run(in store: Store, runID: Int) throws -> StageCounts {
        let scope = try store.scope(of: Self.name, fingerprint: fingerprint, full: full)
        var since: Int?
        switch scope {
        case .changedSince(let run): since = run
        case .everything(let reason):
            if try store.lastSuccessfulRun(of: Self.name) != nil { Log.info("classify: every order, as \(reason)") }
            try store.db.execute("DELETE FROM classified")
        }
        let reader = UncheckedSendable(try store.readerConnection())
        let writtenAfter = since
        let batchSize = self.batchSize
        let classifier = self.classifier
        let model = self.model
        let settings = self.settings
        let source = self.source
        let insert = try store.db.insert(into: "classified", ClassifiedColumn.allCases, replace: true)
        var count = 0
        var sources: [ClassificationSource: Int] = [:]
        let total = try since.map { try Orders.count(store.db, writtenAfter: $0) } ?? Orders.count(store.db)
        let progress = Progress()
        try Pipeline.run(
            label: "classify", depth: 8,
            produce: { send in
                try Orders.batches(
                    reader.value, columns: [.seq, .title, .content, .operatorCategory], size: batchSize,
                    writtenAfter: writtenAfter, send: send)
            },
            transform: {
                { batch in
                    batch.map {
                        (
                            $0.seq,
                            Self.decide(
                                title: $0.title ?? "", body: $0.content ?? "",
                                label: settings.label($0.operatorCategory),
                                classifier: classifier, model: model, settings: settings, source: source)
                        )
                    }
                }
            },
            consume: { batch in
                for (seq, d) in batch {
                    let c = d.classification
                    try insert.set(.orderSeq, seq)
                    try insert.set(.category, c.category)
                    try insert.set(.parent, c.parent)
                    try insert.set(.rule, c.rule)
                    try insert.set(.keywords, c.keywords.joined(separator: "、"))
                    try insert.set(.runID, runID)
                    try insert.set(.source, d.source.rawValue)
                    try insert.set(.probability, d.probability)
                    try insert.set(.modelCategory, d.modelCategory)
                    try insert.set(.modelProbability, d.modelProbability)
                    try insert.set(.mislabel, d.mislabel)
                    try insert.run()
                    sources[d.source, default: 0] += 1
                }
                count += batch.count
                Log.progress(every: progress, "classify: " + Log.count(count, of: total, "orders"))
            })
        Log.endProgress()
        let parts = ClassificationSource.allCases.compactMap { s in
            sources[s].map { n -> String in
                switch s {
                case .manual: "\(n.grouped) by nobody (待人工)"
                case .export: "\(n.grouped) by the export's own category"
                default: "\(n.grouped) by \(s.rawValue)"
                }
            }
        }
        // How many went to people, and why, for the report.
        let manual = try Classifications.count(store.db, source: .manual)
        var reason: String?
        if manual > 0 {
            reason = "模型把握不足：最高概率低于 \(Format.fixed(settings.threshold, places: 2))"
            if let r = model?.routing, settings.targetAccuracy != nil {
                reason! +=
                    "（按留出样本，此阈值下模型自行判定 \(Format.percent(r.coverage)) 的工单，准确率 \(Format.percent(r.accuracy))，目标 \(Format.percent(r.target))）"
            }
        }
        try store.setMeta(Classifications.manualReasonKey, reason)
        let changed = since == nil ? "" : "\(count.grouped) new or updated since the last run: "
        return StageCounts(
            rowsIn: count, rowsOut: count, message: changed + parts.joined(separator: ", "),
            changed: since != nil && count == 0 ? [] : nil)
    }
}
