import HotlineClassify
import HotlineCore
import HotlineIngest
import HotlineStore

/// How each unit (承办单位) and street handles its orders: the figures of the closed loop, per month
/// and for the whole period, and the lists an analyst acts on. Part of the aggregate stage.
///
/// Orders whose data lies (closed before received, closed without a close time, deadlines of zero
/// or absurd size) are counted in the data-quality table and kept out of what they would distort.
///
/// Each month's share is kept (`agg_handling_month`, `agg_open`, `agg_quality_month`,
/// `agg_month_span`), so a run reads only the orders of the months it is given; the whole-period
/// figures, what is overdue by the report date and the data-quality examples are then made from
/// every month's share.
struct Handling {
    let db: Database
    let settings: HandlingSettings

    /// The order columns the handling scan reads.
    static let columns: [OrderColumn] = [
        .seq, .id, .unit, .street, .community, .kind, .receivedAt, .closedAt, .deadlineDays, .deadlineAt, .status,
        .satisfaction, .contacted, .resolved, .satisfiedFlag, .month,
    ]

    /// One unit's or street's counts in one month or the period; additive over months.
    struct Tally {
        var n = 0
        var closed = 0
        var onTime = 0
        var onTimeBase = 0
        var overdueOpen = 0
        var valid = 0
        var responded = 0
        var resolved = 0
        var satisfied = 0.0

        mutating func add(_ t: Tally) {
            n += t.n
            closed += t.closed
            onTime += t.onTime
            onTimeBase += t.onTimeBase
            overdueOpen += t.overdueOpen
            valid += t.valid
            responded += t.responded
            resolved += t.resolved
            satisfied += t.satisfied
        }
    }

    struct Key: Hashable {
        var scope: Scope
        var name: String
        /// `YYYY-MM`, or "" for the whole period.
        var month: String
    }

    /// A scan key: names and months interned, so the per-order tallies hash small integers.
    private struct ScanKey: Hashable {
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

        mutating func add(_ other: Histogram) {
            for (bucket, n) in other.counts { counts[bucket, default: 0] += n }
            total += other.total
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

        /// `bucket:count,…` in bucket order, as `agg_handling_month` keeps it.
        var stored: String {
            counts.keys.sorted().map { "\($0):\(counts[$0]!)" }.joined(separator: ",")
        }

        /// The histogram `stored` wrote; unreadable pairs are skipped.
        init(stored: String) {
            var number: Int64 = 0
            var bucket: Int32 = 0
            for byte in stored.utf8 {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): number = number * 10 + Int64(byte - UInt8(ascii: "0"))
                case UInt8(ascii: ":"): (bucket, number) = (Int32(clamping: number), 0)
                default:
                    add(bucket: bucket, count: Int32(clamping: number))
                    number = 0
                }
            }
            if !stored.isEmpty { add(bucket: bucket, count: Int32(clamping: number)) }
        }

        init() {}

        private mutating func add(bucket: Int32, count: Int32) {
            counts[bucket, default: 0] += count
            total += Int(count)
        }
    }

    /// One month's data-quality findings: how many, and the first few orders by seq.
    private struct Flagged {
        var n = 0
        var examples: [(seq: Int, id: String)] = []

        mutating func add(seq: Int, id: String) {
            n += 1
            if examples.count < Handling.qualityExamples { examples.append((seq, id)) }
        }
    }

    static let qualityExamples = 5

    /// Recounts the months in `months` (every month when nil) from their orders, handing each order
    /// to `observe` too (the aggregate stage's other counts), then writes the handling tables from
    /// every month's share. The months' old shares must be gone (`forget`).
    /// `since` is the run the changes are counted from, when `months` is given.
    func run(months: [String]?, since: Int?, observe: (ClassifiedOrder) -> Void) throws {
        // A list made whole is written aside and moved in once, in its order (`SupervisionWriter`).
        let list = months == nil ? try SupervisionWriter.beginRebuild(db) : SupervisionWriter.table
        try Log.timed("aggregate.scan") { try scan(months: months, list: list, observe: observe) }
        let now = try reportDate()
        var tallies: [Key: Tally] = [:]
        var histograms: [Key: Histogram] = [:]
        try db.forEach(
            MonthShare.self, "SELECT \(MonthShare.Column.list()) FROM agg_handling_month ORDER BY scope, name, month"
        ) { share in
            tallies[share.key] = share.tally
            if !share.histogram.isEmpty { histograms[share.key] = Histogram(stored: share.histogram) }
        }
        try Log.timed("aggregate.overdue") {
            try listOverdue(now: now, months: months, list: list, tallies: &tallies)
            if months == nil { try SupervisionWriter.endRebuild(db) }
        }
        // Summed in month order, so the period's sums are the same whichever months were recounted.
        for key in tallies.keys.sorted(by: {
            ($0.scope.rawValue, $0.name, $0.month) < ($1.scope.rawValue, $1.name, $1.month)
        }) {
            let t = tallies[key]!
            let period = Key(scope: key.scope, name: key.name, month: "")
            tallies[period, default: Tally()].add(t)
            if let h = histograms[key] { histograms[period, default: Histogram()].add(h) }
        }
        try Log.timed("aggregate.handling") { try write(tallies, histograms: histograms) }
        try Log.timed("aggregate.escalations") {
            try Escalations(db: db, recallDays: settings.recallDays).write(since: months == nil ? nil : since)
        }
        try Log.timed("aggregate.quality") { try writeQuality() }
    }

    /// Counts the open orders overdue by `now` into `tallies`, and brings the supervision list's
    /// overdue orders up to date.
    ///
    /// What is overdue depends on the report date, which moves with the data. The list keeps each
    /// overdue order's deadline, and its days overdue are reckoned from the report date when it is
    /// read (`Aggregates.forEachSupervision`), so a night lists the orders that have become overdue
    /// since the last run (by the clock, or among the recounted `months`) and drops those that no
    /// longer are, rather than writing every overdue order again: a million of them on ten years of
    /// synthetic orders, 7 s a night.
    private func listOverdue(now: LocalDateTime, months: [String]?, list: String, tallies: inout [Key: Tally]) throws {
        let due = now.secondsSinceEpoch
        // Counted by SQLite from `agg_open_by_place`: a row per unit, street and month, not per order.
        try db.forEach(
            OverdueShare.self,
            """
            SELECT unit, street, month, count(*) AS n FROM agg_open WHERE deadline < ?
            GROUP BY unit, street, month
            """, [due]
        ) { o in
            tallies[Key(scope: .unit, name: o.unit, month: o.month), default: Tally()].overdueOpen += o.n
            tallies[Key(scope: .street, name: o.street, month: o.month), default: Tally()].overdueOpen += o.n
        }
        // A full run has emptied the list (`forget`).
        let previous = months == nil ? nil : try Aggregates.reportDate(db)
        if months != nil && (previous ?? Int.max) > due {
            // Listed without a deadline (by a version that kept no report date), or no longer
            // overdue: the report date went back.
            try db.execute("DELETE FROM agg_supervision WHERE section = 0 AND (due IS NULL OR position >= ?)", [due])
        }
        var condition = "deadline < ?"
        var values: [any SQLBindable] = [due]
        if let months, let previous {
            // Every other open order overdue by the last run's report date is listed already.
            condition += " AND (deadline >= ? OR month IN (\(Self.placeholders(months.count))))"
            values += [previous] + months
        }
        let supervision = try SupervisionWriter(db: db, table: list)
        try db.forEach(
            OpenOrder.self, "SELECT \(OpenOrder.Column.list()) FROM agg_open WHERE \(condition) ORDER BY seq", values
        ) { o in
            guard let received = LocalDateTime.stored(o.receivedAt) else { return }
            try supervision.add(
                SupervisionWriter.Entry(
                    orderID: o.orderID, unit: o.unit, street: o.street, community: o.community, category: o.category,
                    received: received, deadline: LocalDateTime(secondsSinceEpoch: o.deadline)),
                reason: .overdue, due: o.deadline, satisfaction: o.satisfaction)
        }
        try Aggregates.setReportDate(db, due)
    }

    /// Removes the shares of `months` (of every month when nil) before they are counted again.
    static func forget(months: [String]?, in db: Database) throws {
        guard let months else {
            try db.execute(
                """
                DELETE FROM agg_handling_month; DELETE FROM agg_open; DELETE FROM agg_quality_month;
                DELETE FROM agg_month_span; DELETE FROM agg_supervision;
                """)
            return
        }
        let list = placeholders(months.count)
        for table in ["agg_handling_month", "agg_open", "agg_quality_month", "agg_month_span"] {
            try db.execute("DELETE FROM \(table) WHERE month IN (\(list))", months)
        }
        try db.execute(
            """
            DELETE FROM agg_supervision WHERE order_id IN (
                SELECT \(Orders.column(.id)) FROM \(TableName.orders) o JOIN agg_order_month m ON m.seq = o.seq
                WHERE m.month IN (\(list)))
            """, months)
    }

    /// `?, ?, ?` for an `IN` list.
    static func placeholders(_ n: Int) -> String { Array(repeating: "?", count: n).joined(separator: ", ") }

    /// Reads the orders of `months` (all when nil) and writes their months' shares, and the closed
    /// orders of the supervision list to `list`.
    private func scan(months: [String]?, list: String, observe: (ClassifiedOrder) -> Void) throws {
        var tallies: [ScanKey: Tally] = [:]
        var histograms: [ScanKey: Histogram] = [:]
        var names = Names()
        var monthNames = Names()
        var quality: [QualityIssue: [String: Flagged]] = [:]
        var spans: [String: (first: String, last: String, lastClosed: String?)] = [:]
        let supervision = try SupervisionWriter(db: db, table: list)
        let open = try db.insert(into: "agg_open", OpenOrder.Column.allCases)
        var condition = ""
        // What the progress line counts to: the months' orders on a night, read from the month
        // index, not every order of the store.
        let total: Int
        if let months {
            let inMonths = "SELECT seq FROM agg_order_month WHERE month IN (\(Self.placeholders(months.count)))"
            condition = "o.seq IN (\(inMonths))"
            total = try db.scalar("SELECT count(*) FROM (\(inMonths))", months)
        } else {
            total = try Orders.count(db)
        }
        let progress = Progress()
        var done = 0
        try Classifications.forEachOrder(db, columns: Self.columns, where: condition, months ?? []) { row in
            observe(row)
            done += 1
            Log.progress(every: progress, "aggregate: " + Log.count(done, of: total, "orders"))
            let o = row.order
            var span = spans[o.month] ?? (o.receivedAt, o.receivedAt, nil)
            span.first = min(span.first, o.receivedAt)
            span.last = max(span.last, o.receivedAt)
            if let c = o.closedAt { span.lastClosed = max(span.lastClosed ?? c, c) }
            spans[o.month] = span
            func flag(_ issue: QualityIssue, _ id: String) {
                quality[issue, default: [:]][o.month, default: Flagged()].add(seq: o.seq, id: id)
            }
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
            let month = monthNames.id(o.month)
            let keys = [
                ScanKey(scope: .unit, name: names.id(unit), month: month),
                ScanKey(scope: .street, name: names.id(street), month: month),
            ]
            let valid = satisfaction.map { settings.validCallback.contains($0) } == true || flags.contains { $0 != nil }
            for key in keys {
                var t = tallies[key] ?? Tally()
                t.n += 1
                if isClosed { t.closed += 1 }
                if let c = closedAt {
                    t.onTimeBase += 1
                    if c <= deadline { t.onTime += 1 }
                }
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
            if knownStatus && !isClosed {
                // Overdue or not is decided against the report date, once every month is counted.
                try open.set(.seq, o.seq)
                try open.set(.month, o.month)
                try open.set(.orderID, o.id)
                try open.set(.unit, unit)
                try open.set(.street, street)
                try open.set(.community, Self.place(o.community))
                try open.set(.category, row.categoryOrUnclassified)
                try open.set(.receivedAt, received.description)
                try open.set(.deadline, deadline.secondsSinceEpoch)
                try open.set(.satisfaction, satisfaction)
                try open.run()
            } else if isClosed, let s = satisfaction, Rules.isNotSatisfied(s) {
                let late = closedAt.map { max(0, $0.secondsSinceEpoch - deadline.secondsSinceEpoch) } ?? 0
                try supervision.add(
                    SupervisionWriter.Entry(
                        orderID: o.id, unit: unit, street: street, community: Self.place(o.community),
                        category: row.categoryOrUnclassified, received: received, deadline: deadline),
                    reason: SupervisionReason.callback(s), days: Self.days(late), satisfaction: s)
            }
        }
        Log.endProgress()
        let insertShare = try db.insert(into: "agg_handling_month", MonthShare.Column.allCases)
        for (key, t) in tallies {
            try insertShare.set(.scope, key.scope.rawValue)
            try insertShare.set(.name, names.names[Int(key.name)])
            try insertShare.set(.month, monthNames.names[Int(key.month)])
            try insertShare.set(.n, t.n)
            try insertShare.set(.closed, t.closed)
            try insertShare.set(.onTime, t.onTime)
            try insertShare.set(.onTimeBase, t.onTimeBase)
            try insertShare.set(.validCallbacks, t.valid)
            try insertShare.set(.responded, t.responded)
            try insertShare.set(.resolved, t.resolved)
            try insertShare.set(.satisfied, t.satisfied)
            try insertShare.set(.histogram, histograms[key]?.stored ?? "")
            try insertShare.run()
        }
        let insertQuality = try db.prepare(
            "INSERT INTO agg_quality_month(issue, month, n, examples) VALUES(?, ?, ?, ?)")
        for (issue, byMonth) in quality {
            for (month, f) in byMonth {
                let examples = f.examples.map { "\($0.seq)\t\($0.id)" }.joined(separator: "\n")
                try insertQuality.run([issue.rawValue, month, f.n, examples])
            }
        }
        let insertSpan = try db.prepare(
            "INSERT INTO agg_month_span(month, first, last, last_closed) VALUES(?, ?, ?, ?)")
        for (month, span) in spans { try insertSpan.run([month, span.first, span.last, span.lastClosed]) }
    }

    /// The data-quality table from every month's findings: counts summed, the first examples by seq.
    private func writeQuality() throws {
        try db.execute("DELETE FROM agg_quality")
        var merged: [String: Flagged] = [:]
        try db.forEach(
            QualityShare.self, "SELECT issue, n, examples FROM agg_quality_month ORDER BY issue, month"
        ) { share in
            var f = merged[share.issue] ?? Flagged()
            f.n += share.n
            for line in share.examples.split(separator: "\n") {
                let parts = line.split(separator: "\t", maxSplits: 1)
                guard parts.count == 2, let seq = Int(parts[0]) else { continue }
                f.examples.append((seq, String(parts[1])))
            }
            f.examples = Array(f.examples.sorted { $0.seq < $1.seq }.prefix(Self.qualityExamples))
            merged[share.issue] = f
        }
        let insertQuality = try db.insert(into: "agg_quality", QualityRecord.Column.allCases)
        for (issue, f) in merged {
            try insertQuality.set(.issue, issue)
            try insertQuality.set(.n, f.n)
            try insertQuality.set(.examples, f.examples.map(\.id).joined(separator: "、"))
            try insertQuality.run()
        }
    }

    /// A unit, street or community as the tables name it: `（未注明）` when the export left it out.
    static func place(_ name: String?) -> String {
        guard let name, !name.isEmpty else { return AggregateStage.unknownPlace }
        return name
    }

    /// The earliest and latest received time and the latest close over every month, as stored
    /// (what `Orders.span` reads from the orders, from the months' shares).
    static func span(_ db: Database) throws -> (first: String?, last: String?, lastClosed: String?) {
        (
            try db.scalarText("SELECT min(first) FROM agg_month_span"),
            try db.scalarText("SELECT max(last) FROM agg_month_span"),
            try db.scalarText("SELECT max(last_closed) FROM agg_month_span")
        )
    }

    /// Seconds as days, to one decimal.
    static func days(_ seconds: Int) -> Double { (Double(seconds) / 8_640).rounded() / 10 }

    /// "Now" for open orders: the setting, else the latest time in the data.
    private func reportDate() throws -> LocalDateTime {
        if let date = settings.reportDate { return date }
        let span = try Self.span(db)
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

    private func write(_ tallies: [Key: Tally], histograms: [Key: Histogram]) throws {
        try db.execute("DELETE FROM agg_handling")
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
            try insert.set(.name, key.name)
            try insert.set(.month, key.month)
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

/// One unit's or street's share of one month in `agg_handling_month` (nothing overdue: that is
/// counted against each run's report date).
struct MonthShare: FetchableRecord {
    enum Column: Int, ColumnSet {
        case scope, name, month, n, closed, onTime, onTimeBase, validCallbacks, responded, resolved, satisfied,
            histogram
    }
    var key: Handling.Key
    var tally: Handling.Tally
    var histogram: String

    init(_ row: RowReader<Column>) {
        key = Handling.Key(
            scope: Scope(stored: row.text(.scope)) ?? .unit, name: row.string(.name), month: row.string(.month))
        tally = Handling.Tally(
            n: row.int(.n), closed: row.int(.closed), onTime: row.int(.onTime), onTimeBase: row.int(.onTimeBase),
            overdueOpen: 0, valid: row.int(.validCallbacks), responded: row.int(.responded),
            resolved: row.int(.resolved), satisfied: row.double(.satisfied))
        histogram = row.string(.histogram)
    }
}

/// An open order in `agg_open`: what the supervision list shows once it is overdue.
struct OpenOrder: FetchableRecord {
    enum Column: Int, ColumnSet {
        case seq, month, orderID, unit, street, community, category, receivedAt, deadline, satisfaction
    }
    var month: String
    var orderID: String
    var unit: String
    var street: String
    var community: String
    var category: String
    var receivedAt: String
    /// Seconds since the epoch, local time.
    var deadline: Int
    var satisfaction: String?

    init(_ row: RowReader<Column>) {
        month = row.string(.month)
        orderID = row.string(.orderID)
        unit = row.string(.unit)
        street = row.string(.street)
        community = row.string(.community)
        category = row.string(.category)
        receivedAt = row.string(.receivedAt)
        deadline = row.int(.deadline)
        satisfaction = row.text(.satisfaction)
    }
}

/// How many open orders of one unit, street and month are overdue, for the handling figures.
private struct OverdueShare: FetchableRecord {
    enum Column: Int, ColumnSet { case unit, street, month, n }
    var unit: String
    var street: String
    var month: String
    var n: Int

    init(_ row: RowReader<Column>) {
        unit = row.string(.unit)
        street = row.string(.street)
        month = row.string(.month)
        n = row.int(.n)
    }
}

/// One issue's findings in one month of `agg_quality_month`; examples are `seq<TAB>id` lines.
struct QualityShare: FetchableRecord {
    enum Column: Int, ColumnSet { case issue, n, examples }
    var issue: String
    var n: Int
    var examples: String

    init(_ row: RowReader<Column>) {
        issue = row.string(.issue)
        n = row.int(.n)
        examples = row.string(.examples)
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

    /// Writes to `table`: the list itself, or while it is made whole, the table `beginRebuild` made.
    init(db: Database, table: String = Self.table) throws {
        insert = try db.insert(into: table, SupervisionRecord.Column.allCases, replace: true)
    }

    static let table = "agg_supervision"

    /// The list is kept in its order (section, position), and by order id: a list made whole
    /// (millions of rows on ten years of orders) is written to a plain temporary table first, then
    /// moved in with one sort, and the index made with another, not one B-tree insert per row at a
    /// random place in each. Returns the temporary table; the list must be empty.
    static func beginRebuild(_ db: Database) throws -> String {
        try db.execute(
            """
            DROP INDEX IF EXISTS agg_supervision_by_order;
            DROP TABLE IF EXISTS temp.agg_supervision_staged;
            CREATE TEMP TABLE agg_supervision_staged AS SELECT * FROM agg_supervision WHERE 0;
            """)
        return "temp.agg_supervision_staged"
    }

    /// Moves the rows `beginRebuild`'s table holds into the list, and indexes it again.
    static func endRebuild(_ db: Database) throws {
        try db.execute(
            """
            INSERT INTO agg_supervision SELECT * FROM temp.agg_supervision_staged ORDER BY section, position, order_id;
            DROP TABLE temp.agg_supervision_staged;
            \(orderIndex);
            """)
    }

    /// The list's index by order id, as migration `aggregate.6-supervision-order` made it.
    static let orderIndex = "CREATE UNIQUE INDEX agg_supervision_by_order ON agg_supervision(order_id)"

    /// Lists `e`, late by `days` when it was closed, or overdue since `due` (seconds since the epoch,
    /// local time) while it is open.
    func add(_ e: Entry, reason: SupervisionReason, days: Double? = nil, due: Int? = nil, satisfaction: String?) throws
    {
        try insert.set(.orderID, e.orderID)
        try insert.set(.reason, reason.rawValue)
        try insert.set(.unit, e.unit)
        try insert.set(.street, e.street)
        try insert.set(.community, e.community)
        try insert.set(.category, e.category)
        try insert.set(.receivedAt, e.received.description)
        try insert.set(.deadline, e.deadline.description)
        try insert.set(.daysOverdue, days)
        try insert.set(.due, due)
        try insert.set(.section, reason == .overdue ? 0 : 1)
        try insert.set(.position, due.map(Double.init) ?? -(days ?? 0))
        try insert.set(.satisfaction, satisfaction)
        try insert.run()
    }
}

extension LocalDateTime {
    /// Seconds since midnight.
    public var secondsOfDay: Int { hour * 3_600 + minute * 60 + second }
}
