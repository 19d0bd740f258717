import HotlineAggregate
import HotlineCore
import HotlineStore

/// The handling figures (接、转、办、访、督、考) as the handling page and its CSV files show them.
struct HandlingReport {
    typealias Row = HandlingFigures

    var rows: [Row]
    /// The supervision, escalation and data-quality sections, drawn from the store (their CSVs are streamed).
    var lists: String
    var definitions: [(String, String)]
    var minVolume: String

    static func load(from db: Database, summary: AggregateSummary) throws -> HandlingReport {
        let definitions = summary.handlingDefinitions
        let minVolume = definitions.first { $0.0 == "排名门槛" }?.1 ?? ""
        return HandlingReport(
            rows: try Aggregates.handling(db),
            lists: try LongList.supervision.section(
                db, title: "督办清单（督）", note: "办结后回访基本满意或不满意的工单，以及超过办理期限仍未办结的工单。")
                + LongList.escalation.section(
                    db, title: "提级清单", note: "回访不满意后重新办理仍未满意的工单，以及同一来电人就同类诉求再次来电仍未满意的工单。")
                + LongList.quality.section(
                    db, title: "数据质量", note: "这些工单的数据有误，已从办结用时（及无效的办理期限）中剔除，不影响其他统计。"),
            definitions: definitions, minVolume: minVolume)
    }

    func period(_ scope: Scope) -> [Row] { rows.filter { $0.scope == scope && $0.month.isEmpty } }

    /// Every month from the first to the last, those without orders included.
    var months: [String] {
        let present = rows.map(\.month).filter { !$0.isEmpty }
        return PeriodCube.months(from: present.min() ?? "", to: present.max() ?? "")
    }

    func row(_ scope: Scope, _ name: String, _ month: String) -> Row? {
        rows.first { $0.scope == scope && $0.name == name && $0.month == month }
    }

    /// The calendar month before `month` (`2021-03` → `2021-02`).
    static func previous(_ month: String) -> String {
        Period.containing(month: month, kind: .month)?.previous.key ?? ""
    }

    static func percent(_ v: Double?) -> String { v.map { Format.percent($0) } ?? "—" }
    static func hours(_ v: Double?) -> String { v.map { Format.fixed($0, places: 1) } ?? "—" }
    static func score(_ v: Double?) -> String { v.map { Format.fixed($0, places: 1) } ?? "—" }

    // MARK: CSV

    static let figureHeader = [
        "工单数", "已办结", "按时办结率(%)", "超期未办结", "办结用时中位数(小时)", "办结用时第90百分位(小时)", "有效回访", "响应率(%)",
        "解决率(%)", "满意率(%)", "综合得分",
    ]

    func figures(_ r: Row) -> [CSVTable.Cell] {
        func pct(_ v: Double?) -> CSVTable.Cell { v.map { .decimal($0 * 100, places: 1) } ?? .empty }
        func num(_ v: Double?) -> CSVTable.Cell { v.map { .decimal($0, places: 1) } ?? .empty }
        return [
            .int(r.n), .int(r.closed), pct(r.onTimeRate), .int(r.overdueOpen), num(r.median), num(r.p90), .int(r.valid),
            pct(r.response), pct(r.resolution), pct(r.satisfaction), num(r.composite),
        ]
    }

    func tables() -> [(String, CSVTable)] {
        var out: [(String, CSVTable)] = []
        for (scope, file) in [(Scope.unit, "handling_units.csv"), (.street, "handling_streets.csv")] {
            let label = scope.label
            var t = CSVTable(header: ["排名", label] + Self.figureHeader)
            for r in period(scope) { t.append([r.rank.map { .int($0) } ?? .text("不排名"), .text(r.name)] + figures(r)) }
            out.append((file, t))
        }
        var monthly = CSVTable(
            header: ["范围", "名称", "月份", "排名"] + Self.figureHeader + [
                "工单数环比", "已办结环比", "按时办结率环比(百分点)", "超期未办结环比", "办结用时中位数环比(小时)",
                "办结用时第90百分位环比(小时)", "有效回访环比", "响应率环比(百分点)", "解决率环比(百分点)", "满意率环比(百分点)",
                "综合得分环比",
            ])
        for r in rows where !r.month.isEmpty {
            // Against the calendar month before; none when that month had no orders.
            let before = row(r.scope, r.name, Self.previous(r.month))
            func delta(_ a: Double?, _ b: Double?, _ scale: Double = 1) -> CSVTable.Cell {
                guard let a, let b else { return .empty }
                return .decimal((a - b) * scale, places: 1)
            }
            func count(_ a: Int, _ b: Int?) -> CSVTable.Cell { b.map { .int(a - $0) } ?? .empty }
            let changes: [CSVTable.Cell] = [
                count(r.n, before?.n), count(r.closed, before?.closed), delta(r.onTimeRate, before?.onTimeRate, 100),
                count(r.overdueOpen, before?.overdueOpen), delta(r.median, before?.median), delta(r.p90, before?.p90),
                count(r.valid, before?.valid), delta(r.response, before?.response, 100),
                delta(r.resolution, before?.resolution, 100), delta(r.satisfaction, before?.satisfaction, 100),
                delta(r.composite, before?.composite),
            ]
            let scope: CSVTable.Cell = .text(r.scope.label)
            monthly.append(
                [scope, .text(r.name), .text(r.month), r.rank.map { .int($0) } ?? .empty] + figures(r) + changes)
        }
        out.append(("handling_monthly.csv", monthly))
        return out
    }

    // MARK: HTML

    func page(name: String) -> String {
        var html = Report.pageStart(
            title: "\(h(name)) · 办理情况", heading: "\(h(name)) · 办理情况",
            subtitle: "接、转、办、访、督、考：各承办单位和街道的办理情况、排名与督办清单", current: "handling.html")
        html += ranking(.unit, title: "承办单位排名", label: "承办单位", csv: "handling_units.csv")
        html += ranking(.street, title: "街道排名", label: "街道", csv: "handling_streets.csv")
        html += trend()
        html += lists
        html += "<section><h2>统计口径</h2><table class=\"narrow\"><tbody>\n"
        for (k, v) in definitions { html += "<tr><th>\(h(k))</th><td>\(h(v))</td></tr>\n" }
        html += "</tbody></table></section>\n<footer>不含来电人姓名和联系电话。</footer>\n</body>\n</html>\n"
        return html
    }

    private func ranking(_ scope: Scope, title: String, label: String, csv: String) -> String {
        var html = """
            <section><h2>\(title)</h2>
            <p class="note">统计期间 \(h(months.first ?? "—")) 至 \(h(months.last ?? "—")) 的全部工单；每月的排名见各\(label)的页面。\(h(minVolume))；工单不足的单位列出但不排名。</p>
            <table><thead><tr><th>排名</th><th>\(label)</th><th>工单数</th><th>按时办结率</th><th>超期未办结</th>
            <th>办结用时中位数（小时）</th><th>第 90 百分位</th><th>有效回访</th><th>响应率</th><th>解决率</th><th>满意率</th><th>综合得分</th></tr></thead><tbody>

            """
        for r in period(scope) {
            html +=
                "<tr><td class=\"num\">\(r.rank.map(String.init) ?? "不排名")</td><td>\(scope == .unit ? PageLink.a(PageLink.unit(r.name), h(r.name)) : h(r.name))</td>"
                + "<td class=\"num\">\(r.n.grouped)</td><td class=\"num\">\(Self.percent(r.onTimeRate))</td>"
                + "<td class=\"num\">\(r.overdueOpen.grouped)</td><td class=\"num\">\(Self.hours(r.median))</td>"
                + "<td class=\"num\">\(Self.hours(r.p90))</td><td class=\"num\">\(r.valid.grouped)</td>"
                + "<td class=\"num\">\(Self.percent(r.response))</td><td class=\"num\">\(Self.percent(r.resolution))</td>"
                + "<td class=\"num\">\(Self.percent(r.satisfaction))</td><td class=\"num\">\(Self.score(r.composite))</td></tr>\n"
        }
        return html
            + "</tbody></table>\n<p class=\"dl\">下载：<a href=\"\(csv)\">\(title) CSV</a> · <a href=\"handling_monthly.csv\">分月及环比 CSV</a></p></section>\n"
    }

    private func trend() -> String {
        let months = self.months
        guard !months.isEmpty else { return "" }
        var html = """
            <section><h2>各承办单位分月情况</h2>
            <p class="note">每格为当月工单数 / 综合得分，括号内为综合得分较上月的变化；“—”表示当月没有工单。</p>
            <table><thead><tr><th>承办单位</th>\(months.map { "<th>\(Chart.monthLabel($0, first: $0 == months.first))</th>" }.joined())</tr></thead><tbody>

            """
        for unit in period(.unit) {
            html += "<tr><td>\(PageLink.a(PageLink.unit(unit.name), h(unit.name)))</td>"
            for month in months {
                guard let r = row(.unit, unit.name, month) else {
                    html += "<td class=\"num\">—</td>"
                    continue
                }
                var cell = "\(r.n) / \(Self.score(r.composite))"
                if let before = row(.unit, unit.name, Self.previous(month)), let a = r.composite,
                    let b = before.composite
                {
                    let d = a - b
                    cell += "（\(d >= 0 ? "+" : "")\(Format.fixed(d, places: 1))）"
                }
                html += "<td class=\"num\">\(cell)</td>"
            }
            html += "</tr>\n"
        }
        return html + "</tbody></table></section>\n"
    }

}
