import HotlineCore
import HotlineStore

/// The escalation candidates (提级处理) as the recurring-problems page and its CSV files show them.
struct RecurringReport {
    struct Candidate {
        var id: String
        var rank: Int?
        var weight: Double
        var status: String
        var signals: [String]
        var reason: String
        var category: String
        var place: String
        var orders: Int
        var callers: Int
        var unsatisfied: Int
        var firstSeen: String
        var lastSeen: String
        var level: String
        var levelReason: String
        var departments: String
        var firstDetected: String
        /// Evidence orders per bucket of `bucketDays` days from `firstSeen`, for the timeline.
        var timeline: [Int] = []
        var bucketDays = 7
    }

    /// Whether detect has run on this store at all.
    var ran: Bool
    var dataEnd: String
    var current: [Candidate]
    var gone: [Candidate]
    var currentCount: Int
    var goneCount: Int
    var statusCounts: [String: Int]
    var levelCounts: [String: Int]
    var definitions: [(String, String)]

    /// How many candidates the page shows in full; the CSV has them all.
    static let shown = 100

    static func load(from db: Database) throws -> RecurringReport {
        let ran = try db.scalar("SELECT count(*) FROM runs WHERE stage = 'detect' AND status = 'ok'") > 0
        let dataEnd = try db.scalarText("SELECT value FROM meta WHERE key = 'detect.data_end'") ?? ""
        let definitions = try db.rows("SELECT key, value FROM meta WHERE key LIKE 'detect.setting.%' ORDER BY key").map
        {
            r -> (String, String) in
            (String((r[0].text ?? "").split(separator: ".").last ?? ""), r[1].text ?? "")
        }
        let current = try candidates(db, where: "detected = 1 ORDER BY rank LIMIT \(shown)")
        let gone = try candidates(db, where: "detected = 0 ORDER BY last_seen DESC, id LIMIT \(shown)")
        var statusCounts: [String: Int] = [:]
        for r in try db.rows("SELECT status, count(*) FROM candidates WHERE detected = 1 GROUP BY 1") {
            statusCounts[r[0].text ?? ""] = r[1].int ?? 0
        }
        var levelCounts: [String: Int] = [:]
        for r in try db.rows("SELECT level, count(*) FROM candidates WHERE detected = 1 GROUP BY 1") {
            levelCounts[r[0].text ?? ""] = r[1].int ?? 0
        }
        var report = RecurringReport(
            ran: ran, dataEnd: dataEnd, current: current, gone: gone,
            currentCount: try db.scalar("SELECT count(*) FROM candidates WHERE detected = 1"),
            goneCount: try db.scalar("SELECT count(*) FROM candidates WHERE detected = 0"),
            statusCounts: statusCounts, levelCounts: levelCounts, definitions: definitions)
        let days = try db.prepare(
            """
            SELECT substr(o.received_at, 1, 10) FROM candidate_evidence e JOIN orders o ON o.seq = e.order_seq
            WHERE e.candidate_id = ?
            """)
        for i in report.current.indices {
            try timeline(&report.current[i], days: days)
        }
        return report
    }

    private static func candidates(_ db: Database, where clause: String) throws -> [Candidate] {
        try db.rows(
            """
            SELECT id, rank, weight, status, signals, reason, category, place, orders, callers, unsatisfied,
                first_seen, last_seen, level, level_reason, departments, first_detected
            FROM candidates WHERE \(clause)
            """
        ).map { r in
            Candidate(
                id: r[0].text ?? "", rank: r[1].int, weight: r[2].double ?? 0, status: r[3].text ?? "",
                signals: (r[4].text ?? "").split(separator: ",").map(String.init), reason: r[5].text ?? "",
                category: r[6].text ?? "", place: r[7].text ?? "", orders: r[8].int ?? 0, callers: r[9].int ?? 0,
                unsatisfied: r[10].int ?? 0, firstSeen: r[11].text ?? "", lastSeen: r[12].text ?? "",
                level: r[13].text ?? "", levelReason: r[14].text ?? "", departments: r[15].text ?? "",
                firstDetected: r[16].text ?? "")
        }
    }

    /// Counts the candidate's orders in at most 26 equal buckets (a week each when the span allows).
    private static func timeline(_ c: inout Candidate, days statement: Statement) throws {
        guard let first = LocalDateTime.stored(c.firstSeen), let last = LocalDateTime.stored(c.lastSeen) else { return }
        let span = last.dayNumber - first.dayNumber + 1
        c.bucketDays = max(7, (span + 25) / 26)
        var buckets = [Int](repeating: 0, count: (span + c.bucketDays - 1) / c.bucketDays)
        try statement.bind([c.id])
        while try statement.step() {
            guard let day = statement.text(0).flatMap(LocalDateTime.stored) else { continue }
            let i = (day.dayNumber - first.dayNumber) / c.bucketDays
            if buckets.indices.contains(i) { buckets[i] += 1 }
        }
        c.timeline = buckets
    }

    static let statusLabels = ["new": "新发现", "ongoing": "持续", "quiet": "已平息"]
    static let signalLabels = [
        "hotspot": "地点集中", "repeat": "反复来电", "mass": "群体诉求", "surge": "社区激增", "stuck": "久拖未决",
    ]

    // MARK: Page

    func page(name: String) -> String {
        var html = Report.pageStart(
            title: "\(h(name)) · 提级处理候选", heading: "\(h(name)) · 提级处理候选问题",
            subtitle:
                "反复出现、需要从个案办理提级为源头治理的问题（“对同类、共性诉求进行提级处理”）"
                + (dataEnd.isEmpty ? "" : " · 数据截至 \(h(dataEnd))") + " · <a href=\"index.html\">返回总览</a>")
        guard ran else {
            return html
                + "<section><p>尚未运行检测（hotline detect），暂无候选问题。</p></section>\n</body>\n</html>\n"
        }
        let levels = ["区", "街道", "社区"].map { "\($0) \(levelCounts[$0, default: 0])" }.joined(separator: " · ")
        html += """
            <section class="cards">
            <div class="card"><div class="k">候选问题</div><div class="v">\(currentCount.grouped) 个</div><div class="n">新发现 \(statusCounts["new", default: 0]) · 持续 \(statusCounts["ongoing", default: 0]) · 已平息 \(statusCounts["quiet", default: 0])</div></div>
            <div class="card"><div class="k">建议提级</div><div class="v">\(levelCounts["区", default: 0] + levelCounts["街道", default: 0]) 个</div><div class="n">\(levels)</div></div>
            <div class="card"><div class="k">不再检出</div><div class="v">\(goneCount.grouped) 个</div><div class="n">以前检出、本次未再检出</div></div>
            </section>

            """
        html += currentSection()
        html += goneSection()
        html += "<section><h2>检测口径</h2><table class=\"narrow\"><tbody>\n"
        for (k, v) in definitions { html += "<tr><th>\(h(k))</th><td>\(h(v))</td></tr>\n" }
        html += "</tbody></table></section>\n<footer>不含来电人姓名和联系电话；来电人只按加盐散列计数。</footer>\n</body>\n</html>\n"
        return html
    }

    private func currentSection() -> String {
        var html = """
            <section><h2>候选问题（按权重排序）</h2>
            <p class="note">同一问题被多个信号发现时合为一个候选。编号在每晚的运行之间保持不变，可用 <code>hotline explain 编号</code> 查看全部依据工单。走势图每格为若干天内的工单数。</p>

            """
        guard !current.isEmpty else { return html + "<p>本次没有检出候选问题。</p></section>\n" }
        html += """
            <table><thead><tr><th>排名</th><th>编号</th><th>状态</th><th>建议层级</th><th>问题</th><th>依据</th><th>工单</th><th>来电人</th><th>不满意</th><th>时间</th><th>走势</th><th>承办单位</th></tr></thead><tbody>

            """
        for c in current {
            let signals = c.signals.map { Self.signalLabels[$0] ?? $0 }.joined(separator: "、")
            html += """
                <tr><td class="num">\(c.rank ?? 0)</td><td>\(h(c.id))</td><td>\(h(Self.statusLabels[c.status] ?? c.status))</td>\
                <td title="\(h(c.levelReason))">\(h(c.level))<br><span class="note">\(h(c.levelReason))</span></td>\
                <td><b>\(h(c.category))</b><br>\(h(c.place))</td><td><b>\(h(signals))</b><br><span class="note">\(h(c.reason))</span></td>\
                <td class="num">\(c.orders.grouped)</td><td class="num">\(c.callers.grouped)</td><td class="num">\(c.unsatisfied.grouped)</td>\
                <td>\(h(String(c.firstSeen.prefix(10))))<br>至 \(h(String(c.lastSeen.prefix(10))))</td><td>\(sparkline(c))</td>\
                <td>\(c.departments.isEmpty ? "—" : h(c.departments))</td></tr>

                """
        }
        html += "</tbody></table>\n"
        if currentCount > current.count {
            html += "<p class=\"note\">仅列出前 \(current.count) 个，完整清单见 CSV。</p>\n"
        }
        return html
            + "<p class=\"dl\">下载：<a href=\"recurring.csv\">候选问题 CSV</a> · <a href=\"recurring_evidence.csv\">依据工单 CSV</a></p></section>\n"
    }

    private func goneSection() -> String {
        guard !gone.isEmpty else { return "" }
        var html = """
            <section><h2>不再检出的候选问题</h2>
            <p class="note">以前的运行检出、本次未再检出的问题，保留以便跟踪。共 \(goneCount.grouped) 个。</p>
            <table><thead><tr><th>编号</th><th>问题</th><th>工单</th><th>时间</th><th>首次检出</th></tr></thead><tbody>

            """
        for c in gone {
            html += """
                <tr><td>\(h(c.id))</td><td><b>\(h(c.category))</b> \(h(c.place))</td><td class="num">\(c.orders.grouped)</td>\
                <td>\(h(String(c.firstSeen.prefix(10)))) 至 \(h(String(c.lastSeen.prefix(10))))</td><td>\(h(c.firstDetected))</td></tr>

                """
        }
        return html + "</tbody></table></section>\n"
    }

    /// A small column chart of the candidate's orders over time, with each column's count on hover.
    func sparkline(_ c: Candidate) -> String {
        guard !c.timeline.isEmpty else { return "—" }
        let barWidth = 5
        let height = 24
        let maxN = max(c.timeline.max() ?? 1, 1)
        var svg = """
            <svg class="spark" width="\(c.timeline.count * (barWidth + 1))" height="\(height)" role="img" aria-label="\(h(c.id)) 走势">
            """
        for (i, n) in c.timeline.enumerated() {
            let hgt = n == 0 ? 0 : max(1, n * height / maxN)
            svg +=
                "<rect x=\"\(i * (barWidth + 1))\" y=\"\(height - hgt)\" width=\"\(barWidth)\" height=\"\(hgt)\" class=\"bar\"><title>第 \(i + 1) 段（每段 \(c.bucketDays) 天）：\(n) 件</title></rect>"
        }
        return svg + "</svg>"
    }
}
