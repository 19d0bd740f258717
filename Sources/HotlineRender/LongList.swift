import Foundation
import HotlineAggregate
import HotlineClassify
import HotlineCore
import HotlineDetect
import HotlineFormats
import HotlineIngest
import HotlineStore

/// A table that grows with the input (rejects, the supervision list): published as CSV straight from
/// the store, row by row, while the page shows only its first rows and its count.
struct LongList: Sendable {
    var file: String
    var header: [String]
    var count: @Sendable (Database) throws -> Int
    /// Hands the rows in publishing order, at most `limit` of them when given, as cells.
    var rows: @Sendable (Database, _ limit: Int?, _ body: ([CSVTable.Cell]) throws -> Void) throws -> Void

    /// How many rows the page shows.
    static let shown = 100

    func first(_ db: Database) throws -> [[CSVTable.Cell]] {
        var out: [[CSVTable.Cell]] = []
        try rows(db, Self.shown) { out.append($0) }
        return out
    }

    /// Rows handed to the workbook's thread at a time, and how many such batches may wait.
    static let workbookBatch = 512
    static let workbookQueue = 8

    /// Writes the CSV file (BOM, header, every row) and the workbook beside it, in bounded memory.
    ///
    /// The rows are read and written as CSV on a thread of their own, and handed over in batches to
    /// this one, which writes the workbook: on ten years of orders the supervision list has
    /// millions of rows, and its workbook took half of the list's time.
    func write(_ db: Database, to path: String, sheet: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let out = FileHandle(forWritingAtPath: path)
        else { throw HotlineError.file(path: path, problem: "cannot write") }
        defer { try? out.close() }
        let book = try XLSXWriter(path: CSVTable.workbookName(path), sheet: sheet, header: header)
        let source = UncheckedSendable((list: self, db: db, out: out))
        try Self.alongside(
            label: "render.\(file)",
            produce: { hand in try source.value.list.writeRows(source.value.db, to: source.value.out, workbook: hand) },
            consume: { (rows: [[XLSXWriter.Cell]]) in
                for row in rows { try book.append(row) }
            },
            finish: { try book.finish() })
    }

    /// What a hand-over throws once the other side has stopped.
    struct HandOverStopped: Error {}

    /// Runs `produce` on a thread of its own and `consume` on this one, for each batch `produce`
    /// hands over (at most `workbookQueue` waiting), then `finish` once all are consumed: a
    /// `Pipeline` whose transform hands each batch on as it is.
    ///
    /// An error on either side stops the other: `produce`'s hand-over throws once `consume` has
    /// failed, and `consume` gets no more batches than were handed over before `produce` failed,
    /// and no `finish`. The error is rethrown.
    static func alongside<Batch: Sendable>(
        label: String, produce: @escaping @Sendable (_ hand: (Batch) throws -> Void) throws -> Void,
        consume: (Batch) throws -> Void, finish: () throws -> Void
    ) throws {
        try Pipeline.run(
            label: label, depth: Self.workbookQueue, workers: 1,
            produce: { send in
                try produce { batch in
                    guard send(batch) else { throw HandOverStopped() }
                }
            },
            transform: { { $0 } }, consume: consume)
        try finish()
    }

    /// Writes every row to the CSV file `out` and hands them, as workbook cells, to `workbook`
    /// in batches.
    private func writeRows(_ db: Database, to out: FileHandle, workbook hand: ([[XLSXWriter.Cell]]) throws -> Void)
        throws
    {
        var batch: [[XLSXWriter.Cell]] = []
        var buffer = CSVTable(header: header).text
        // Text is masked once for both files; the few names that repeat on every row (units,
        // streets, categories) once for the whole list.
        var masked: [Bytes: String] = [:]
        func mask(_ cell: CSVTable.Cell) -> CSVTable.Cell {
            guard case .text(let s) = cell else { return cell }
            if let m = masked[Bytes(s)] { return .id(m) }
            let m = PersonalData.mask(s)
            if masked.count < 4_096 { masked[Bytes(s)] = m }
            return .id(m)
        }
        try rows(db, nil) { row in
            let cells = row.map(mask)
            buffer += cells.map(CSVTable.render).joined(separator: ",") + "\r\n"
            batch.append(cells.map(CSVTable.workbookCell))
            if batch.count >= Self.workbookBatch {
                try hand(batch)
                batch.removeAll(keepingCapacity: true)
            }
            if buffer.utf8.count > 1 << 20 {
                try out.write(contentsOf: Data(buffer.utf8))
                buffer = ""
            }
        }
        try out.write(contentsOf: Data(buffer.utf8))
        if !batch.isEmpty { try hand(batch) }
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
        case .date(let t): return "<td>" + h(t) + "</td>"
        case .empty: return "<td>—</td>"
        }
    }

    /// Text, or an empty cell for nil.
    static func text(_ s: String?) -> CSVTable.Cell { s.map { .text($0) } ?? .empty }

    // MARK: The long lists

    static let rejects = LongList(
        file: "rejects.csv", header: ["文件", "行号", "原因", "说明"], count: Rejects.count,
        rows: { db, limit, body in
            let cells: (RejectRecord) -> [CSVTable.Cell] = { r in
                [
                    .text((r.file as NSString).lastPathComponent), .int(r.line),
                    .text(RejectReason.label(of: r.reasonCode)), .text(r.message),
                ]
            }
            if let limit {
                for r in try Rejects.first(db, limit: limit) { try body(cells(r)) }
            } else {
                try Rejects.forEach(db) { try body(cells($0)) }
            }
        })

    static let supervision = LongList(
        file: "supervision.csv", header: ["工单编号", "原因", "承办单位", "街道", "社区", "分类", "受理时间", "办理期限", "超期天数"],
        count: Aggregates.supervisionCount,
        rows: { db, limit, body in
            try Aggregates.forEachSupervision(db, limit: limit) { r in
                try body([
                    .id(r.orderID), text(r.reason?.label), .text(r.unit), .text(r.street), .text(r.community),
                    .text(r.category), .date(r.receivedAt), r.deadline.map { .date($0) } ?? .empty,
                    r.daysOverdue.map { .decimal($0, places: 1) } ?? .empty,
                ])
            }
        })

    static let escalation = LongList(
        file: "escalation.csv", header: ["工单编号", "原因", "此前工单", "承办单位", "街道", "分类", "受理时间", "当前结果"],
        count: Aggregates.escalationCount,
        rows: { db, limit, body in
            try Aggregates.forEachEscalation(db, limit: limit) { r in
                try body([
                    .id(r.orderID), .text(r.reason?.label ?? ""), .id(r.earlier), .text(r.unit), .text(r.street),
                    .text(r.category), .date(r.receivedAt), text(r.satisfaction ?? r.status),
                ])
            }
        })

    static let mislabels = LongList(
        file: "mislabels.csv", header: ["工单编号", "受理时间", "话务员分类", "模型判断", "模型把握"],
        count: Classifications.mislabelCount,
        rows: { db, limit, body in
            try Classifications.forEachMislabel(db, limit: limit) { m in
                try body([
                    .id(m.orderID), .date(m.receivedAt), text(m.operatorCategory), text(m.modelCategory),
                    .decimal(m.modelProbability, places: 3),
                ])
            }
        })

    static let quality = LongList(
        file: "data_quality.csv", header: ["问题", "工单数", "示例工单"], count: { try Aggregates.quality($0).count },
        rows: { db, limit, body in
            for q in try Aggregates.quality(db).prefix(limit ?? Int.max) {
                try body([.text(q.issue?.label ?? q.issueCode), .int(q.n), .text(q.examples)])
            }
        })

    static let recurring = LongList(
        file: "recurring.csv",
        header: [
            "排名", "编号", "状态", "建议层级", "层级理由", "分类", "地点", "概述", "信号", "依据", "工单数", "来电人数", "不满意或重新办理",
            "点赞或附议", "首次出现", "最近出现", "承办单位", "权重", "首次检出", "本次检出",
        ],
        count: { try EscalationCandidates.count($0, detected: true) + EscalationCandidates.count($0, detected: false) },
        rows: { db, limit, body in
            var n = 0
            try EscalationCandidates.forEach(db) { c in
                guard n < (limit ?? Int.max) else { return }
                n += 1
                try body([
                    c.rank.map { .int($0) } ?? .empty, .id(c.id), .text(c.status.label), .text(c.level.label),
                    .text(c.levelReason), .text(c.category), .text(c.place), .text(c.summary),
                    .text(c.signals.map(\.label).joined(separator: "、")), .text(c.reason), .int(c.orders),
                    .int(c.callers), .int(c.unsatisfied), .int(c.support), .date(c.firstSeen), .date(c.lastSeen),
                    .text(c.departments),
                    .decimal(c.weight, places: 1), .text(c.firstDetected), .text(c.detected ? "是" : "否"),
                ])
            }
        })

    static let recurringEvidence = LongList(
        file: "recurring_evidence.csv", header: ["编号", "工单编号", "受理时间", "分类", "街道", "社区", "办理状态", "回访满意度", "信号"],
        count: { _ in 0 },
        rows: { db, limit, body in
            var n = 0
            try EscalationCandidates.forEachEvidence(
                db, columns: [.id, .receivedAt, .street, .community, .status, .satisfaction]
            ) { e in
                guard n < (limit ?? Int.max) else { return }
                n += 1
                let o = e.order
                try body([
                    .id(e.candidateID), .id(o.id), .date(o.receivedAt), .text(e.category ?? ""), text(o.street),
                    text(o.community), text(o.status), text(o.satisfaction),
                    .text(e.signals.map(\.label).joined(separator: "、")),
                ])
            }
        })

    static let all = [rejects, supervision, escalation, mislabels, quality, recurring, recurringEvidence]
}
