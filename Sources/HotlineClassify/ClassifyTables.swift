import HotlineCore
import HotlineIngest
import HotlineStore

extension TableName {
    /// Each order's category, keyed by the order's `seq`, with how it was decided.
    public static let classified = TableName("classified")
}

enum ClassifySchema {
    static let migrations = [
        Migration(
            "classify.1-classified",
            sql: """
                CREATE TABLE classified(
                    order_seq INTEGER PRIMARY KEY,
                    category TEXT NOT NULL,
                    parent TEXT,
                    rule TEXT NOT NULL,
                    keywords TEXT NOT NULL,
                    run_id INTEGER NOT NULL);
                """),
        // How each order was classified (rule, model or left for a person), the model's own answer,
        // and whether the operator's label looks wrong.
        Migration(
            "classify.2-model",
            sql: """
                ALTER TABLE classified ADD COLUMN source TEXT;
                ALTER TABLE classified ADD COLUMN probability REAL;
                ALTER TABLE classified ADD COLUMN model_category TEXT;
                ALTER TABLE classified ADD COLUMN model_probability REAL;
                ALTER TABLE classified ADD COLUMN mislabel INTEGER NOT NULL DEFAULT 0;
                """),
        // The orders a classify run decided, found without reading the table.
        Migration("classify.3-run-index", sql: "CREATE INDEX classified_by_run ON classified(run_id)"),
        // The summary's counts of fallback and 待人工 orders, and the likely mislabels, without
        // reading the table (the codes are `ClassificationSource.fallback` and `.manual`, as stored).
        Migration(
            "classify.4-summary-indexes",
            sql: """
                CREATE INDEX classified_fallback ON classified(order_seq) WHERE rule = 'fallback';
                CREATE INDEX classified_manual ON classified(order_seq) WHERE source = 'manual';
                CREATE INDEX classified_mislabel ON classified(order_seq) WHERE mislabel = 1;
                """),
    ]
}

/// How an order's category was decided.
public enum ClassificationSource: String, StoredCode {
    /// A keyword rule of the taxonomy.
    case rule
    /// The learned model, sure enough.
    case model
    /// Neither a confident rule nor a sure model: left for a person (待人工).
    case manual
    /// No rule matched and there is no model: the fallback category.
    case fallback
    /// The export's own category (`[classify] source = export`).
    case export

    public var label: String {
        switch self {
        case .rule: "关键词规则"
        case .model: "模型"
        case .manual: "待人工"
        case .fallback: "未匹配规则（归入兜底分类）"
        case .export: "导出数据自带的分类"
        }
    }
}

/// The columns of `classified`.
public enum ClassifiedColumn: Int, ColumnSet {
    case orderSeq, category, parent, rule, keywords, runID, source, probability, modelCategory, modelProbability
    case mislabel
}

/// One order's classification as stored.
public struct ClassificationRecord: FetchableRecord, Sendable, Equatable {
    public typealias Column = ClassifiedColumn

    public var orderSeq: Int
    public var category: String
    public var parent: String?
    /// `file:line` of the rule that won, or the source's name for an order no rule decided.
    public var rule: String
    public var keywords: String
    public var runID: Int
    public var source: ClassificationSource?
    public var probability: Double?
    public var modelCategory: String?
    public var modelProbability: Double?
    public var mislabel: Bool

    public init(_ row: RowReader<Column>) {
        orderSeq = row.int(.orderSeq)
        category = row.string(.category)
        parent = row.text(.parent)
        rule = row.string(.rule)
        keywords = row.string(.keywords)
        runID = row.int(.runID)
        source = ClassificationSource(stored: row.text(.source))
        probability = row.optionalDouble(.probability)
        modelCategory = row.text(.modelCategory)
        modelProbability = row.optionalDouble(.modelProbability)
        mislabel = row.bool(.mislabel)
    }
}

/// An order with its category (nil when not classified yet).
public struct ClassifiedOrder: Sendable {
    public var order: StoredOrder
    public var category: String?
    public var parent: String?

    /// The category, or how pages name an order not classified yet.
    public var categoryOrUnclassified: String { category ?? Values.unclassified }
}

/// Reads `classified`, alone and beside the orders, for the later stages and the pages.
public enum Classifications {
    /// One order's classification, by the order's seq.
    public static func of(_ db: Database, orderSeq: Int) throws -> ClassificationRecord? {
        try db.fetchOne(
            ClassificationRecord.self, "SELECT \(ClassifiedColumn.list()) FROM classified WHERE order_seq = ?",
            [orderSeq])
    }

    /// How many orders were classified by each source.
    public static func countBySource(_ db: Database) throws -> [ClassificationSource: Int] {
        var out: [ClassificationSource: Int] = [:]
        for t in try db.fetch(
            Tally.self, "SELECT coalesce(source, '') AS key, count(*) AS n FROM classified GROUP BY 1")
        {
            if let s = ClassificationSource(rawValue: t.key) { out[s] = t.n }
        }
        return out
    }

    /// How many orders the last classify runs placed by `source`.
    public static func count(_ db: Database, source: ClassificationSource) throws -> Int {
        // The code as a literal, so that SQLite may read a partial index (classify.4) for it.
        try db.scalar("SELECT count(*) FROM classified WHERE source = '\(source.rawValue)'")
    }

    /// Where classify says why it left orders to people (待人工).
    public static let manualReasonKey = "classify.manual_reason"

    /// Why orders were left to people, if some were.
    public static func manualReason(_ store: Store) throws -> String? { try store.meta(manualReasonKey) }

    /// How many orders some rule, the model or a person's queue placed (all but the fallback).
    public static func decidedCount(_ db: Database) throws -> Int {
        try decidedCount(db, classified: try db.scalar("SELECT count(*) FROM classified"))
    }

    /// `decidedCount` for a caller that knows how many orders are classified (`classified`): those
    /// less the fallback ones, counted from their partial index (classify.4). Counting every classified order
    /// read an index of 10M entries on ten years of orders, 1.5 s a night.
    public static func decidedCount(_ db: Database, classified: Int) throws -> Int {
        classified
            - (try db.scalar("SELECT count(*) FROM classified WHERE rule = '\(ClassificationSource.fallback.rawValue)'"))
    }

    /// Orders with their category: `columns` of each order (alias `o`), then `category` and `parent`.
    public static func selectOrders(_ columns: [OrderColumn]) -> String {
        "SELECT \(Orders.columns(columns)), c.category, c.parent FROM orders o LEFT JOIN classified c ON c.order_seq = o.seq"
    }

    /// Hands each order and its category to `body`, in seq order.
    ///
    /// `condition` and `orderBy` may name the order's columns as `o.…` and the category as `c.category`.
    public static func forEachOrder(
        _ db: Database, columns: [OrderColumn], where condition: String = "", _ values: [any SQLBindable] = [],
        orderBy: String = "o.seq", _ body: (ClassifiedOrder) throws -> Void
    ) throws {
        let statement = try db.prepare(
            selectOrders(columns) + (condition.isEmpty ? "" : " WHERE " + condition) + " ORDER BY " + orderBy)
        try statement.bind(values)
        let orders = try statement.reader(OrderColumn.self, only: columns)
        let classes = try statement.reader(ClassifiedColumn.self, only: [.category, .parent])
        let set = Set(columns)
        while try statement.step() {
            try body(
                ClassifiedOrder(
                    order: StoredOrder(orders, columns: set), category: classes.text(.category),
                    parent: classes.text(.parent)))
        }
    }

    /// `SELECT order_seq` of the orders a classify run after the run bound to `?1` classified, for
    /// a caller's `IN (…)`.
    public static let classifiedAfter = "SELECT order_seq FROM classified WHERE run_id > ?1"

    /// The seqs of the orders an ingest run or a classify run after the run bound to `?1` wrote or
    /// classified, for a caller's `IN (…)`: what the later stages count as changed.
    public static let changedAfter = "\(Orders.writtenAfter) UNION \(classifiedAfter)"

    /// How many orders an ingest run or a classify run after `run` wrote or classified.
    public static func changedCount(_ db: Database, since run: Int) throws -> Int {
        try db.scalar("SELECT count(*) FROM (\(changedAfter))", [run])
    }

    /// Reads orders with their category in keyset batches of `size` on `db` (a reader connection);
    /// only those an ingest run after `run` inserted or updated, when it is given.
    public static func batches(
        _ db: Database, columns: [OrderColumn], size: Int, writtenAfter run: Int? = nil,
        send: ([ClassifiedOrder]) -> Bool
    ) throws {
        let all = [.seq] + columns.filter { $0 != .seq }
        let set = Set(all)
        try Orders.batches(db, select: selectOrders(all), size: size, writtenAfter: run) { statement in
            let orders = try statement.reader(OrderColumn.self, only: all)
            let classes = try statement.reader(ClassifiedColumn.self, only: [.category, .parent])
            return {
                ClassifiedOrder(
                    order: StoredOrder(orders, columns: set), category: classes.text(.category),
                    parent: classes.text(.parent))
            }
        } send: {
            send($0)
        }
    }

    /// An order whose operator label a very sure prediction contradicts.
    public struct Mislabel: Sendable {
        public var orderID: String
        public var receivedAt: String
        public var operatorCategory: String?
        public var modelCategory: String?
        public var modelProbability: Double
    }

    /// How many operator labels look wrong.
    public static func mislabelCount(_ db: Database) throws -> Int {
        try db.scalar("SELECT count(*) FROM classified WHERE mislabel = 1")
    }

    /// The likely mislabels, surest first, one at a time.
    public static func forEachMislabel(_ db: Database, limit: Int? = nil, _ body: (Mislabel) throws -> Void) throws {
        let columns: [OrderColumn] = [.id, .receivedAt, .operatorCategory]
        let statement = try db.prepare(
            """
            SELECT \(Orders.columns(columns)), c.model_category, c.model_probability
            FROM classified c JOIN orders o ON o.seq = c.order_seq WHERE c.mislabel = 1
            ORDER BY c.model_probability DESC, o.id
            """ + (limit.map { " LIMIT \($0)" } ?? ""))
        let orders = try statement.reader(OrderColumn.self, only: columns)
        let classes = try statement.reader(ClassifiedColumn.self, only: [.modelCategory, .modelProbability])
        while try statement.step() {
            try body(
                Mislabel(
                    orderID: orders.string(.id), receivedAt: orders.string(.receivedAt),
                    operatorCategory: orders.text(.operatorCategory), modelCategory: classes.text(.modelCategory),
                    modelProbability: classes.double(.modelProbability)))
        }
    }
}
