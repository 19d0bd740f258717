import Foundation
import HotlineCore
import TestSupport
import Testing

@testable import HotlineStore

@Suite struct StoreTests {
    @Test func createsTheStoreInWALModeWithItsOwnTables() throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.file("nested/h.sqlite"))
        #expect(try store.db.scalar("PRAGMA user_version") == Migrator.namedVersion)
        #expect(try store.db.scalarText("PRAGMA journal_mode") == "wal")
        #expect(try store.db.scalar("SELECT count(*) FROM runs") == 0)
        #expect(try Migrator.applied(store.db) == Store.migrations.map(\.name))
        // Reopening does not run the migrations again.
        _ = try Store(path: dir.file("nested/h.sqlite"))
    }

    /// A stage that sorts large tables lowers its connection's cache for a while and gives it back;
    /// a reader's smaller default is never raised.
    @Test func theCacheIsLimitedAndGivenBack() throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.file("c.sqlite"))
        let size = try store.db.limitCache(toKiB: 16384)
        #expect(size == -65536)
        #expect(try store.db.scalar("PRAGMA main.cache_size") == -16384)
        try store.db.restoreCache(size)
        #expect(try store.db.scalar("PRAGMA main.cache_size") == -65536)
        let reader = try store.readerConnection()
        let small = try reader.scalar("PRAGMA main.cache_size")
        #expect(try reader.limitCache(toKiB: 16384) == small)
        #expect(try reader.scalar("PRAGMA main.cache_size") == small)
        // A size in pages (positive) is compared in KiB too: 10,000 pages of 4 KiB are 40,000 KiB.
        try reader.execute("PRAGMA main.cache_size = 10000")
        try reader.limitCache(toKiB: 16384)
        #expect(try reader.scalar("PRAGMA main.cache_size") == -16384)
    }

    @Test func missingStoreIsAnErrorWhenNotCreating() {
        let dir = TemporaryDirectory()
        #expect {
            try Store(path: dir.file("absent.sqlite"), create: false)
        } throws: { error in
            guard case HotlineError.store(_, .missing) = error else { return false }
            return true
        }
    }

    @Test func errorsCarrySQLiteMessageAndTheSQL() throws {
        let dir = TemporaryDirectory()
        let db = try Database(path: dir.file("e.sqlite"))
        #expect {
            try db.execute("SELECT * FROM no_such_table")
        } throws: { error in
            guard let e = error as? SQLiteError else { return false }
            return e.message.contains("no such table") && e.sql == "SELECT * FROM no_such_table"
        }
    }

    @Test func transactionRollsBackAndRethrowsTheFirstError() throws {
        let dir = TemporaryDirectory()
        let db = try Database(path: dir.file("t.sqlite"))
        try db.execute("CREATE TABLE t(x INTEGER)")
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES(1)")
                throw Boom()
            }
        }
        #expect(try db.scalar("SELECT count(*) FROM t") == 0)
        try db.transaction { try db.execute("INSERT INTO t VALUES(?)", [2]) }
        #expect(try db.rows("SELECT x FROM t") == [[.int(2)]])
    }

    @Test func stageRunIsRecordedWithTheTablesItChangedAndAFailedStageLeavesNoWrites() throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.file("r.sqlite"))
        try store.runStage(.ingest, fingerprint: "abc", owns: [TableName("orders")]) { _ in
            try store.setMeta("k", "v")
            return StageCounts(rowsIn: 5, rowsOut: 4, rejected: 1)
        }
        struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
        #expect(throws: Boom.self) {
            try store.runStage(.classify, fingerprint: "abc") { _ in
                try store.setMeta("k", nil)
                throw Boom()
            }
        }
        #expect(try store.meta("k") == "v")
        let runs = try store.recentRuns()
        #expect(runs.map(\.stage) == ["classify", "ingest"])
        #expect(runs.map(\.status) == [.failed, .ok])
        #expect(runs[0].message == "boom")
        #expect((runs[1].rowsIn, runs[1].rowsOut, runs[1].rejected) == (5, 4, 1))
        #expect(try store.lastSuccessfulRun(of: .classify) == nil)
        #expect(try store.lastSuccessfulRun(of: .ingest)?.id == runs[1].id)
        #expect(try store.tableChanges() == [TableName("orders"): runs[1].id])
    }

    /// A run is committed as running before its stage starts, so a process that dies mid-stage
    /// leaves it; the next writer records it as failed, and a reader leaves it as it is.
    @Test func aRunWhoseProcessDiedIsRecordedAsFailedByTheNextWriter() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("d.sqlite")
        let store = try Store(path: path)
        try store.runStage(.classify, fingerprint: "f") { id in
            let seen = try store.readerConnection().scalarText("SELECT status FROM runs WHERE id = ?", [id])
            #expect(seen == RunStatus.running.rawValue)
            return StageCounts(rowsIn: 0, rowsOut: 0)
        }
        // What a process that died during a detect run leaves.
        let died = try RunRecord.start(.detect, fingerprint: "f", in: store.db)
        _ = try Store(path: path, readOnly: true)
        #expect(try store.recentRuns().map(\.status) == [.running, .ok])
        let reopened = try Store(path: path)
        let runs = try reopened.recentRuns()
        #expect(runs.map(\.status) == [.failed, .ok])
        #expect(runs[0].id == died && runs[0].finishedAt != nil && runs[0].message != nil)
        #expect(try reopened.lastSuccessfulRun(of: .detect) == nil)
        // Recorded once: opening again changes nothing.
        let finished = runs[0].finishedAt
        _ = try Store(path: path)
        #expect(try store.recentRuns()[0].finishedAt == finished)
    }

    /// `status` tells a run in progress from one whose process died by the lock's holder.
    @Test func theLockHolderIsTheLiveProcessNamedInTheLockFile() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("l.sqlite")
        #expect(StoreLock.holder(of: path) == nil)
        var lock: StoreLock? = try StoreLock(store: path)
        #expect(StoreLock.holder(of: path) == getpid())
        _ = lock
        lock = nil
        #expect(StoreLock.holder(of: path) == nil)
        // A holder killed without letting go leaves its pid in the file.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        try "\(child.processIdentifier)\n".write(toFile: path + ".lock", atomically: true, encoding: .utf8)
        #expect(StoreLock.holder(of: path) == nil)
        try "\(getpid())\n".write(toFile: path + ".lock", atomically: true, encoding: .utf8)
        #expect(StoreLock.holder(of: path) == getpid())
    }

    @Test func metaValuesAreSetReadAndRemoved() throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.file("s.sqlite"))
        try store.setMeta("k", "v")
        #expect(try Store(path: dir.file("s.sqlite")).meta("k") == "v")
        try store.setMeta("k", nil)
        #expect(try store.meta("k") == nil)
    }
}

/// A stage that reads one table and owns another, to check what `staleness` derives.
private struct Copier: Stage {
    static let name = StageName.aggregate
    static let reads = [TableName("src")]
    static let owns = [TableName("dst")]
    static let migrations = [Migration("copier.1-tables", sql: "CREATE TABLE src(x); CREATE TABLE dst(x);")]
    static let settings = [Setting("copier", "factor", .whole(1...9), default: "1", "")]
    let fingerprint: String

    init(config: PipelineConfig, paths: StagePaths) throws { fingerprint = Self.fingerprint(of: config) }

    func run(in store: Store, runID: Int) throws -> StageCounts {
        try store.db.execute("DELETE FROM dst; INSERT INTO dst SELECT x FROM src")
        return StageCounts(rowsIn: 0, rowsOut: 0)
    }
}

/// A stage whose `prepare` fills a cache that a second connection reads in `run`, which then
/// fails when told to.
private struct Cached: Stage {
    static let name = StageName.detect
    static let reads: [TableName] = []
    static let owns = [TableName("cache"), TableName("out")]
    static let migrations = [Migration("cached.1-tables", sql: "CREATE TABLE cache(x); CREATE TABLE out(x);")]
    static let settings: [Setting] = []
    let fingerprint = ""
    var fail = false

    init(config: PipelineConfig, paths: StagePaths) throws {}
    init(fail: Bool) { self.fail = fail }

    struct Boom: Error {}

    func prepare(in store: Store) throws { try store.db.execute("INSERT INTO cache VALUES(1)") }

    func run(in store: Store, runID: Int) throws -> StageCounts {
        // What prepare wrote is committed: another connection sees it.
        let seen = try store.readerConnection().scalar("SELECT count(*) FROM cache")
        try store.db.execute("INSERT INTO out VALUES(?)", [seen])
        if fail { throw Boom() }
        return StageCounts(rowsIn: seen, rowsOut: 1)
    }
}

@Suite struct StageTests {
    @Test func preparedWorkIsCommittedBeforeTheRunAndKeptWhenTheRunFails() throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.file("c.sqlite"), stages: [Cached.self])
        #expect(throws: Cached.Boom.self) { try store.run(Cached(fail: true)) }
        #expect(try store.db.scalar("SELECT count(*) FROM cache") == 1)
        #expect(try store.db.scalar("SELECT count(*) FROM out") == 0)
        #expect(try store.recentRuns().map(\.status) == [.failed])
        try store.run(Cached(fail: false))
        #expect(try store.db.rows("SELECT x FROM out") == [[.int(2)]])
        #expect(try store.recentRuns().map(\.status) == [.ok, .failed])
    }

    @Test func stalenessFollowsTheDeclaredInputsAndTheFingerprint() throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.file("s.sqlite"), stages: [Copier.self])
        let paths = StagePaths(store: store.path)
        let config = PipelineConfig(directory: dir.path, settings: Copier.settings)
        let stage = try Copier(config: config, paths: paths)
        #expect(try store.staleness(of: Copier.self, fingerprint: stage.fingerprint) == .neverRan)
        try store.run(stage)
        #expect(try store.staleness(of: Copier.self, fingerprint: stage.fingerprint) == .current)
        #expect(try store.tableChanges()[TableName("dst")] != nil)
        // Another stage changes what it reads.
        try store.runStage(.ingest, fingerprint: "", owns: [TableName("src")]) { _ in
            try store.db.execute("INSERT INTO src VALUES(1)")
            return StageCounts(rowsIn: 1, rowsOut: 1)
        }
        #expect(
            try store.staleness(of: Copier.self, fingerprint: stage.fingerprint) == .inputsChanged([TableName("src")]))
        try store.run(stage)
        // A run that declares it changed nothing leaves its readers current.
        try store.runStage(.ingest, fingerprint: "", owns: [TableName("src")]) { _ in
            StageCounts(rowsIn: 0, rowsOut: 0, changed: [])
        }
        #expect(try store.staleness(of: Copier.self, fingerprint: stage.fingerprint) == .current)
        let path = dir.write("c.conf", "[copier]\nfactor = 3\n")
        let changed = try Copier(config: PipelineConfig.load(path: path, stages: [Copier.self]), paths: paths)
        #expect(try store.staleness(of: Copier.self, fingerprint: changed.fingerprint) == .settingsChanged)
    }
}

@Suite struct ColumnTests {
    enum Column: Int, ColumnSet {
        case orderID, receivedAt, per10k, n
        var name: String { self == .per10k ? "per_10k" : snakeName }
    }

    struct Row: FetchableRecord {
        var id: String
        var received: String?
        var rate: Double?
        var n: Int
        init(_ row: RowReader<Column>) {
            id = row.string(.orderID)
            received = row.text(.receivedAt)
            rate = row.optionalDouble(.per10k)
            n = row.int(.n)
        }
    }

    @Test func namesAreSnakeCaseUnlessOverridden() {
        #expect(Column.allCases.map(\.name) == ["order_id", "received_at", "per_10k", "n"])
        #expect(Column.list([.n, .orderID], prefix: "t.") == "t.n, t.order_id")
    }

    @Test func rowsAreReadByNameWhateverTheirOrder() throws {
        let dir = TemporaryDirectory()
        let db = try Database(path: dir.file("c.sqlite"))
        try db.execute("CREATE TABLE t(n INTEGER, per_10k REAL, received_at TEXT, order_id TEXT)")
        let insert = try db.insert(into: "t", [Column.orderID, .n, .per10k])
        try insert.set(.orderID, "A")
        try insert.set(.n, 3)
        try insert.set(.per10k, 1.5)
        try insert.run()
        let rows = try db.fetch(Row.self, "SELECT * FROM t")
        #expect(rows.map(\.id) == ["A"])
        #expect(rows[0].received == nil && rows[0].rate == 1.5 && rows[0].n == 3)
        // A result without a column the record reads is an error naming it and the SQL.
        #expect {
            try db.fetch(Row.self, "SELECT n, order_id FROM t")
        } throws: { error in
            guard let e = error as? SQLiteError else { return false }
            return e.message.contains("received_at") && e.sql == "SELECT n, order_id FROM t"
        }
    }
}
