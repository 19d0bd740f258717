import Foundation
import HotlineCore
import HotlineIngest
import HotlineStore

/// Settings under `[model]` in the pipeline file.
public struct ModelSettings: Sendable {
    public static let labelLevel = Setting(
        "model", "label_level", .whole(0...3), default: "1",
        "Which level of an `A / B` operator category is the label (0: all of it).")
    public static let threshold = Setting(
        "model", "threshold", .number(0...1), default: "0.5",
        "Below this probability the model's answer is not taken and the order is marked 待人工.")
    public static let ruleKeywords = Setting(
        "model", "rule_keywords", .whole(1...20), default: "2",
        "A keyword rule with at least this many keywords found (or a priority above 0) wins over the model.")
    public static let mislabelThreshold = Setting(
        "model", "mislabel_threshold", .number(0...1), default: "0.9",
        "An operator label that a prediction this sure contradicts is listed as a likely mislabel.")
    public static let minExamples = Setting(
        "model", "min_examples", .whole(1...1_000), default: "5", "Labels with fewer examples are left out of training."
    )
    public static let maxExamples = Setting(
        "model", "max_examples", .whole(100...10_000_000), default: "100000",
        "At most this many orders are learned from (a sample drawn by the seed).")
    public static let epochs = Setting("model", "epochs", .whole(1...100), default: "12", "Passes over the examples.")
    public static let seed = Setting(
        "model", "seed", .whole(0...Int(UInt32.max)), default: "1", "The seed: training repeats exactly.")
    public static let ngramMax = Setting(
        "model", "ngram_max", .whole(1...5), default: "2", "Character n-grams from 1 to this length.")
    public static let hashBits = Setting(
        "model", "hash_bits", .whole(12...24), default: "18", "2^bits feature columns.")
    public static let file = Setting("model", "file", .path, "Where the model is kept; default: beside the store.")
    public static let targetAccuracy = Setting(
        "model", "target_accuracy", .number(0...1),
        "When set, train picks the threshold at which the model's answers reach this accuracy on held-out orders, and classify leaves the rest to people (待人工) instead of using `threshold`."
    )
    public static let all = [
        labelLevel, threshold, ruleKeywords, mislabelThreshold, minExamples, maxExamples, epochs, seed, ngramMax,
        hashBits, file, targetAccuracy,
    ]

    /// Which level of the operator's category is the label (1 = the first, `A` of `A / B`; 0 = all of it).
    public var labelLevel = 1
    /// Below this probability the model's answer is not taken: the order is marked 待人工.
    public var threshold = 0.5
    /// A keyword rule with at least this many keywords found (or a priority above 0) wins over the model.
    public var ruleKeywords = 2
    /// An operator label that disagrees with a prediction this sure is listed as a likely mislabel.
    public var mislabelThreshold = 0.9
    /// Labels with fewer examples are left out of training.
    public var minExamples = 5
    /// At most this many orders are learned from (a sample drawn by the seed), so memory stays bounded.
    public var maxExamples = 100_000
    public var options = TrainingOptions()
    /// Where the model is kept; default: beside the store.
    public var file: String?
    /// The accuracy the model's own answers must reach on held-out orders (`train` picks the threshold).
    public var targetAccuracy: Double?

    public static let manual = ClassificationLabels.manual

    public init() {}

    public init(config: PipelineConfig) {
        labelLevel = config.whole(Self.labelLevel)
        threshold = config.number(Self.threshold)
        ruleKeywords = config.whole(Self.ruleKeywords)
        mislabelThreshold = config.number(Self.mislabelThreshold)
        minExamples = config.whole(Self.minExamples)
        maxExamples = config.whole(Self.maxExamples)
        options.epochs = config.whole(Self.epochs)
        options.seed = UInt64(config.whole(Self.seed))
        options.features.maxN = config.whole(Self.ngramMax)
        options.features.bits = config.whole(Self.hashBits)
        file = config.path(Self.file)
        targetAccuracy = config.text(Self.targetAccuracy).flatMap(Double.init)
    }

    /// The model's path for a store.
    public func path(store: String) -> String { file ?? store + ".model" }

    /// The label an operator category gives, at `labelLevel`.
    public func label(_ operatorCategory: String?) -> String? {
        guard let category = operatorCategory?.trimmed, !category.isEmpty else { return nil }
        guard labelLevel > 0 else { return category }
        let levels = category.components(separatedBy: " / ")
        return levels.count >= labelLevel ? levels[labelLevel - 1].trimmed : nil
    }

    /// The labelled orders in the store, classes with too few examples left out.
    public func examples(_ db: Database) throws -> (kept: [Example], dropped: [String: Int]) {
        var all: [Example] = []
        let labelled = try Orders.labelledCount(db)
        // Past the cap, a seeded sample: each order kept with the same chance, the same ones every run.
        let keep = labelled > maxExamples ? Double(maxExamples) / Double(labelled) : 1
        var rng = SplitMix(seed: options.seed &+ 0xC0FFEE)
        try Orders.forEach(db, columns: [.id, .title, .content, .operatorCategory]) { order in
            if keep < 1 && Double(rng.next() >> 11) / Double(1 << 53) >= keep { return }
            guard let label = label(order.operatorCategory) else { return }
            all.append(Example(id: order.id, title: order.title ?? "", body: order.content ?? "", label: label))
        }
        var size: [String: Int] = [:]
        for e in all { size[e.label, default: 0] += 1 }
        let dropped = size.filter { $0.value < minExamples }
        return (all.filter { dropped[$0.label] == nil }, dropped)
    }
}

/// Category names that are not categories of the taxonomy.
public enum ClassificationLabels {
    /// What an order left for a person is filed under until someone decides.
    public static let manual = "待人工"
}
