import HotlineClassify
import HotlineCore
import HotlineIngest
import HotlineStore
import TestSupport
import Testing

@testable import HotlineDetect

/// What Fixtures/detect/EXPECTED.md says must and must not be found.
@Suite struct DetectStageTests {
    static let stages: [any Stage.Type] = [IngestStage.self, ClassifyStage.self, DetectStage.self]
    let dir = TemporaryDirectory()

    struct Row {
        var id: String
        var signals: [String]
        var category: String
        var place: String
        var orders: Int
        var callers: Int
        var level: String
        var firstSeen: String
    }

    func detected(_ config: String, settings: DetectSettings = DetectSettings(), store name: String = "d.sqlite")
        throws -> (Store, [Row])
    {
        let config = try PipelineConfig.load(path: Fixtures.path("Fixtures/detect/\(config)"), stages: Self.stages)
        let store = try Store(path: dir.file(name), stages: Self.stages)
        if try store.db.scalar("SELECT count(*) FROM orders") == 0 {
            try IngestStage.ingest(expandInputs(config.inputs), into: store, config: config)
            try store.run(ClassifyStage(config: config, paths: StagePaths(store: store.path)))
        }
        try store.run(DetectStage(settings: settings))
        return (store, try rows(store))
    }

    func rows(_ store: Store) throws -> [Row] {
        try store.db.rows(
            """
            SELECT id, signals, category, place, orders, callers, level, first_seen FROM candidates
            WHERE detected = 1 ORDER BY rank
            """
        ).map {
            Row(
                id: $0[0].text!, signals: $0[1].text!.split(separator: ",").map(String.init), category: $0[2].text!,
                place: $0[3].text!, orders: $0[4].int!, callers: $0[5].int!, level: Level(rawValue: $0[6].text!)!.label,
                firstSeen: $0[7].text!)
        }
    }

    /// The ids of the orders behind a candidate whose text contains `marker`.
    func evidence(_ store: Store, _ id: String, containing marker: String) throws -> Int {
        try store.db.scalar(
            """
            SELECT count(*) FROM candidate_evidence e JOIN orders o ON o.seq = e.order_seq
            WHERE e.candidate_id = ? AND o.content LIKE ?
            """, [id, "%\(marker)%"])
    }

    @Test func findsEveryPlantedProblemOnce() throws {
        let (store, found) = try detected("detect.conf")
        #expect(found.count == 5)
        // Detect shrinks the store connection's cache while it reads its copy, and gives it back for
        // the stages after it in the same run.
        #expect(try store.db.scalar("PRAGMA main.cache_size") == -65536)

        // The planted hotspot also makes its community's month a surge: one candidate, two signals.
        let hotspot = try #require(found.first { $0.signals.contains("hotspot") })
        #expect(hotspot.signals == ["hotspot", "surge"])
        #expect(hotspot.category == "物业管理")
        #expect(hotspot.place == "园岭街道 园岭社区 翠竹苑")
        #expect(try evidence(store, hotspot.id, containing: "电梯坏了") == 9)
        #expect(hotspot.callers == hotspot.orders)

        let repeated = try #require(found.first { $0.signals == ["repeat"] })
        #expect(repeated.category == "劳资纠纷")
        #expect(repeated.orders == 5 && repeated.callers == 1)
        #expect(try evidence(store, repeated.id, containing: "再次反映公司拖欠工资") == 5)

        let mass = try #require(found.first { $0.signals == ["mass"] })
        #expect(mass.orders == 7 && mass.callers == 7)
        #expect(try evidence(store, mass.id, containing: "垃圾转运站") == 7)
        #expect(mass.place.hasPrefix("多处"))

        let surge = try #require(found.first { $0.signals == ["surge"] })
        #expect(surge.category == "噪音扰民")
        #expect(surge.place.contains("南园社区"))
        #expect(surge.firstSeen.hasPrefix("2024-07"))

        let stuck = try #require(found.first { $0.signals == ["stuck"] })
        #expect(stuck.category == "供水供电")
        #expect(stuck.place == "华强街道 荔村社区 金色家园")
        #expect(stuck.orders == 6)
    }

    @Test func nearMissesAreNotFound() throws {
        let (store, found) = try detected("detect.conf")
        // The same estate name in two communities, 3 orders each: no hotspot.
        #expect(!found.contains { $0.place.contains("阳光花园") })
        // One loud caller on six unrelated matters: no repeat-caller candidate but the planted one.
        #expect(found.filter { $0.signals.contains("repeat") }.count == 1)
        // 学位 in August is high everywhere: seasonal, not a surge.
        #expect(!found.contains { $0.category == "学位紧缺" })
        // Nothing personal in what the page shows.
        let shown = try store.db.rows("SELECT reason || place || departments FROM candidates").compactMap { $0[0].text }
        #expect(!shown.contains { $0.contains("139") || $0.contains("先生") })
    }

    @Test func textOnlyMessagesRankTheMostRaisedProblemFirst() throws {
        let (_, found) = try detected("messages.conf")
        #expect(found.map(\.place) == ["魅力之城小区", "丽发新城小区"])
        #expect(found[0].orders == 10)
        #expect(!found.contains { $0.place.contains("东湖花园") })
    }

    /// The mass-complaint linker reads the texts in time order from their index, not sorted; a run
    /// that prepares every order drops the index while it writes them, and makes it again.
    @Test func theLinkerReadsTheTextsInTimeOrderFromTheirIndex() throws {
        let (store, _) = try detected("detect.conf")
        func plan() throws -> [String] {
            try store.db.rows("EXPLAIN QUERY PLAN " + SignalScan.textsInTimeOrder).map { $0[3].text ?? "" }
        }
        let scan = ["SCAN main.detect_prepared USING COVERING INDEX detect_prepared_by_time"]
        #expect(try plan() == scan)
        try store.run(DetectStage(settings: DetectSettings(), full: true))
        #expect(try plan() == scan)
    }

    @Test func idsStayTheSameAndLostCandidatesAreKept() throws {
        let (store, first) = try detected("detect.conf")
        let (_, again) = try detected("detect.conf")
        #expect(again.map(\.id) == first.map(\.id))
        #expect(first.allSatisfy { $0.id.hasPrefix("TJ-") && $0.id.count == 12 })

        var strict = DetectSettings()
        strict.hotspotMin = 20
        strict.surgeMin = 100
        let (_, fewer) = try detected("detect.conf", settings: strict)
        let hotspot = try #require(first.first { $0.signals.contains("hotspot") })
        #expect(!fewer.contains { $0.id == hotspot.id })
        #expect(try store.db.scalar("SELECT detected FROM candidates WHERE id = ?", [hotspot.id]) == 0)
        #expect(
            try store.db.scalar("SELECT count(*) FROM candidate_evidence WHERE candidate_id = ?", [hotspot.id]) == 11)

        let (_, back) = try detected("detect.conf")
        #expect(back.map(\.id) == first.map(\.id))
    }

    @Test func settingsComeFromTheDetectSection() throws {
        let text = "[detect]\nhotspot_min = 7\nalpha = 0.01\nmass_distance = 99\n"
        let path = dir.write("bad.conf", text)
        #expect {
            try PipelineConfig.load(path: path, stages: [DetectStage.self])
        } throws: { error in
            guard case HotlineError.settings(let d) = error else { return false }
            return d.map(\.line) == [4] && d[0].message.hasPrefix("detect.mass_distance")
        }
        let good = dir.write("good.conf", "[detect]\nhotspot_min = 7\nalpha = 0.01\n")
        let settings = DetectSettings(config: try PipelineConfig.load(path: good, stages: [DetectStage.self]))
        #expect(settings.hotspotMin == 7 && settings.alpha == 0.01)
    }
}

@Suite struct SignalMathTests {
    @Test func poissonTail() {
        // P(X ≥ 3 | 1) = 1 − e⁻¹(1 + 1 + 1/2)
        #expect(abs(Poisson.tail(atLeast: 3, mean: 1) - 0.080301) < 1e-6)
        #expect(Poisson.tail(atLeast: 0, mean: 5) == 1)
        #expect(Poisson.tail(atLeast: 1, mean: 0) == 0)
        #expect(Poisson.tail(atLeast: 2, mean: 3) == 1)
    }

    @Test func episodesJoinOverlappingWindows() {
        var events = Events()
        for (i, day) in [1, 2, 3, 20, 21, 22, 23, 60].enumerated() { events.append(day: day, seq: i, caller: i) }
        let found = events.episodes(window: 7, minCount: 3, alpha: 1)
        #expect(found.map(\.range) == [0..<3, 3..<7])
        #expect(found[1].peak == 4)
        // One caller only: fewer distinct callers than required.
        var one = Events()
        for day in [1, 2, 3, 4] { one.append(day: day, seq: day, caller: 0) }
        #expect(one.episodes(window: 7, minCount: 3, minCallers: 2, alpha: 1).isEmpty)
    }

    /// A burst so far above its baseline that its chance is the smallest double: the cut that keeps
    /// an episode's core (the geometric mean of that chance and alpha) underflows to 0, and the
    /// core must still hold the burst. On ten years of synthetic orders a campaign's chance did
    /// this, and detect crashed.
    @Test func anEpisodeTooUnlikelyForDoublesIsStillFound() {
        var events = Events()
        for i in 0..<177 { events.append(day: 10, seq: i, caller: i) }
        // P(X ≥ 177 | mean 1) ≈ 1e-323; times alpha it is 0 in doubles.
        let p = Poisson.tail(atLeast: 177, mean: 1)
        #expect(p > 0 && p * 0.01 == 0)
        let found = events.episodes(window: 7, minCount: 5, alpha: 0.01, expected: { _, _ in Expected(mean: 1) })
        #expect(found.map(\.range) == [0..<177])
        #expect(found.first?.p == p)
    }

    /// Callers are numbered by identity: a hex key kept as integers and any other text kept as it is
    /// get one count, and two different texts never share a number.
    @Test func callersAreNumberedByTheirExactText() {
        var numbers = SignalScan.CallerNumbers()
        let key = "676045ff27e85f963b4e1297902aba1d"
        let texts = [
            key, key.uppercased(), "13800138000", String(key.dropLast()) + "e", key, "13800138000",
            String(key.dropLast()) + "g",
        ]
        #expect(texts.map { numbers.number($0) } == [0, 1, 2, 3, 0, 2, 4])
        #expect(numbers.count == 5)
        #expect(SignalScan.CallerNumbers.Hex(key) != nil)
        #expect(SignalScan.CallerNumbers.Hex(key.uppercased()) == nil)
        #expect(SignalScan.CallerNumbers.Hex(String(key.dropLast())) == nil)
    }

    @Test func nearIdenticalTextsLinkAndOthersDoNot() {
        let a = SimHash.of("小区门口的路灯坏了3天，晚上很黑，请尽快维修", minChars: 10)!
        let b = SimHash.of("小区门口的路灯坏了5天!晚上很黑，请尽快维修", minChars: 10)!
        let c = SimHash.of("公司拖欠工资三个月，老板失联，请求帮助追讨", minChars: 10)!
        #expect(a == b)
        #expect(SimHash.distance(a, c) > 10)
        #expect(SimHash.of("路灯坏了", minChars: 10) == nil)
        var linker = NearDuplicateLinker(distance: 3, windowSeconds: 86_400)
        #expect(linker.add(seq: 1, hash: a, time: 0).isEmpty)
        #expect(linker.add(seq: 2, hash: c, time: 10).isEmpty)
        let joined = linker.add(seq: 3, hash: b ^ 0b101, time: 20)
        #expect(joined.map(\.seq).sorted() == [1, 3])
        // Outside the window: no link.
        #expect(linker.add(seq: 4, hash: a, time: 200_000).isEmpty)
    }
}
