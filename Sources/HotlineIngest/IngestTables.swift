import HotlineCore
import HotlineStore

extension TableName {
    /// Every order, normalized, personal data masked or hashed; upserted by order id.
    public static let orders = TableName("orders")
    /// The versions of an order that a later export replaced, to tell that it was reopened.
    public static let orderHistory = TableName("order_history")
    /// What the last ingest of each file read.
    public static let sources = TableName("sources")
    /// Every row that could not be stored, with its file, line and reason.
    public static let rejects = TableName("rejects")
}

/// The migrations of the tables the ingest stage owns.
enum IngestSchema {
    static let migrations = [
        Migration(
            "ingest.1-orders",
            sql: """
                CREATE TABLE orders(
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    received_at TEXT NOT NULL,
                    month TEXT NOT NULL,
                    channel TEXT, kind TEXT, district TEXT, street TEXT, community TEXT, address TEXT,
                    operator_category TEXT, title TEXT, content TEXT, unit TEXT,
                    deadline_days INTEGER, deadline_at TEXT, closed_at TEXT, status TEXT, satisfaction TEXT,
                    caller_key TEXT,
                    source_file TEXT NOT NULL,
                    source_line INTEGER NOT NULL,
                    fingerprint TEXT NOT NULL,
                    run_id INTEGER NOT NULL);

                CREATE TABLE sources(
                    file TEXT PRIMARY KEY,
                    run_id INTEGER NOT NULL,
                    encoding TEXT NOT NULL,
                    rows_read INTEGER NOT NULL,
                    inserted INTEGER NOT NULL,
                    updated INTEGER NOT NULL,
                    unchanged INTEGER NOT NULL,
                    rejected INTEGER NOT NULL);

                CREATE TABLE rejects(
                    id INTEGER PRIMARY KEY,
                    run_id INTEGER NOT NULL,
                    file TEXT NOT NULL,
                    line INTEGER NOT NULL,
                    reason_code TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    raw TEXT NOT NULL);
                CREATE INDEX rejects_by_file ON rejects(file);
                """),
        Migration(
            "ingest.2-callback-history",
            sql: """
                ALTER TABLE orders ADD COLUMN contacted INTEGER;
                ALTER TABLE orders ADD COLUMN resolved INTEGER;
                ALTER TABLE orders ADD COLUMN satisfied_flag INTEGER;

                CREATE TABLE order_history(
                    order_seq INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    satisfaction TEXT NOT NULL,
                    closed_at TEXT NOT NULL,
                    run_id INTEGER NOT NULL,
                    UNIQUE(order_seq, status, satisfaction, closed_at));
                """),
        // Whether an order was reopened, decided once by `Rules.isReopening` when a later version
        // arrives, and the callback of the close it reopened.
        Migration(
            "ingest.3-reopened",
            { db in
                try db.execute(
                    """
                    ALTER TABLE orders ADD COLUMN reopened INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE orders ADD COLUMN reopened_after TEXT;
                    """)
                try backfillReopened(db)
            }),
        // How the last ingest of each file mapped its headers and which values no map covered.
        Migration("ingest.4-mapping", sql: "ALTER TABLE sources ADD COLUMN mapping TEXT"),
        // The order in which exports were first read: a version from a later export replaces one
        // from an earlier export; reading an earlier export again changes nothing.
        Migration(
            "ingest.5-export-order",
            sql: """
                ALTER TABLE sources ADD COLUMN sequence INTEGER;
                UPDATE sources SET sequence = (SELECT count(*) FROM sources s WHERE s.run_id < sources.run_id
                    OR (s.run_id = sources.run_id AND s.rowid <= sources.rowid));
                """),
        // How many backed or opposed a web message, where the export says.
        Migration(
            "ingest.6-support",
            sql: "ALTER TABLE orders ADD COLUMN support INTEGER; ALTER TABLE orders ADD COLUMN opposition INTEGER;"),
        // What each file was when it was read (size, modification time, settings), so a night
        // skips the exports it has already read.
        Migration("ingest.7-stamp", sql: "ALTER TABLE sources ADD COLUMN stamp TEXT"),
        // The orders an ingest run wrote, found without reading the table: what a night's later
        // stages start from.
        Migration("ingest.8-run-index", sql: "CREATE INDEX orders_by_run ON orders(run_id)"),
    ]

    /// Marks the orders that the history already shows reopened, by the one rule.
    static func backfillReopened(_ db: Database) throws {
        let update = try db.prepare("UPDATE orders SET reopened = 1, reopened_after = ? WHERE seq = ?")
        var marks: [Int: String?] = [:]
        try db.forEach(
            HistoryPair.self,
            """
            SELECT h.order_seq, h.status AS earlier_status, h.satisfaction AS earlier_satisfaction,
                h.closed_at AS earlier_closed_at, o.status, o.satisfaction, o.closed_at
            FROM order_history h JOIN orders o ON o.seq = h.order_seq ORDER BY h.order_seq, h.rowid
            """
        ) { pair in
            let earlier = OrderState(
                status: pair.earlierStatus, satisfaction: pair.earlierSatisfaction, closedAt: pair.earlierClosedAt)
            let mark = marks[pair.orderSeq]
            let (reopened, after) = Reopening.next(
                reopened: mark != nil, after: mark ?? nil, earlier: earlier, later: pair.current)
            if reopened { marks[pair.orderSeq] = .some(after) }
        }
        for (seq, after) in marks { try update.run([after, seq]) }
    }

    /// An earlier version of an order beside its current state.
    private struct HistoryPair: FetchableRecord {
        enum Column: Int, ColumnSet {
            case orderSeq, earlierStatus, earlierSatisfaction, earlierClosedAt, status, satisfaction, closedAt
        }
        var orderSeq: Int
        var earlierStatus: String
        var earlierSatisfaction: String
        var earlierClosedAt: String
        var current: OrderState

        init(_ row: RowReader<Column>) {
            orderSeq = row.int(.orderSeq)
            earlierStatus = row.string(.earlierStatus)
            earlierSatisfaction = row.string(.earlierSatisfaction)
            earlierClosedAt = row.string(.earlierClosedAt)
            current = OrderState(
                status: row.text(.status), satisfaction: row.text(.satisfaction), closedAt: row.text(.closedAt))
        }
    }
}

/// The columns of `orders`.
public enum OrderColumn: Int, ColumnSet {
    case seq, id, receivedAt, month, channel, kind, district, street, community, address, operatorCategory, title
    case content, unit, deadlineDays, deadlineAt, closedAt, status, satisfaction, callerKey, sourceFile, sourceLine
    case fingerprint, runID, contacted, resolved, satisfiedFlag, reopened, reopenedAfter, support, opposition
}

/// An order as the store keeps it, for the stages after ingest and for `explain`.
///
/// Read with `Orders.select`; the columns a caller selects are the ones it may read.
public struct StoredOrder: Sendable, Equatable {
    public var seq: Int
    public var id: String
    public var receivedAt: String
    public var month: String
    public var channel: String?
    public var kind: String?
    public var district: String?
    public var street: String?
    public var community: String?
    public var address: String?
    public var operatorCategory: String?
    public var title: String?
    public var content: String?
    public var unit: String?
    public var deadlineDays: Int?
    public var deadlineAt: String?
    public var closedAt: String?
    public var status: String?
    public var satisfaction: String?
    public var callerKey: String?
    public var sourceFile: String
    public var sourceLine: Int
    public var contacted: Bool?
    public var resolved: Bool?
    public var satisfiedFlag: Bool?
    /// Reopened after a close (`Rules.isReopening`), and that close's callback.
    public var reopened: Bool
    public var reopenedAfter: String?
    /// Support (点赞数, 附议数) and opposition (反对数), where the export carries them.
    public var support: Int?
    public var opposition: Int?

    /// Reads the columns of `columns` from a row; the others keep empty values.
    public init(_ row: RowReader<OrderColumn>, columns: Set<OrderColumn>) {
        func has(_ c: OrderColumn) -> Bool { columns.contains(c) }
        seq = has(.seq) ? row.int(.seq) : 0
        id = has(.id) ? row.string(.id) : ""
        receivedAt = has(.receivedAt) ? row.string(.receivedAt) : ""
        month = has(.month) ? row.string(.month) : ""
        func text(_ c: OrderColumn) -> String? { has(c) ? row.text(c) : nil }
        channel = text(.channel)
        kind = text(.kind)
        district = text(.district)
        street = text(.street)
        community = text(.community)
        address = text(.address)
        operatorCategory = text(.operatorCategory)
        title = text(.title)
        content = text(.content)
        unit = text(.unit)
        deadlineDays = has(.deadlineDays) ? row.optionalInt(.deadlineDays) : nil
        deadlineAt = text(.deadlineAt)
        closedAt = text(.closedAt)
        status = text(.status)
        satisfaction = text(.satisfaction)
        callerKey = text(.callerKey)
        sourceFile = text(.sourceFile) ?? ""
        sourceLine = has(.sourceLine) ? row.int(.sourceLine) : 0
        contacted = has(.contacted) ? row.optionalBool(.contacted) : nil
        resolved = has(.resolved) ? row.optionalBool(.resolved) : nil
        satisfiedFlag = has(.satisfiedFlag) ? row.optionalBool(.satisfiedFlag) : nil
        reopened = has(.reopened) ? row.bool(.reopened) : false
        reopenedAfter = text(.reopenedAfter)
        support = has(.support) ? row.optionalInt(.support) : nil
        opposition = has(.opposition) ? row.optionalInt(.opposition) : nil
    }

    /// The handling state the shared rules look at.
    public var state: OrderState { OrderState(status: status, satisfaction: satisfaction, closedAt: closedAt) }
}

/// Reads `orders` for the other stages.
public enum Orders {
    /// `SELECT` of `columns` from `orders` (alias `o`), for a query the caller completes with its own
    /// `WHERE` or joins; read the rows with `StoredOrder.init(_:columns:)`.
    public static func select(_ columns: [OrderColumn], alias: String = "o") -> String {
        "SELECT \(self.columns(columns, alias: alias)) FROM orders \(alias)"
    }

    /// `o.a, o.b`, for a caller's own `SELECT` that joins `orders` as `alias`.
    public static func columns(_ columns: [OrderColumn], alias: String = "o") -> String {
        OrderColumn.list(columns, prefix: alias + ".")
    }

    /// `o.column`, for a caller's `WHERE` or `ORDER BY`.
    public static func column(_ c: OrderColumn, alias: String = "o") -> String { "\(alias).\(c.name)" }

    /// How many orders the store holds.
    public static func count(_ db: Database) throws -> Int { try db.scalar("SELECT count(*) FROM orders") }

    /// How many orders the store holds, counted no further than `limit`: a test against a bound
    /// that costs the bound, not the store.
    public static func count(_ db: Database, upTo limit: Int) throws -> Int {
        try db.scalar("SELECT count(*) FROM (SELECT 1 FROM orders LIMIT ?)", [limit])
    }

    /// `SELECT seq` of the orders an ingest run after the run bound to `?1` inserted or updated, for
    /// a caller's `IN (…)`.
    public static let writtenAfter = "SELECT seq FROM orders WHERE run_id > ?1"

    /// The seqs of the orders an ingest run after `?1` inserted or updated, in seq order, read from
    /// the run index alone. `ORDER BY +seq` keeps SQLite from choosing to walk the whole table in
    /// seq order instead (it would: a night on ten years of orders read all of them).
    public static let writtenAfterInOrder = "\(writtenAfter) ORDER BY +seq"

    /// How many orders an ingest run after `run` inserted or updated.
    public static func count(_ db: Database, writtenAfter run: Int) throws -> Int {
        try db.scalar("SELECT count(*) FROM orders WHERE run_id > ?", [run])
    }

    /// An SQL condition on an order's own columns: closed with an unsatisfied callback
    /// (`Rules.isNotSatisfiedClose`).
    public static var isUnsatisfiedClose: String {
        let unsatisfied = Rules.notSatisfied.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return "(status = '\(OrderStatus.closed.rawValue)' AND satisfaction IN (\(unsatisfied)))"
    }

    /// How many orders have an operator's category.
    public static func labelledCount(_ db: Database) throws -> Int {
        try db.scalar("SELECT count(*) FROM orders WHERE coalesce(operator_category, '') <> ''")
    }

    /// The earliest and latest received time, and the latest close, as stored.
    public static func span(_ db: Database) throws -> (first: String?, last: String?, lastClosed: String?) {
        (
            try db.scalarText("SELECT min(received_at) FROM orders"),
            try db.scalarText("SELECT max(received_at) FROM orders"),
            try db.scalarText("SELECT max(closed_at) FROM orders")
        )
    }

    /// One order by its id, every column.
    public static func find(_ db: Database, id: String) throws -> StoredOrder? {
        let statement = try db.prepare(select(OrderColumn.allCases) + " WHERE o.id = ?")
        try statement.bind([id])
        let reader = try statement.reader(OrderColumn.self)
        return try statement.step() ? StoredOrder(reader, columns: Set(OrderColumn.allCases)) : nil
    }

    /// Hands every order to `body`, reading `columns` in seq order, one statement over the table.
    public static func forEach(
        _ db: Database, columns: [OrderColumn], _ body: (StoredOrder) throws -> Void
    ) throws {
        let statement = try db.prepare(select(columns) + " ORDER BY o.seq")
        let reader = try statement.reader(OrderColumn.self, only: columns)
        let set = Set(columns)
        while try statement.step() { try body(StoredOrder(reader, columns: set)) }
    }

    /// Reads `columns` of the orders in keyset batches of `size` on `db` (a reader connection),
    /// handing each batch to `send` until it returns false; only those an ingest run after `run`
    /// inserted or updated, when it is given.
    public static func batches(
        _ db: Database, columns: [OrderColumn], size: Int, writtenAfter run: Int? = nil,
        send: ([StoredOrder]) -> Bool
    ) throws {
        let all = [.seq] + columns.filter { $0 != .seq }
        let set = Set(all)
        try batches(db, select: select(all), size: size, writtenAfter: run) { statement in
            let reader = try statement.reader(OrderColumn.self, only: all)
            return { StoredOrder(reader, columns: set) }
        } send: {
            send($0)
        }
    }

    /// `select … FROM orders o …` for the orders whose seqs the JSON array bound to its one
    /// parameter lists, in seq order: one primary-key lookup each.
    public static func changedSelect(_ select: String) -> String {
        select + " WHERE o.seq IN (SELECT value FROM json_each(?)) ORDER BY o.seq"
    }

    /// Runs `select … FROM orders o …` (whose first column is `o.seq`) in keyset batches of `size`
    /// by `o.seq`, decoding each row with what `decoder` makes for the statement.
    ///
    /// With `run`, only the orders written after it, found through the run index and read by
    /// their seqs (`changedSelect`), so a night reads its own orders' pages, not those of the
    /// orders between them: an update of a ten-year-old order must not make the night read ten years.
    public static func batches<T>(
        _ db: Database, select: String, size: Int, writtenAfter run: Int?,
        decoder: (Statement) throws -> () -> T, send: ([T]) -> Bool
    ) throws {
        guard let run else {
            let statement = try db.prepare(select + " WHERE o.seq > ? ORDER BY o.seq LIMIT ?")
            let decode = try decoder(statement)
            var last = Int.min
            while true {
                try statement.bind([last, size])
                var batch: [T] = []
                while try statement.step() {
                    last = statement.int(0)
                    batch.append(decode())
                }
                if batch.isEmpty || !send(batch) { return }
            }
        }
        let changed = try db.ints(writtenAfterInOrder, [run])
        let statement = try db.prepare(changedSelect(select))
        let decode = try decoder(statement)
        var start = 0
        while start < changed.count {
            let end = min(start + size, changed.count) - 1
            let seqs = "[" + changed[start...end].map(String.init).joined(separator: ",") + "]"
            try statement.bind([seqs])
            var batch: [T] = []
            while try statement.step() { batch.append(decode()) }
            if !send(batch) { return }
            start = end + 1
        }
    }
}

/// The reasons a row is rejected.
public enum RejectReason: String, StoredCode {
    case fields, id, date, encoding, malformed

    public var label: String {
        switch self {
        case .fields: "字段数不符"
        case .id: "缺少工单编号"
        case .date: "时间缺失或无法识别"
        case .encoding: "字符编码错误"
        case .malformed: "行格式错误"
        }
    }
}

/// One stored reject.
public struct RejectRecord: FetchableRecord, Sendable {
    public enum Column: Int, ColumnSet {
        case id, runID, file, line, reasonCode, reason, raw
    }

    public var file: String
    public var line: Int
    public var reason: RejectReason?
    /// The reason code as stored, for a code a newer build wrote.
    public var reasonCode: String
    public var message: String
    public var raw: String

    public init(_ row: RowReader<Column>) {
        file = row.string(.file)
        line = row.int(.line)
        reasonCode = row.string(.reasonCode)
        reason = RejectReason(stored: reasonCode)
        message = row.string(.reason)
        raw = row.string(.raw)
    }
}

/// Reads `rejects`.
public enum Rejects {
    /// Every reject in file and line order, one at a time.
    public static func forEach(_ db: Database, _ body: (RejectRecord) throws -> Void) throws {
        try db.forEach(
            RejectRecord.self, "SELECT \(RejectRecord.Column.list()) FROM rejects ORDER BY file, line", [], body)
    }

    /// The first `limit` rejects in file and line order.
    public static func first(_ db: Database, limit: Int) throws -> [RejectRecord] {
        try db.fetch(
            RejectRecord.self, "SELECT \(RejectRecord.Column.list()) FROM rejects ORDER BY file, line LIMIT ?", [limit])
    }

    public static func count(_ db: Database) throws -> Int { try db.scalar("SELECT count(*) FROM rejects") }

    /// Rejected rows by reason code, most first.
    public static func byReason(_ db: Database) throws -> [(reason: String, count: Int)] {
        try db.fetch(Tally.self, "SELECT reason_code AS key, count(*) AS n FROM rejects GROUP BY 1 ORDER BY 2 DESC, 1")
            .map { ($0.key, $0.n) }
    }
}

/// What the last ingest of one file read.
public struct SourceRecord: FetchableRecord, Sendable {
    public enum Column: Int, ColumnSet {
        case file, runID, encoding, rowsRead, inserted, updated, unchanged, rejected, mapping, sequence, stamp
    }

    public var file: String
    public var encoding: String
    public var read: Int
    public var inserted: Int
    public var updated: Int
    public var unchanged: Int
    public var rejected: Int
    /// The mapping report's lines.
    public var mapping: [String]

    public init(_ row: RowReader<Column>) {
        file = row.string(.file)
        mapping = row.string(.mapping).split(separator: "\n").map(String.init)
        encoding = row.string(.encoding)
        read = row.int(.rowsRead)
        inserted = row.int(.inserted)
        updated = row.int(.updated)
        unchanged = row.int(.unchanged)
        rejected = row.int(.rejected)
    }
}

/// Reads `sources`.
public enum Sources {
    /// What `file` was when it was last read (see `IngestStage.stamp`), if it was.
    public static func stamp(_ db: Database, file: String) throws -> String? {
        try db.scalarText("SELECT stamp FROM sources WHERE file = ?", [file]).flatMap { $0.isEmpty ? nil : $0 }
    }

    public static func all(_ db: Database) throws -> [SourceRecord] {
        try db.fetch(SourceRecord.self, "SELECT \(SourceRecord.Column.list()) FROM sources ORDER BY file")
    }

    /// Rows read over every file's last ingest.
    public static func rowsRead(_ db: Database) throws -> Int {
        try db.scalar("SELECT coalesce(sum(rows_read), 0) FROM sources")
    }
}
