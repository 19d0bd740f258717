import HotlineClassify
import HotlineCore
import HotlineIngest
import HotlineStore

/// How each unit (承办单位) and street handles its orders: the figures of the closed loop, per month
/// and for the whole period, and the lists an analyst acts on. Part of the aggregate stage.
///
/// Orders whose data lies (closed before received, closed without a close time, deadlines of zero
/// or absurd size) are counted in the data-quality table and kept out of what they would distort.
struct Handling {
    let db: Database
    let settings: HandlingSettings

    /// The order columns the handling scan reads.
    static let columns: [OrderColumn] = [
        .id, .unit, .street, .community, .kind, .receivedAt, .closedAt, .deadlineDays, .deadlineAt, .status,
        .satisfaction, .contacted, .resolved, .satisfiedFlag, .month,
    ]

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
        var scope: Scope
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

    /// Computes and writes the handling tables in one pass over the orders, handing each order to
    /// `observe` too (the aggregate stage's other counts), so the store is read once.
    func run(observe: (ClassifiedOrder) -> Void) throws {
        try db.execute(
            "DELETE FROM agg_handling; DELETE FROM agg_supervision; DELETE FROM agg_escalation; DELETE FROM agg_quality"
        )
        let now = try reportDate()
        var tallies: [Key: Tally] = [:]
        var histograms: [Key: Histogram] = [:]
        var names = Names()
        var months = Names()
        let period = months.id("")
        var quality: [QualityIssue: (n: Int, examples: [String])] = [:]
        func flag(_ issue: QualityIssue, _ id: String) {
            var q = quality[issue] ?? (0, [])
            q.n += 1
            if q.examples.count < 5 { q.examples.append(id) }
            quality[issue] = q
        }
        let supervision = try SupervisionWriter(db: db)
        let total = try Orders.count(db)
        let progress = Progress()
        var done = 0
        try Classifications.forEachOrder(db, columns: Self.columns) { row in
            observe(row)
            done += 1
            Log.progress(every: progress, "aggregate: " + Log.count(done, of: total, "orders"))
            let o = row.order
            let unit = Self.place(o.unit)
            let street = Self.place(o.street)
            guard let received = LocalDateTime.stored(o.receivedAt) else { return }
            let isClosed = Rules.isClosed(o.status)
            // A status no spelling or map knows says nothing about being open: flagged, never overdue.
            let knownStatus = o.status.map { OrderStatus(rawValue: $0) != nil } ?? true
            if !knownStatus { flag(.unknownStatus, o.id) }
            var closedAt = o.closedAt.flatMap(LocalDateTime.stored)
            if isClosed && closedAt == nil { flag(.closedWithoutTime, o.id) }
            if let c = closedAt, c < received {
                flag(.closedBeforeReceived, o.id)
                closedAt = nil
            }
            let deadline = deadlineOf(
                id: o.id, received: received, kind: o.kind ?? "", days: o.deadlineDays,
                at: o.deadlineAt.flatMap(LocalDateTime.stored), flag: flag)
            let satisfaction = o.satisfaction
            let flags = [o.contacted, o.resolved, o.satisfiedFlag]
            let month = months.id(o.month)
            let unitID = names.id(unit)
            let streetID = names.id(street)
            let keys = [
                Key(scope: .unit, name: unitID, month: period), Key(scope: .unit, name: unitID, month: month),
                Key(scope: .street, name: streetID, month: period), Key(scope: .street, name: streetID, month: month),
            ]
            let valid = satisfaction.map { settings.validCallback.contains($0) } == true || flags.contains { $0 != nil }
            let overdue = knownStatus && !isClosed && now > deadline
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
            let entry = SupervisionWriter.Entry(
                orderID: o.id, unit: unit, street: street, community: Self.place(o.community),
                category: row.categoryOrUnclassified, received: received, deadline: deadline)
            if overdue {
                try supervision.add(
                    entry, reason: .overdue, days: Self.days(now.secondsSinceEpoch - deadline.secondsSinceEpoch),
                    satisfaction: satisfaction)
            } else if isClosed, let s = satisfaction, Rules.isNotSatisfied(s) {
                let late = closedAt.map { max(0, $0.secondsSinceEpoch - deadline.secondsSinceEpoch) } ?? 0
                try supervision.add(
                    entry, reason: SupervisionReason.callback(s), days: Self.days(late), satisfaction: s)
            }
        }
        Log.endProgress()
        try write(tallies, histograms: histograms, names: names.names, months: months.names)
        try Escalations(db: db, recallDays: settings.recallDays).write()
        let insertQuality = try db.insert(into: "agg_quality", QualityRecord.Column.allCases)
        for (issue, q) in quality {
            try insertQuality.set(.issue, issue.rawValue)
            try insertQuality.set(.n, q.n)
            try insertQuality.set(.examples, q.examples.joined(separator: "、"))
            try insertQuality.run()
        }
    }

    /// A unit, street or community as the tables name it: `（未注明）` when the export left it out.
    static func place(_ name: String?) -> String {
        guard let name, !name.isEmpty else { return AggregateStage.unknownPlace }
        return name
    }

    /// Seconds as days, to one decimal.
    static func days(_ seconds: Int) -> Double { (Double(seconds) / 8_640).rounded() / 10 }

    /// "Now" for open orders: the setting, else the latest time in the data.
    private func reportDate() throws -> LocalDateTime {
        if let date = settings.reportDate { return date }
        let span = try Orders.span(db)
        let latest = max(span.last ?? "", span.lastClosed ?? "")
        return LocalDateTime.stored(latest) ?? LocalDateTime.now()
    }

    /// The order's own 截止时间, else 办理时限 days, else the default for its kind; absurd ones are flagged.
    private func deadlineOf(
        id: String, received: LocalDateTime, kind: String, days: Int?, at: LocalDateTime?,
        flag: (QualityIssue, String) -> Void
    ) -> LocalDateTime {
        if let at {
            let span = at.secondsSinceEpoch - received.secondsSinceEpoch
            if span >= 0 && span <= 730 * 86_400 { return at }
            flag(span < 0 ? .deadlineBeforeReceived : .deadlineOverTwoYears, id)
        }
        var allowed = settings.deadlines[kind] ?? settings.defaultDeadline
        if let days {
            if days <= 0 {
                flag(.daysNotPositive, id)
            } else if days > 365 {
                flag(.daysOverAYear, id)
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
        let insert = try db.insert(
            into: "agg_handling", HandlingFigures.Column.allCases.filter { $0 != .rank })
        let w = settings.weights
        let weightSum = w.response + w.resolution + w.satisfaction
        for (key, t) in tallies {
            let valid = Double(t.valid)
            let rates =
                t.valid > 0 ? (Double(t.responded) / valid, Double(t.resolved) / valid, t.satisfied / valid) : nil
            let composite = rates.map {
                100 * (w.response * $0.0 + w.resolution * $0.1 + w.satisfaction * $0.2) / max(weightSum, 1e-9)
            }
            try insert.set(.scope, key.scope.rawValue)
            try insert.set(.name, names[Int(key.name)])
            try insert.set(.month, months[Int(key.month)])
            try insert.set(.n, t.n)
            try insert.set(.closed, t.closed)
            try insert.set(.onTime, t.onTime)
            try insert.set(.onTimeBase, t.onTimeBase)
            try insert.set(.overdueOpen, t.overdueOpen)
            try insert.set(.medianHours, histograms[key]?.percentile(0.5))
            try insert.set(.p90Hours, histograms[key]?.percentile(0.9))
            try insert.set(.validCallbacks, t.valid)
            try insert.set(.responded, t.responded)
            try insert.set(.resolved, t.resolved)
            try insert.set(.satisfied, t.satisfied)
            try insert.set(.responseRate, rates?.0)
            try insert.set(.resolutionRate, rates?.1)
            try insert.set(.satisfactionRate, rates?.2)
            try insert.set(.composite, composite)
            try insert.run()
        }
        try rank()
    }

    /// Ranks within each scope and month; too few orders: listed, not ranked.
    private func rank() throws {
        let groups = try db.fetch(
            KeyValue.self, "SELECT DISTINCT scope AS key, month AS value FROM agg_handling ORDER BY scope, month")
        let update = try db.prepare("UPDATE agg_handling SET rank = ? WHERE scope = ? AND name = ? AND month = ?")
        for g in groups {
            let ranked = try db.texts(
                """
                SELECT name FROM agg_handling WHERE scope = ? AND month = ? AND n >= ? AND composite IS NOT NULL
                ORDER BY composite DESC, (on_time * 1.0 / max(on_time_base, 1)) DESC, name
                """, [g.key, g.value, settings.minVolume])
            for (i, name) in ranked.enumerated() { try update.run([i + 1, g.key, name, g.value]) }
        }
    }
}

/// Writes the supervision list (督办): overdue open orders and closed orders with an unsatisfied callback.
struct SupervisionWriter {
    struct Entry {
        var orderID: String
        var unit: String
        var street: String
        var community: String
        var category: String
        var received: LocalDateTime
        var deadline: LocalDateTime
    }

    private let insert: Insert<SupervisionRecord.Column>

    init(db: Database) throws {
        insert = try db.insert(into: "agg_supervision", SupervisionRecord.Column.allCases, replace: true)
    }

    func add(_ e: Entry, reason: SupervisionReason, days: Double, satisfaction: String?) throws {
        try insert.set(.orderID, e.orderID)
        try insert.set(.reason, reason.rawValue)
        try insert.set(.unit, e.unit)
        try insert.set(.street, e.street)
        try insert.set(.community, e.community)
        try insert.set(.category, e.category)
        try insert.set(.receivedAt, e.received.description)
        try insert.set(.deadline, e.deadline.description)
        try insert.set(.daysOverdue, days)
        try insert.set(.satisfaction, satisfaction)
        try insert.run()
    }
}

extension LocalDateTime {
    /// Seconds since midnight.
    public var secondsOfDay: Int { hour * 3_600 + minute * 60 + second }
}
