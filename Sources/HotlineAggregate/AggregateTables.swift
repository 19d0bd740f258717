import HotlineCore
import HotlineStore

extension TableName {
    /// The community reference table as the last aggregate read it.
    public static let communities = TableName("communities")
    public static let aggSummary = TableName("agg_summary")
    public static let aggCategory = TableName("agg_category")
    public static let aggMonth = TableName("agg_month")
    public static let aggMonthCategory = TableName("agg_month_category")
    public static let aggStreet = TableName("agg_street")
    public static let aggArea = TableName("agg_area")
    public static let aggAreaCategory = TableName("agg_area_category")
    public static let aggMonthAreaCategory = TableName("agg_month_area_category")
    public static let aggHandling = TableName("agg_handling")
    public static let aggSupervision = TableName("agg_supervision")
    public static let aggEscalation = TableName("agg_escalation")
    public static let aggQuality = TableName("agg_quality")

    /// What each month contributed, kept so a night recounts only the months its orders touch.
    public static let aggMonthState: [TableName] = [
        "agg_order_month", "agg_cube", "agg_parent", "agg_handling_month", "agg_open", "agg_quality_month",
        "agg_month_span",
    ].map { TableName($0) }

    /// Every table the aggregate stage writes.
    public static let aggregates: [TableName] =
        [
            .communities, .aggSummary, .aggCategory, .aggMonth, .aggMonthCategory, .aggStreet, .aggArea,
            .aggAreaCategory, .aggHandling, .aggSupervision, .aggEscalation, .aggQuality, .aggMonthAreaCategory,
        ] + aggMonthState
}

enum AggregateSchema {
    static let migrations = [
        Migration(
            "aggregate.1-counts",
            sql: """
                CREATE TABLE communities(
                    street TEXT NOT NULL,
                    community TEXT NOT NULL,
                    population INTEGER,
                    grid_workers INTEGER,
                    PRIMARY KEY(street, community));

                CREATE TABLE agg_summary(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE agg_category(category TEXT PRIMARY KEY, parent TEXT, n INTEGER NOT NULL, share REAL NOT NULL);
                CREATE TABLE agg_month(month TEXT PRIMARY KEY, n INTEGER NOT NULL);
                CREATE TABLE agg_month_category(
                    month TEXT NOT NULL, category TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(month, category));
                CREATE TABLE agg_street(
                    street TEXT PRIMARY KEY, n INTEGER NOT NULL, population INTEGER, grid_workers INTEGER,
                    per_10k REAL, per_grid REAL, top_category TEXT, top_n INTEGER);
                CREATE TABLE agg_area(
                    street TEXT NOT NULL, community TEXT NOT NULL, n INTEGER NOT NULL, population INTEGER,
                    grid_workers INTEGER, per_10k REAL, per_grid REAL, top_category TEXT, top_n INTEGER,
                    PRIMARY KEY(street, community));
                CREATE TABLE agg_area_category(
                    street TEXT NOT NULL, community TEXT NOT NULL, category TEXT NOT NULL, n INTEGER NOT NULL,
                    PRIMARY KEY(street, community, category));
                """),
        // The callback's figures per unit and street and month, and the lists an analyst acts on.
        Migration(
            "aggregate.2-handling",
            sql: """
                CREATE TABLE agg_handling(
                    scope TEXT NOT NULL,
                    name TEXT NOT NULL,
                    month TEXT NOT NULL,
                    n INTEGER NOT NULL,
                    closed INTEGER NOT NULL,
                    on_time INTEGER NOT NULL,
                    on_time_base INTEGER NOT NULL,
                    overdue_open INTEGER NOT NULL,
                    median_hours REAL,
                    p90_hours REAL,
                    valid_callbacks INTEGER NOT NULL,
                    responded INTEGER NOT NULL,
                    resolved INTEGER NOT NULL,
                    satisfied REAL NOT NULL,
                    response_rate REAL,
                    resolution_rate REAL,
                    satisfaction_rate REAL,
                    composite REAL,
                    rank INTEGER,
                    PRIMARY KEY(scope, name, month));

                CREATE TABLE agg_supervision(
                    order_id TEXT PRIMARY KEY, reason TEXT NOT NULL, unit TEXT NOT NULL, street TEXT NOT NULL,
                    community TEXT NOT NULL, category TEXT NOT NULL, received_at TEXT NOT NULL, deadline TEXT,
                    days_overdue REAL, satisfaction TEXT);

                CREATE TABLE agg_escalation(
                    order_id TEXT PRIMARY KEY, reason TEXT NOT NULL, earlier TEXT NOT NULL, unit TEXT NOT NULL,
                    street TEXT NOT NULL, category TEXT NOT NULL, received_at TEXT NOT NULL, satisfaction TEXT, status TEXT);

                CREATE TABLE agg_quality(issue TEXT PRIMARY KEY, n INTEGER NOT NULL, examples TEXT NOT NULL);
                """),
        // Reasons and issues stored as codes, their words taken from the codes' labels.
        Migration(
            "aggregate.3-codes",
            sql: """
                UPDATE agg_supervision SET reason = CASE reason WHEN '超期未办结' THEN 'overdue'
                    WHEN '回访基本满意' THEN 'basic' WHEN '回访不满意' THEN 'unsatisfied' ELSE reason END;
                UPDATE agg_escalation SET reason = CASE reason WHEN '办结后回访不满意，重新办理仍未满意' THEN 'reopened'
                    WHEN '同一来电人同类诉求再次来电，仍未满意' THEN 'recalled' ELSE reason END;
                UPDATE agg_quality SET issue = CASE issue WHEN '已办结但无办结时间' THEN 'closed_without_time'
                    WHEN '办结时间早于受理时间' THEN 'closed_before_received'
                    WHEN '截止时间早于受理时间' THEN 'deadline_before_received'
                    WHEN '截止时间超过两年' THEN 'deadline_over_two_years'
                    WHEN '办理时限为 0 或负数' THEN 'days_not_positive'
                    WHEN '办理时限超过 365 天' THEN 'days_over_a_year' ELSE issue END;
                """),
        // Orders per month, place and category: what reports by period and by place sum.
        Migration(
            "aggregate.4-month-areas",
            sql: """
                CREATE TABLE agg_month_area_category(
                    month TEXT NOT NULL, street TEXT NOT NULL, community TEXT NOT NULL, category TEXT NOT NULL,
                    n INTEGER NOT NULL, PRIMARY KEY(month, street, community, category));
                """),
        // Each month's share of every figure, so that a night recounts only the months it touches.
        // Places left out by the export are '' here; histograms are `bucket:count` lists.
        Migration(
            "aggregate.5-month-state",
            sql: """
                CREATE TABLE agg_order_month(
                    seq INTEGER PRIMARY KEY, month TEXT NOT NULL, caller_key TEXT, unsatisfied_close INTEGER NOT NULL,
                    reopened INTEGER NOT NULL);
                CREATE INDEX agg_order_month_by_month ON agg_order_month(month, seq);
                CREATE INDEX agg_order_month_by_caller ON agg_order_month(caller_key, unsatisfied_close)
                    WHERE caller_key IS NOT NULL;
                CREATE TABLE agg_cube(
                    month TEXT NOT NULL, street TEXT NOT NULL, community TEXT NOT NULL, category TEXT NOT NULL,
                    n INTEGER NOT NULL, PRIMARY KEY(month, street, community, category));
                CREATE TABLE agg_parent(
                    month TEXT NOT NULL, category TEXT NOT NULL, seq INTEGER NOT NULL, parent TEXT NOT NULL,
                    PRIMARY KEY(month, category));
                CREATE TABLE agg_handling_month(
                    scope TEXT NOT NULL, name TEXT NOT NULL, month TEXT NOT NULL, n INTEGER NOT NULL,
                    closed INTEGER NOT NULL, on_time INTEGER NOT NULL, on_time_base INTEGER NOT NULL,
                    valid_callbacks INTEGER NOT NULL, responded INTEGER NOT NULL, resolved INTEGER NOT NULL,
                    satisfied REAL NOT NULL, histogram TEXT NOT NULL, PRIMARY KEY(scope, name, month));
                CREATE TABLE agg_open(
                    seq INTEGER PRIMARY KEY, month TEXT NOT NULL, order_id TEXT NOT NULL, unit TEXT NOT NULL,
                    street TEXT NOT NULL, community TEXT NOT NULL, category TEXT NOT NULL, received_at TEXT NOT NULL,
                    deadline INTEGER NOT NULL, satisfaction TEXT);
                CREATE INDEX agg_open_by_month ON agg_open(month);
                CREATE TABLE agg_quality_month(
                    issue TEXT NOT NULL, month TEXT NOT NULL, n INTEGER NOT NULL, examples TEXT NOT NULL,
                    PRIMARY KEY(issue, month));
                CREATE TABLE agg_month_span(
                    month TEXT PRIMARY KEY, first TEXT, last TEXT, last_closed TEXT);
                """),
        // An overdue order is listed with its deadline (`due`, seconds since the epoch, local time),
        // and its days overdue reckoned from the report date when read: a night no longer writes
        // every overdue order again. Rows listed before have none, and the next run lists them again.
        // The list is kept in the order it is read in (`section`, `position`: overdue orders by
        // deadline, then the others most days late first), so that reading it sorts nothing: two
        // sorts of 4.6M rows took 17 s each on ten years of synthetic orders.
        // The overdue orders are counted by unit, street and month from an index, without a sort
        // of every open order. A report date kept before goes with the deadlines it measured.
        Migration(
            "aggregate.6-supervision-order",
            sql: """
                CREATE TABLE agg_supervision_by_position(
                    section INTEGER NOT NULL, position REAL NOT NULL, order_id TEXT NOT NULL, reason TEXT NOT NULL,
                    unit TEXT NOT NULL, street TEXT NOT NULL, community TEXT NOT NULL, category TEXT NOT NULL,
                    received_at TEXT NOT NULL, deadline TEXT, days_overdue REAL, due INTEGER, satisfaction TEXT,
                    PRIMARY KEY(section, position, order_id)) WITHOUT ROWID;
                INSERT INTO agg_supervision_by_position(
                    section, position, order_id, reason, unit, street, community, category, received_at, deadline,
                    days_overdue, satisfaction)
                SELECT reason <> 'overdue', coalesce(-days_overdue, 1e308), order_id, reason, unit, street, community,
                    category, received_at, deadline, days_overdue, satisfaction
                FROM agg_supervision ORDER BY 1, 2, 3;
                DROP TABLE agg_supervision;
                ALTER TABLE agg_supervision_by_position RENAME TO agg_supervision;
                CREATE UNIQUE INDEX agg_supervision_by_order ON agg_supervision(order_id);
                CREATE INDEX agg_open_by_place ON agg_open(unit, street, month, deadline);
                DELETE FROM meta WHERE key = 'aggregate.report_date';
                """),
    ]
}

// MARK: Codes

/// Whom a handling figure measures.
public enum Scope: String, StoredCode {
    case unit, street

    public var label: String { self == .unit ? "承办单位" : "街道" }
}

/// Why an order is on the supervision list (督办).
public enum SupervisionReason: String, StoredCode {
    case overdue, basic, unsatisfied

    public var label: String {
        switch self {
        case .overdue: "超期未办结"
        case .basic: "回访基本满意"
        case .unsatisfied: "回访不满意"
        }
    }

    /// The reason for a callback that does not close the loop (`Rules.isNotSatisfied`).
    static func callback(_ satisfaction: String) -> SupervisionReason {
        satisfaction == Satisfaction.basic.rawValue ? .basic : .unsatisfied
    }
}

/// Why an order is on the escalation list: still unsatisfied after being handled again.
public enum EscalationReason: String, StoredCode {
    /// Reopened after a close that was not satisfied (`Rules.isReopening`, `Rules.isNotSatisfied`), and still not satisfied.
    case reopened
    /// The same caller again on the same matter within `[handling] recall_days` of an unsatisfied close.
    case recalled

    public var label: String {
        switch self {
        case .reopened: "办结后回访不满意，重新办理仍未满意"
        case .recalled: "同一来电人同类诉求再次来电，仍未满意"
        }
    }
}

/// A way an order's data is wrong, kept out of the figures it would distort.
public enum QualityIssue: String, StoredCode {
    case closedWithoutTime = "closed_without_time"
    case closedBeforeReceived = "closed_before_received"
    case deadlineBeforeReceived = "deadline_before_received"
    case deadlineOverTwoYears = "deadline_over_two_years"
    case daysNotPositive = "days_not_positive"
    case daysOverAYear = "days_over_a_year"
    /// A status neither the built-in spellings nor `[map.status]` know: not counted closed or overdue.
    case unknownStatus = "unknown_status"

    public var label: String {
        switch self {
        case .closedWithoutTime: "已办结但无办结时间"
        case .closedBeforeReceived: "办结时间早于受理时间"
        case .deadlineBeforeReceived: "截止时间早于受理时间"
        case .deadlineOverTwoYears: "截止时间超过两年"
        case .daysNotPositive: "办理时限为 0 或负数"
        case .daysOverAYear: "办理时限超过 365 天"
        case .unknownStatus: "办理状态无法识别（未计入办结和超期）"
        }
    }
}

/// The keys of `agg_summary`.
public enum SummaryKey: String, StoredCode {
    case pipeline, orders, unclassified
    case firstReceived = "first_received"
    case lastReceived = "last_received"
    case rowsRead = "rows_read"
    case rejected
    case byRule = "by_rule"
    case fallback, population
    case generatedAt = "generated_at"
    /// Orders left to people (待人工), and why.
    case manual
    case manualReason = "manual_reason"

    public var label: String { rawValue }
}

// MARK: Records

/// One category's count over the period.
public struct CategoryCount: FetchableRecord, Sendable, Equatable {
    public enum Column: Int, ColumnSet { case category, parent, n, share }
    public var category: String
    public var parent: String?
    public var n: Int
    public var share: Double

    public init(_ row: RowReader<Column>) {
        category = row.string(.category)
        parent = row.text(.parent)
        n = row.int(.n)
        share = row.double(.share)
    }
}

/// Orders received in one month (months without orders included, with 0).
public struct MonthCount: FetchableRecord, Sendable, Equatable {
    public enum Column: Int, ColumnSet { case month, n }
    public var month: String
    public var n: Int

    public init(_ row: RowReader<Column>) {
        month = row.string(.month)
        n = row.int(.n)
    }
}

/// One category's orders in one month.
public struct MonthCategoryCount: FetchableRecord, Sendable, Equatable {
    public enum Column: Int, ColumnSet { case month, category, n }
    public var month: String
    public var category: String
    public var n: Int

    public init(_ row: RowReader<Column>) {
        month = row.string(.month)
        category = row.string(.category)
        n = row.int(.n)
    }
}

/// A street's or a community's orders, with its population rates and largest category.
public struct AreaFigures: FetchableRecord, Sendable, Equatable {
    public enum Column: Int, ColumnSet {
        case street, community, n, population, gridWorkers, per10k, perGrid, topCategory, topN

        public var name: String { self == .per10k ? "per_10k" : snakeName }
    }
    public var street: String
    /// Empty for a street's own row.
    public var community: String
    public var n: Int
    public var population: Int?
    public var gridWorkers: Int?
    public var per10k: Double?
    public var perGrid: Double?
    public var top: String?
    public var topN: Int?

    public init(_ row: RowReader<Column>) {
        street = row.string(.street)
        community = row.string(.community)
        n = row.int(.n)
        population = row.optionalInt(.population)
        gridWorkers = row.optionalInt(.gridWorkers)
        per10k = row.optionalDouble(.per10k)
        perGrid = row.optionalDouble(.perGrid)
        top = row.text(.topCategory)
        topN = row.optionalInt(.topN)
    }
}

/// One category's orders in one community.
public struct AreaCategoryCount: FetchableRecord, Sendable, Equatable {
    public enum Column: Int, ColumnSet { case street, community, category, n }
    public var street: String
    public var community: String
    public var category: String
    public var n: Int

    public init(_ row: RowReader<Column>) {
        street = row.string(.street)
        community = row.string(.community)
        category = row.string(.category)
        n = row.int(.n)
    }
}

/// Orders of one month, place and category.
public struct MonthAreaCategoryCount: FetchableRecord, Sendable, Hashable {
    public enum Column: Int, ColumnSet { case month, street, community, category, n }
    public var month: String
    public var street: String
    public var community: String
    public var category: String
    public var n: Int

    public init(month: String, street: String, community: String, category: String, n: Int) {
        (self.month, self.street, self.community, self.category, self.n) = (month, street, community, category, n)
    }

    public init(_ row: RowReader<Column>) {
        month = row.string(.month)
        street = row.string(.street)
        community = row.string(.community)
        category = row.string(.category)
        n = row.int(.n)
    }
}

/// How one unit or street handled its orders in one month, or (month "") in the whole period.
public struct HandlingFigures: FetchableRecord, Sendable, Equatable {
    public enum Column: Int, ColumnSet {
        case scope, name, month, n, closed, onTime, onTimeBase, overdueOpen, medianHours, p90Hours, validCallbacks
        case responded, resolved, satisfied, responseRate, resolutionRate, satisfactionRate, composite, rank

    }

    public var scope: Scope
    public var name: String
    /// `YYYY-MM`, or "" for the whole period.
    public var month: String
    public var n: Int
    public var closed: Int
    public var onTime: Int
    public var onTimeBase: Int
    public var overdueOpen: Int
    public var median: Double?
    public var p90: Double?
    public var valid: Int
    public var responded: Int
    public var resolved: Int
    public var satisfied: Double
    public var response: Double?
    public var resolution: Double?
    public var satisfaction: Double?
    public var composite: Double?
    public var rank: Int?

    public var onTimeRate: Double? { onTimeBase > 0 ? Double(onTime) / Double(onTimeBase) : nil }

    /// Figures given as values, for tests and tools.
    public init(
        scope: Scope, name: String, month: String, n: Int, closed: Int, onTime: Int, onTimeBase: Int, overdueOpen: Int,
        median: Double?, p90: Double?, valid: Int, responded: Int = 0, resolved: Int = 0, satisfied: Double = 0,
        response: Double?, resolution: Double?, satisfaction: Double?, composite: Double?, rank: Int?
    ) {
        (self.scope, self.name, self.month, self.n, self.closed) = (scope, name, month, n, closed)
        (self.onTime, self.onTimeBase, self.overdueOpen, self.median, self.p90) = (
            onTime, onTimeBase, overdueOpen, median, p90
        )
        (self.valid, self.responded, self.resolved, self.satisfied) = (valid, responded, resolved, satisfied)
        (self.response, self.resolution, self.satisfaction) = (response, resolution, satisfaction)
        (self.composite, self.rank) = (composite, rank)
    }

    public init(_ row: RowReader<Column>) {
        scope = Scope(stored: row.text(.scope)) ?? .unit
        name = row.string(.name)
        month = row.string(.month)
        n = row.int(.n)
        closed = row.int(.closed)
        onTime = row.int(.onTime)
        onTimeBase = row.int(.onTimeBase)
        overdueOpen = row.int(.overdueOpen)
        median = row.optionalDouble(.medianHours)
        p90 = row.optionalDouble(.p90Hours)
        valid = row.int(.validCallbacks)
        responded = row.int(.responded)
        resolved = row.int(.resolved)
        satisfied = row.double(.satisfied)
        response = row.optionalDouble(.responseRate)
        resolution = row.optionalDouble(.resolutionRate)
        satisfaction = row.optionalDouble(.satisfactionRate)
        composite = row.optionalDouble(.composite)
        rank = row.optionalInt(.rank)
    }
}

/// An order on the supervision list.
public struct SupervisionRecord: FetchableRecord, Sendable {
    public enum Column: Int, ColumnSet {
        case orderID, reason, unit, street, community, category, receivedAt, deadline, daysOverdue, satisfaction
        /// An overdue order's deadline in seconds, from which `days_overdue` is reckoned when read.
        case due
        /// Where the row is in the list: 0 overdue, 1 the others; and within that, the deadline
        /// (overdue), else minus the days late.
        case section, position
    }
    public var orderID: String
    public var reason: SupervisionReason?
    public var unit: String
    public var street: String
    public var community: String
    public var category: String
    public var receivedAt: String
    public var deadline: String?
    public var daysOverdue: Double?
    public var satisfaction: String?

    public init(_ row: RowReader<Column>) {
        orderID = row.string(.orderID)
        reason = SupervisionReason(stored: row.text(.reason))
        unit = row.string(.unit)
        street = row.string(.street)
        community = row.string(.community)
        category = row.string(.category)
        receivedAt = row.string(.receivedAt)
        deadline = row.text(.deadline)
        daysOverdue = row.optionalDouble(.daysOverdue)
        satisfaction = row.text(.satisfaction)
    }
}

/// An order on the escalation list.
public struct EscalationRecord: FetchableRecord, Sendable {
    public enum Column: Int, ColumnSet {
        case orderID, reason, earlier, unit, street, category, receivedAt, satisfaction, status
    }
    public var orderID: String
    public var reason: EscalationReason?
    /// The earlier orders of the same caller, joined with 、.
    public var earlier: String
    public var unit: String
    public var street: String
    public var category: String
    public var receivedAt: String
    public var satisfaction: String?
    public var status: String?

    public init(_ row: RowReader<Column>) {
        orderID = row.string(.orderID)
        reason = EscalationReason(stored: row.text(.reason))
        earlier = row.string(.earlier)
        unit = row.string(.unit)
        street = row.string(.street)
        category = row.string(.category)
        receivedAt = row.string(.receivedAt)
        satisfaction = row.text(.satisfaction)
        status = row.text(.status)
    }
}

/// How many orders have one data-quality issue, with a few examples.
public struct QualityRecord: FetchableRecord, Sendable {
    public enum Column: Int, ColumnSet { case issue, n, examples }
    public var issue: QualityIssue?
    public var issueCode: String
    public var n: Int
    public var examples: String

    public init(_ row: RowReader<Column>) {
        issueCode = row.string(.issue)
        issue = QualityIssue(stored: issueCode)
        n = row.int(.n)
        examples = row.string(.examples)
    }
}

/// The period's totals and the definitions the handling figures used.
public struct AggregateSummary: Sendable {
    public var values: [SummaryKey: String]
    /// The handling definitions in the order the page lists them: (name, text).
    public var handlingDefinitions: [(String, String)]

    public subscript(key: SummaryKey) -> String? { values[key] }
    public func int(_ key: SummaryKey) -> Int { Int(values[key] ?? "") ?? 0 }
}

// MARK: Reading

/// Reads what the aggregate stage wrote, for the pages and the command line.
public enum Aggregates {
    /// Whether the aggregate stage has written anything.
    public static func exist(_ db: Database) throws -> Bool { try db.scalar("SELECT count(*) FROM agg_summary") > 0 }

    public static func summary(_ db: Database) throws -> AggregateSummary {
        var values: [SummaryKey: String] = [:]
        var definitions: [(Int, String, String)] = []
        for t in try db.fetch(KeyValue.self, "SELECT key, value FROM agg_summary") {
            if let key = SummaryKey(rawValue: t.key) {
                values[key] = t.value
            } else if t.key.hasPrefix(handlingPrefix) {
                let parts = t.key.dropFirst(handlingPrefix.count).split(separator: ".", maxSplits: 1)
                if parts.count == 2, let i = Int(parts[0]) { definitions.append((i, String(parts[1]), t.value)) }
            }
        }
        return AggregateSummary(
            values: values, handlingDefinitions: definitions.sorted { $0.0 < $1.0 }.map { ($0.1, $0.2) })
    }

    static let handlingPrefix = "handling."

    public static func categories(_ db: Database) throws -> [CategoryCount] {
        try db.fetch(
            CategoryCount.self, "SELECT category, parent, n, share FROM agg_category ORDER BY n DESC, category")
    }

    public static func months(_ db: Database) throws -> [MonthCount] {
        try db.fetch(MonthCount.self, "SELECT month, n FROM agg_month ORDER BY month")
    }

    public static func monthCategories(_ db: Database) throws -> [MonthCategoryCount] {
        try db.fetch(
            MonthCategoryCount.self,
            "SELECT month, category, n FROM agg_month_category ORDER BY month, n DESC, category")
    }

    /// Streets, largest first (`community` empty).
    public static func streets(_ db: Database) throws -> [AreaFigures] {
        try db.fetch(
            AreaFigures.self,
            "SELECT '' AS community, \(AreaFigures.Column.list(AreaFigures.Column.allCases.filter { $0 != .community })) FROM agg_street ORDER BY n DESC, street"
        )
    }

    /// Communities, grouped under their streets in the streets' order, largest first within each.
    public static func communities(_ db: Database) throws -> [AreaFigures] {
        try db.fetch(
            AreaFigures.self,
            """
            SELECT \(AreaFigures.Column.list(prefix: "a.")) FROM agg_area a JOIN agg_street s ON s.street = a.street
            ORDER BY s.n DESC, a.street, a.n DESC, a.community
            """)
    }

    public static func communityCategories(_ db: Database) throws -> [AreaCategoryCount] {
        try db.fetch(
            AreaCategoryCount.self,
            "SELECT street, community, category, n FROM agg_area_category ORDER BY street, community, n DESC, category")
    }

    /// Orders per month, street, community and category, in that order.
    public static func monthAreaCategories(_ db: Database) throws -> [MonthAreaCategoryCount] {
        try db.fetch(
            MonthAreaCategoryCount.self,
            "SELECT \(MonthAreaCategoryCount.Column.list()) FROM agg_month_area_category ORDER BY month, street, community, category"
        )
    }

    /// Every handling figure: by scope, month (the period first), rank, volume, name.
    public static func handling(_ db: Database) throws -> [HandlingFigures] {
        try db.fetch(
            HandlingFigures.self,
            "SELECT \(HandlingFigures.Column.list()) FROM agg_handling ORDER BY scope, month, rank IS NULL, rank, n DESC, name"
        )
    }

    public static func supervisionCount(_ db: Database) throws -> Int {
        try db.scalar("SELECT count(*) FROM agg_supervision")
    }

    /// The supervision list: overdue orders first, most overdue first, then the others most days
    /// late first; orders as many days overdue or late by order id.
    ///
    /// An overdue order's days overdue are reckoned from its deadline and the last run's report
    /// date, to one decimal as `Handling.days` gives them. The rows are read in the table's own
    /// order, which is this one but for overdue orders whose deadlines round to the same days:
    /// those few are put in order id order here, a run of them at a time.
    public static func forEachSupervision(
        _ db: Database, limit: Int? = nil, _ body: (SupervisionRecord) throws -> Void
    ) throws {
        let days = "CASE WHEN due IS NULL OR ?1 IS NULL THEN days_overdue ELSE round((?1 - due) / 8640.0) / 10 END"
        let columns = SupervisionRecord.Column.allCases.map {
            $0 == .daysOverdue ? "\(days) AS \($0.name)" : $0.name
        }
        let statement = try db.prepare(
            "SELECT \(columns.joined(separator: ", ")) FROM agg_supervision ORDER BY section, position, order_id")
        try statement.bind([try reportDate(db)])
        let row = try statement.reader(SupervisionRecord.Column.self)
        var left = limit ?? Int.max
        var run: [SupervisionRecord] = []
        func flush() throws {
            if run.count > 1 { run.sort { $0.orderID < $1.orderID } }
            for r in run.prefix(left) { try body(r) }
            left -= min(run.count, left)
            run.removeAll(keepingCapacity: true)
        }
        while left > 0, try statement.step() {
            let r = SupervisionRecord(row)
            if let last = run.last, last.reason != r.reason || last.daysOverdue != r.daysOverdue { try flush() }
            run.append(r)
        }
        try flush()
    }

    /// The report date the last aggregate run reckoned what is overdue by, in seconds since the
    /// epoch (local time); nil before one has.
    public static func reportDate(_ db: Database) throws -> Int? {
        try db.meta(reportDateKey).flatMap { Int($0) }
    }

    static func setReportDate(_ db: Database, _ seconds: Int) throws { try db.setMeta(reportDateKey, String(seconds)) }

    static let reportDateKey = "aggregate.report_date"

    public static func escalationCount(_ db: Database) throws -> Int {
        try db.scalar("SELECT count(*) FROM agg_escalation")
    }

    /// The escalation list, oldest first.
    public static func forEachEscalation(
        _ db: Database, limit: Int? = nil, _ body: (EscalationRecord) throws -> Void
    ) throws {
        try db.forEach(
            EscalationRecord.self,
            "SELECT \(EscalationRecord.Column.list()) FROM agg_escalation ORDER BY received_at, order_id"
                + (limit.map { " LIMIT \($0)" } ?? ""), [], body)
    }

    /// The data-quality issues, most frequent first.
    public static func quality(_ db: Database) throws -> [QualityRecord] {
        try db.fetch(QualityRecord.self, "SELECT issue, n, examples FROM agg_quality ORDER BY n DESC, issue")
    }
}
