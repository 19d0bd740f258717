import HotlineCore
import HotlineDetect
import HotlineStore

/// The escalation candidates (提级处理) as the recurring-problems page and its CSV files show them.
struct RecurringReport {
    /// A candidate with its timeline: evidence orders per bucket of `bucketDays` days from `firstSeen`.
    struct Candidate {
        var record: CandidateRecord
        var timeline: [Int] = []
        var bucketDays = 7
    }

    /// Whether detect has run on this store at all.
    var ran: Bool
    var dataEnd: String
    var current: [Candidate]
    /// Every candidate found in the last run, for the pages of places.
    var open: [CandidateRecord] = []
    var gone: [CandidateRecord]
    var currentCount: Int
    var goneCount: Int
    var statusCounts: [CandidateStatus: Int]
    var levelCounts: [Level: Int]
    var definitions: [(String, String)]

    /// How many candidates the page shows in full; the CSV has them all.
    static let shown = 100

    static func load(from store: Store) throws -> RecurringReport {
        let db = store.db
        let all = try EscalationCandidates.current(db)
        var statusCounts: [CandidateStatus: Int] = [:]
        var levelCounts: [Level: Int] = [:]
        for c in all {
            statusCounts[c.status, default: 0] += 1
            // The levels count what is still active: a quiet candidate needs no escalation now.
            if c.status != .quiet { levelCounts[c.level, default: 0] += 1 }
        }
        var current = all.prefix(shown).map { Candidate(record: $0) }
        var evidence: [String: [EvidenceOrder]] = [:]
        for i in current.indices { evidence[current[i].record.id] = try readEvidence(&current[i], db: db) }
        var report = RecurringReport(
            ran: try EscalationCandidates.detectRan(store), dataEnd: try EscalationCandidates.dataEnd(store) ?? "",
            current: current, gone: try EscalationCandidates.gone(db, limit: shown), currentCount: all.count,
            goneCount: try EscalationCandidates.count(db, detected: false), statusCounts: statusCounts,
            levelCounts: levelCounts, definitions: try EscalationCandidates.definitions(store))
        report.open = all
        report.evidence = evidence
        return report
    }

    /// Evidence orders of each candidate with a page, at most `evidenceShown` each.
    var evidence: [String: [EvidenceOrder]] = [:]
    static let evidenceShown = 200

    /// Whether the candidate has its own evidence page (those listed in full on the page do).
    func hasPage(_ id: String) -> Bool { evidence[id] != nil }

    /// Each listed candidate's page: the sentence, its figures and its evidence orders, texts masked.
    func evidencePages(name: String) -> [(String, String)] {
        current.map { candidate in
            let c = candidate.record
            var html = Report.pageStart(
                title: "\(h(c.id)) · \(h(name))", heading: "\(h(c.id)) · \(h(c.category))",
                subtitle: "提级处理候选的依据工单")
            html += Report.cards([
                ("建议层级", h(c.level.label), h(c.levelReason)),
                ("工单", "\(c.orders.grouped) 件", "来电人 \(c.callers.grouped) 人"),
                ("时间", h(String(c.firstSeen.prefix(10))), "至 \(h(String(c.lastSeen.prefix(10))))"),
                ("状态", h(c.status.label), "首次检出 \(h(c.firstDetected))"),
            ])
            html +=
                "<section><h2>概述</h2><p>\(h(c.summary))</p><p class=\"note\">\(h(c.signals.map(\.label).joined(separator: "、")))：\(h(c.reason))</p>"
            html += "<p>走势：\(sparkline(candidate))</p></section>\n"
            let rows = evidence[c.id] ?? []
            html += "<section><h2>依据工单</h2>\n<p class=\"note\">诉求文本中的姓名和电话已屏蔽。"
            if c.orders > rows.count {
                html += "仅列出前 \(rows.count) 件，完整清单见 <a href=\"recurring_evidence.csv\">依据工单 CSV</a>。"
            }
            html +=
                "</p>\n<table><thead><tr><th>工单编号</th><th>受理时间</th><th>地点</th><th>诉求</th><th>承办单位</th><th>办理状态</th><th>回访</th></tr></thead><tbody>\n"
            for e in rows {
                let o = e.order
                let place = [o.street, o.community, o.address].compactMap { $0 }.filter { !$0.isEmpty }.joined(
                    separator: " ")
                let text = [o.title, o.content].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "：")
                html += """
                    <tr><td>\(escapeHTML(o.id))</td><td>\(h(o.receivedAt))</td><td>\(h(place))</td><td>\(h(text))</td>\
                    <td>\(h(o.unit ?? ""))</td><td>\(h(o.status ?? ""))</td><td>\(h(o.satisfaction ?? ""))</td></tr>

                    """
            }
            html += "</tbody></table></section>\n<footer>不含来电人姓名和联系电话。</footer>\n</body>\n</html>\n"
            return (PageLink.candidate(c.id), html)
        }
    }

    /// Reads the candidate's evidence once: every order counted into its timeline (at most 26 equal
    /// buckets, a week each when the span allows), the first `evidenceShown` kept for its page.
    private static func readEvidence(_ c: inout Candidate, db: Database) throws -> [EvidenceOrder] {
        let first = LocalDateTime.stored(c.record.firstSeen)
        let last = LocalDateTime.stored(c.record.lastSeen)
        var buckets: [Int] = []
        if let first, let last {
            let span = last.dayNumber - first.dayNumber + 1
            c.bucketDays = max(7, (span + 25) / 26)
            buckets = [Int](repeating: 0, count: (span + c.bucketDays - 1) / c.bucketDays)
        }
        var kept: [EvidenceOrder] = []
        try EscalationCandidates.forEachEvidence(
            db, candidate: c.record.id,
            columns: [.id, .receivedAt, .street, .community, .address, .title, .content, .unit, .status, .satisfaction]
        ) { e in
            if kept.count < evidenceShown { kept.append(e) }
            if let first, let day = LocalDateTime.stored(e.order.receivedAt) {
                let i = (day.dayNumber - first.dayNumber) / c.bucketDays
                if buckets.indices.contains(i) { buckets[i] += 1 }
            }
        }
        c.timeline = buckets
        return kept
    }

    // MARK: Page

    func page(name: String) -> String {
        var html = Report.pageStart(
            title: "\(h(name)) · 提级处理候选", heading: "\(h(name)) · 提级处理候选问题",
            subtitle:
                "反复出现、需要从个案办理提级为源头治理的问题（“对同类、共性诉求进行提级处理”）"
                + (dataEnd.isEmpty ? "" : " · 数据截至 \(h(dataEnd))"), current: "recurring.html")
        guard ran else {
            return html
                + "<section><p>尚未运行检测（hotline detect），暂无候选问题。</p></section>\n</body>\n</html>\n"
        }
        let levels =
            "区 \(levelCounts[.district, default: 0]) · 街道 \(levelCounts[.street, default: 0])；另有 \(levelCounts[.community, default: 0]) 个留在社区办理，\(statusCounts[.quiet, default: 0]) 个已平息不计"
        html += """
            <section class="cards">
            <div class="card"><div class="k">候选问题</div><div class="v">\(currentCount.grouped) 个</div><div class="n">\(CandidateStatus.allCases.map { "\($0.label) \(statusCounts[$0, default: 0])" }.joined(separator: " · "))</div></div>
            <div class="card"><div class="k">建议提级</div><div class="v">\(levelCounts[.district, default: 0] + levelCounts[.street, default: 0]) 个</div><div class="n">\(levels)</div></div>
            <div class="card"><div class="k">不再检出</div><div class="v">\(goneCount.grouped) 个</div><div class="n">以前检出、本次未再检出</div></div>
            </section>

            """
        html += currentSection()
        html += goneSection()
        html += "<section><h2>检测口径</h2><table class=\"narrow\"><tbody>\n"
        for (k, v) in definitions where k != DetectSettings.methodKey {
            html += "<tr><th>\(h(k))</th><td>\(h(v))</td></tr>\n"
        }
        html += "</tbody></table>\n"
        if let method = definitions.first(where: { $0.0 == DetectSettings.methodKey }) {
            html += "<p class=\"note\">注：\(h(method.1))。</p>\n"
        }
        html += "</section>\n<footer>不含来电人姓名和联系电话；来电人只按加密后的号码计数。</footer>\n</body>\n</html>\n"
        return html
    }

    private func currentSection() -> String {
        var html = """
            <section><h2>候选问题（按权重排序）</h2>
            <p class="note">同一问题被多个信号发现时合为一个候选。编号在每晚的运行之间保持不变；点击编号查看依据工单。走势图每格为若干天内的工单数，标出起止日期。</p>

            """
        guard !current.isEmpty else { return html + "<p>本次没有检出候选问题。</p></section>\n" }
        // Support (点赞, 附议) only where the exports carry it: phone exports do not.
        let supported = current.contains { $0.record.support > 0 }
        html += filterForm()
        html += """
            <table id="candidates"><thead><tr><th>排名</th><th>编号</th><th>状态</th><th>建议层级</th><th>问题</th><th>依据</th><th>工单</th><th>来电人</th><th>不满意</th>\(supported ? "<th>点赞或附议</th>" : "")<th>时间</th><th>走势</th><th>承办单位</th></tr></thead><tbody>

            """
        for candidate in current {
            let c = candidate.record
            let signals = c.signals.map(\.label).joined(separator: "、")
            html += """
                <tr data-street="\(h(c.streets))" data-level="\(c.level.rawValue)" data-status="\(c.status.rawValue)"><td class="num">\(c.rank ?? 0)</td><td>\(PageLink.a(PageLink.candidate(c.id), h(c.id)))</td><td>\(h(c.status.label))</td>\
                <td title="\(h(c.levelReason))">\(h(c.level.label))<br><span class="note">\(h(c.levelReason))</span></td>\
                <td><b>\(h(c.category))</b> · \(h(c.place))<br>\(h(c.summary))</td><td><b>\(h(signals))</b><br><span class="note">\(h(c.reason))</span></td>\
                <td class="num">\(c.orders.grouped)</td><td class="num">\(c.callers.grouped)</td><td class="num">\(c.unsatisfied.grouped)</td>\
                \(supported ? "<td class=\"num\">\(c.support.grouped)</td>" : "")\
                <td>\(h(String(c.firstSeen.prefix(10))))<br>至 \(h(String(c.lastSeen.prefix(10))))</td><td>\(sparkline(candidate))</td>\
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
            <svg class="spark" width="\(c.timeline.count * (barWidth + 1))" height="\(height)" role="img" aria-label="\(h(c.record.id)) 走势">
            """
        let first = LocalDateTime.stored(c.record.firstSeen)
        func day(_ offset: Int) -> String {
            guard let first else { return "" }
            let d = LocalDateTime(dayNumber: first.dayNumber + offset, seconds: 0)
            return "\(d.month)/\(d.day)"
        }
        for (i, n) in c.timeline.enumerated() {
            let hgt = n == 0 ? 0 : max(1, n * height / maxN)
            let from = i * c.bucketDays
            svg +=
                "<rect x=\"\(i * (barWidth + 1))\" y=\"\(height - hgt)\" width=\"\(barWidth)\" height=\"\(hgt)\" class=\"bar\"><title>\(day(from))–\(day(from + c.bucketDays - 1))：\(n) 件</title></rect>"
        }
        let last = LocalDateTime.stored(c.record.lastSeen).map { "\($0.month)/\($0.day)" } ?? ""
        return svg + "</svg><div class=\"note nowrap\">\(day(0))–\(last)<br>每格 \(c.bucketDays) 天</div>"
    }

    /// Drop-downs that narrow the list by street, level and status: inline script, and the page is
    /// whole without it (the form only shows where scripts run).
    private func filterForm() -> String {
        var streets = Set<String>()
        for c in current { for s in c.record.streets.split(separator: "、") { streets.insert(String(s)) } }
        func options(_ items: [(String, String)]) -> String {
            "<option value=\"\">全部</option>" + items.map { "<option value=\"\(h($0.0))\">\(h($0.1))</option>" }.joined()
        }
        return """
            <form id="filter" class="filter" hidden>街道 <select name="street">\(options(streets.sorted().map { ($0, $0) }))</select> \
            层级 <select name="level">\(options(Level.allCases.reversed().map { ($0.rawValue, $0.label) }))</select> \
            状态 <select name="status">\(options(CandidateStatus.allCases.map { ($0.rawValue, $0.label) }))</select> \
            <span id="shown"></span></form>
            <script>
            document.addEventListener('DOMContentLoaded', function () {
              var f = document.getElementById('filter'); f.hidden = false;
              var rows = document.querySelectorAll('#candidates tbody tr');
              function apply() {
                var s = f.street.value, l = f.level.value, t = f.status.value, n = 0;
                rows.forEach(function (r) {
                  var ok = (!s || r.dataset.street.split('、').indexOf(s) >= 0) && (!l || r.dataset.level === l) && (!t || r.dataset.status === t);
                  r.hidden = !ok; if (ok) n++;
                });
                document.getElementById('shown').textContent = '显示 ' + n + ' / ' + rows.length + ' 个';
              }
              f.addEventListener('change', apply); apply();
            });
            </script>

            """
    }
}
