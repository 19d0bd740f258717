import HotlineCore

/// How well predictions match labels: accuracy, macro-F1, per-class precision, recall and F1, and
/// the confusion matrix (rows: true label, columns: predicted).
public struct Evaluation: Sendable {
    public var classes: [String]
    public var confusion: [[Int]]
    /// Each held-out order's top probability and whether that answer was right, for coverage.
    public var decisions: [(probability: Double, correct: Bool)] = []

    public init(classes: [String]) {
        self.classes = classes
        confusion = Array(repeating: Array(repeating: 0, count: classes.count), count: classes.count)
    }

    public mutating func add(truth: String, predicted: String) {
        guard let t = classes.firstIndex(of: truth), let p = classes.firstIndex(of: predicted) else { return }
        confusion[t][p] += 1
    }

    public var total: Int { confusion.reduce(0) { $0 + $1.reduce(0, +) } }
    public var accuracy: Double {
        total == 0 ? 0 : Double(classes.indices.reduce(0) { $0 + confusion[$1][$1] }) / Double(total)
    }

    public struct ClassScore: Sendable {
        public var label: String
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var support: Int
    }

    public var perClass: [ClassScore] {
        classes.indices.map { c in
            let tp = Double(confusion[c][c])
            let predicted = Double(classes.indices.reduce(0) { $0 + confusion[$1][c] })
            let actual = Double(confusion[c].reduce(0, +))
            let p = predicted > 0 ? tp / predicted : 0
            let r = actual > 0 ? tp / actual : 0
            return ClassScore(
                label: classes[c], precision: p, recall: r, f1: p + r > 0 ? 2 * p * r / (p + r) : 0,
                support: Int(actual))
        }
    }

    /// The mean of the per-class F1 over classes that occur.
    public var macroF1: Double {
        let present = perClass.filter { $0.support > 0 }
        return present.isEmpty ? 0 : present.reduce(0) { $0 + $1.f1 } / Double(present.count)
    }

    /// Cross-validates: `folds` rounds, each training on the rest and predicting one fold; or, with
    /// `testShare`, one split. Folds are drawn by the seed, so a run repeats.
    public static func crossValidate(
        _ examples: [Example], folds: Int = 5, testShare: Double? = nil, options: TrainingOptions = TrainingOptions()
    ) -> Evaluation {
        var evaluation = Evaluation(classes: Array(Set(examples.map(\.label))).sorted())
        var order = Array(examples.indices)
        var rng = SplitMix(seed: options.seed &+ 0x5EED)
        order.shuffle(using: &rng)
        let rounds: [[Int]]
        if let share = testShare {
            rounds = [Array(order.prefix(max(1, Int(Double(order.count) * share))))]
        } else {
            rounds = (0..<folds).map { f in order.enumerated().filter { $0.offset % folds == f }.map(\.element) }
        }
        for test in rounds {
            let held = Set(test)
            let model = LinearModel.train(
                examples.indices.filter { !held.contains($0) }.map { examples[$0] }, options: options)
            for i in test {
                let top = model.predict(title: examples[i].title, body: examples[i].body).first
                let guess = top?.label ?? ""
                evaluation.add(truth: examples[i].label, predicted: guess)
                evaluation.decisions.append((top?.probability ?? 0, guess == examples[i].label))
            }
        }
        return evaluation
    }

    /// `repeats` cross-validations with fold seeds `options.seed`, `+ 1`, …: the spread of a figure
    /// across seeds is the honest measure of it.
    public static func repeated(
        _ examples: [Example], folds: Int = 5, repeats: Int, options: TrainingOptions = TrainingOptions()
    ) -> [Evaluation] {
        (0..<max(repeats, 1)).map { r in
            var o = options
            o.seed = options.seed &+ UInt64(r)
            return crossValidate(examples, folds: folds, options: o)
        }
    }

    /// The mean and the standard deviation (over the runs, not a sample estimate) of `values`.
    public static func spread(_ values: [Double]) -> (mean: Double, deviation: Double) {
        guard !values.isEmpty else { return (0, 0) }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        return (mean, variance.squareRoot())
    }

    /// For each threshold: the share of held-out orders whose top probability reaches it (those the
    /// model would decide) and its accuracy on them (nil when it would decide none).
    public func coverage(thresholds: [Double]) -> [(threshold: Double, share: Double, accuracy: Double?)] {
        thresholds.map { t in
            let decided = decisions.filter { $0.probability >= t }
            let right = decided.filter(\.correct).count
            return (
                t, decisions.isEmpty ? 0 : Double(decided.count) / Double(decisions.count),
                decided.isEmpty ? nil : Double(right) / Double(decided.count)
            )
        }
    }

    /// The lowest threshold, on a grid of hundredths from 0.30 to 0.99, at which the model's accuracy
    /// on the held-out orders it would decide reaches `target`; nil when none does.
    public func threshold(reaching target: Double) -> Double? {
        let grid = (30...99).map { Double($0) / 100 }
        return coverage(thresholds: grid).first { ($0.accuracy ?? 0) >= target }?.threshold
    }

    /// The thresholds the coverage curve is shown at: 0.30 to 0.95 by 0.05.
    public static let curve = (6...19).map { Double($0) * 0.05 }
}
