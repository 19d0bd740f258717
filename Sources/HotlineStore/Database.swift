import CSQLite

/// A failed SQLite call: the result code, SQLite's own message, and the SQL it ran.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public let sql: String?

    public var description: String {
        if let sql { return "SQLite error \(code): \(message) (in: \(sql))" }
        return "SQLite error \(code): \(message)"
    }
}

/// A value bound to or read from a statement.
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case real(Double)
    case text(String)
}

/// Converts Swift values to statement bindings.
public protocol SQLBindable {
    var sqlValue: SQLValue { get }
}

extension Int: SQLBindable { public var sqlValue: SQLValue { .int(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .int(self) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .real(self) } }
extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// One connection to an SQLite file, owning the C handle and closing it on `deinit`.
///
/// Every result code goes through `check`, which throws `SQLiteError` with `sqlite3_errmsg`
/// and the SQL. A connection is used from one thread at a time.
public final class Database {
    let handle: OpaquePointer
    public let path: String

    public init(path: String, readOnly: Bool = false) throws {
        var db: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let code = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(db)
            throw SQLiteError(code: code, message: "\(message): \(path)", sql: nil)
        }
        handle = db
        self.path = path
        sqlite3_busy_timeout(db, 10_000)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { sqlite3_close_v2(handle) }

    func check(_ code: Int32, sql: String? = nil) throws {
        guard code == SQLITE_OK || code == SQLITE_ROW || code == SQLITE_DONE else {
            throw SQLiteError(code: code, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
        }
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws {
        try check(sqlite3_exec(handle, sql, nil, nil, nil), sql: sql)
    }

    /// Runs one statement with bindings, returning no rows.
    public func execute(_ sql: String, _ values: [any SQLBindable]) throws {
        let statement = try prepare(sql)
        try statement.bind(values)
        while try statement.step() {}
    }

    public func prepare(_ sql: String) throws -> Statement {
        var raw: OpaquePointer?
        try check(sqlite3_prepare_v2(handle, sql, -1, &raw, nil), sql: sql)
        guard let raw else { throw SQLiteError(code: SQLITE_MISUSE, message: "empty statement", sql: sql) }
        return Statement(handle: raw, database: self, sql: sql)
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Runs `body` in one transaction: commits when it returns, rolls back and rethrows the
    /// first error when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// The rows of a query, each as its columns' values.
    public func rows(_ sql: String, _ values: [any SQLBindable] = []) throws -> [[SQLValue]] {
        let statement = try prepare(sql)
        try statement.bind(values)
        var out: [[SQLValue]] = []
        while try statement.step() { out.append((0..<statement.columnCount).map { statement.value($0) }) }
        return out
    }

    /// Lowers the main database's page cache to `kib` KiB when it is larger, and returns the
    /// `PRAGMA cache_size` it had, to give back with `restoreCache`.
    ///
    /// SQLite also sizes each sort's memory by this cache: a reader that sorts large tables after
    /// its reads of the store are done peaks lower with a small one.
    @discardableResult
    public func limitCache(toKiB kib: Int) throws -> Int {
        let size = try scalar("PRAGMA main.cache_size")
        let current = size < 0 ? -size : size * (try scalar("PRAGMA main.page_size")) / 1024
        if current > kib { try execute("PRAGMA main.cache_size = \(-kib)") }
        return size
    }

    /// Gives the main database back the cache size `limitCache` returned.
    public func restoreCache(_ size: Int) throws { try execute("PRAGMA main.cache_size = \(size)") }

    /// The first column of the first row, as an integer (0 when there is none).
    public func scalar(_ sql: String, _ values: [any SQLBindable] = []) throws -> Int {
        let statement = try prepare(sql)
        try statement.bind(values)
        return try statement.step() ? statement.int(0) : 0
    }

    /// The first column of every row, as a whole number (0 for NULL).
    public func ints(_ sql: String, _ values: [any SQLBindable] = []) throws -> [Int] {
        let statement = try prepare(sql)
        try statement.bind(values)
        var out: [Int] = []
        while try statement.step() { out.append(statement.int(0)) }
        return out
    }

    /// The first column of every row, as text ("" for NULL).
    public func texts(_ sql: String, _ values: [any SQLBindable] = []) throws -> [String] {
        let statement = try prepare(sql)
        try statement.bind(values)
        var out: [String] = []
        while try statement.step() { out.append(statement.text(0) ?? "") }
        return out
    }

    /// The first column of the first row, as text.
    public func scalarText(_ sql: String, _ values: [any SQLBindable] = []) throws -> String? {
        let statement = try prepare(sql)
        try statement.bind(values)
        return try statement.step() ? statement.text(0) : nil
    }
}

/// A prepared statement, finalized on `deinit`.
public final class Statement {
    let handle: OpaquePointer
    let database: Database
    public let sql: String

    init(handle: OpaquePointer, database: Database, sql: String) {
        self.handle = handle
        self.database = database
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Resets the statement and binds `values` to its parameters in order.
    public func bind(_ values: [any SQLBindable]) throws {
        reset()
        for (i, value) in values.enumerated() {
            switch value.sqlValue {
            case .null: try bind(i + 1, nil as String?)
            case .int(let v): try database.check(sqlite3_bind_int64(handle, Int32(i + 1), v), sql: sql)
            case .real(let v): try database.check(sqlite3_bind_double(handle, Int32(i + 1), v), sql: sql)
            case .text(let v): try bind(i + 1, v)
            }
        }
    }

    /// Reads a keyset-paged query in batches of `size` records and hands each batch to `send`.
    ///
    /// The query's two parameters are `key > ?` and `LIMIT ?` (`… WHERE seq > ? ORDER BY seq LIMIT ?`)
    /// and `key` gives a record's key, so each batch is one short indexed read and no read stays open
    /// between batches. Stops when a batch comes back empty or `send` returns false.
    public func batches<R: FetchableRecord>(
        of type: R.Type, size: Int, key: (R) -> Int, send: ([R]) -> Bool
    ) throws {
        let reader = try RowReader<R.Column>(statement: self)
        var last = Int.min
        while true {
            try bind([last, size])
            var batch: [R] = []
            while try step() {
                let record = R(reader)
                last = key(record)
                batch.append(record)
            }
            if batch.isEmpty || !send(batch) { return }
        }
    }

    /// Makes the statement ready to run again; bindings not set again keep their values.
    public func reset() { sqlite3_reset(handle) }

    /// Binds text (or NULL) to parameter `index` (1-based), passing its length so SQLite need not scan it.
    public func bind(_ index: Int, _ text: String?) throws {
        guard var text else {
            try database.check(sqlite3_bind_null(handle, Int32(index)), sql: sql)
            return
        }
        let code = text.withUTF8 { utf8 -> Int32 in
            guard let base = utf8.baseAddress, utf8.count > 0 else {
                return sqlite3_bind_text(handle, Int32(index), "", 0, transient)
            }
            return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                sqlite3_bind_text(handle, Int32(index), $0, Int32(utf8.count), transient)
            }
        }
        try database.check(code, sql: sql)
    }

    /// Binds an integer (or NULL) to parameter `index` (1-based).
    public func bind(_ index: Int, _ value: Int?) throws {
        let code =
            value.map { sqlite3_bind_int64(handle, Int32(index), Int64($0)) } ?? sqlite3_bind_null(handle, Int32(index))
        try database.check(code, sql: sql)
    }

    /// Binds a value to parameter `index` (1-based).
    public func bind(_ index: Int, _ value: SQLValue) throws {
        switch value {
        case .null: try bind(index, nil as String?)
        case .int(let v): try database.check(sqlite3_bind_int64(handle, Int32(index), v), sql: sql)
        case .real(let v): try bind(index, v)
        case .text(let v): try bind(index, v)
        }
    }

    /// Binds a real number (or NULL) to parameter `index` (1-based).
    public func bind(_ index: Int, _ value: Double?) throws {
        let code =
            value.map { sqlite3_bind_double(handle, Int32(index), $0) } ?? sqlite3_bind_null(handle, Int32(index))
        try database.check(code, sql: sql)
    }

    /// Runs a statement whose parameters are bound, returning no rows; then resets it.
    public func execute() throws {
        defer { sqlite3_reset(handle) }
        while try step() {}
    }

    /// Advances to the next row; false when done.
    public func step() throws -> Bool {
        let code = sqlite3_step(handle)
        try database.check(code, sql: sql)
        return code == SQLITE_ROW
    }

    /// Binds and runs a statement that returns no rows.
    public func run(_ values: [any SQLBindable]) throws {
        try bind(values)
        while try step() {}
    }

    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    /// The name of result column `column` (0-based), as the query names it.
    public func columnName(_ column: Int) -> String {
        sqlite3_column_name(handle, Int32(column)).map { String(cString: $0) } ?? ""
    }

    public func isNull(_ column: Int) -> Bool { sqlite3_column_type(handle, Int32(column)) == SQLITE_NULL }

    public func int(_ column: Int) -> Int { Int(sqlite3_column_int64(handle, Int32(column))) }

    public func double(_ column: Int) -> Double { sqlite3_column_double(handle, Int32(column)) }

    public func text(_ column: Int) -> String? {
        guard let p = sqlite3_column_text(handle, Int32(column)) else { return nil }
        return String(cString: p)
    }

    public func value(_ column: Int) -> SQLValue {
        switch sqlite3_column_type(handle, Int32(column)) {
        case SQLITE_NULL: .null
        case SQLITE_INTEGER: .int(sqlite3_column_int64(handle, Int32(column)))
        case SQLITE_FLOAT: .real(sqlite3_column_double(handle, Int32(column)))
        default: .text(text(column) ?? "")
        }
    }
}

private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

extension SQLValue {
    public var int: Int? {
        switch self {
        case .int(let v): Int(v)
        case .real(let v): Int(v)
        case .text(let s): Int(s)
        case .null: nil
        }
    }

    public var double: Double? {
        switch self {
        case .int(let v): Double(v)
        case .real(let v): v
        case .text(let s): Double(s)
        case .null: nil
        }
    }

    public var text: String? {
        switch self {
        case .int(let v): String(v)
        case .real(let v): String(v)
        case .text(let s): s
        case .null: nil
        }
    }
}
