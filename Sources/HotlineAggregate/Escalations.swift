import HotlineClassify
import HotlineCore
import HotlineIngest
import HotlineStore

/// The escalation list: orders still unsatisfied after being handled again, either reopened after
/// an unsatisfied close, or the same caller again on the same matter within `recallDays` of an
/// unsatisfied close (a recall; detect's repeat-caller signal is another thing).
///
/// A night rewrites only what the changed orders can move: their own rows, and the recalls of the
/// callers they had or have (`temp.agg_touched_callers`, filled by the aggregate stage). Reopened
/// rows are written before recalls, so an order that is both is listed as reopened either way.
struct Escalations {
    let db: Database
    let recallDays: Int

    /// Rewrites the list: whole when `since` is nil, else what the orders changed after run
    /// `since` can move.
    func write(since: Int?) throws {
        var reopened = "o.seq IN (SELECT seq FROM agg_order_month WHERE reopened = 1)"
        var callers = "caller_key IS NOT NULL"
        var values: [any SQLBindable] = []
        if let since {
            let id = Orders.column(.id)
            try db.execute(
                "DELETE FROM agg_escalation WHERE order_id IN (SELECT \(id) FROM orders o WHERE o.seq IN (\(Classifications.changedAfter)))",
                [since])
            try db.execute(
                """
                DELETE FROM agg_escalation WHERE reason = ? AND order_id IN (
                    SELECT \(id) FROM orders o JOIN agg_order_month m ON m.seq = o.seq
                    WHERE m.caller_key IN (SELECT caller_key FROM temp.agg_touched_callers))
                """, [EscalationReason.recalled.rawValue])
            reopened =
                "o.seq IN (SELECT seq FROM agg_order_month WHERE reopened = 1 AND seq IN (\(Classifications.changedAfter)))"
            callers = "caller_key IN (SELECT caller_key FROM temp.agg_touched_callers)"
            values = [since]
        } else {
            try db.execute("DELETE FROM agg_escalation")
        }
        let insert = try db.insert(
            into: "agg_escalation", EscalationRecord.Column.allCases, conflict: "ON CONFLICT DO NOTHING")
        func add(
            _ o: ClassifiedOrder, _ reason: EscalationReason, earlier: [String], received: String, status: String?
        ) throws {
            try insert.set(.orderID, o.order.id)
            try insert.set(.reason, reason.rawValue)
            try insert.set(.earlier, earlier.joined(separator: "、"))
            try insert.set(.unit, Handling.place(o.order.unit))
            try insert.set(.street, Handling.place(o.order.street))
            try insert.set(.category, o.categoryOrUnclassified)
            try insert.set(.receivedAt, received)
            try insert.set(.satisfaction, o.order.satisfaction)
            try insert.set(.status, status)
            try insert.run()
        }
        let columns: [OrderColumn] = [
            .id, .unit, .street, .receivedAt, .status, .satisfaction, .closedAt, .reopened, .reopenedAfter, .callerKey,
        ]
        // Reopened after an unsatisfied close, and not closed satisfied since.
        try Classifications.forEachOrder(db, columns: columns, where: reopened, values) { o in
            let order = o.order
            guard Rules.isNotSatisfied(order.reopenedAfter) else { return }
            guard !Rules.isClosed(order.status) || Rules.isNotSatisfied(order.satisfaction) else { return }
            try add(o, .reopened, earlier: [], received: order.receivedAt, status: order.status)
        }
        // Only a caller with an unsatisfied close and another order can recall: read just their
        // orders, by caller and matter.
        var group = ""
        var earlier: [(id: String, day: Int)] = []
        try Classifications.forEachOrder(
            db, columns: columns,
            where: """
                o.seq IN (SELECT seq FROM agg_order_month WHERE caller_key IN (
                    SELECT caller_key FROM agg_order_month WHERE \(callers) GROUP BY caller_key
                    HAVING count(*) > 1 AND max(unsatisfied_close) = 1))
                """,
            orderBy: "o.caller_key, c.category, o.received_at, o.id"
        ) { o in
            let order = o.order
            let key = (order.callerKey ?? "") + "|" + o.categoryOrUnclassified
            if key != group { (group, earlier) = (key, []) }
            guard let received = LocalDateTime.stored(order.receivedAt) else { return }
            let unsatisfiedClose = Rules.isNotSatisfiedClose(status: order.status, satisfaction: order.satisfaction)
            earlier.removeAll { received.dayNumber - $0.day > recallDays }
            if !earlier.isEmpty && (unsatisfiedClose || !Rules.isClosed(order.status)) {
                try add(
                    o, .recalled, earlier: earlier.map(\.id), received: received.description, status: order.status ?? ""
                )
            }
            if unsatisfiedClose { earlier.append((order.id, received.dayNumber)) }
        }
    }
}
