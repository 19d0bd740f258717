import HotlineCore
import HotlineLearn
import Testing

@testable import HotlineClassify

/// How rules and the model share the decision.
@Suite struct DecisionTests {
    let classifier = Classifier(
        taxonomy: try! Taxonomy.parse(
            "物业\t住房\t物业|电梯\t\t0\n噪音\t环境\t吵\t\t0\n劳资\t劳动\t工资\t\t0\n其他\t\t\t\t\n", file: "t.tsv"),
        fallback: "其他")

    let model: LinearModel = {
        let texts: [(String, String)] = [
            ("物业", "物业公司不管电梯"), ("物业", "物业费太贵"), ("物业", "电梯困人物业不来"), ("物业", "小区物业服务差"),
            ("噪音", "楼上太吵睡不着"), ("噪音", "装修声音吵"), ("噪音", "夜里施工扰民"), ("噪音", "广场舞扰民"),
            ("劳资", "老板不发工资"), ("劳资", "欠薪三个月"), ("劳资", "讨薪无门"), ("劳资", "拖欠工资"),
        ]
        var examples: [Example] = []
        for round in 0..<5 {
            for (i, (label, text)) in texts.enumerated() {
                examples.append(Example(id: "\(round)-\(i)", title: "", body: text, label: label))
            }
        }
        return LinearModel.train(examples)
    }()

    func decide(_ body: String, label: String? = nil, settings: ModelSettings = ModelSettings())
        -> ClassifyStage.Decision
    {
        ClassifyStage.decide(
            title: "", body: body, label: label, classifier: classifier, model: model, settings: settings)
    }

    @Test func aConfidentRuleWins() {
        // Two keywords of 物业 found: the rule decides, whatever the model thinks.
        let d = decide("物业的电梯又坏了")
        #expect(d.source == .rule)
        #expect(d.classification.category == "物业")
        #expect(d.modelCategory != nil)
    }

    @Test func otherwiseTheModelWhenSureElseAPerson() {
        // One keyword only (工资) is not confident: the model answers.
        let sure = decide("欠薪三个月讨薪无门，工资")
        #expect(sure.source == .model)
        #expect(sure.classification.category == "劳资")
        #expect((sure.probability ?? 0) >= 0.5)
        var strict = ModelSettings()
        strict.threshold = 0.999_999
        let unsure = decide("今天天气不错", settings: strict)
        #expect(unsure.source == .manual)
        #expect(unsure.classification.category == "待人工")
    }

    @Test func withoutAModelTheRulesAlone() {
        let d = ClassifyStage.decide(
            title: "", body: "今天天气不错", label: nil, classifier: classifier, model: nil, settings: ModelSettings())
        #expect(d.source == .fallback)
        #expect(d.classification.category == "其他")
    }

    @Test func aLabelTheModelContradictsIsFlagged() {
        var settings = ModelSettings()
        settings.mislabelThreshold = 0.5
        #expect(decide("老板不发工资欠薪", label: "物业", settings: settings).mislabel)
        #expect(!decide("老板不发工资欠薪", label: "劳资", settings: settings).mislabel)
        #expect(!decide("老板不发工资欠薪", label: nil, settings: settings).mislabel)
    }
}
