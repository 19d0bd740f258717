import HotlineAggregate
import HotlineCore

extension Report {
    /// Every published file by name: the pages, and each table as CSV.
    func files() -> [String: String] {
        var files: [String: String] = [
            "index.html": indexPage(), "all.html": allPage(), "periods.html": archivePage(),
            "handling.html": handling.page(name: title), "recurring.html": recurring.page(name: title),
        ]
        for p in periods { files[PageLink.period(p)] = periodPage(p, isIndex: false) }
        for (name, page) in placePages() + recurring.evidencePages(name: title) { files[name] = page }
        for (name, table) in allTables() { files[name] = table.text }
        for (name, page) in files where name.hasSuffix(".html") { files[name] = Self.wrapTables(page) }
        return files
    }

    /// Every table published as CSV (and as a workbook beside it).
    func allTables() -> [(String, CSVTable)] {
        tables() + handling.tables() + periods.map { ("period-\($0.key).csv", periodTable($0)) }
    }

    /// Each table inside a box that scrolls sideways on its own, so a wide table never widens the page.
    static func wrapTables(_ page: String) -> String {
        page.replacingAll("<table", with: "<div class=\"wide\"><table").replacingAll("</table>", with: "</table></div>")
    }

    func tables() -> [(String, CSVTable)] {
        var categories = CSVTable(header: ["分类", "上级分类", "工单数", "占比(%)"])
        for c in self.categories {
            categories.append([
                .text(c.category), c.parent.map { .text($0) } ?? .empty, .int(c.n), .decimal(c.share * 100, places: 1),
            ])
        }
        var months = CSVTable(header: ["月份", "工单数"])
        for m in self.months { months.append([.text(m.month), .int(m.n)]) }
        var monthCategories = CSVTable(header: ["月份", "分类", "工单数"])
        for m in self.monthCategories { monthCategories.append([.text(m.month), .text(m.category), .int(m.n)]) }
        let areaHeader = ["工单数", "常住人口", "每万人工单数", "网格员", "每名网格员工单数", "最多的诉求", "该类工单数"]
        func areaCells(_ a: AreaFigures) -> [CSVTable.Cell] {
            [
                .int(a.n), a.population.map { .int($0) } ?? .empty, a.per10k.map { .decimal($0, places: 1) } ?? .empty,
                a.gridWorkers.map { .int($0) } ?? .empty, a.perGrid.map { .decimal($0, places: 1) } ?? .empty,
                a.top.map { .text($0) } ?? .empty, a.topN.map { .int($0) } ?? .empty,
            ]
        }
        var streets = CSVTable(header: ["街道"] + areaHeader)
        for s in self.streets { streets.append([.text(s.street)] + areaCells(s)) }
        var communities = CSVTable(header: ["街道", "社区"] + areaHeader)
        for a in areas { communities.append([.text(a.street), .text(a.community)] + areaCells(a)) }
        var areaCategories = CSVTable(header: ["街道", "社区", "分类", "工单数"])
        for a in self.areaCategories {
            areaCategories.append([.text(a.street), .text(a.community), .text(a.category), .int(a.n)])
        }
        return [
            ("categories.csv", categories), ("months.csv", months), ("month_categories.csv", monthCategories),
            ("streets.csv", streets), ("communities.csv", communities), ("community_categories.csv", areaCategories),
        ]
    }

    /// Everything in the store at once: one view among the periods.
    func allPage() -> String {
        let name = title
        let first = String((summary[.firstReceived] ?? "").prefix(10))
        let last = String((summary[.lastReceived] ?? "").prefix(10))
        let rowsRead = summary.int(.rowsRead)
        let rejected = summary.int(.rejected)
        let population = summary.int(.population)
        let knownStreets = streets.filter { $0.street != "（未注明）" }.count
        let knownCommunities = areas.filter { $0.n > 0 && $0.community != "（未注明）" && $0.street != "（未注明）" }.count
        var cards: [(String, String, String)] = [
            ("工单总量", "\(total.grouped) 件", first.isEmpty ? "" : "\(first) 至 \(last)")
        ]
        if let top = categories.first {
            cards.append(("最多的诉求", h(top.category), "\(top.n.grouped) 件，占 \(Format.percent(top.share))"))
        }
        cards.append(("覆盖范围", "\(knownStreets) 个街道", "\(knownCommunities) 个社区有工单"))
        if let rate = districtPer10k() {
            cards.append(
                (
                    "每万人工单", Format.fixed(rate, places: 1),
                    "按常住人口 \(population.grouped) 人计"
                ))
        }
        cards.append(("拒收行数", "\(rejected.grouped) 行", "读入 \(rowsRead.grouped) 行"))
        let manual = summary.int(.manual)
        if manual > 0 {
            cards.append(("待人工分类", "\(manual.grouped) 件", h(summary[.manualReason] ?? "")))
        }

        var html = Self.pageStart(
            title: "\(h(name)) · 全部时期", heading: "\(h(name)) · 全部时期",
            subtitle:
                "12345 政务服务便民热线工单分析 · 统计期间 \(first.isEmpty ? "无数据" : "\(first) 至 \(last)") · 生成于 \(h(summary[.generatedAt] ?? ""))",
            current: "all.html")
        html += """
            <section class="cards">

            """
        for (title, value, note) in cards {
            html +=
                "<div class=\"card\"><div class=\"k\">\(title)</div><div class=\"v\">\(value)</div><div class=\"n\">\(note)</div></div>\n"
        }
        html += "</section>\n"

        html += "<section><h2>诉求分类</h2>\n<p class=\"note\">按分类规则归类；各类工单数及占全部工单的比例。</p>\n"
        html +=
            categories.isEmpty
            ? "<p>无数据</p>" : Chart.bars(categories.map { ($0.category, $0.n) }, total: total, title: "诉求分类工单数")
        html +=
            "\n<p class=\"dl\">下载：<a href=\"categories.csv\">分类统计 CSV</a> · <a href=\"month_categories.csv\">分月分类 CSV</a> · <a href=\"mislabels.csv\">疑似话务员分类有误 CSV</a></p></section>\n"

        html += "<section><h2>月度趋势</h2>\n<p class=\"note\">按受理时间统计的每月工单数。</p>\n"
        html += Chart.months(months.map { ($0.month, $0.n) }, title: "每月工单数")
        html += "\n<p class=\"dl\">下载：<a href=\"months.csv\">月度统计 CSV</a></p></section>\n"

        html += areaSection()
        html += qualitySection(rowsRead: rowsRead, rejected: rejected)
        html += """
            <footer>数据不含来电人姓名和联系电话；诉求文本中的电话号码已屏蔽。占比保留一位小数，合计可能因四舍五入不等于 100%。</footer>
            </body>
            </html>

            """
        return html
    }

    private func areaSection() -> String {
        let showPopulation = areas.contains { $0.population != nil }
        let showGrid = areas.contains { $0.gridWorkers != nil }
        var head = "<th>街道 / 社区</th><th>工单数</th><th>占比</th>"
        if showPopulation { head += "<th>常住人口</th><th>每万人工单数</th>" }
        if showGrid { head += "<th>网格员</th><th>每名网格员工单数</th>" }
        var html = """
            <section><h2>街道与社区</h2>
            <p class="note">各街道及所辖社区的工单数；有常住人口数据时给出每万人工单数，便于不同规模的社区相互比较。</p>
            <table>
            <thead><tr>\(head)<th>最多的诉求</th></tr></thead>
            <tbody>

            """
        func row(_ a: AreaFigures, label: String, cls: String) -> String {
            let share = total > 0 ? Format.percent(Double(a.n) / Double(total)) : "—"
            var cells = "<td>\(label)</td><td class=\"num\">\(a.n.grouped)</td><td class=\"num\">\(share)</td>"
            if showPopulation {
                cells += "<td class=\"num\">\(a.population.map(\.grouped) ?? "—")</td>"
                cells += "<td class=\"num\">\(a.per10k.map { Format.fixed($0, places: 1) } ?? "—")</td>"
            }
            if showGrid {
                cells += "<td class=\"num\">\(a.gridWorkers.map(\.grouped) ?? "—")</td>"
                cells += "<td class=\"num\">\(a.perGrid.map { Format.fixed($0, places: 1) } ?? "—")</td>"
            }
            let top = a.top.map { "\(h($0))（\(a.topN ?? 0)）" } ?? "—"
            return "<tr class=\"\(cls)\">\(cells)<td>\(top)</td></tr>\n"
        }
        for street in streets {
            html += row(street, label: PageLink.a(PageLink.street(street.street), h(street.street)), cls: "street")
            for a in areas where a.street == street.street {
                let label =
                    a.n > 0 ? PageLink.a(PageLink.community(a.street, a.community), h(a.community)) : h(a.community)
                html += row(a, label: "　" + label, cls: "community")
            }
        }
        html += """
            </tbody></table>
            <p class="dl">下载：<a href="streets.csv">街道 CSV</a> · <a href="communities.csv">社区 CSV</a> · <a href="community_categories.csv">社区分类 CSV</a></p></section>

            """
        return html
    }

    private func qualitySection(rowsRead: Int, rejected: Int) -> String {
        var html = """
            <section><h2>数据质量</h2>
            <p class="note">读入 \(rowsRead.grouped) 行，入库 \(total.grouped) 件工单（同一工单在多份导出中出现时以最新一份为准），拒收 \(rejected.grouped) 行。拒收行保留在数据库中，可修正后重新导入。</p>

            """
        guard !rejectReasons.isEmpty else { return html + "</section>\n" }
        html += "<table class=\"narrow\"><thead><tr><th>拒收原因</th><th>行数</th></tr></thead><tbody>\n"
        for (reason, n) in rejectReasons {
            html += "<tr><td>\(h(reason))</td><td class=\"num\">\(n.grouped)</td></tr>\n"
        }
        return html + "</tbody></table></section>\n" + rejectSection
    }

    /// The start of a page: document head with the shared style, and the header with the links to
    /// the main pages (`current` is the page itself, not linked). Arguments are HTML.
    static func pageStart(title: String, heading: String, subtitle: String, current: String = "") -> String {
        """
        <!doctype html>
        <html lang="zh-CN">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title)</title>
        <style>\(style)</style>
        </head>
        <body>
        <header><h1>\(heading)</h1>
        <p>\(subtitle)</p>\(nav(current))</header>

        """
    }

    static let style = """
        body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0 auto;max-width:1100px;padding:0 16px 40px;color:#1f2933;background:#fff}
        header{border-bottom:3px solid #b91c1c;margin-bottom:16px}h1{font-size:26px;margin:20px 0 4px}header p{color:#52606d;margin:0 0 10px}
        h2{font-size:20px;border-left:4px solid #b91c1c;padding-left:8px;margin-top:32px}
        .cards{display:flex;flex-wrap:wrap;gap:12px}.card{flex:1 1 180px;border:1px solid #d9e2ec;border-radius:6px;padding:10px 14px}
        .card .k{color:#52606d;font-size:14px}.card .v{font-size:24px;font-weight:bold;margin:4px 0}.card .n{color:#52606d;font-size:13px}
        .chart{width:100%;max-width:900px;height:auto;font-size:13px}.chart .bar{fill:#c2410c}.chart .value{fill:#52606d;font-size:12px}.chart .axis{stroke:#9aa5b1}.chart .grid{stroke:#e4e7eb}.spark .bar{fill:#c2410c}
        table{border-collapse:collapse;width:100%;font-size:14px;margin:8px 0}th,td{border-bottom:1px solid #e4e7eb;padding:5px 8px;text-align:left}
        th{background:#f5f7fa}td.num{text-align:right;font-variant-numeric:tabular-nums}tr.street td{font-weight:bold;background:#fafafa}
        table.narrow{width:auto}td:first-child,th:first-child{white-space:nowrap}.note{color:#52606d;font-size:14px}.nowrap{white-space:nowrap}.dl{font-size:14px}footer{margin-top:36px;color:#7b8794;font-size:13px}
        nav{font-size:15px;line-height:2}nav .here{font-weight:bold}a{color:#1d4ed8}.wide{overflow-x:auto;max-width:100%}th{white-space:nowrap}
        @media (max-width:640px){body{padding:0 10px 30px}h1{font-size:21px}h2{font-size:18px}.card{flex:1 1 140px}.card .v{font-size:20px}
        table{font-size:13px}th,td{padding:4px 5px}.chart{min-width:560px}#candidates{min-width:980px}}
        @page{size:A4;margin:15mm 12mm}
        @media print{body{max-width:none;padding:0;font-size:11pt}nav,.dl,.filter{display:none}a{color:inherit;text-decoration:none}
        h1,h2{break-after:avoid;page-break-after:avoid}section{break-inside:auto}tr,.card,.chart{break-inside:avoid;page-break-inside:avoid}
        thead{display:table-header-group}.wide{overflow:visible}table{font-size:9pt}th{background:#eee!important;print-color-adjust:exact;-webkit-print-color-adjust:exact}
        .chart .bar{print-color-adjust:exact;-webkit-print-color-adjust:exact}}
        """
}
