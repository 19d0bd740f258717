/// The columns of one table or query, named once as the cases of an enum.
///
/// A case's SQL name is its Swift name in snake case (`receivedAt` → `received_at`) unless the enum
/// says otherwise. Results are read by these names (`RowReader`), and inserts are built from them
/// (`Insert`), so a column is spelt once and the compiler checks every use.
public protocol ColumnSet: RawRepresentable, CaseIterable, Sendable where RawValue == Int, AllCases == [Self] {
    /// The column's name in SQL.
    var name: String { get }
}

extension ColumnSet {
    public var name: String { snakeName }

    /// The case's Swift name in snake case, for a `name` that overrides only some cases.
    public var snakeName: String { snakeCase(String(describing: self)) }

    /// `a, b, c` for a SELECT or an INSERT.
    public static func list(_ columns: [Self] = allCases, prefix: String = "") -> String {
        columns.map { prefix + $0.name }.joined(separator: ", ")
    }
}

/// `receivedAt` → `received_at`, `runID` → `run_id`, `per10k` → `per10k`.
func snakeCase(_ name: String) -> String {
    var out = ""
    var previous: Character?
    for c in name {
        if c.isUppercase {
            if let p = previous, p.isLowercase || p.isNumber { out += "_" }
            out += c.lowercased()
        } else {
            out.append(c)
        }
        previous = c
    }
    return out
}

/// Reads the current row of a statement by column name.
///
/// The names are looked up once, when the reader is made (a name the result lacks is an error that
/// names it and the SQL); each read is then an array access.
public struct RowReader<C: ColumnSet> {
    public let statement: Statement
    private let positions: [Int32]

    /// A reader of `columns` (all of the set by default); reading a column not among them is a
    /// programming error that stops the program.
    init(statement: Statement, only columns: [C] = C.allCases) throws {
        self.statement = statement
        var index: [String: Int32] = [:]
        for i in 0..<statement.columnCount { index[statement.columnName(i)] = Int32(i) }
        var positions = [Int32](repeating: -1, count: C.allCases.count)
        var missing: [String] = []
        for c in columns {
            if let i = index[c.name] { positions[c.rawValue] = i } else { missing.append(c.name) }
        }
        guard missing.isEmpty else {
            throw SQLiteError(
                code: 1, message: "the result has no column \(missing.joined(separator: ", "))", sql: statement.sql)
        }
        self.positions = positions
    }

    private func at(_ c: C) -> Int {
        let p = positions[c.rawValue]
        precondition(p >= 0, "column \(c.name) was not selected in: \(statement.sql)")
        return Int(p)
    }

    public func text(_ c: C) -> String? { statement.text(at(c)) }
    /// The text, or "" for NULL.
    public func string(_ c: C) -> String { statement.text(at(c)) ?? "" }
    public func int(_ c: C) -> Int { statement.int(at(c)) }
    public func optionalInt(_ c: C) -> Int? { statement.isNull(at(c)) ? nil : statement.int(at(c)) }
    public func double(_ c: C) -> Double { statement.double(at(c)) }
    public func optionalDouble(_ c: C) -> Double? { statement.isNull(at(c)) ? nil : statement.double(at(c)) }
    public func bool(_ c: C) -> Bool { statement.int(at(c)) != 0 }
    public func optionalBool(_ c: C) -> Bool? { statement.isNull(at(c)) ? nil : statement.int(at(c)) != 0 }
    public func isNull(_ c: C) -> Bool { statement.isNull(at(c)) }
}

/// A type made from one row of a table or query, read by column name.
public protocol FetchableRecord {
    associatedtype Column: ColumnSet
    init(_ row: RowReader<Column>)
}

/// A prepared `INSERT` with a column list, bound by column name.
public final class Insert<C: ColumnSet> {
    public let statement: Statement
    /// The parameter number (1-based) of each column, by its raw value; 0 when not inserted.
    private let parameters: [Int32]

    init(database: Database, table: String, columns: [C], replace: Bool, conflict: String) throws {
        var parameters = [Int32](repeating: 0, count: C.allCases.count)
        for (i, c) in columns.enumerated() { parameters[c.rawValue] = Int32(i + 1) }
        self.parameters = parameters
        let placeholders = (1...columns.count).map { "?\($0)" }.joined(separator: ", ")
        statement = try database.prepare(
            "INSERT \(replace ? "OR REPLACE " : "")INTO \(table)(\(C.list(columns))) VALUES(\(placeholders))"
                + (conflict.isEmpty ? "" : " " + conflict))
    }

    /// The parameter number of `column`, for an ON CONFLICT clause written with `?N`.
    public func parameter(_ column: C) -> Int { Int(parameters[column.rawValue]) }

    public func set(_ column: C, _ value: String?) throws {
        try statement.bind(Int(parameters[column.rawValue]), value)
    }

    public func set(_ column: C, _ value: Int?) throws {
        try statement.bind(Int(parameters[column.rawValue]), value)
    }

    public func set(_ column: C, _ value: Double?) throws {
        try statement.bind(Int(parameters[column.rawValue]), value)
    }

    public func set(_ column: C, _ value: SQLValue) throws {
        try statement.bind(Int(parameters[column.rawValue]), value)
    }

    public func set(_ column: C, _ value: Bool?) throws {
        try statement.bind(Int(parameters[column.rawValue]), value.map { $0 ? 1 : 0 })
    }

    /// Runs the insert with the values set, then resets it; values not set again keep theirs.
    public func run() throws { try statement.execute() }
}

extension Database {
    /// An insert into `table` naming `columns` (all of the set by default): `INSERT OR REPLACE` with
    /// `replace`, and an optional conflict clause such as `ON CONFLICT(id) DO NOTHING`.
    public func insert<C: ColumnSet>(
        into table: String, _ columns: [C] = C.allCases, replace: Bool = false, conflict: String = ""
    ) throws -> Insert<C> {
        try Insert(database: self, table: table, columns: columns, replace: replace, conflict: conflict)
    }

    /// Every row of a query as records, read by column name.
    public func fetch<R: FetchableRecord>(_ type: R.Type, _ sql: String, _ values: [any SQLBindable] = []) throws -> [R]
    {
        var out: [R] = []
        try forEach(type, sql, values) { out.append($0) }
        return out
    }

    /// The first row of a query as a record, nil when there is none.
    public func fetchOne<R: FetchableRecord>(_ type: R.Type, _ sql: String, _ values: [any SQLBindable] = []) throws
        -> R?
    {
        let statement = try prepare(sql)
        try statement.bind(values)
        let reader = try RowReader<R.Column>(statement: statement)
        return try statement.step() ? R(reader) : nil
    }

    /// Hands each row of a query to `body` as a record, one at a time.
    public func forEach<R: FetchableRecord>(
        _ type: R.Type, _ sql: String, _ values: [any SQLBindable] = [], _ body: (R) throws -> Void
    ) throws {
        let statement = try prepare(sql)
        try statement.bind(values)
        let reader = try RowReader<R.Column>(statement: statement)
        while try statement.step() { try body(R(reader)) }
    }
}

extension Statement {
    /// A reader of this statement's result by the names of `columns` (all of the set, or `only` those).
    public func reader<C: ColumnSet>(_ columns: C.Type, only: [C] = C.allCases) throws -> RowReader<C> {
        try RowReader(statement: self, only: only)
    }
}

/// A key and a value, from a query whose columns are named `key` and `value`.
public struct KeyValue: FetchableRecord, Sendable {
    public enum Column: Int, ColumnSet { case key, value }
    public var key: String
    public var value: String

    public init(_ row: RowReader<Column>) {
        key = row.string(.key)
        value = row.string(.value)
    }
}

/// A key and a count, from a `GROUP BY` whose columns are named `key` and `n`.
public struct Tally: FetchableRecord, Sendable {
    public enum Column: Int, ColumnSet { case key, n }
    public var key: String
    public var n: Int

    public init(_ row: RowReader<Column>) {
        key = row.string(.key)
        n = row.int(.n)
    }
}
