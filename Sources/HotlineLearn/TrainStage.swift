import Foundation
import HotlineCore
import HotlineIngest
import HotlineStore

/// The train stage: fits the model on the orders that carry an operator's label and saves it
/// beside the store (or where `[model] file` says), for `classify` to use.
public final class TrainStage: Stage {
    public static let name = StageName.train
    public static let reads: [TableName] = [.orders]
    public static let owns: [TableName] = []
    public static let migrations: [Migration] = []
    public static let settings = ModelSettings.all

    public let settings: ModelSettings
    /// Where the model is written.
    public let modelPath: String
    public let fingerprint: String
    /// The model, once `run` has returned.
    public private(set) var model: LinearModel?

    public init(config: PipelineConfig, paths: StagePaths) throws {
        settings = ModelSettings(config: config)
        modelPath = settings.path(store: paths.store)
        fingerprint = Self.fingerprint(of: config)
    }

    public func run(in store: Store, runID: Int) throws -> StageCounts {
        let (examples, dropped) = try settings.examples(store.db)
        let classes = Set(examples.map(\.label)).count
        guard classes >= 2 else {
            throw HotlineError.notReady(
                "too few labelled orders to learn from: \(examples.count) in \(classes) class(es)")
        }
        for (label, n) in dropped.sorted(by: { $0.key < $1.key }) {
            Log.warning("label '\(label)' has \(n) example(s), fewer than \(settings.minExamples): left out")
        }
        let started = Date()
        var model = LinearModel.train(examples, options: settings.options)
        if let target = settings.targetAccuracy {
            // The threshold is chosen on held-out orders: 5 folds of the same examples.
            let held = Evaluation.crossValidate(examples, folds: 5, options: settings.options)
            if let t = held.threshold(reaching: target), let at = held.coverage(thresholds: [t]).first {
                model.routing = LinearModel.Routing(
                    threshold: t, target: target, coverage: at.share, accuracy: at.accuracy ?? 0)
                Log.info(
                    "train: at threshold \(Format.fixed(t, places: 2)) the model decides \(Format.percent(at.share)) of held-out orders with \(Format.percent(at.accuracy ?? 0)) accuracy (target \(Format.percent(target)))"
                )
            } else {
                Log.warning(
                    "train: no threshold reaches \(Format.percent(target)) accuracy on held-out orders; [model] threshold (\(settings.threshold)) is used"
                )
            }
        }
        try model.write(to: modelPath)
        self.model = model
        Log.info(
            "train: \(examples.count.grouped) labelled orders, \(model.classes.count) classes, "
                + "\(Format.seconds(Date().timeIntervalSince(started))) s")
        return StageCounts(
            rowsIn: examples.count, rowsOut: model.classes.count, message: "\(model.classes.count) classes")
    }
}
