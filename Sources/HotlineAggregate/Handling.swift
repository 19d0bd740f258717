import HotlineCore
import HotlineStore

/// How each unit (承办单位) and street handles its orders: the figures of the closed loop, per month
/// and for the whole period, and the lists an analyst acts on. Part of the aggregate stage.
///
/// Orders whose data lies (closed before received, closed without a close time, deadlines of zero
/// or absurd size) are counted in the data-quality table and kept out of what they would distort.
struct Handling {
    static let unsatisfied: Set<String> = ["不满意", "基本满意"]
    static let closed = "已办结"

    let db: Database
    let settings: HandlingSettings

    private struct Tally {
        var n = 0
        var closed = 0
        var onTime = 0
        var onTimeBase = 0
        var overdueOpen = 0
        var valid = 0
        var responded = 0
        var resolved = 0
        var satisfied = 0.0
    }

    private struct Key: Hashable {
        var street: Bool
        var name: Int32
        var month: Int32
    }

    /// Interns names and months, so the per-order tallies hash small integers, not strings.
    private struct Names {
        var ids: [String: Int32] = [:]
        var names: [String] = []

        mutating func id(_ name: String) -> Int32 {
            if let id = ids[name] { return id }
            ids[name] = Int32(names.count)
            names.append(name)
            return Int32(names.count - 1)
        }
    }

    /// Times to close counted in 6-minute buckets (0.1 h, the precision the page shows), so exact
    /// percentiles cost memory per distinct bucket in each group, never per order.
    struct Histogram {
        static let bucketSeconds = 360
        private(set) var counts: [Int32: Int32] = [:]
        private(set) var total = 0

        mutating func add(seconds: Int) {
            counts[Int32(min(seconds / Self.bucketSeconds, Int(Int32.max))), default: 0] += 1
            total += 1
        }

        /// The nearest-rank percentile in hours, rounded down to 0.1 h: the ⌈p·n⌉-th smallest.
        func percentile(_ p: Double) -> Double? {
            guard total > 0 else { return nil }
            let rank = max(1, Int((p * Double(total)).rounded(.up)))
            var seen = 0
            for bucket in counts.keys.sorted() {
                seen += Int(counts[bucket]!)
                if seen >= rank { return Double(bucket) * Double(Self.bucketSeconds) / 3_600 }
            }
            return nil
        }
    }

    /// Computes and writes the handling tables in one pass over the orders, handing each row to
    /// `observe` too (the aggregate stage's other counts), so the store is read once.
    ///
    /// Row columns: 0 id, 1 unit, 2 street, 3 community, 4 kind, 5 received_at, 6 closed_at, 7 deadline_days,
    /// 8 deadline_at, 9 status, 10 satisfaction, 11–13 contacted, resolved, satisfied, 14 category (NULL when not
    /// classified), 15 month, 16 parent category.
    func run(observe: (Statement) -> Void) throws {
        try db.execute(
            "DELETE FROM agg_handling; DELETE FROM agg_supervision; DELETE FROM agg_escalation; DELETE FROM agg_quality"
        )
        let now = try reportDate()
        var tallies: [Key: Tally] = [:]
        var histograms: [Key: Histogram] = [:]
        var names = Names()
        var months = Names()
        let period = months.id("")
        var quality: [String: (n: Int, examples: [String])] = [:]
        func flag(_ issue: String, _ id: String) {
            var q = quality[issue] ?? (0, [])
            q.n += 1
            if q.examples.count < 5 { q.examples.append(id) }
            quality[issue] = q
        }
        let insertSupervision = try db.prepare(
            "INSERT OR REPLACE INTO agg_supervision VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        let scan = try db.prepare(
            """
            SELECT o.id, coalesce(o.unit, ''), coalesce(o.street, ''), coalesce(o.community, ''), coalesce(o.kind, ''),
                o.received_at, o.closed_at, o.deadline_days, o.deadline_at, coalesce(o.status, ''), o.satisfaction,
                o.contacted, o.resolved, o.satisfied_flag, c.category, o.month, c.parent
            FROM orders o LEFT JOIN classified c ON c.order_seq = o.seq
            """)
        while try scan.step() {
            observe(scan)
            let id = scan.text(0) ?? ""
            let unit = place(scan.text(1))
            let street = place(scan.text(2))
            guard let received = scan.text(5).flatMap(LocalDateTime.stored) else { continue }
            let status = scan.text(9) ?? ""
            let isClosed = status == Self.closed
            var closedAt = scan.text(6).flatMap(LocalDateTime.stored)
            if isClosed && closedAt == nil { flag("已办结但无办结时间", id) }
            if let c = closedAt, c < received {
                flag("办结时间早于受理时间", id)
                closedAt = nil
            }
            let deadline = deadlineOf(
                id: id, received: received, kind: scan.text(4) ?? "", days: scan.isNull(7) ? nil : scan.int(7),
                at: scan.text(8).flatMap(LocalDateTime.stored), flag: flag)
            let satisfaction = scan.text(10)
            let flags = (11...13).map { scan.isNull($0) ? nil : scan.int($0) == 1 }
            let month = months.id(scan.text(15) ?? "")
            let unitID = names.id(unit)
            let streetID = names.id(street)
            let keys = [
                Key(street: false, name: unitID, month: period), Key(street: false, name: unitID, month: month),
                Key(street: true, name: streetID, month: period), Key(street: true, name: streetID, month: month),
            ]
            let valid = satisfaction.map { settings.validCallback.contains($0) } == true || flags.contains { $0 != nil }
            let overdue = !isClosed && now > deadline
            for key in keys {
                var t = tallies[key] ?? Tally()
                t.n += 1
                if isClosed { t.closed += 1 }
                if let c = closedAt {
                    t.onTimeBase += 1
                    if c <= deadline { t.onTime += 1 }
                }
                if overdue { t.overdueOpen += 1 }
                if valid {
                    t.valid += 1
                    if flags[0] ?? satisfaction.map({ settings.responded.contains($0) }) ?? false { t.responded += 1 }
                    if flags[1] ?? satisfaction.map({ settings.resolved.contains($0) }) ?? false { t.resolved += 1 }
                    t.satisfied += satisfaction.flatMap { settings.satisfied[$0] } ?? (flags[2] == true ? 1 : 0)
                }
                tallies[key] = t
                if let c = closedAt {
                    histograms[key, default: Histogram()].add(seconds: c.secondsSinceEpoch - received.secondsSinceEpoch)
                }
            }
            let community = place(scan.text(3))
            let category = scan.text(14) ?? AggregateStage.unclassified
            if overdue {
                try insertSupervision.run([
                    id, "超期未办结", unit, street, community, category, received.description, deadline.description,
                    days(now.secondsSinceEpoch - deadline.secondsSinceEpoch), satisfaction,
                ])
            } else if isClosed, let s = satisfaction, Self.unsatisfied.contains(s) {
                let late = closedAt.map { max(0, $0.secondsSinceEpoch - deadline.secondsSinceEpoch) } ?? 0
                try insertSupervision.run([
                    id, "回访\(s)", unit, street, community, category, received.description, deadline.description,
                    days(late), s,
                ])
            }
        }
        try write(tallies, histograms: histograms, names: names.names, months: months.names)
        try escalations()
        let insertQuality = try db.prepare("INSERT INTO agg_quality VALUES(?, ?, ?)")
        for (issue, q) in quality { try insertQuality.run([issue, q.n, q.examples.joined(separator: "、")]) }
    }

    private func place(_ name: String?) -> String {
        guard let name, !name.isEmpty else { return AggregateStage.unknownPlace }
        return name
    }

    private func days(_ seconds: Int) -> Double { (Double(seconds) / 8_640).rounded() / 10 }

    /// "Now" for open orders: the setting, else the latest time in the data.
    private func reportDate() throws -> LocalDateTime {
        if let date = settings.reportDate { return date }
        let latest = try db.scalarText("SELECT max(max(received_at), coalesce(max(closed_at), '')) FROM orders")
        return latest.flatMap(LocalDateTime.stored) ?? LocalDateTime.now()
    }

    /// The order's own 截止时间, else 办理时限 days, else the default for its kind; absurd ones are flagged.
    private func deadlineOf(
        id: String, received: LocalDateTime, kind: String, days: Int?, at: LocalDateTime?,
        flag: (String, String) -> Void
    ) -> LocalDateTime {
        if let at {
            let span = at.secondsSinceEpoch - received.secondsSinceEpoch
            if span >= 0 && span <= 730 * 86_400 { return at }
            flag(span < 0 ? "截止时间早于受理时间" : "截止时间超过两年", id)
        }
        var allowed = settings.deadlines[kind] ?? settings.defaultDeadline
        if let days {
            if days <= 0 {
                flag("办理时限为 0 或负数", id)
            } else if days > 365 {
                flag("办理时限超过 365 天", id)
            } else {
                allowed = days
            }
        }
        return add(days: allowed, to: received)
    }

    /// Calendar days: the same time `n` days later. Working days: the end of the n-th working day
    /// after the day received.
    func add(days n: Int, to t: LocalDateTime) -> LocalDateTime {
        guard settings.workingDays else { return LocalDateTime(dayNumber: t.dayNumber + n, seconds: t.secondsOfDay) }
        var day = t.dayNumber
        var left = n
        while left > 0 {
            day += 1
            if settings.holidays.isWorking(day) { left -= 1 }
        }
        return LocalDateTime(dayNumber: day, seconds: 86_399)
    }

    private func write(_ tallies: [Key: Tally], histograms: [Key: Histogram], names: [String], months: [String]) throws
    {
        let insert = try db.prepare(
            "INSERT INTO agg_handling VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)")
        let w = settings.weights
        let weightSum = w.response + w.resolution + w.satisfaction
        for (key, t) in tallies {
            let median = histograms[key]?.percentile(0.5)
            let p90 = histograms[key]?.percentile(0.9)
            let valid = Double(t.valid)
            let rates =
                t.valid > 0 ? (Double(t.responded) / valid, Double(t.resolved) / valid, t.satisfied / valid) : nil
            let composite = rates.map {
                100 * (w.response * $0.0 + w.resolution * $0.1 + w.satisfaction * $0.2) / max(weightSum, 1e-9)
            }
            try insert.run([
                key.street ? "street" : "unit", names[Int(key.name)], months[Int(key.month)], t.n, t.closed, t.onTime,
                t.onTimeBase, t.overdueOpen, median, p90,
                t.valid, t.responded, t.resolved, t.satisfied, rates?.0, rates?.1, rates?.2, composite,
            ])
        }
        // Rank within each scope and month; too few orders: listed, not ranked.
        let groups = try db.rows("SELECT DISTINCT scope, month FROM agg_handling")
        let update = try db.prepare("UPDATE agg_handling SET rank = ? WHERE scope = ? AND name = ? AND month = ?")
        for g in groups {
            let rows = try db.rows(
                """
                SELECT name FROM agg_handling WHERE scope = ? AND month = ? AND n >= ? AND composite IS NOT NULL
                ORDER BY composite DESC, (on_time * 1.0 / max(on_time_base, 1)) DESC, name
                """, [g[0], g[1], settings.minVolume])
            for (i, r) in rows.enumerated() { try update.run([i + 1, g[0], r[0], g[1]]) }
        }
    }

    /// Orders still unsatisfied after repeated handling: reopened after an unsatisfied close, or the
    /// same caller on the same matter again within `repeatDays` of an unsatisfied close.
    private func escalations() throws {
        let insert = try db.prepare("INSERT OR IGNORE INTO agg_escalation VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)")
        let reopened = try db.rows(
            """
            SELECT DISTINCT o.id, coalesce(o.unit, ''), coalesce(o.street, ''), coalesce(c.category, '\(Values.unclassified)'),
                o.received_at, o.satisfaction, o.status
            FROM orders o JOIN order_history h ON h.order_seq = o.seq LEFT JOIN classified c ON c.order_seq = o.seq
            WHERE h.status = '已办结' AND h.satisfaction IN ('不满意', '基本满意')
              AND (coalesce(o.status, '') <> '已办结' OR coalesce(o.closed_at, '') <> h.closed_at)
              AND (coalesce(o.status, '') <> '已办结' OR o.satisfaction IN ('不满意', '基本满意'))
            """)
        for r in reopened {
            try insert.run([
                r[0], "办结后回访不满意，重新办理仍未满意", "", place(r[1].text), place(r[2].text), r[3], r[4], r[5], r[6],
            ])
        }
        // Only a caller with an unsatisfied close can escalate: sort just their orders.
        let scan = try db.prepare(
            """
            SELECT o.id, o.caller_key, coalesce(c.category, '\(Values.unclassified)'), o.received_at, coalesce(o.status, ''),
                o.satisfaction, coalesce(o.unit, ''), coalesce(o.street, '')
            FROM orders o LEFT JOIN classified c ON c.order_seq = o.seq
            WHERE o.caller_key IN (
                SELECT caller_key FROM orders
                WHERE status = '已办结' AND satisfaction IN ('不满意', '基本满意') AND caller_key IS NOT NULL)
            ORDER BY o.caller_key, 3, o.received_at, o.id
            """)
        var group = ""
        var earlier: [(id: String, day: Int)] = []
        while try scan.step() {
            let id = scan.text(0) ?? ""
            let key = (scan.text(1) ?? "") + "|" + (scan.text(2) ?? "")
            if key != group { (group, earlier) = (key, []) }
            guard let received = scan.text(3).flatMap(LocalDateTime.stored) else { continue }
            let status = scan.text(4) ?? ""
            let satisfaction = scan.text(5)
            let unsatisfiedClose = status == Self.closed && satisfaction.map { Self.unsatisfied.contains($0) } == true
            earlier.removeAll { received.dayNumber - $0.day > settings.repeatDays }
            if !earlier.isEmpty && (unsatisfiedClose || status != Self.closed) {
                try insert.run([
                    id, "同一来电人同类诉求再次来电，仍未满意", earlier.map(\.id).joined(separator: "、"), place(scan.text(6)),
                    place(scan.text(7)), scan.text(2), received.description, satisfaction, status,
                ])
            }
            if unsatisfiedClose { earlier.append((id, received.dayNumber)) }
        }
    }
}

extension LocalDateTime {
    /// Seconds since midnight.
    public var secondsOfDay: Int { hour * 3_600 + minute * 60 + second }
}
