import Foundation
import HotlineAggregate
import HotlineCore
import HotlineIngest
import HotlineStore

/// Everything the published site shows, read through the stages' own read functions.
struct Report {
    var summary: AggregateSummary
    var categories: [CategoryCount]
    var months: [MonthCount]
    var monthCategories: [MonthCategoryCount]
    var streets: [AreaFigures]
    var areas: [AreaFigures]
    var areaCategories: [AreaCategoryCount]
    /// Rejected rows by reason label, and the data-quality section drawn from the store.
    var rejectReasons: [(String, Int)]
    var rejectSection: String
    var handling: HandlingReport
    var recurring: RecurringReport
    var settings = ReportSettings()
    /// Orders by month and place and category, for periods and places.
    var cube = PeriodCube([])
    /// Every period from the data's first month to its last, oldest first.
    var periods: [Period] = []
    /// The period the index shows; nil when there is no order.
    var asOf: Period?
    /// Supervision orders by street, community and unit, the first few of each.
    var supervision = SupervisionIndex()

    var total: Int { summary.int(.orders) }

    /// The district's orders per 10,000 residents, counting only communities whose population is
    /// known; `count` gives a community's orders (all time by default). Nil without population data.
    func districtPer10k(_ count: ((AreaFigures) -> Int)? = nil) -> Double? {
        let population = summary.int(.population)
        guard population > 0 else { return nil }
        let located = areas.filter { $0.population != nil }.reduce(0) { $0 + (count?($1) ?? $1.n) }
        return Double(located) * 10_000 / Double(population)
    }
    var title: String { summary[.pipeline] ?? "12345 热线工单分析" }

    /// Fails when there is nothing to render: the aggregate stage never ran.
    static func checkReady(_ db: Database) throws {
        guard try Aggregates.exist(db) else {
            throw HotlineError.notReady("nothing to render: run 'hotline aggregate' first")
        }
    }

    static func load(from store: Store, settings: ReportSettings = ReportSettings()) throws -> Report {
        let db = store.db
        try checkReady(db)
        let summary = try Aggregates.summary(db)
        let rejectReasons = try Rejects.byReason(db).map { (RejectReason.label(of: $0.reason), $0.count) }
        let rejectSection = try LongList.rejects.section(
            db, title: "拒收明细", note: "每一行拒收的数据：文件、行号和原因。")
        var report = Report(
            summary: summary, categories: try Aggregates.categories(db), months: try Aggregates.months(db),
            monthCategories: try Aggregates.monthCategories(db), streets: try Aggregates.streets(db),
            areas: try Aggregates.communities(db), areaCategories: try Aggregates.communityCategories(db),
            rejectReasons: rejectReasons, rejectSection: rejectSection,
            handling: try HandlingReport.load(from: db, summary: summary),
            recurring: try RecurringReport.load(from: store))
        report.settings = settings
        report.cube = PeriodCube(try Aggregates.monthAreaCategories(db))
        report.periods = Period.all(kind: settings.kind, from: report.cube.firstMonth, to: report.cube.lastMonth)
        report.asOf =
            settings.asOf
            ?? Period.lastComplete(
                kind: settings.kind, firstMonth: report.cube.firstMonth,
                lastReceived: summary[.lastReceived] ?? report.cube.lastMonth)
        var wanted = report.periods
        for p in report.periods { wanted += [p.previous, p.yearBefore] }
        if let p = report.asOf { wanted += [p, p.previous, p.yearBefore] }
        report.cube.prepare(wanted)
        report.supervision = try SupervisionIndex.load(db)
        return report
    }
}
