import Foundation
import HotlineCore
import TestSupport
import Testing

@testable import HotlineLearn

/// A small labelled set a linear model must learn: each class has its own words, phrased variously.
func toyExamples() -> [Example] {
    let phrases: [(String, [String])] = [
        ("物业", ["电梯坏了物业不修", "物业乱收物业费", "小区物业服务差", "楼道垃圾物业不管", "门禁坏了找物业"]),
        ("噪音", ["夜间施工噪音扰民", "广场舞音响太吵", "楼上装修电钻声吵", "酒吧噪音很大", "工地打桩很吵"]),
        ("劳资", ["老板拖欠工资不发", "公司欠薪三个月", "讨要工资无果", "辞退不给补偿工资", "包工头拖欠农民工工资"]),
    ]
    var out: [Example] = []
    for (label, texts) in phrases {
        for (i, text) in texts.enumerated() {
            for variant in 0..<4 {
                out.append(
                    Example(
                        id: "\(label)\(i)\(variant)", title: variant % 2 == 0 ? "" : "反映",
                        body: text + String(repeating: "，", count: variant), label: label))
            }
        }
    }
    return out
}

@Suite struct FeatureTests {
    @Test func normalizesAndCutsCharacterGrams() {
        #expect(Featurizer.normalize("ＫＴＶ很吵, 2021!") == Array("ktv很吵0000".unicodeScalars.map(\.value)))
        let f = Featurizer(minN: 1, maxN: 3, bits: 12)
        let grams = f.grams("很吵啊")
        #expect(grams.count == 3 + 2 + 1)
        #expect(grams.allSatisfy { $0.column >= 0 && $0.column < 4096 })
        // Counting hashes the same columns as the grams themselves.
        let counted = f.blockCounts(title: "", body: "很吵啊很吵")[0]
        var expected: [Int: Float] = [:]
        for g in f.grams("很吵啊很吵") { expected[g.column, default: 0] += 1 }
        #expect(counted.map(\.0) == expected.keys.sorted())
        #expect(counted.map(\.1) == expected.keys.sorted().map { expected[$0]! })
        // The title's grams land in other columns than the same grams in the body.
        #expect(f.grams("很吵", field: 1).map(\.column) != f.grams("很吵", field: 0).map(\.column))
    }

    @Test func vectorsAreUnitLength() {
        let v = SparseVector(counts: [(3, 1), (7, 4)], idf: nil)
        #expect(abs(v.values.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
        #expect(v.values[1] > v.values[0])
    }
}

@Suite struct ModelTests {
    @Test func learnsAndPredictsWithProbabilities() {
        let model = LinearModel.train(toyExamples())
        #expect(model.classes == ["劳资", "噪音", "物业"])
        let ranked = model.predict(title: "", body: "物业公司不修电梯")
        #expect(ranked.first?.label == "物业")
        #expect(abs(ranked.reduce(0) { $0 + $1.probability } - 1) < 1e-5)
        #expect(model.predict(title: "", body: "拖欠工资").first?.label == "劳资")
        let evidence = model.evidence(title: "", body: "物业不修电梯", for: "物业")
        #expect(evidence.count == 8)
        #expect(evidence.prefix(3).contains { $0.gram.contains("物") || $0.gram.contains("电梯") })
        #expect(zip(evidence, evidence.dropFirst()).allSatisfy { $0.weight >= $1.weight })
    }

    @Test func trainingIsDeterministicForASeed() {
        var options = TrainingOptions()
        options.features.bits = 14
        let a = LinearModel.train(toyExamples(), options: options)
        let b = LinearModel.train(toyExamples(), options: options)
        #expect(a.weights == b.weights)
        options.seed = 7
        let c = LinearModel.train(toyExamples(), options: options)
        #expect(a.weights != c.weights)
    }

    @Test func theModelFileRoundTrips() throws {
        let dir = TemporaryDirectory()
        var options = TrainingOptions()
        options.features.bits = 12
        let model = LinearModel.train(toyExamples(), options: options)
        try model.write(to: dir.file("m.model"))
        let read = try LinearModel.read(from: dir.file("m.model"))
        #expect(read.classes == model.classes)
        #expect(read.weights == model.weights)
        #expect(read.trainedOn == 60)
        #expect(read.predict(title: "", body: "欠薪").map(\.label) == model.predict(title: "", body: "欠薪").map(\.label))
        let data = try Data(contentsOf: URL(fileURLWithPath: dir.file("m.model")))
        try data.prefix(data.count - 10).write(to: URL(fileURLWithPath: dir.file("cut.model")))
        #expect(throws: HotlineError.self) { try LinearModel.read(from: dir.file("cut.model")) }
        #expect(throws: HotlineError.self) { try LinearModel.read(from: dir.file("absent.model")) }
    }
}

@Suite struct EvaluationTests {
    @Test func metricsByHand() {
        // Truth A A A B B C; predicted A A B B C C.
        var e = Evaluation(classes: ["A", "B", "C"])
        for (t, p) in [("A", "A"), ("A", "A"), ("A", "B"), ("B", "B"), ("B", "C"), ("C", "C")] {
            e.add(truth: t, predicted: p)
        }
        #expect(e.total == 6)
        #expect(abs(e.accuracy - 4.0 / 6) < 1e-12)
        let s = e.perClass
        // A: P 2/2, R 2/3, F1 0.8. B: P 1/2, R 1/2, F1 0.5. C: P 1/2, R 1/1, F1 2/3.
        #expect(abs(s[0].precision - 1) < 1e-12 && abs(s[0].recall - 2.0 / 3) < 1e-12 && abs(s[0].f1 - 0.8) < 1e-12)
        #expect(abs(s[1].f1 - 0.5) < 1e-12)
        #expect(abs(s[2].f1 - 2.0 / 3) < 1e-12)
        #expect(abs(e.macroF1 - (0.8 + 0.5 + 2.0 / 3) / 3) < 1e-12)
        #expect(e.confusion == [[2, 1, 0], [0, 1, 1], [0, 0, 1]])
    }

    @Test func crossValidationPredictsEveryExampleOnce() {
        var options = TrainingOptions()
        options.features.bits = 14
        let e = Evaluation.crossValidate(toyExamples(), folds: 5, options: options)
        #expect(e.total == 60)
        #expect(e.macroF1 > 0.9)
        let split = Evaluation.crossValidate(toyExamples(), testShare: 0.25, options: options)
        #expect(split.total == 15)
    }

    @Test func settingsAndLabels() throws {
        let dir = TemporaryDirectory()
        let path = dir.write("p.conf", "[model]\nthreshold = 0.7\nlabel_level = 2\nseed = 3\nepochs = nope\n")
        #expect {
            try ModelSettings(config: try PipelineConfig.load(path: path, stages: [TrainStage.self]))
        } throws: { error in
            guard case HotlineError.settings(let d) = error else { return false }
            return d.map(\.line) == [5]
        }
        dir.write("p.conf", "[model]\nthreshold = 0.7\nlabel_level = 2\nseed = 3\nngram_max = 4\nhash_bits = 20\n")
        let s = try ModelSettings(config: try PipelineConfig.load(path: path, stages: [TrainStage.self]))
        #expect(s.threshold == 0.7 && s.options.seed == 3)
        #expect(s.options.features == Featurizer(minN: 1, maxN: 4, bits: 20))
        #expect(s.label("城乡建设 / 物业管理") == "物业管理")
        #expect(s.label("城乡建设") == nil)
        #expect(ModelSettings().label(" 城乡建设 / 物业管理 ") == "城乡建设")
        #expect(ModelSettings().label("  ") == nil)
        #expect(s.path(store: "/x/h.sqlite") == "/x/h.sqlite.model")
    }
}

@Suite struct SVMTests {
    /// Two examples, one feature each, one per class: the dual solution is known by hand. With
    /// x₁ = (1) of class 0, x₂ = (1) of class 1 and the bias feature 1, both vectors are (1, 1) in
    /// [feature, bias] for the same column: the SVM cannot separate them, and by symmetry puts the
    /// weight and bias at 0 for each class against the other.
    @Test func symmetricExamplesGiveZeroWeights() {
        let x = [
            SparseVector(counts: [(5, 1)], idf: nil), SparseVector(counts: [(5, 1)], idf: nil),
        ]
        var options = TrainingOptions()
        options.features.bits = 4
        let (w, b) = LinearModel.trainSVM(
            x, labels: [0, 1], classes: 2, width: 16, classWeight: [1, 1], options: options)
        // The solver stops when its projected gradients span less than 0.1: near zero, not at it.
        #expect(abs(w[5 * 2]) < 0.05 && abs(b[0]) < 0.05)
    }

    /// One example per class on its own feature, cost 1, squared hinge, the bias a feature of 1. For
    /// class 0 against 1 with x₁ = e₁ (y = +1) and x₂ = e₂ (y = −1) the dual's matrix is
    /// Q̄ = [[2.5, −1], [−1, 2.5]] (‖x‖² + 1 + 1/(2C) on the diagonal, y₁y₂(x₁·x₂ + 1) off it); Q̄α = 1
    /// gives α₁ = α₂ = 2/3, so w = (2/3, −2/3) and b = α₁ − α₂ = 0.
    @Test func separableExamplesMatchTheDualByHand() {
        let x = [SparseVector(counts: [(1, 1)], idf: nil), SparseVector(counts: [(2, 1)], idf: nil)]
        var options = TrainingOptions()
        options.cost = 1
        let (w, b) = LinearModel.trainSVM(
            x, labels: [0, 1], classes: 2, width: 16, classWeight: [1, 1], options: options)
        #expect(abs(w[1 * 2 + 0] - 2.0 / 3) < 0.02)
        #expect(abs(w[2 * 2 + 0] + 2.0 / 3) < 0.02)
        #expect(abs(b[0]) < 0.02)
        // Class 1 is its mirror.
        #expect(abs(w[2 * 2 + 1] - 2.0 / 3) < 0.02)
    }

    @Test func blocksGiveTheTitleItsOwnWeightedColumns() {
        let f = Featurizer(minN: 1, maxN: 2, bits: 14)
        let blocks = f.blockCounts(title: "噪音", body: "楼下很吵")
        #expect(blocks.count == 2)
        // The first block has the title and the body as one text (噪音楼下很吵: 6 characters, 5
        // pairs); the second only the title.
        #expect(blocks[0].reduce(0) { $0 + $1.1 } == Float(6 + 5))
        #expect(blocks[1].reduce(0) { $0 + $1.1 } == Float(2 + 1))
        let v = SparseVector(blocks: blocks, weights: f.blockWeights, idf: nil)
        // Two unit blocks, the second at 0.7: the squared length is 1 + 0.49 where no column meets.
        #expect(abs(v.squaredNorm - 1.49) < 0.05)
    }

    @Test func nGramsInTooFewTextsWeighNothing() {
        var options = TrainingOptions()
        options.features.bits = 14
        options.features.minDocuments = 2
        let examples = toyExamples() + [Example(id: "x", title: "", body: "鑫", label: "物业")]
        let model = LinearModel.train(examples, options: options)
        // 鑫 occurs in one text only: its column has no idf, so the text has no features.
        #expect(model.vector(title: "", body: "鑫").values.allSatisfy { $0 == 0 })
    }

    @Test func modelsSavedBeforeTheSVMReadAsLogistic() throws {
        let legacy = """
            {"epochs":12,"learningRate":0.8,"seed":1,"balanced":true,"features":{"minN":1,"maxN":3,"bits":18}}
            """
        let options = try JSONDecoder().decode(TrainingOptions.self, from: Data(legacy.utf8))
        #expect(options.loss == .logistic)
        #expect(options.features.blocks == false && options.features.minDocuments == 1)
        #expect(options.features.titleWeight == 1 && options.probabilityScale == 1)
    }
}

@Suite struct CoverageTests {
    /// Held-out answers with their probabilities: 0.9 ✓, 0.8 ✓, 0.7 ✗, 0.6 ✓, 0.4 ✗.
    func evaluation() -> Evaluation {
        var e = Evaluation(classes: ["A"])
        e.decisions = [(0.9, true), (0.8, true), (0.7, false), (0.6, true), (0.4, false)]
        return e
    }

    @Test func coverageAndAccuracyByHand() {
        let curve = evaluation().coverage(thresholds: [0.5, 0.75, 0.95])
        // At 0.5: 4 of 5 decided, 3 right. At 0.75: 2 of 5, both right. At 0.95: none.
        #expect(abs(curve[0].share - 0.8) < 1e-12 && abs(curve[0].accuracy! - 0.75) < 1e-12)
        #expect(abs(curve[1].share - 0.4) < 1e-12 && curve[1].accuracy == 1)
        #expect(curve[2].share == 0 && curve[2].accuracy == nil)
    }

    @Test func theThresholdIsTheLowestThatReachesTheTarget() {
        // 0.30–0.40: 80% (4 of 5 right? no: 3 of 5) … by hand: at t ≤ 0.40, 3/5 = 60%; 0.41–0.60:
        // 3/4 = 75%; 0.61–0.70: 2/3; 0.71–0.80: 2/2 = 100%.
        let e = evaluation()
        #expect(e.threshold(reaching: 0.75) == 0.41)
        #expect(e.threshold(reaching: 0.9) == 0.71)
        #expect(e.threshold(reaching: 0.5) == 0.30)
    }

    @Test func spreadByHand() {
        let (mean, deviation) = Evaluation.spread([0.8, 0.9, 1.0])
        #expect(abs(mean - 0.9) < 1e-12)
        #expect(abs(deviation - (0.02 / 3).squareRoot()) < 1e-12)
    }
}
