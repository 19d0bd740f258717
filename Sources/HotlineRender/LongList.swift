import Foundation
import HotlineCore
import HotlineStore

/// A table that grows with the input (rejects, the supervision list): published as CSV straight from
/// the store, row by row, while the page shows only its first rows and its count.
struct LongList: Sendable {
    var file: String
    var header: [String]
    /// The rows in publishing order.
    var sql: String
    var cells: @Sendable (Statement) -> [CSVTable.Cell]

    /// How many rows the page shows.
    static let shown = 100

    func count(_ db: Database) throws -> Int { try db.scalar("SELECT count(*) FROM (\(sql))") }

    func first(_ db: Database) throws -> [[CSVTable.Cell]] {
        let statement = try db.prepare(sql + " LIMIT \(Self.shown)")
        var out: [[CSVTable.Cell]] = []
        while try statement.step() { out.append(cells(statement)) }
        return out
    }

    /// Writes the CSV file (BOM, header, every row) in bounded memory.
    func write(_ db: Database, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let out = FileHandle(forWritingAtPath: path)
        else { throw HotlineError.failed("cannot write \(path)") }
        defer { try? out.close() }
        var buffer = CSVTable(header: header).text
        let statement = try db.prepare(sql)
        while try statement.step() {
            buffer += cells(statement).map(CSVTable.render).joined(separator: ",") + "\r\n"
            if buffer.utf8.count > 1 << 20 {
                try out.write(contentsOf: Data(buffer.utf8))
                buffer = ""
            }
        }
        try out.write(contentsOf: Data(buffer.utf8))
    }

    /// An HTML table of the first rows, with a note when there are more, and the CSV link.
    func section(_ db: Database, title: String, note: String) throws -> String {
        let total = try count(db)
        var html = "<section><h2>\(title)</h2>\n<p class=\"note\">\(note) 共 \(total.grouped) 条。</p>\n"
        guard total > 0 else { return html + "</section>\n" }
        html += "<table><thead><tr>\(header.map { "<th>\(h($0))</th>" }.joined())</tr></thead><tbody>\n"
        for row in try first(db) {
            let cells: [String] = row.map(Self.html)
            html += "<tr>" + cells.joined() + "</tr>\n"
        }
        html += "</tbody></table>\n"
        if total > Self.shown { html += "<p class=\"note\">仅列出前 \(Self.shown) 条，完整清单见 CSV。</p>\n" }
        return html + "<p class=\"dl\">下载：<a href=\"\(file)\">\(title) CSV</a></p></section>\n"
    }

    static func html(_ cell: CSVTable.Cell) -> String {
        switch cell {
        case .text(let t): return "<td>" + h(t) + "</td>"
        case .id(let t): return "<td>" + escapeHTML(t) + "</td>"
        case .int(let n): return "<td class=\"num\">" + n.grouped + "</td>"
        case .decimal(let d, let places): return "<td class=\"num\">" + Format.fixed(d, places: places) + "</td>"
        case .empty: return "<td>—</td>"
        }
    }

    // MARK: The long lists

    static let rejects = LongList(
        file: "rejects.csv", header: ["文件", "行号", "原因", "说明"],
        sql: "SELECT file, line, reason_code, reason FROM rejects ORDER BY file, line",
        cells: { s in
            [
                .text(((s.text(0) ?? "") as NSString).lastPathComponent), .int(s.int(1)),
                .text(Report.reasonLabel(s.text(2) ?? "")), .text(s.text(3) ?? ""),
            ]
        })

    static let supervision = LongList(
        file: "supervision.csv", header: ["工单编号", "原因", "承办单位", "街道", "社区", "分类", "受理时间", "办理期限", "超期天数"],
        sql: """
            SELECT order_id, reason, unit, street, community, category, received_at, deadline, days_overdue
            FROM agg_supervision ORDER BY reason = '超期未办结' DESC, days_overdue DESC, order_id
            """,
        cells: { s in
            [.id(s.text(0) ?? "")] + (1..<8).map { s.text($0).map { .text($0) } ?? .empty }
                + [s.isNull(8) ? .empty : .decimal(s.double(8), places: 1)]
        })

    static let escalation = LongList(
        file: "escalation.csv", header: ["工单编号", "原因", "此前工单", "承办单位", "街道", "分类", "受理时间", "当前结果"],
        sql: """
            SELECT order_id, reason, earlier, unit, street, category, received_at, coalesce(satisfaction, status)
            FROM agg_escalation ORDER BY received_at, order_id
            """,
        cells: { s in
            [.id(s.text(0) ?? ""), .text(s.text(1) ?? ""), .id(s.text(2) ?? "")]
                + (3..<8).map { s.text($0).map { .text($0) } ?? .empty }
        })

    static let mislabels = LongList(
        file: "mislabels.csv", header: ["工单编号", "受理时间", "话务员分类", "模型判断", "模型把握"],
        sql: """
            SELECT o.id, o.received_at, o.operator_category, c.model_category, c.model_probability
            FROM classified c JOIN orders o ON o.seq = c.order_seq WHERE c.mislabel = 1
            ORDER BY c.model_probability DESC, o.id
            """,
        cells: { s in
            [.id(s.text(0) ?? "")] + (1..<4).map { s.text($0).map { .text($0) } ?? .empty }
                + [.decimal(s.double(4), places: 3)]
        })

    static let quality = LongList(
        file: "data_quality.csv", header: ["问题", "工单数", "示例工单"],
        sql: "SELECT issue, n, examples FROM agg_quality ORDER BY n DESC, issue",
        cells: { s in [.text(s.text(0) ?? ""), .int(s.int(1)), .text(s.text(2) ?? "")] })

    static let recurring = LongList(
        file: "recurring.csv",
        header: [
            "排名", "编号", "状态", "建议层级", "层级理由", "分类", "地点", "信号", "依据", "工单数", "来电人数", "不满意或重新办理", "首次出现",
            "最近出现", "承办单位", "权重", "首次检出", "本次检出",
        ],
        sql: """
            SELECT rank, id, status, level, level_reason, category, place, signals, reason, orders, callers, unsatisfied,
                first_seen, last_seen, departments, weight, first_detected, detected
            FROM candidates ORDER BY detected DESC, rank, last_seen DESC, id
            """,
        cells: { s in
            let signals = (s.text(7) ?? "").split(separator: ",").map {
                RecurringReport.signalLabels[String($0)] ?? String($0)
            }
            return [
                s.isNull(0) ? .empty : .int(s.int(0)), .id(s.text(1) ?? ""),
                .text(RecurringReport.statusLabels[s.text(2) ?? ""] ?? ""),
            ] + (3...6).map { .text(s.text($0) ?? "") } + [
                .text(signals.joined(separator: "、")), .text(s.text(8) ?? ""),
            ]
                + (9...11).map { .int(s.int($0)) } + (12...14).map { .text(s.text($0) ?? "") }
                + [.decimal(s.double(15), places: 1), .text(s.text(16) ?? ""), .text(s.int(17) == 1 ? "是" : "否")]
        })

    static let recurringEvidence = LongList(
        file: "recurring_evidence.csv", header: ["编号", "工单编号", "受理时间", "分类", "街道", "社区", "办理状态", "回访满意度", "信号"],
        sql: """
            SELECT e.candidate_id, o.id, o.received_at, coalesce(c.category, ''), o.street, o.community, o.status,
                o.satisfaction, e.signals
            FROM candidate_evidence e JOIN orders o ON o.seq = e.order_seq LEFT JOIN classified c ON c.order_seq = o.seq
            JOIN candidates k ON k.id = e.candidate_id
            ORDER BY k.detected DESC, k.rank, e.candidate_id, o.received_at, o.id
            """,
        cells: { s in
            [.id(s.text(0) ?? ""), .id(s.text(1) ?? "")] + (2..<8).map { s.text($0).map { .text($0) } ?? .empty }
                + [
                    .text(
                        (s.text(8) ?? "").split(separator: ",").map {
                            RecurringReport.signalLabels[String($0)] ?? String($0)
                        }
                        .joined(separator: "、"))
                ]
        })

    static let all = [rejects, supervision, escalation, mislabels, quality, recurring, recurringEvidence]
}
