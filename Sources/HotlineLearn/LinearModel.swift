import Foundation
import HotlineCore

/// One labelled text for training or evaluation.
public struct Example: Sendable {
    public var id: String
    public var title: String
    public var body: String
    public var label: String

    public init(id: String, title: String, body: String, label: String) {
        self.id = id
        self.title = title
        self.body = body
        self.label = label
    }
}

/// How to train: all the knobs, and the seed that makes training repeatable.
public struct TrainingOptions: Sendable, Codable, Equatable {
    /// What the model minimizes: a linear SVM's squared hinge (one class against the rest), or the
    /// logistic loss of the models saved before it.
    public enum Loss: String, Sendable, Codable { case svm, logistic }

    public var loss = Loss.svm
    /// The SVM's cost: how much a margin error weighs against the weights' size.
    public var cost: Float = 1
    /// SVM scores times this, through a softmax, are the probabilities `predict` gives.
    public var probabilityScale: Float = 5
    /// The logistic model's passes and step size.
    public var epochs = 12
    public var learningRate: Float = 0.8
    public var seed: UInt64 = 1
    /// Weigh each class inversely to its size, so small classes count (macro-F1).
    public var balanced = true
    public var features = Featurizer()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case loss, cost, probabilityScale, epochs, learningRate, seed, balanced, features
    }

    /// Models saved before the SVM read as the logistic models they are.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        loss = try c.decodeIfPresent(Loss.self, forKey: .loss) ?? .logistic
        cost = try c.decodeIfPresent(Float.self, forKey: .cost) ?? 1
        probabilityScale = try c.decodeIfPresent(Float.self, forKey: .probabilityScale) ?? 1
        epochs = try c.decode(Int.self, forKey: .epochs)
        learningRate = try c.decode(Float.self, forKey: .learningRate)
        seed = try c.decode(UInt64.self, forKey: .seed)
        balanced = try c.decode(Bool.self, forKey: .balanced)
        features = try c.decode(Featurizer.self, forKey: .features)
    }
}

/// A linear classifier over hashed character n-grams: by default a linear SVM for each class
/// against the rest (squared hinge, L2, trained by dual coordinate descent as liblinear does), or a
/// multinomial logistic regression (stochastic gradient descent with averaged weights). Examples are
/// visited in a seeded order, so the same examples and seed give the same model. `predict` gives
/// every class's probability (for the SVM, a softmax of its scores).
public struct LinearModel: Sendable {
    public var classes: [String]
    public var options: TrainingOptions
    /// Column-major, so a feature's weights for every class share a cache line: `weights[column * classes + class]`.
    var weights: [Float]
    var bias: [Float]
    var idf: [Float]
    public var trainedOn: Int
    /// The threshold `train` chose for `[model] target_accuracy`, and that target, when one was set.
    public var routing: Routing?

    /// A threshold chosen on held-out orders, with what it gives there.
    public struct Routing: Sendable, Codable, Equatable {
        public var threshold: Double
        public var target: Double
        /// The share of held-out orders the model decides at the threshold, and its accuracy on them.
        public var coverage: Double
        public var accuracy: Double

        public init(threshold: Double, target: Double, coverage: Double, accuracy: Double) {
            self.threshold = threshold
            self.target = target
            self.coverage = coverage
            self.accuracy = accuracy
        }
    }

    public var featurizer: Featurizer { options.features }

    /// Fits a model to `examples`.
    public static func train(_ examples: [Example], options: TrainingOptions = TrainingOptions()) -> LinearModel {
        let featurizer = options.features
        let width = featurizer.width
        let classes = Array(Set(examples.map(\.label))).sorted()
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let counts = examples.map { featurizer.blockCounts(title: $0.title, body: $0.body) }
        // Document frequencies give the idf; n-grams in too few texts weigh nothing.
        var df = [Float](repeating: 0, count: width)
        for blocks in counts {
            var seen = Set<Int>()
            for block in blocks { for (column, _) in block where seen.insert(column).inserted { df[column] += 1 } }
        }
        let n = Float(examples.count)
        let minimum = Float(featurizer.minDocuments)
        let idf = df.map { $0 < minimum ? 0 : logf((1 + n) / (1 + $0)) + 1 }
        let vectors = counts.map { SparseVector(blocks: $0, weights: featurizer.blockWeights, idf: idf) }
        let labels = examples.map { index[$0.label]! }

        var classWeight = [Float](repeating: 1, count: classes.count)
        if options.balanced {
            var size = [Float](repeating: 0, count: classes.count)
            for y in labels { size[y] += 1 }
            classWeight = size.map { $0 > 0 ? n / (Float(classes.count) * $0) : 1 }
        }

        if options.loss == .svm {
            let (w, b) = trainSVM(
                vectors, labels: labels, classes: classes.count, width: width, classWeight: classWeight,
                options: options)
            return LinearModel(
                classes: classes, options: options, weights: w, bias: b, idf: idf, trainedOn: examples.count)
        }
        let k = classes.count
        var w = [Float](repeating: 0, count: k * width)
        var b = [Float](repeating: 0, count: k)
        // Averaging: keep the sum of step-weighted updates; the average is w - u / t.
        var u = [Float](repeating: 0, count: k * width)
        var ub = [Float](repeating: 0, count: k)
        var order = Array(0..<examples.count)
        var rng = SplitMix(seed: options.seed)
        var t: Float = 1
        var scores = [Float](repeating: 0, count: k)
        var gradient = [Float](repeating: 0, count: k)
        for epoch in 0..<options.epochs {
            order.shuffle(using: &rng)
            let rate = options.learningRate / (1 + Float(epoch) * 0.5)
            for i in order {
                let x = vectors[i]
                let y = labels[i]
                let nnz = x.columns.count
                x.columns.withUnsafeBufferPointer { cols in
                    x.values.withUnsafeBufferPointer { vals in
                        w.withUnsafeBufferPointer { wp in
                            for c in 0..<k { scores[c] = b[c] }
                            for j in 0..<nnz {
                                let cell = wp.baseAddress! + Int(cols[j]) * k
                                let v = vals[j]
                                for c in 0..<k { scores[c] += cell[c] * v }
                            }
                        }
                        softmax(&scores)
                        let scale = rate * classWeight[y]
                        for c in 0..<k { gradient[c] = (scores[c] - (c == y ? 1 : 0)) * scale }
                        w.withUnsafeMutableBufferPointer { wp in
                            u.withUnsafeMutableBufferPointer { up in
                                for j in 0..<nnz {
                                    let cell = wp.baseAddress! + Int(cols[j]) * k
                                    let cellU = up.baseAddress! + Int(cols[j]) * k
                                    let v = vals[j]
                                    for c in 0..<k {
                                        let d = gradient[c] * v
                                        cell[c] -= d
                                        cellU[c] -= t * d
                                    }
                                }
                            }
                        }
                        for c in 0..<k {
                            b[c] -= gradient[c]
                            ub[c] -= t * gradient[c]
                        }
                    }
                }
                t += 1
            }
        }
        for i in w.indices { w[i] -= u[i] / t }
        for c in 0..<k { b[c] -= ub[c] / t }
        return LinearModel(classes: classes, options: options, weights: w, bias: b, idf: idf, trainedOn: examples.count)
    }

    /// One class against the rest, for each class: the dual of the L2-regularized squared hinge
    /// loss, by coordinate descent in a seeded order (Hsieh et al., 2008), with a bias feature of 1.
    /// Example i's cost is `cost` times its class's weight. Returns column-major weights and biases.
    static func trainSVM(
        _ x: [SparseVector], labels: [Int], classes k: Int, width: Int, classWeight: [Float], options: TrainingOptions
    ) -> (weights: [Float], bias: [Float]) {
        var weights = [Float](repeating: 0, count: k * width)
        var bias = [Float](repeating: 0, count: k)
        let m = x.count
        let diagonal = labels.map { 1 / (2 * options.cost * classWeight[$0]) }
        let q = (0..<m).map { x[$0].squaredNorm + 1 + diagonal[$0] }
        // The classes train at once, one per core; each has its own seeded order, so the model is the
        // same whatever the number of cores.
        let buffer = UnsafeMutableBufferPointer<(w: [Float], b: Float)>.allocate(capacity: k)
        defer { buffer.deallocate() }
        // Each class writes only its own slot.
        let results = UncheckedSendable(buffer)
        DispatchQueue.concurrentPerform(iterations: k) { c in
            results.value.baseAddress!.advanced(by: c).initialize(
                to: Self.trainOneSVM(
                    x, labels: labels, class: c, width: width, diagonal: diagonal, q: q, options: options))
        }
        for c in 0..<k {
            let (w, b) = buffer[c]
            for column in 0..<width where w[column] != 0 { weights[column * k + c] = w[column] }
            bias[c] = b
        }
        buffer.baseAddress!.deinitialize(count: k)
        return (weights, bias)
    }

    /// One class against the rest (see `trainSVM`).
    static func trainOneSVM(
        _ x: [SparseVector], labels: [Int], class c: Int, width: Int, diagonal: [Float], q: [Float],
        options: TrainingOptions
    ) -> (w: [Float], b: Float) {
        let m = x.count
        var rng = SplitMix(seed: options.seed &+ UInt64(c) &* 0x9E37_79B9)
        var w = [Float](repeating: 0, count: width)
        var alpha = [Float](repeating: 0, count: m)
        var order = Array(0..<m)
        var b: Float = 0
        // Shrinking, as liblinear: an example at zero whose gradient is past the last pass's
        // largest is left out until the rest have converged, then all are checked once more.
        var active = m
        var highBefore = Float.infinity
        for _ in 0..<Self.svmIterations {
            order[0..<active].shuffle(using: &rng)
            var high = -Float.infinity
            var low = Float.infinity
            w.withUnsafeMutableBufferPointer { wp in
                var s = 0
                while s < active {
                    let i = order[s]
                    let y: Float = labels[i] == c ? 1 : -1
                    let xi = x[i]
                    let score = xi.dot(UnsafeBufferPointer(wp), from: b)
                    let g = y * score - 1 + diagonal[i] * alpha[i]
                    var projected = g
                    if alpha[i] == 0 {
                        if g > highBefore {
                            active -= 1
                            order.swapAt(s, active)
                            continue
                        }
                        projected = min(g, 0)
                    }
                    s += 1
                    high = max(high, projected)
                    low = min(low, projected)
                    guard abs(projected) > 1e-12 else { continue }
                    let old = alpha[i]
                    alpha[i] = max(old - g / q[i], 0)
                    let d = (alpha[i] - old) * y
                    xi.add(d, to: wp)
                    b += d
                }
            }
            if high - low < Self.svmTolerance {
                if active == m { break }
                active = m
                highBefore = .infinity
                continue
            }
            highBefore = high > 0 ? high : .infinity
        }
        return (w, b)
    }

    /// The SVM stops when the projected gradients span less than this, or after so many passes.
    static let svmTolerance: Float = 0.1
    static let svmIterations = 15

    /// The vector the model sees for a text.
    public func vector(title: String, body: String) -> SparseVector {
        SparseVector(
            blocks: featurizer.blockCounts(title: title, body: body), weights: featurizer.blockWeights, idf: idf)
    }

    /// Every class with its probability, most likely first.
    public func predict(title: String, body: String) -> [(label: String, probability: Double)] {
        let x = vector(title: title, body: body)
        let k = classes.count
        var scores = bias
        for j in 0..<x.columns.count {
            let base = Int(x.columns[j]) * k
            for c in 0..<k { scores[c] += weights[base + c] * x.values[j] }
        }
        if options.loss == .svm { for c in 0..<k { scores[c] *= options.probabilityScale } }
        Self.softmax(&scores)
        return zip(classes, scores).map { ($0, Double($1)) }.sorted { $0.probability > $1.probability }
    }

    /// The n-grams of a text that weigh most for `label`, with their contribution to its score.
    public func evidence(title: String, body: String, for label: String, count: Int = 8) -> [(
        gram: String, weight: Double
    )] {
        guard let c = classes.firstIndex(of: label) else { return [] }
        let x = vector(title: title, body: body)
        var value: [Int: Float] = [:]
        for j in 0..<x.columns.count { value[Int(x.columns[j])] = x.values[j] }
        var best: [String: Double] = [:]
        for (field, text) in featurizer.blockTexts(title: title, body: body).joined() {
            for (column, gram) in featurizer.grams(text, field: field) {
                let contribution = Double(weights[column * classes.count + c] * (value[column] ?? 0))
                var s = String.UnicodeScalarView()
                for v in gram { if let u = Unicode.Scalar(v) { s.append(u) } }
                let name = (field == 1 ? "标题:" : "") + String(s)
                best[name] = max(best[name] ?? -.infinity, contribution)
            }
        }
        return best.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(count).map { ($0.key, $0.value) }
    }

    static func softmax(_ s: inout [Float]) {
        let m = s.max() ?? 0
        var total: Float = 0
        for i in s.indices {
            s[i] = expf(s[i] - m)
            total += s[i]
        }
        for i in s.indices { s[i] /= total }
    }
}

/// A small seeded generator (SplitMix64), so shuffles repeat for a seed.
public struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
