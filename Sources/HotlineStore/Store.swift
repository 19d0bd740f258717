import CSQLite
import Foundation
import HotlineCore

/// The store between stages: one SQLite file in WAL mode, its schema migrated forward on open.
///
/// Each stage writes its whole output inside `run`, one transaction, so a stage rerun by hand
/// replaces its output and a crash mid-stage leaves the previous state as it was. The store owns
/// the tables every stage shares (`meta`, `runs`, `table_changes`); each stage module owns its own
/// tables and hands their migrations to `init`.
public final class Store {
    public let db: Database
    public var path: String { db.path }

    public static let meta = TableName("meta")
    public static let runs = TableName("runs")
    public static let tableChanges = TableName("table_changes")

    /// The store's own migrations, applied before any module's.
    public static let migrations = [
        Migration(
            "store.1-meta-runs",
            sql: """
                CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE runs(
                    id INTEGER PRIMARY KEY,
                    stage TEXT NOT NULL,
                    started_at TEXT NOT NULL,
                    finished_at TEXT,
                    rows_in INTEGER NOT NULL DEFAULT 0,
                    rows_out INTEGER NOT NULL DEFAULT 0,
                    rows_rejected INTEGER NOT NULL DEFAULT 0,
                    config_hash TEXT NOT NULL,
                    status TEXT NOT NULL,
                    message TEXT);
                """),
        Migration(
            "store.2-table-changes",
            sql: """
                CREATE TABLE table_changes(table_name TEXT PRIMARY KEY, run_id INTEGER NOT NULL);
                """),
    ]

    /// Opens (and, unless `create` is false, creates) the store at `path`, applying the given
    /// modules' migrations it lacks.
    ///
    /// A read-only store is not migrated: one that lacks a migration is refused, as is a store a
    /// newer hotline migrated.
    public init(path: String, migrations: [Migration] = [], create: Bool = true, readOnly: Bool = false) throws {
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists && (!create || readOnly) { throw HotlineError.store(path: path, .missing) }
        if !exists {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty {
                do {
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                } catch {
                    throw HotlineError.file(path: dir, problem: "cannot create the store's folder: \(error)")
                }
            }
        }
        db = try Database(path: path, readOnly: readOnly)
        let migrator = Migrator(migrations: Self.migrations + migrations)
        if readOnly {
            let applied = try Migrator.applied(db)
            let unknown = migrator.unknown(in: applied)
            guard unknown.isEmpty else { throw HotlineError.store(path: path, .newer(unknown: unknown)) }
            let pending = migrator.pending(given: applied)
            guard pending.isEmpty else {
                throw HotlineError.store(path: path, .outdated(pending: pending.map(\.name)))
            }
            return
        }
        try db.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536")
        try migrator.migrate(db, path: path)
        // Whoever opens the store for writing holds its lock (see `StoreLock`), so a run still
        // recorded as running belongs to a process that died before finishing it.
        for run in try RunRecord.abandon(in: db) {
            Log.warning(
                "\(run.stage) started \(run.startedAt) did not finish: the process ended (killed or crashed), "
                    + "and what it wrote was rolled back")
        }
    }

    /// A second, read-only connection to the same file, for a reader running beside the writer.
    public func readerConnection() throws -> Database { try Database(path: path, readOnly: true) }

    /// A value kept in `meta`.
    public func meta(_ key: String) throws -> String? { try db.meta(key) }

    /// Sets (or, with nil, removes) a value in `meta`.
    public func setMeta(_ key: String, _ value: String?) throws { try db.setMeta(key, value) }

    // MARK: Stage runs

    /// Runs `stage` in one transaction (after its `prepare` in one of its own) and records it in
    /// `runs`, with the tables it changed.
    ///
    /// The run is recorded as running before the stage starts, committed. When the stage throws,
    /// its writes are rolled back, the run is recorded as failed with the error, and the error is
    /// rethrown. When the process dies instead (killed, or a trap), the run stays running until the
    /// store is next opened for writing, which records it as failed (see `init`).
    @discardableResult
    public func run<S: Stage>(_ stage: S) throws -> StageCounts {
        let runID = try RunRecord.start(S.name, fingerprint: stage.fingerprint, in: db)
        do {
            try db.transaction { try stage.prepare(in: self) }
        } catch {
            try? RunRecord.fail(runID, message: "\(error)", in: db)
            throw error
        }
        return try complete(runID, owns: S.owns) { try stage.run(in: self, runID: $0) }
    }

    /// Runs `body` as run of `stage` in one transaction (see `run`).
    @discardableResult
    public func runStage(
        _ stage: StageName, fingerprint: String, owns: [TableName] = [], _ body: (Int) throws -> StageCounts
    ) throws -> StageCounts {
        try complete(try RunRecord.start(stage, fingerprint: fingerprint, in: db), owns: owns, body)
    }

    /// Runs `body` in one transaction as the run `runID`, recorded as running, and records how it ended.
    private func complete(_ runID: Int, owns: [TableName], _ body: (Int) throws -> StageCounts) throws -> StageCounts {
        do {
            return try db.transaction {
                let counts = try body(runID)
                try RunRecord.finish(runID, counts: counts, in: db)
                for table in counts.changed ?? Set(owns) {
                    try db.execute(
                        "INSERT OR REPLACE INTO table_changes(table_name, run_id) VALUES(?, ?)",
                        [table.rawValue, runID])
                }
                return counts
            }
        } catch {
            try? RunRecord.fail(runID, message: "\(error)", in: db)
            throw error
        }
    }

    /// The most recent stage runs, newest first.
    public func recentRuns(limit: Int = 10) throws -> [RunRecord] {
        try db.fetch(RunRecord.self, "SELECT \(RunRecord.Column.list()) FROM runs ORDER BY id DESC LIMIT ?", [limit])
    }

    /// Whether `stage` ran successfully after run `id`.
    public func ran(_ stage: StageName, after id: Int) throws -> Bool {
        try db.scalar(
            "SELECT count(*) FROM runs WHERE stage = ? AND status = ? AND id > ?",
            [stage.rawValue, RunStatus.ok.rawValue, id]) > 0
    }

    /// How a stage that can work on what changed will run: on the orders written after a run,
    /// or on everything, and why.
    public enum Scope: Sendable, Equatable {
        case changedSince(run: Int)
        case everything(because: String)
    }

    /// `changedSince` the stage's last successful run when it ran before with the same
    /// `fingerprint` and no orders were removed since; else `everything`, with the reason.
    public func scope(of stage: StageName, fingerprint: String, full: Bool) throws -> Scope {
        if full { return .everything(because: "--full") }
        guard let last = try lastSuccessfulRun(of: stage) else { return .everything(because: "its first run") }
        if last.configHash != fingerprint {
            return .everything(
                because: "its settings, the files they name or its tables' layout (a new version) changed")
        }
        if try ran(.remove, after: last.id) { return .everything(because: "orders were removed since its last run") }
        return .changedSince(run: last.id)
    }

    /// The last successful run of `stage`, if any.
    public func lastSuccessfulRun(of stage: StageName) throws -> RunRecord? {
        try db.fetchOne(
            RunRecord.self,
            "SELECT \(RunRecord.Column.list()) FROM runs WHERE stage = ? AND status = ? ORDER BY id DESC LIMIT 1",
            [stage.rawValue, RunStatus.ok.rawValue])
    }

    /// The run that last changed each table.
    public func tableChanges() throws -> [TableName: Int] {
        var out: [TableName: Int] = [:]
        for change in try db.fetch(TableChange.self, "SELECT table_name, run_id FROM table_changes") {
            out[TableName(change.table)] = change.runID
        }
        return out
    }

    /// Whether `S`'s output is up to date with the tables it reads and, unless it is nil, with `fingerprint`.
    public func staleness<S: Stage>(of stage: S.Type, fingerprint: String?) throws -> Staleness {
        guard let last = try lastSuccessfulRun(of: S.name) else { return .neverRan }
        let changes = try tableChanges()
        let changed = S.reads.filter { (changes[$0] ?? 0) > last.id }
        if !changed.isEmpty { return .inputsChanged(changed) }
        guard let fingerprint else { return .current }
        return last.configHash == fingerprint ? .current : .settingsChanged
    }

    /// Row counts of the given tables, for `status`.
    public func rowCounts(_ tables: [TableName]) throws -> [(table: TableName, rows: Int)] {
        try tables.map { ($0, try db.scalar("SELECT count(*) FROM \($0.rawValue)")) }
    }
}

/// How a stage run ended.
public enum RunStatus: String, StoredCode {
    case running, ok, failed

    public var label: String {
        switch self {
        case .running: "运行中"
        case .ok: "成功"
        case .failed: "失败"
        }
    }
}

/// One row of the runs table.
public struct RunRecord: Sendable, Equatable, FetchableRecord {
    public enum Column: Int, ColumnSet {
        case id, stage, startedAt, finishedAt, rowsIn, rowsOut, rowsRejected, configHash, status, message
    }

    public var id: Int
    /// The stage's name as stored; `StageName(stored:)` reads it.
    public var stage: String
    public var startedAt: String
    public var finishedAt: String?
    public var rowsIn: Int
    public var rowsOut: Int
    public var rejected: Int
    public var configHash: String
    public var status: RunStatus?
    public var message: String?

    public init(_ row: RowReader<Column>) {
        id = row.int(.id)
        stage = row.string(.stage)
        startedAt = row.string(.startedAt)
        finishedAt = row.text(.finishedAt)
        rowsIn = row.int(.rowsIn)
        rowsOut = row.int(.rowsOut)
        rejected = row.int(.rowsRejected)
        configHash = row.string(.configHash)
        status = RunStatus(stored: row.text(.status))
        message = row.text(.message)
    }

    /// Records a run of `stage` as running, starting now; returns its id.
    static func start(_ stage: StageName, fingerprint: String, in db: Database) throws -> Int {
        let insert = try db.insert(into: "runs", [Column.stage, .startedAt, .configHash, .status])
        try insert.set(.stage, stage.rawValue)
        try insert.set(.startedAt, LocalDateTime.now().description)
        try insert.set(.configHash, fingerprint)
        try insert.set(.status, RunStatus.running.rawValue)
        try insert.run()
        return Int(db.lastInsertRowID)
    }

    static func finish(_ id: Int, counts: StageCounts, in db: Database) throws {
        try db.execute(
            """
            UPDATE runs SET finished_at = ?, rows_in = ?, rows_out = ?, rows_rejected = ?, status = ?, message = ?
            WHERE id = ?
            """,
            [
                LocalDateTime.now().description, counts.rowsIn, counts.rowsOut, counts.rejected, RunStatus.ok.rawValue,
                counts.message, id,
            ])
    }

    /// Records the run `id` as failed now, with `message`.
    static func fail(_ id: Int, message: String, in db: Database) throws {
        try db.execute(
            "UPDATE runs SET finished_at = ?, status = ?, message = ? WHERE id = ?",
            [LocalDateTime.now().description, RunStatus.failed.rawValue, message, id])
    }

    /// Records every run still running as failed, as its process died; returns them.
    static func abandon(in db: Database) throws -> [RunRecord] {
        let left = try db.fetch(
            RunRecord.self, "SELECT \(Column.list()) FROM runs WHERE status = ? ORDER BY id",
            [RunStatus.running.rawValue])
        for run in left {
            try fail(
                run.id, message: "did not finish: the process ended (killed or crashed) before the run did", in: db)
        }
        return left
    }
}

/// One row of `table_changes`: the run that last changed a table.
struct TableChange: FetchableRecord {
    enum Column: Int, ColumnSet {
        case tableName, runID
    }

    var table: String
    var runID: Int

    init(_ row: RowReader<Column>) {
        table = row.string(.tableName)
        runID = row.int(.runID)
    }
}

extension LocalDateTime {
    /// The machine's local wall-clock time now.
    public static func now() -> LocalDateTime {
        var t = time(nil)
        var parts = tm()
        localtime_r(&t, &parts)
        return LocalDateTime(
            year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday),
            hour: Int(parts.tm_hour), minute: Int(parts.tm_min), second: Int(parts.tm_sec))
    }
}

extension Database {
    /// A value kept in the store's `meta`, for a stage that is handed the connection only.
    public func meta(_ key: String) throws -> String? {
        try scalarText("SELECT value FROM meta WHERE key = ?", [key])
    }

    /// Sets (or, with nil, removes) a value in the store's `meta`.
    public func setMeta(_ key: String, _ value: String?) throws {
        if let value {
            try execute("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", [key, value])
        } else {
            try execute("DELETE FROM meta WHERE key = ?", [key])
        }
    }
}
