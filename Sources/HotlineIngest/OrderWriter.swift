import HotlineCore
import HotlineStore

/// The ingest stage's writes, with its statements prepared once.
final class OrderWriter {
    enum Change { case inserted, updated, unchanged }

    private let db: Database
    private let runID: Int
    private let insertOrder: Insert<OrderColumn>
    private let updateOrder: Statement
    private let insertReject: Insert<RejectRecord.Column>
    private let previous: Statement
    private let previousReader: RowReader<OrderColumn>
    private let insertHistory: Statement
    /// Each export's place in the order exports were first read, by its file.
    private var sequence: [String: Int] = [:]

    /// The columns an export sets; `seq` is the store's and `reopened` is decided here.
    private static let written: [OrderColumn] = [
        .id, .receivedAt, .month, .channel, .kind, .district, .street, .community, .address, .operatorCategory, .title,
        .content, .unit, .deadlineDays, .deadlineAt, .closedAt, .status, .satisfaction, .callerKey, .sourceFile,
        .sourceLine, .fingerprint, .runID, .contacted, .resolved, .satisfiedFlag, .support, .opposition,
    ]
    private static let stateColumns: [OrderColumn] = [
        .seq, .fingerprint, .status, .satisfaction, .closedAt, .reopened, .reopenedAfter, .sourceFile,
    ]

    init(db: Database, runID: Int) throws {
        self.db = db
        self.runID = runID
        let insertOrder = try db.insert(into: "orders", Self.written, conflict: "ON CONFLICT(id) DO NOTHING")
        self.insertOrder = insertOrder
        // The update binds the same parameters as the insert, plus the reopening it found.
        let assignments = Self.written.dropFirst().map { "\($0.name) = ?\(insertOrder.parameter($0))" }
        let n = Self.written.count
        updateOrder = try db.prepare(
            """
            UPDATE orders SET \(assignments.joined(separator: ", ")), reopened = ?\(n + 1), reopened_after = ?\(n + 2)
            WHERE id = ?\(insertOrder.parameter(.id))
            """)
        insertReject = try db.insert(into: "rejects", [.runID, .file, .line, .reasonCode, .reason, .raw])
        previous = try db.prepare(Orders.select(Self.stateColumns) + " WHERE o.id = ?")
        previousReader = try previous.reader(OrderColumn.self, only: Self.stateColumns)
        insertHistory = try db.prepare(
            """
            INSERT OR IGNORE INTO order_history(order_seq, status, satisfaction, closed_at, run_id)
            VALUES(?, ?, ?, ?, ?)
            """)
        for t in try db.fetch(Tally.self, "SELECT file AS key, coalesce(sequence, 0) AS n FROM sources") {
            sequence[t.key] = t.n
        }
    }

    /// The place of `file` among the exports read so far; a file never read before comes last.
    func place(of file: String) -> Int {
        if let n = sequence[file] { return n }
        let n = (sequence.values.max() ?? 0) + 1
        sequence[file] = n
        return n
    }

    /// Inserts a new order; replaces a stored one that `order` supersedes (`Rules.supersedes`: a
    /// version from another export, or within one export the further version); leaves an identical
    /// or a less far one.
    ///
    /// A replaced version is kept in `order_history`; when the new version reopens it
    /// (`Rules.isReopening`), the order is marked reopened.
    func upsert(_ order: Order) throws -> Change {
        let fingerprint = order.fingerprint
        try bind(order, fingerprint: fingerprint)
        try insertOrder.run()
        if db.changes == 1 { return .inserted }
        try previous.bind([order.id])
        guard try previous.step() else {
            previous.reset()
            return .unchanged
        }
        let stored = StoredOrder(previousReader, columns: Set(Self.stateColumns))
        let storedFingerprint = previousReader.string(.fingerprint)
        previous.reset()
        guard storedFingerprint != fingerprint else { return .unchanged }
        let next = OrderState(
            status: order.status, satisfaction: order.satisfaction, closedAt: order.closedAt?.description)
        let incoming = place(of: order.sourceFile)
        // An export no record remembers counts as the earliest.
        let earlier = sequence[stored.sourceFile ?? ""] ?? 0
        guard
            incoming > earlier
                || (incoming == earlier
                    && Rules.supersedes(
                        next, fingerprint: fingerprint, stored: stored.state, storedFingerprint: storedFingerprint))
        else { return .unchanged }
        try insertHistory.run([
            stored.seq, stored.status ?? "", stored.satisfaction ?? "", stored.closedAt ?? "", runID,
        ])
        let (reopened, after) = Reopening.next(
            reopened: stored.reopened, after: stored.reopenedAfter, earlier: stored.state, later: next)
        try updateOrder.bind(Self.written.count + 1, reopened ? 1 : 0)
        try updateOrder.bind(Self.written.count + 2, after)
        try updateOrder.execute()
        return db.changes == 1 ? .updated : .unchanged
    }

    /// Binds the order's values to the insert and, under the same parameter numbers, the update.
    private func bind(_ order: Order, fingerprint: String) throws {
        let values: [(OrderColumn, SQLValue)] = [
            (.id, .text(order.id)), (.receivedAt, .text(order.receivedAt.description)),
            (.month, .text(order.receivedAt.monthKey)), (.channel, order.channel.sqlValue),
            (.kind, order.kind.sqlValue),
            (.district, order.district.sqlValue), (.street, order.street.sqlValue),
            (.community, order.community.sqlValue), (.address, order.address.sqlValue),
            (.operatorCategory, order.operatorCategory.sqlValue), (.title, order.title.sqlValue),
            (.content, order.content.sqlValue), (.unit, order.unit.sqlValue),
            (.deadlineDays, order.deadlineDays.sqlValue),
            (.deadlineAt, order.deadlineAt?.description.sqlValue ?? .null),
            (.closedAt, order.closedAt?.description.sqlValue ?? .null), (.status, order.status.sqlValue),
            (.satisfaction, order.satisfaction.sqlValue), (.callerKey, order.callerKey.sqlValue),
            (.sourceFile, .text(order.sourceFile)), (.sourceLine, .int(Int64(order.sourceLine))),
            (.fingerprint, .text(fingerprint)), (.runID, .int(Int64(runID))), (.contacted, flag(order.contacted)),
            (.resolved, flag(order.resolved)), (.satisfiedFlag, flag(order.satisfiedFlag)),
            (.support, order.support.map { .int(Int64($0)) } ?? .null),
            (.opposition, order.opposition.map { .int(Int64($0)) } ?? .null),
        ]
        for (column, value) in values {
            let n = insertOrder.parameter(column)
            try insertOrder.statement.bind(n, value)
            try updateOrder.bind(n, value)
        }
    }

    private func flag(_ value: Bool?) -> SQLValue { value.map { .int($0 ? 1 : 0) } ?? .null }

    func insert(_ reject: Reject, file: String) throws {
        try insertReject.set(.runID, runID)
        try insertReject.set(.file, file)
        try insertReject.set(.line, reject.line)
        try insertReject.set(.reasonCode, reject.reason.rawValue)
        try insertReject.set(.reason, reject.message)
        try insertReject.set(.raw, reject.raw)
        try insertReject.run()
    }

    /// Drops a file's rejects from an earlier ingest: ingesting it again replaces them. Returns how many.
    func forget(file: String) throws -> Int {
        try db.execute("DELETE FROM rejects WHERE file = ?", [file])
        return db.changes
    }

    func record(_ summary: FileSummary, key: String, stamp: String?) throws {
        let insert = try db.insert(into: "sources", SourceRecord.Column.allCases, replace: true)
        try insert.set(.file, key)
        try insert.set(.runID, runID)
        try insert.set(.encoding, summary.encoding)
        try insert.set(.rowsRead, summary.read)
        try insert.set(.inserted, summary.inserted)
        try insert.set(.updated, summary.updated)
        try insert.set(.unchanged, summary.unchanged)
        try insert.set(.rejected, summary.rejected)
        try insert.set(.mapping, summary.mapping.lines.joined(separator: "\n"))
        try insert.set(.sequence, place(of: key))
        try insert.set(.stamp, stamp)
        try insert.run()
    }
}

/// Keeps an order's reopened mark as versions arrive.
enum Reopening {
    /// The mark after `later` replaces `earlier`: once reopened, an order stays so; the close it
    /// reopened is remembered, an unsatisfied one (`Rules.isUnsatisfied`) in preference.
    static func next(reopened: Bool, after: String?, earlier: OrderState, later: OrderState) -> (Bool, String?) {
        guard Rules.isReopening(from: earlier, to: later) else { return (reopened, after) }
        if reopened && Rules.isNotSatisfied(after) { return (true, after) }
        return (true, earlier.satisfaction)
    }
}
