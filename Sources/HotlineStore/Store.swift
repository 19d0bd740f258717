import CSQLite
import Foundation
import HotlineCore

/// The store between stages: one SQLite file in WAL mode, its schema migrated forward on open.
///
/// Each stage writes its whole output inside `runStage`, one transaction, so a stage rerun by
/// hand replaces its output and a crash mid-stage leaves the previous state as it was.
public final class Store {
    public let db: Database
    public var path: String { db.path }

    /// The schema version this build writes; `PRAGMA user_version` of a current store.
    public static var schemaVersion: Int { migrations.count }

    /// Opens (and, unless `create` is false, creates) the store at `path`.
    ///
    /// A read-only store is not migrated; a store newer than this build is refused.
    public init(path: String, create: Bool = true, readOnly: Bool = false) throws {
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists && (!create || readOnly) {
            throw HotlineError.failed("no store at \(path): run 'hotline ingest' or 'hotline run' first")
        }
        if !exists {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        }
        db = try Database(path: path, readOnly: readOnly)
        let version = try db.scalar("PRAGMA user_version")
        guard version <= Self.schemaVersion else {
            throw HotlineError.failed(
                "store \(path) has schema version \(version), newer than this hotline (\(Self.schemaVersion))")
        }
        if readOnly {
            guard version == Self.schemaVersion else {
                throw HotlineError.failed("store \(path) needs an upgrade: run any stage on it first")
            }
            return
        }
        try db.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536")
        if version < Self.schemaVersion {
            try db.transaction {
                for script in Self.migrations[version...] { try db.execute(script) }
                try db.execute("PRAGMA user_version = \(Self.schemaVersion)")
            }
        }
    }

    /// A second, read-only connection to the same file, for a reader running beside the writer.
    public func readerConnection() throws -> Database { try Database(path: path, readOnly: true) }

    /// The secret salt for hashing phone numbers, made once per store and never published.
    public func salt() throws -> String {
        if let salt = try db.scalarText("SELECT value FROM meta WHERE key = 'salt'") { return salt }
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        let salt = bytes.hexString
        try db.execute("INSERT INTO meta(key, value) VALUES('salt', ?)", [salt])
        return salt
    }

    /// Runs one stage in one transaction and records it in `runs`.
    ///
    /// `body` gets the run's id and returns its counts. When it throws, its writes are rolled
    /// back, a failed run is recorded with the error, and the error is rethrown.
    @discardableResult
    public func runStage(_ stage: String, configHash: String, _ body: (Int) throws -> StageCounts) throws
        -> StageCounts
    {
        let started = LocalDateTime.now().description
        do {
            return try db.transaction {
                try db.execute(
                    "INSERT INTO runs(stage, started_at, config_hash, status) VALUES(?, ?, ?, 'running')",
                    [stage, started, configHash])
                let runID = Int(db.lastInsertRowID)
                let counts = try body(runID)
                try db.execute(
                    """
                    UPDATE runs SET finished_at = ?, rows_in = ?, rows_out = ?, rows_rejected = ?, status = 'ok',
                    message = ? WHERE id = ?
                    """,
                    [
                        LocalDateTime.now().description, counts.rowsIn, counts.rowsOut, counts.rejected, counts.message,
                        runID,
                    ])
                return counts
            }
        } catch {
            try? db.execute(
                """
                INSERT INTO runs(stage, started_at, finished_at, rows_in, rows_out, rows_rejected, config_hash, status,
                message) VALUES(?, ?, ?, 0, 0, 0, ?, 'failed', ?)
                """,
                [stage, started, LocalDateTime.now().description, configHash, "\(error)"])
            throw error
        }
    }

    /// The most recent stage runs, newest first.
    public func recentRuns(limit: Int = 10) throws -> [RunRecord] {
        let statement = try db.prepare(
            """
            SELECT id, stage, started_at, finished_at, rows_in, rows_out, rows_rejected, config_hash, status, message
            FROM runs ORDER BY id DESC LIMIT ?
            """)
        try statement.bind([limit])
        var out: [RunRecord] = []
        while try statement.step() {
            out.append(
                RunRecord(
                    id: statement.int(0), stage: statement.text(1) ?? "", startedAt: statement.text(2) ?? "",
                    finishedAt: statement.text(3), rowsIn: statement.int(4), rowsOut: statement.int(5),
                    rejected: statement.int(6), configHash: statement.text(7) ?? "", status: statement.text(8) ?? "",
                    message: statement.text(9)))
        }
        return out
    }

    /// The last successful run of `stage`, if any.
    public func lastSuccessfulRun(of stage: String) throws -> Int? {
        let id = try db.scalar("SELECT coalesce(max(id), 0) FROM runs WHERE stage = ? AND status = 'ok'", [stage])
        return id == 0 ? nil : id
    }

    /// Row counts of the store's main tables, for `status`.
    public func tableCounts() throws -> [(table: String, rows: Int)] {
        try ["orders", "rejects", "classified", "communities", "agg_category", "agg_area"].map {
            ($0, try db.scalar("SELECT count(*) FROM \($0)"))
        }
    }
}

/// What a stage did, for the runs table and the log.
public struct StageCounts: Sendable, Equatable {
    public var rowsIn: Int
    public var rowsOut: Int
    public var rejected: Int
    public var message: String?

    public init(rowsIn: Int, rowsOut: Int, rejected: Int = 0, message: String? = nil) {
        self.rowsIn = rowsIn
        self.rowsOut = rowsOut
        self.rejected = rejected
        self.message = message
    }
}

/// One row of the runs table.
public struct RunRecord: Sendable, Equatable {
    public var id: Int
    public var stage: String
    public var startedAt: String
    public var finishedAt: String?
    public var rowsIn: Int
    public var rowsOut: Int
    public var rejected: Int
    public var configHash: String
    public var status: String
    public var message: String?
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
