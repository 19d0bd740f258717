import Foundation
import HotlineCore
import HotlineStore

/// Everything the published site shows, read from the aggregate tables.
struct Report {
    struct Category {
        var name: String
        var parent: String?
        var n: Int
        var share: Double
    }

    struct Area {
        var street: String
        var community: String
        var n: Int
        var population: Int?
        var gridWorkers: Int?
        var per10k: Double?
        var perGrid: Double?
        var top: String?
        var topN: Int?
    }

    var summary: [String: String]
    var categories: [Category]
    var months: [(month: String, n: Int)]
    var monthCategories: [(month: String, category: String, n: Int)]
    var streets: [Area]
    var areas: [Area]
    var areaCategories: [(street: String, community: String, category: String, n: Int)]
    /// Rejected rows by reason label, and the data-quality section drawn from the store.
    var rejectReasons: [(String, Int)]
    var rejectSection: String
    var handling: HandlingReport
    var recurring: RecurringReport

    var total: Int { Int(summary["orders"] ?? "") ?? 0 }

    static func load(from db: Database) throws -> Report {
        guard try db.scalar("SELECT count(*) FROM agg_summary") > 0 else {
            throw HotlineError.failed("nothing to render: run 'hotline aggregate' first")
        }
        var summary: [String: String] = [:]
        for row in try db.rows("SELECT key, value FROM agg_summary") { summary[row[0].text ?? ""] = row[1].text }
        let categories = try db.rows("SELECT category, parent, n, share FROM agg_category ORDER BY n DESC, category")
            .map {
                Category(name: $0[0].text ?? "", parent: $0[1].text, n: $0[2].int ?? 0, share: $0[3].double ?? 0)
            }
        let months = try db.rows("SELECT month, n FROM agg_month ORDER BY month").map {
            ($0[0].text ?? "", $0[1].int ?? 0)
        }
        let monthCategories = try db.rows(
            "SELECT month, category, n FROM agg_month_category ORDER BY month, n DESC, category"
        ).map { ($0[0].text ?? "", $0[1].text ?? "", $0[2].int ?? 0) }
        func area(_ r: [SQLValue], community: String) -> Area {
            Area(
                street: r[0].text ?? "", community: community, n: r[1].int ?? 0, population: r[2].int,
                gridWorkers: r[3].int, per10k: r[4].double, perGrid: r[5].double, top: r[6].text, topN: r[7].int)
        }
        let streets = try db.rows(
            "SELECT street, n, population, grid_workers, per_10k, per_grid, top_category, top_n FROM agg_street ORDER BY n DESC, street"
        ).map { area($0, community: "") }
        let areas = try db.rows(
            """
            SELECT a.street, a.n, a.population, a.grid_workers, a.per_10k, a.per_grid, a.top_category, a.top_n, a.community
            FROM agg_area a JOIN agg_street s ON s.street = a.street ORDER BY s.n DESC, a.street, a.n DESC, a.community
            """
        ).map { area($0, community: $0[8].text ?? "") }
        let areaCategories = try db.rows(
            "SELECT street, community, category, n FROM agg_area_category ORDER BY street, community, n DESC, category"
        ).map { ($0[0].text ?? "", $0[1].text ?? "", $0[2].text ?? "", $0[3].int ?? 0) }
        let rejectReasons = try db.rows("SELECT reason_code, count(*) FROM rejects GROUP BY 1 ORDER BY 2 DESC, 1").map {
            (reasonLabel($0[0].text ?? ""), $0[1].int ?? 0)
        }
        let rejectSection = try LongList.rejects.section(
            db, title: "拒收明细", note: "每一行拒收的数据：文件、行号和原因。")
        return Report(
            summary: summary, categories: categories, months: months, monthCategories: monthCategories,
            streets: streets, areas: areas, areaCategories: areaCategories, rejectReasons: rejectReasons,
            rejectSection: rejectSection,
            handling: try HandlingReport.load(from: db, summary: summary), recurring: try RecurringReport.load(from: db)
        )
    }

    /// The reject reason as the page names it.
    static func reasonLabel(_ code: String) -> String {
        switch code {
        case "fields": "字段数不符"
        case "id": "缺少工单编号"
        case "date": "时间缺失或无法识别"
        case "encoding": "字符编码错误"
        case "malformed": "行格式错误"
        default: code
        }
    }
}
