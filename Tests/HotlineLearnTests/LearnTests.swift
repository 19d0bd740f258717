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
        let counted = f.counts(title: "", body: "很吵啊很吵")
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
