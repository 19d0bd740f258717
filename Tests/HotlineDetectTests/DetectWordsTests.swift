import HotlineClassify
import HotlineCore
import HotlineIngest
import HotlineStore
import TestSupport
import Testing

@testable import HotlineDetect

/// Detection on citizens' own words: campaigns worded each their own way, many people above one
/// loud one, words that are no places, and support counts (Fixtures/detect/EXPECTED.md).
@Suite struct DetectWordsTests {
    static let stages: [any Stage.Type] = [IngestStage.self, ClassifyStage.self, DetectStage.self]
    let dir = TemporaryDirectory()

    func detected(_ name: String) throws -> (Store, [CandidateRecord]) {
        let config = try PipelineConfig.load(path: Fixtures.path("Fixtures/detect/\(name)"), stages: Self.stages)
        let store = try Store(path: dir.file("w.sqlite"), stages: Self.stages)
        try IngestStage.ingest(expandInputs(config.inputs), into: store, config: config)
        try store.run(ClassifyStage(config: config, paths: StagePaths(store: store.path)))
        try store.run(DetectStage(settings: DetectSettings()))
        return (store, try EscalationCandidates.current(store.db))
    }

    @Test func aRewordedCampaignAndTheProblemOfManyRankAboveOneLoudAccount() throws {
        let (store, found) = try detected("campaigns.conf")
        #expect(found.map(\.place) == ["经济学院", "58车贷", "（未注明地点）"])

        let college = found[0]
        #expect(college.callers == 14 && college.orders == 14)
        #expect(college.level != .community)

        // Fifteen messages from eleven accounts, no two worded alike: one mass complaint.
        let loans = found[1]
        #expect(loans.signals == [.mass])
        #expect(loans.orders == 15 && loans.callers == 11)
        #expect(loans.reason.contains("反映同一对象「58车贷」"))
        // Its support is its messages' 点赞数, shown and counted.
        let likes = try store.db.scalar(
            """
            SELECT sum(o.support) FROM candidate_evidence e JOIN orders o ON o.seq = e.order_seq
            WHERE e.candidate_id = ?
            """, [loans.id])
        #expect(loans.support == likes && likes > 0)
        #expect(loans.summary.contains("获 \(likes) 次点赞或附议"))

        // One account, nine messages on one company: a repeat caller for the community, last.
        let loud = found[2]
        #expect(loud.signals == [.repeatCaller])
        #expect(loud.callers == 1 && loud.level == .community)
        #expect(loud.weight < loans.weight && loud.weight < college.weight)

        // Asking the government is no place.
        #expect(!found.contains { $0.place.contains("政府") })
        // What an official reads has no method words.
        for c in found {
            for jargon in ["SimHash", "泊松", "alpha", "1e-", "负二项"] {
                #expect(!(c.summary + c.reason).contains(jargon), "\(c.id): \(jargon)")
            }
        }
    }

    @Test func theNamesTextsUseForOneEstateAreJoined() throws {
        let store = try Store(path: dir.file("a.sqlite"), stages: Self.stages)
        var orders: [Order] = []
        var categories: [String: (String, String?)] = [:]
        // Background: one message a day on twelve other estates, for two months.
        let first = LocalDateTime(year: 2020, month: 3, day: 1).dayNumber
        let others = ["星城", "月湖", "东塘", "湘江", "岳麓", "天心"].flatMap { [$0 + "花园", $0 + "家园"] }
        for d in 0..<60 {
            var o = Order(id: "B\(d)", receivedAt: LocalDateTime(dayNumber: first + d, seconds: 36_000))
            o.title = "\(others[d % others.count])的问题"
            o.callerKey = "b\(d)"
            orders.append(o)
        }
        // Seven people in ten days on one estate, named three ways.
        for (i, name) in ["伊景园滨河苑", "伊景园滨河苑", "伊景园滨河苑", "伊景园", "伊景园", "滨河苑", "滨河苑"].enumerated() {
            var o = Order(id: "P\(i)", receivedAt: LocalDateTime(dayNumber: first + 40 + i, seconds: 40_000))
            o.title = "\(name)捆绑销售车位"
            o.callerKey = "p\(i)"
            orders.append(o)
        }
        for o in orders { categories[o.id] = ("城乡建设", nil) }
        try IngestStage.insert(orders, into: store)
        try ClassifyStage.assign(categories, in: store)
        try store.run(DetectStage(settings: DetectSettings()))
        let found = try EscalationCandidates.current(store.db)
        #expect(found.map(\.place) == ["伊景园滨河苑"])
        #expect(found.first?.orders == 7)
    }

    @Test func subjectsAreTheOrganisationsATextNames() {
        #expect(Subjects.names(in: "A4区58车贷平台突然停止兑付") == ["58车贷"])
        #expect(Subjects.names(in: "我是A市经济学院的学生，学校安排的实习") == ["经济学院"])
        #expect(Subjects.names(in: "顺通物流公司丢了我的货") == ["顺通物流"])
        #expect(Subjects.names(in: "西湖建筑集团占道施工") == ["西湖建筑集团"])
        // Vague or generic: no subject.
        #expect(Subjects.names(in: "该公司拖欠工资，物业公司不管") == [])
        #expect(Subjects.names(in: "希望政府平台公开信息") == [])
    }
}
