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
    public var epochs = 12
    public var learningRate: Float = 0.8
    public var seed: UInt64 = 1
    /// Weigh each class inversely to its size, so small classes count (macro-F1).
    public var balanced = true
    public var features = Featurizer()

    public init() {}
}

/// A multinomial logistic regression over hashed character n-grams.
///
/// Trained by stochastic gradient descent in a seeded order with averaged weights, so the same
/// examples and seed give the same model. `predict` gives every class's probability.
public struct LinearModel: Sendable {
    public var classes: [String]
    public var options: TrainingOptions
    /// Column-major, so a feature's weights for every class share a cache line: `weights[column * classes + class]`.
    var weights: [Float]
    var bias: [Float]
    var idf: [Float]
    public var trainedOn: Int

    public var featurizer: Featurizer { options.features }

    /// Fits a model to `examples`.
    public static func train(_ examples: [Example], options: TrainingOptions = TrainingOptions()) -> LinearModel {
        let featurizer = options.features
        let width = featurizer.width
        let classes = Array(Set(examples.map(\.label))).sorted()
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let counts = examples.map { featurizer.counts(title: $0.title, body: $0.body) }
        // Document frequencies give the idf.
        var df = [Float](repeating: 0, count: width)
        for c in counts { for (column, _) in c { df[column] += 1 } }
        let n = Float(examples.count)
        let idf = df.map { logf((1 + n) / (1 + $0)) + 1 }
        let vectors = counts.map { SparseVector(counts: $0, idf: idf) }
        let labels = examples.map { index[$0.label]! }

        var classWeight = [Float](repeating: 1, count: classes.count)
        if options.balanced {
            var size = [Float](repeating: 0, count: classes.count)
            for y in labels { size[y] += 1 }
            classWeight = size.map { $0 > 0 ? n / (Float(classes.count) * $0) : 1 }
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

    /// The vector the model sees for a text.
    public func vector(title: String, body: String) -> SparseVector {
        SparseVector(counts: featurizer.counts(title: title, body: body), idf: idf)
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
        for (field, text) in [(UInt32(1), title), (0, body)] {
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
