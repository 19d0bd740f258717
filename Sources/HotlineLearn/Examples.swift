import Foundation
import HotlineCore
import HotlineStore

/// Settings under `[model]` in the pipeline file.
public struct ModelSettings: Sendable {
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

    public static let manual = "待人工"

    public init() {}

    public init(config: PipelineConfig) throws {
        var problems: [Diagnostic] = []
        func number(_ key: String, _ range: ClosedRange<Double>) -> Double? {
            guard let text = config.values["model.\(key)"]?.value else { return nil }
            guard let v = Double(text), range.contains(v) else {
                problems.append(config.problem("model.\(key)", "expected a number in \(range), not '\(text)'"))
                return nil
            }
            return v
        }
        if let v = number("label_level", 0...3) { labelLevel = Int(v) }
        if let v = number("threshold", 0...1) { threshold = v }
        if let v = number("rule_keywords", 1...20) { ruleKeywords = Int(v) }
        if let v = number("mislabel_threshold", 0...1) { mislabelThreshold = v }
        if let v = number("min_examples", 1...1_000) { minExamples = Int(v) }
        if let v = number("max_examples", 100...10_000_000) { maxExamples = Int(v) }
        if let v = number("epochs", 1...100) { options.epochs = Int(v) }
        if let v = number("seed", 0...Double(UInt32.max)) { options.seed = UInt64(v) }
        if let v = number("ngram_max", 1...5) { options.features.maxN = Int(v) }
        if let v = number("hash_bits", 12...24) { options.features.bits = Int(v) }
        if let v = config.values["model.file"]?.value { file = config.resolve(v) }
        if !problems.isEmpty { throw HotlineError.invalid(problems) }
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
        let labelled = try db.scalar("SELECT count(*) FROM orders WHERE coalesce(operator_category, '') <> ''")
        // Past the cap, a seeded sample: each order kept with the same chance, the same ones every run.
        let keep = labelled > maxExamples ? Double(maxExamples) / Double(labelled) : 1
        var rng = SplitMix(seed: options.seed &+ 0xC0FFEE)
        let select = try db.prepare(
            "SELECT id, coalesce(title, ''), coalesce(content, ''), operator_category FROM orders ORDER BY seq")
        while try select.step() {
            if keep < 1 && Double(rng.next() >> 11) / Double(1 << 53) >= keep { continue }
            guard let label = label(select.text(3)) else { continue }
            all.append(
                Example(id: select.text(0) ?? "", title: select.text(1) ?? "", body: select.text(2) ?? "", label: label)
            )
        }
        var size: [String: Int] = [:]
        for e in all { size[e.label, default: 0] += 1 }
        let dropped = size.filter { $0.value < minExamples }
        return (all.filter { dropped[$0.label] == nil }, dropped)
    }
}
