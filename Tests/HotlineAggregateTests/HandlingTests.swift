import HotlineAggregate
import HotlineClassify
import HotlineCore
import HotlineIngest
import HotlineStore
import TestSupport
import Testing

/// Every figure checked against Fixtures/handling/EXPECTED.md.
@Suite struct HandlingTests {
    let dir = TemporaryDirectory()

    func aggregated() throws -> Store {
        let store = try Store(
            path: dir.file("h.sqlite"), stages: [IngestStage.self, ClassifyStage.self, AggregateStage.self])
        let config = try PipelineConfig.load(
            path: Fixtures.path("Fixtures/handling/handling.conf"),
            stages: [IngestStage.self, ClassifyStage.self, AggregateStage.self])
        try IngestStage.ingest(expandInputs(config.inputs), into: store, config: config)
        try store.run(ClassifyStage(config: config, paths: StagePaths(store: store.path)))
        try store.run(AggregateStage(config: config, paths: StagePaths(store: store.path)))
        return store
    }

    struct Figures: Equatable {
        var n, closed, onTime, base, overdue: Int
        var median, p90: Double?
        var valid, responded, resolved: Int
        var satisfied: Double
        var composite: Double?
        var rank: Int?
    }

    func figures(_ store: Store, _ scope: String, _ name: String, _ month: String = "") throws -> Figures? {
        try store.db.rows(
            """
            SELECT n, closed, on_time, on_time_base, overdue_open, median_hours, p90_hours, valid_callbacks, responded,
                resolved, satisfied, round(composite, 1), rank
            FROM agg_handling WHERE scope = ? AND name = ? AND month = ?
            """, [scope, name, month]
        ).first.map {
            Figures(
                n: $0[0].int!, closed: $0[1].int!, onTime: $0[2].int!, base: $0[3].int!, overdue: $0[4].int!,
                median: $0[5].double, p90: $0[6].double, valid: $0[7].int!, responded: $0[8].int!, resolved: $0[9].int!,
                satisfied: $0[10].double!, composite: $0[11].double, rank: $0[12].int)
        }
    }

    @Test func unitsWithRankingAndMinimumVolume() throws {
        let s = try aggregated()
        #expect(
            try figures(s, "unit", "区城管和综合执法局")
                == Figures(
                    n: 3, closed: 3, onTime: 2, base: 2, overdue: 0, median: 48, p90: 75, valid: 3, responded: 2,
                    resolved: 3, satisfied: 3, composite: 96.7, rank: 1))
        #expect(
            try figures(s, "unit", "区住房和建设局")
                == Figures(
                    n: 5, closed: 4, onTime: 4, base: 4, overdue: 1, median: 48, p90: 120, valid: 4, responded: 4,
                    resolved: 3, satisfied: 2.9, composite: 76.5, rank: 2))
        // A perfect score on one callback does not top the list.
        #expect(
            try figures(s, "unit", "区教育局")
                == Figures(
                    n: 2, closed: 2, onTime: 1, base: 1, overdue: 0, median: 1, p90: 1, valid: 1, responded: 1,
                    resolved: 1, satisfied: 1, composite: 100, rank: nil))
        #expect(
            try figures(s, "unit", "区生态环境分局")
                == Figures(
                    n: 2, closed: 2, onTime: 2, base: 2, overdue: 0, median: 24, p90: 48, valid: 2, responded: 2,
                    resolved: 1, satisfied: 0.9, composite: 53, rank: nil))
        #expect(
            try figures(s, "unit", "区水务局")
                == Figures(
                    n: 1, closed: 0, onTime: 0, base: 0, overdue: 1, median: nil, p90: nil, valid: 0, responded: 0,
                    resolved: 0, satisfied: 0, composite: nil, rank: nil))
    }

    @Test func streetsAndMonths() throws {
        let s = try aggregated()
        let nanwan = try #require(try figures(s, "street", "南湾街道"))
        #expect(
            (nanwan.n, nanwan.onTime, nanwan.base, nanwan.overdue, nanwan.composite, nanwan.rank) == (
                6, 3, 3, 2, 96.7, 1
            ))
        let henggang = try #require(try figures(s, "street", "横岗街道"))
        #expect((henggang.n, henggang.onTime, henggang.base, henggang.p90, henggang.resolved) == (7, 6, 6, 120, 5))
        #expect((henggang.satisfied, henggang.composite, henggang.rank) == (4.8, 73.1, 2))
        let january = try #require(try figures(s, "unit", "区住房和建设局", "2021-01"))
        #expect((january.n, january.composite, january.rank) == (3, 98.7, 1))
        #expect(try figures(s, "unit", "区住房和建设局", "2021-02") == nil)
        let march = try #require(try figures(s, "unit", "区住房和建设局", "2021-03"))
        #expect((march.n, march.overdue, march.composite, march.rank) == (2, 1, 10, nil))
    }

    @Test func supervisionEscalationAndDataQuality() throws {
        let s = try aggregated()
        var supervision: [String] = []
        try Aggregates.forEachSupervision(s.db) {
            supervision.append("\($0.orderID) \($0.reason!.label) \($0.daysOverdue!)")
        }
        #expect(
            supervision.sorted() == [
                "H02 回访基本满意 0.0", "H04 回访不满意 0.0", "H05 超期未办结 13.8", "H11 回访不满意 0.0", "H12 回访基本满意 0.0",
                "H13 超期未办结 24.8",
            ])
        var escalation: [EscalationRecord] = []
        try Aggregates.forEachEscalation(s.db) { escalation.append($0) }
        escalation.sort { $0.orderID < $1.orderID }
        #expect(escalation.map(\.orderID) == ["H12", "H13"])
        #expect(escalation[0].earlier == "H11" && escalation[0].reason == .recalled)
        #expect(escalation[1].reason == .reopened)
        let quality = try Aggregates.quality(s.db).sorted { $0.examples < $1.examples }
        #expect(
            quality.map { "\($0.issue!)=\($0.examples)" } == [
                "daysNotPositive=H07", "closedBeforeReceived=H08", "closedWithoutTime=H10",
            ])
        #expect(quality.map { $0.issue!.label } == ["办理时限为 0 或负数", "办结时间早于受理时间", "已办结但无办结时间"])
        // The reopened order's earlier, closed version is kept.
        #expect(try s.db.scalar("SELECT count(*) FROM order_history") == 1)
    }

    /// The overdue orders are listed afresh as the report date (the data's latest time) moves, on
    /// nights that recount none of their months, and each night's list is the one a full run gives.
    /// A store of orders given as values, aggregated a night at a time.
    struct Nights {
        static let stages: [any Stage.Type] = [IngestStage.self, ClassifyStage.self, AggregateStage.self]
        let store: Store
        let config: PipelineConfig

        init(_ dir: TemporaryDirectory) throws {
            store = try Store(path: dir.file("o.sqlite"), stages: Self.stages)
            config = try PipelineConfig.load(
                path: dir.write("o.conf", "[pipeline]\nname = 逾期\n[ingest]\nmax_reject_share = 1\n"),
                stages: Self.stages)
        }

        static func day(_ month: Int, _ day: Int, hour: Int = 0) -> LocalDateTime {
            LocalDateTime(year: 2021, month: month, day: day, hour: hour)
        }

        /// An order of 区水务局, open unless `closed`, with the callback `satisfaction` then.
        static func order(
            _ id: String, received: LocalDateTime, deadline: LocalDateTime? = nil, closed: LocalDateTime? = nil,
            satisfaction: String = "满意"
        ) -> Order {
            var o = Order(id: id, receivedAt: received)
            o.unit = "区水务局"
            o.street = "南湾街道"
            o.deadlineAt = deadline
            o.closedAt = closed
            o.status = closed == nil ? "办理中" : "已办结"
            o.satisfaction = closed == nil ? nil : satisfaction
            return o
        }

        /// Stores `orders` as a night's export and aggregates; returns the supervision list (at
        /// most `limit` rows) as `id days`.
        func night(_ orders: [Order], full: Bool = false, limit: Int? = nil) throws -> [String] {
            if !orders.isEmpty { try IngestStage.insert(orders, into: store) }
            try ClassifyStage.assign(Dictionary(uniqueKeysWithValues: orders.map { ($0.id, ("物业管理", nil)) }), in: store)
            try store.run(AggregateStage(config: config, paths: StagePaths(store: store.path, full: full)))
            var listed: [String] = []
            try Aggregates.forEachSupervision(store.db, limit: limit) {
                listed.append("\($0.orderID) \($0.daysOverdue!)")
            }
            return listed
        }
    }

    @Test func theOverdueListFollowsTheReportDateNightByNight() throws {
        let nights = try Nights(dir)
        func night(_ orders: [Order], full: Bool = false) throws -> [String] {
            let listed = try nights.night(orders, full: full)
            return listed + ["overdue \(try figures(nights.store, "unit", "区水务局")?.overdue ?? -1)"]
        }
        // The report date is the latest time received or closed: 2021-02-01, when only A is overdue.
        let first = try night([
            Nights.order("A", received: Nights.day(1, 1), deadline: Nights.day(1, 10)),
            Nights.order("B", received: Nights.day(1, 2), deadline: Nights.day(2, 10)),
            Nights.order("C", received: Nights.day(1, 3), closed: Nights.day(2, 1)),
        ])
        #expect(first == ["A 22.0", "overdue 1"])
        // An order of March moves it to 2021-03-01: B is overdue now though January is not recounted.
        #expect(
            try night([Nights.order("D", received: Nights.day(3, 1), deadline: Nights.day(3, 30))]) == [
                "A 50.0", "B 19.0", "overdue 2",
            ])
        #expect(try night([], full: true) == ["A 50.0", "B 19.0", "overdue 2"])
        // D was received on 2021-02-05 after all: the date goes back, and B is not overdue yet.
        #expect(
            try night([Nights.order("D", received: Nights.day(2, 5), deadline: Nights.day(3, 30))]) == [
                "A 26.0", "overdue 1",
            ])
        #expect(try night([], full: true) == ["A 26.0", "overdue 1"])
    }

    /// The list's order: overdue orders most overdue first, then the others most days late first;
    /// orders as many days overdue or late by order id, whatever their exact deadlines.
    @Test func theListIsMostOverdueFirstThenByOrderID() throws {
        let nights = try Nights(dir)
        let orders = [
            // Report date 2021-02-01: Z1 is 22.0 days overdue, and A1, an hour later due, 21.96.
            Nights.order("C", received: Nights.day(1, 3), closed: Nights.day(2, 1)),
            Nights.order("Z1", received: Nights.day(1, 1), deadline: Nights.day(1, 10)),
            Nights.order("A1", received: Nights.day(1, 1), deadline: Nights.day(1, 10, hour: 1)),
            Nights.order("M1", received: Nights.day(1, 1), deadline: Nights.day(1, 5)),
            // Closed a day late, and on time.
            Nights.order(
                "Y2", received: Nights.day(1, 2), deadline: Nights.day(1, 5), closed: Nights.day(1, 6),
                satisfaction: "不满意"),
            Nights.order(
                "B2", received: Nights.day(1, 2), deadline: Nights.day(1, 5), closed: Nights.day(1, 6),
                satisfaction: "基本满意"),
            Nights.order(
                "C3", received: Nights.day(1, 3), deadline: Nights.day(1, 20), closed: Nights.day(1, 10),
                satisfaction: "基本满意"),
        ]
        let expected = ["M1 27.0", "A1 22.0", "Z1 22.0", "B2 1.0", "Y2 1.0", "C3 0.0"]
        #expect(try nights.night(orders) == expected)
        #expect(try nights.night([], limit: 2) == Array(expected.prefix(2)))
        #expect(try nights.night([], full: true, limit: 0) == [])
    }

    @Test func holidaysAndWorkingDays() throws {
        let dir = TemporaryDirectory()
        let path = dir.write("h.txt", "# c\n2021-01-12\n2021-03-06 上班\n\n")
        let h = try Holidays.load(path: path)
        #expect(!h.isWorking(LocalDateTime(year: 2021, month: 1, day: 12).dayNumber))
        #expect(h.isWorking(LocalDateTime(year: 2021, month: 3, day: 6).dayNumber))
        #expect(!h.isWorking(LocalDateTime(year: 2021, month: 3, day: 7).dayNumber))  // a Sunday
        #expect(h.isWorking(LocalDateTime(year: 2021, month: 3, day: 8).dayNumber))  // a Monday
        dir.write("bad.txt", "2021-01-01\nsoon\n")
        #expect {
            try Holidays.load(path: dir.file("bad.txt"))
        } throws: { error in
            guard case HotlineError.input(let d) = error else { return false }
            return d.map(\.line) == [2] && d[0].file == dir.file("bad.txt")
        }
    }

    @Test func badSettingsAreReportedWithTheirLines() throws {
        let dir = TemporaryDirectory()
        let path = dir.write(
            "p.conf", "[handling]\nweights = 响应率:0.1, 速度:0.9\nmin_volume = many\ndays = lunar\nsatisfied = 满意\n")
        #expect {
            try HandlingSettings(config: try PipelineConfig.load(path: path, stages: [AggregateStage.self]))
        } throws: { error in
            guard case HotlineError.settings(let d) = error else { return false }
            return d.map(\.line) == [3, 4, 5]
        }
        dir.write("p.conf", "[handling]\nweights = 响应率:0.1, 速度:0.9\n")
        #expect {
            try HandlingSettings(config: try PipelineConfig.load(path: path, stages: [AggregateStage.self]))
        } throws: { error in
            guard case HotlineError.settings(let d) = error else { return false }
            return d.map(\.line) == [2]
        }
        let defaults = try HandlingSettings(config: PipelineConfig(directory: dir.path, settings: HandlingSettings.all))
        #expect(defaults.weights == (0.1, 0.5, 0.4))
        #expect(defaults.satisfied["基本满意"] == 0.9)
    }
}
