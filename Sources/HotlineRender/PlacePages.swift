import HotlineAggregate
import HotlineCore
import HotlineDetect
import HotlineStore

/// Supervision orders (督办) by street, community and unit: every count, and the first few orders of each.
///
/// Built in one pass over the list; its size is bounded by places × `kept`.
struct SupervisionIndex {
    static let kept = 20
    /// A place's or unit's count and first orders, keyed by bytes (see `Bytes`): one lookup a row.
    struct Entry {
        var count = 0
        var first: [SupervisionRecord] = []

        mutating func add(_ r: SupervisionRecord) {
            count += 1
            if first.count < SupervisionIndex.kept { first.append(r) }
        }
    }
    private var entries: [Bytes: Entry] = [:]

    func count(_ key: String) -> Int { entries[Bytes(key)]?.count ?? 0 }
    func first(_ key: String) -> [SupervisionRecord] { entries[Bytes(key)]?.first ?? [] }

    static func streetKey(_ s: String) -> String { "s\u{1}" + s }
    static func communityKey(_ s: String, _ c: String) -> String { "c\u{1}" + s + "\u{1}" + c }
    static func unitKey(_ u: String) -> String { "u\u{1}" + u }

    static func load(_ db: Database) throws -> SupervisionIndex {
        var index = SupervisionIndex()
        try Aggregates.forEachSupervision(db) { r in
            for key in [streetKey(r.street), communityKey(r.street, r.community), unitKey(r.unit)] {
                index.entries[Bytes(key), default: Entry()].add(r)
            }
        }
        return index
    }
}

/// The pages of each street, community and unit, and of each listed candidate's evidence.
extension Report {
    func placePages() -> [(String, String)] {
        var out: [(String, String)] = []
        for s in streets where s.n > 0 {
            out.append((PageLink.street(s.street), placePage(street: s.street, community: nil)))
        }
        for a in areas where a.n > 0 {
            out.append((PageLink.community(a.street, a.community), placePage(street: a.street, community: a.community)))
        }
        for u in handling.period(.unit) { out.append((PageLink.unit(u.name), unitPage(u.name))) }
        return out
    }

    /// A street's or a community's page: its categories and trend, per 10,000 against the district,
    /// its communities, open candidates, supervision orders and handling.
    func placePage(street: String, community: String?) -> String {
        let name = community.map { "\(street) \($0)" } ?? street
        let slice = community.map { Slice.community(street, $0) } ?? .street(street)
        var html = Self.pageStart(
            title: "\(h(name)) · \(h(title))", heading: h(name),
            subtitle: "\(community == nil ? "街道" : "社区")报告 · \(h(title))")
        let all =
            community.map { c in areas.first { $0.street == street && $0.community == c } }
            ?? streets.first { $0.street == street }
        var cards: [(String, String, String)] = [("全部时期工单", "\((all?.n ?? 0).grouped) 件", "")]
        if let p = asOf {
            let now = cube.counts(p)
            let a = now[slice] ?? 0
            func against(_ q: Period, _ word: String) -> String {
                guard cube.known(q) else { return "\(word) —" }
                let b = cube.counts(q)[slice] ?? 0
                return "\(word) \(Format.change(a, from: b))（\(b.grouped) 件）"
            }
            cards.append(
                ("\(p.label)工单", "\(a.grouped) 件", against(p.previous, "环比") + " · " + against(p.yearBefore, "同比")))
        }
        if let per10k = all?.per10k {
            let district = districtPer10k().map { Format.fixed($0, places: 1) } ?? "—"
            cards.append(
                ("每万人工单", Format.fixed(per10k, places: 1), "全区 \(district) · 常住人口 \((all?.population ?? 0).grouped) 人"))
        }
        if let top = all?.top { cards.append(("最多的诉求", h(top), "\((all?.topN ?? 0).grouped) 件")) }
        html += Self.cards(cards)

        html += "<section><h2>月度趋势</h2>\n"
        html += Chart.months(cube.series(slice, months: cube.allMonths), title: "\(name) 每月工单数") + "</section>\n"

        if let p = asOf {
            let now = cube.counts(p)
            let before = cube.known(p.previous) ? cube.counts(p.previous) : nil
            let ago = cube.known(p.yearBefore) ? cube.counts(p.yearBefore) : nil
            let n = now[slice] ?? 0
            let categories = ranked(now, before ?? [:]) {
                $0.street == street && $0.community == community && $0.category != nil ? $0.category : nil
            }
            html += "<section><h2>诉求分类（\(p.label)）</h2>\n"
            html += Self.compareTable(
                first: "分类",
                rows: categories.map { (h($0), Slice(street: street, community: community, category: $0), "") },
                now: now, before: before, ago: ago, total: n)
            html += "</section>\n"
            if community == nil {
                let communities = ranked(now, before ?? [:]) {
                    $0.street == street && $0.community != nil && $0.category == nil ? $0.community : nil
                }
                html += "<section><h2>所辖社区（\(p.label)）</h2>\n"
                html += Self.compareTable(
                    first: "社区",
                    rows: communities.map {
                        (PageLink.a(PageLink.community(street, $0), h($0)), .community(street, $0), "")
                    },
                    now: now, before: before, ago: ago, total: n)
                html += "</section>\n"
            }
        }
        if community == nil { html += communityRates(street) }
        html += candidatesSection { c in
            // The lists are joined with 、; a name is matched whole, never as part of another.
            c.streets.split(separator: "、").contains { $0 == street }
                && (community.map { name in c.communities.split(separator: "、").contains { $0 == name } } ?? true)
        }
        html += supervisionSection(
            community.map { SupervisionIndex.communityKey(street, $0) } ?? SupervisionIndex.streetKey(street))
        if community == nil, handling.rows.contains(where: { $0.scope == .street && $0.name == street }) {
            html += scorecard(.street, street)
        }
        return html + "<footer>数据不含来电人姓名和联系电话。</footer>\n</body>\n</html>\n"
    }

    /// The street's communities per 10,000 residents over the whole period, against the district.
    private func communityRates(_ street: String) -> String {
        let rows = areas.filter { $0.street == street && $0.population != nil }
        guard !rows.isEmpty else { return "" }
        var html = """
            <section><h2>每万人工单（全部时期）</h2>
            <table><thead><tr><th>社区</th><th>工单数</th><th>常住人口</th><th>每万人工单数</th></tr></thead><tbody>

            """
        for a in rows.sorted(by: { ($0.per10k ?? 0) > ($1.per10k ?? 0) }) {
            html += """
                <tr><td>\(a.n > 0 ? PageLink.a(PageLink.community(street, a.community), h(a.community)) : h(a.community))</td>\
                <td class="num">\(a.n.grouped)</td><td class="num">\((a.population ?? 0).grouped)</td>\
                <td class="num">\(a.per10k.map { Format.fixed($0, places: 1) } ?? "—")</td></tr>

                """
        }
        return html + "</tbody></table></section>\n"
    }

    /// The current candidates that `include` picks, linked to their evidence pages.
    private func candidatesSection(_ include: (CandidateRecord) -> Bool) -> String {
        let picked = recurring.open.filter(include)
        var html = "<section><h2>提级处理候选</h2>\n"
        guard !picked.isEmpty else { return html + "<p>目前没有检出的候选问题。</p></section>\n" }
        html += "<table><thead><tr><th>编号</th><th>建议层级</th><th>问题</th><th>工单</th><th>时间</th></tr></thead><tbody>\n"
        for c in picked {
            html += """
                <tr><td>\(recurring.hasPage(c.id) ? PageLink.a(PageLink.candidate(c.id), h(c.id)) : h(c.id))</td><td>\(h(c.level.label))</td>\
                <td><b>\(h(c.category))</b> · \(h(c.summary))</td><td class="num">\(c.orders.grouped)</td>\
                <td>\(h(String(c.firstSeen.prefix(10)))) 至 \(h(String(c.lastSeen.prefix(10))))</td></tr>

                """
        }
        return html + "</tbody></table></section>\n"
    }

    /// The first supervision orders of a place or unit, and their count.
    private func supervisionSection(_ key: String) -> String {
        let n = supervision.count(key)
        var html = "<section><h2>督办工单</h2>\n<p class=\"note\">回访基本满意或不满意、或超期未办结的工单，共 \(n.grouped) 件。</p>\n"
        guard n > 0 else { return html + "</section>\n" }
        html +=
            "<table><thead><tr><th>工单编号</th><th>原因</th><th>承办单位</th><th>社区</th><th>分类</th><th>受理时间</th><th>超期天数</th></tr></thead><tbody>\n"
        for r in supervision.first(key) {
            html += """
                <tr><td>\(escapeHTML(r.orderID))</td><td>\(h(r.reason?.label ?? ""))</td><td>\(PageLink.a(PageLink.unit(r.unit), h(r.unit)))</td>\
                <td>\(h(r.community))</td><td>\(h(r.category))</td><td>\(h(r.receivedAt))</td>\
                <td class="num">\(r.daysOverdue.map { Format.fixed($0, places: 1) } ?? "—")</td></tr>

                """
        }
        html += "</tbody></table>\n"
        if n > SupervisionIndex.kept {
            html +=
                "<p class=\"note\">仅列出前 \(SupervisionIndex.kept) 件，完整清单见 <a href=\"supervision.csv\">督办清单 CSV</a>。</p>\n"
        }
        return html + "</section>\n"
    }

    /// Month by month: volume, on time, the three rates, the score and the rank among its kind.
    private func scorecard(_ scope: Scope, _ name: String) -> String {
        let months = handling.rows.filter { $0.scope == scope && $0.name == name && !$0.month.isEmpty }
            .sorted { $0.month > $1.month }
        var ranked: [String: Int] = [:]
        for r in handling.rows where r.scope == scope && r.rank != nil { ranked[r.month, default: 0] += 1 }
        var html = """
            <section><h2>办理情况（每月考评）</h2>
            <p class="note">排名为当月在同类\(scope == .unit ? "承办单位" : "街道")中的名次（工单不足门槛的不排名）。</p>
            <table><thead><tr><th>月份</th><th>工单数</th><th>按时办结率</th><th>超期未办结</th><th>响应率</th><th>解决率</th><th>满意率</th><th>综合得分</th><th>排名</th></tr></thead><tbody>

            """
        for r in months {
            html += """
                <tr><td>\(h(r.month))</td><td class="num">\(r.n.grouped)</td><td class="num">\(HandlingReport.percent(r.onTimeRate))</td>\
                <td class="num">\(r.overdueOpen.grouped)</td><td class="num">\(HandlingReport.percent(r.response))</td>\
                <td class="num">\(HandlingReport.percent(r.resolution))</td><td class="num">\(HandlingReport.percent(r.satisfaction))</td>\
                <td class="num">\(HandlingReport.score(r.composite))</td>\
                <td class="num">\(r.rank.map { "\($0) / \(ranked[r.month] ?? 0)" } ?? "不排名")</td></tr>

                """
        }
        return html + "</tbody></table></section>\n"
    }

    /// A unit's page: its monthly scorecard, and its overdue and supervised orders.
    func unitPage(_ name: String) -> String {
        var html = Self.pageStart(
            title: "\(h(name)) · \(h(title))", heading: h(name), subtitle: "承办单位 · \(h(title))")
        if let all = handling.period(.unit).first(where: { $0.name == name }) {
            html += Self.cards([
                ("全部时期工单", "\(all.n.grouped) 件", "排名 \(all.rank.map(String.init) ?? "不排名")"),
                ("按时办结率", HandlingReport.percent(all.onTimeRate), "超期未办结 \(all.overdueOpen.grouped) 件"),
                ("满意率", HandlingReport.percent(all.satisfaction), "有效回访 \(all.valid.grouped) 件"),
                ("综合得分", HandlingReport.score(all.composite), ""),
            ])
        }
        html += scorecard(.unit, name)
        html += supervisionSection(SupervisionIndex.unitKey(name))
        return html + "<footer>数据不含来电人姓名和联系电话。</footer>\n</body>\n</html>\n"
    }
}
