import HotlineAggregate
import HotlineCore

/// The report of one period (the index shows `asOf`'s), the archive of every period, and their CSVs.
extension Report {
    /// The links at the top of every page.
    static func nav(_ current: String = "") -> String {
        let items = [
            ("index.html", "本期报告"), ("periods.html", "历期报告"), ("all.html", "全部时期"), ("handling.html", "办理情况与排名"),
            ("recurring.html", "提级处理候选"),
        ]
        return "<nav>"
            + items.map { $0.0 == current ? "<span class=\"here\">\($0.1)</span>" : PageLink.a($0.0, $0.1) }.joined(
                separator: " · ")
            + "</nav>"
    }

    /// The index: the report of `asOf`, or a note that there is no data yet.
    func indexPage() -> String {
        guard let asOf else {
            return Self.pageStart(
                title: "\(h(title)) · 工单分析", heading: h(title), subtitle: "暂无工单数据", current: "index.html")
                + "</body>\n</html>\n"
        }
        return periodPage(asOf, isIndex: true)
    }

    /// A period's page: its totals against the period before and a year before, by category, street
    /// and community.
    func periodPage(_ p: Period, isIndex: Bool) -> String {
        let now = cube.counts(p)
        let before = cube.known(p.previous) ? cube.counts(p.previous) : nil
        let ago = cube.known(p.yearBefore) ? cube.counts(p.yearBefore) : nil
        let n = now[.district] ?? 0
        let lastDay = String((summary[.lastReceived] ?? "").prefix(10))
        let partial = !lastDay.isEmpty && lastDay < p.lastDay
        let unit = p.kind.label
        let subtitle =
            "统计期间 \(p.firstDay) 至 \(partial ? lastDay : p.lastDay)"
            + (partial ? "（本\(unit)尚未结束，数据截至 \(lastDay)）" : "")
            + " · 生成于 \(h(summary[.generatedAt] ?? ""))"
        var html = Self.pageStart(
            title: "\(h(title)) · \(p.label)报告", heading: "\(h(title)) · \(p.label)报告", subtitle: subtitle,
            current: isIndex ? "index.html" : "")
        var cards: [(String, String, String)] = [
            ("本期工单", "\(n.grouped) 件", "\(p.label)受理"),
            (
                "环比", before.map { Format.change(n, from: $0[.district] ?? 0) } ?? "—",
                "上一\(unit)（\(p.previous.label)）" + (before.map { "\(($0[.district] ?? 0).grouped) 件" } ?? "无数据")
            ),
            (
                "同比", ago.map { Format.change(n, from: $0[.district] ?? 0) } ?? "—",
                "去年同期（\(p.yearBefore.label)）" + (ago.map { "\(($0[.district] ?? 0).grouped) 件" } ?? "无数据")
            ),
        ]
        let categories = ranked(
            now, before ?? [:], key: { $0.street == nil && $0.community == nil ? $0.category : nil })
        if let top = categories.first, n > 0 {
            cards.append(
                (
                    "最多的诉求", h(top),
                    "\((now[.category(top)] ?? 0).grouped) 件，占 \(Format.percent(Double(now[.category(top)] ?? 0) / Double(n)))"
                ))
        }
        if let rate = districtPer10k({ now[.community($0.street, $0.community)] ?? 0 }) {
            cards.append(
                (
                    "每万人工单", Format.fixed(rate, places: 1),
                    "本期，按常住人口 \(summary.int(.population).grouped) 人计"
                ))
        }
        if isIndex {
            let manual = summary.int(.manual)
            if manual > 0 { cards.append(("待人工分类", "\(manual.grouped) 件", h(summary[.manualReason] ?? ""))) }
        }
        html += Self.cards(cards)

        html += "<section><h2>诉求分类</h2>\n<p class=\"note\">本期各类工单数，与上一\(unit)（环比）和去年同期（同比）相比。</p>\n"
        html += Self.compareTable(
            first: "分类",
            rows: categories.map { c in (h(c), Slice.category(c), "") }, now: now, before: before, ago: ago, total: n)
        html += "</section>\n"

        html += "<section><h2>月度趋势</h2>\n<p class=\"note\">截至本期末的每月工单数（含去年同期）。</p>\n"
        let span = p.kind == .year ? 24 : p.kind == .quarter ? 15 : 13
        let shown = PeriodCube.months(ending: p.months.last!, count: span).filter { $0 >= cube.firstMonth }
        html += Chart.months(cube.series(.district, months: shown), title: "每月工单数")
        html += "</section>\n"

        html += "<section><h2>街道与社区</h2>\n<p class=\"note\">点击名称查看该街道或社区的报告。</p>\n"
        var rows: [(String, Slice, String)] = []
        for s in ranked(now, before ?? [:], key: { $0.community == nil && $0.category == nil ? $0.street : nil }) {
            rows.append((PageLink.a(PageLink.street(s), h(s)), .street(s), "street"))
            for c in ranked(now, before ?? [:], key: { $0.street == s && $0.category == nil ? $0.community : nil }) {
                rows.append(("　" + PageLink.a(PageLink.community(s, c), h(c)), .community(s, c), "community"))
            }
        }
        html += Self.compareTable(first: "街道 / 社区", rows: rows, now: now, before: before, ago: ago, total: n)
        html +=
            "<p class=\"dl\">下载：<a href=\"period-\(p.key).csv\">本期统计 CSV</a> · <a href=\"period-\(p.key).xlsx\">Excel</a></p></section>\n"
        html += "<footer>数据不含来电人姓名和联系电话。环比、同比为工单数的变化率；上期为 0 时记“新增”。</footer>\n</body>\n</html>\n"
        return html
    }

    /// Names `key` picks out of the slices, most orders now first, then most before, then by name.
    func ranked(_ now: [Slice: Int], _ before: [Slice: Int], key: (Slice) -> String?) -> [String] {
        var names = Set<String>()
        for s in now.keys { if let k = key(s) { names.insert(k) } }
        for s in before.keys { if let k = key(s) { names.insert(k) } }
        var nowBy: [String: Int] = [:]
        var beforeBy: [String: Int] = [:]
        for (s, n) in now { if let k = key(s) { nowBy[k] = n } }
        for (s, n) in before { if let k = key(s) { beforeBy[k] = n } }
        return names.sorted {
            (nowBy[$0] ?? 0, beforeBy[$0] ?? 0) != (nowBy[$1] ?? 0, beforeBy[$1] ?? 0)
                ? (nowBy[$0] ?? 0, beforeBy[$0] ?? 0) > (nowBy[$1] ?? 0, beforeBy[$1] ?? 0) : $0 < $1
        }
    }

    /// A table of slices with this period, the one before and a year before, and the changes; `—`
    /// where a period to compare with lies before the data.
    static func compareTable(
        first: String, rows: [(label: String, slice: Slice, cls: String)], now: [Slice: Int], before: [Slice: Int]?,
        ago: [Slice: Int]?, total: Int
    ) -> String {
        guard !rows.isEmpty else { return "<p>本期无数据</p>\n" }
        var html = """
            <table><thead><tr><th>\(first)</th><th>本期</th><th>占比</th><th>上期</th><th>环比</th><th>去年同期</th><th>同比</th></tr></thead><tbody>

            """
        for r in rows {
            let a = now[r.slice] ?? 0
            let b = before.map { $0[r.slice] ?? 0 }
            let c = ago.map { $0[r.slice] ?? 0 }
            let share = total > 0 ? Format.percent(Double(a) / Double(total)) : "—"
            html += """
                <tr class="\(r.cls)"><td>\(r.label)</td><td class="num">\(a.grouped)</td><td class="num">\(share)</td>\
                <td class="num">\(b?.grouped ?? "—")</td><td class="num">\(b.map { Format.change(a, from: $0) } ?? "—")</td>\
                <td class="num">\(c?.grouped ?? "—")</td><td class="num">\(c.map { Format.change(a, from: $0) } ?? "—")</td></tr>

                """
        }
        return html + "</tbody></table>\n"
    }

    /// A row of summary cards; values and notes are HTML.
    static func cards(_ cards: [(String, String, String)]) -> String {
        var html = "<section class=\"cards\">\n"
        for (title, value, note) in cards {
            html +=
                "<div class=\"card\"><div class=\"k\">\(title)</div><div class=\"v\">\(value)</div><div class=\"n\">\(note)</div></div>\n"
        }
        return html + "</section>\n"
    }

    /// Every period, newest first, with its count and changes.
    func archivePage() -> String {
        var html = Self.pageStart(
            title: "\(h(title)) · 历期报告", heading: "\(h(title)) · 历期报告",
            subtitle: "每\(settings.kind.label)一份报告，发布后保持不变的位置", current: "periods.html")
        html += "<section><h2>历期报告</h2>\n"
        guard !periods.isEmpty else { return html + "<p>暂无数据</p></section>\n</body>\n</html>\n" }
        html += "<table><thead><tr><th>期间</th><th>工单数</th><th>环比</th><th>同比</th><th>下载</th></tr></thead><tbody>\n"
        for p in periods.reversed() {
            let n = cube.counts(p)[.district] ?? 0
            let b = cube.known(p.previous) ? Format.change(n, from: cube.counts(p.previous)[.district] ?? 0) : "—"
            let c = cube.known(p.yearBefore) ? Format.change(n, from: cube.counts(p.yearBefore)[.district] ?? 0) : "—"
            html += """
                <tr><td>\(PageLink.a(PageLink.period(p), p.label))\(p == asOf ? "（本期）" : "")</td><td class="num">\(n.grouped)</td>\
                <td class="num">\(b)</td><td class="num">\(c)</td>\
                <td><a href="period-\(p.key).csv">CSV</a> · <a href="period-\(p.key).xlsx">Excel</a></td></tr>

                """
        }
        html += "</tbody></table>\n<p class=\"note\">全部时期的累计统计见 \(PageLink.a("all.html", "全部时期"))。</p></section>\n"
        return html + "</body>\n</html>\n"
    }

    /// A period's figures as a table: the district, each category, street and community.
    func periodTable(_ p: Period) -> CSVTable {
        let now = cube.counts(p)
        let before = cube.known(p.previous) ? cube.counts(p.previous) : nil
        let ago = cube.known(p.yearBefore) ? cube.counts(p.yearBefore) : nil
        var t = CSVTable(header: ["期间", "范围", "街道", "社区", "分类", "工单数", "上期", "环比(%)", "去年同期", "同比(%)"])
        func add(_ scope: String, _ s: Slice) {
            let a = now[s] ?? 0
            let b = before.map { $0[s] ?? 0 }
            let c = ago.map { $0[s] ?? 0 }
            func count(_ v: Int?) -> CSVTable.Cell { v.map { .int($0) } ?? .empty }
            func pct(_ base: Int?) -> CSVTable.Cell {
                base.flatMap { Format.changeValue(a, from: $0) }.map { .decimal($0, places: 1) } ?? .empty
            }
            t.append([
                .text(p.key), .text(scope), s.street.map { .text($0) } ?? .empty,
                s.community.map { .text($0) } ?? .empty,
                s.category.map { .text($0) } ?? .empty, .int(a), count(b), pct(b), count(c), pct(c),
            ])
        }
        add("全区", .district)
        for c in ranked(now, before ?? [:], key: { $0.street == nil && $0.community == nil ? $0.category : nil }) {
            add("分类", .category(c))
        }
        for s in ranked(now, before ?? [:], key: { $0.community == nil && $0.category == nil ? $0.street : nil }) {
            add("街道", .street(s))
            for c in ranked(now, before ?? [:], key: { $0.street == s && $0.category == nil ? $0.community : nil }) {
                add("社区", .community(s, c))
            }
        }
        return t
    }
}
