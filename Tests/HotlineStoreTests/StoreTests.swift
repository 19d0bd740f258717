import HotlineCore
import TestSupport
import Testing

@testable import HotlineStore

@Suite struct StoreTests {
    @Test func createsTheSchemaAtTheCurrentVersionInWALMode() throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.file("nested/h.sqlite"))
        #expect(try store.db.scalar("PRAGMA user_version") == Store.schemaVersion)
        #expect(try store.db.scalarText("PRAGMA journal_mode") == "wal")
        #expect(try store.db.scalar("SELECT count(*) FROM orders") == 0)
        // Reopening does not run the migrations again.
        _ = try Store(path: dir.file("nested/h.sqlite"))
    }

    @Test func refusesAStoreFromANewerHotline() throws {
        let dir = TemporaryDirectory()
        let db = try Database(path: dir.file("new.sqlite"))
        try db.execute("PRAGMA user_version = \(Store.schemaVersion + 1)")
        #expect(throws: HotlineError.self) { try Store(path: dir.file("new.sqlite")) }
    }

    @Test func missingStoreIsAnErrorWhenNotCreating() {
        let dir = TemporaryDirectory()
        #expect(throws: HotlineError.self) { try Store(path: dir.file("absent.sqlite"), create: false) }
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

    @Test func stageRunIsRecordedAndAFailedStageLeavesNoWrites() throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.file("r.sqlite"))
        try store.runStage("ingest", configHash: "abc") { _ in
            try store.db.execute("INSERT INTO meta(key, value) VALUES('k', 'v')")
            return StageCounts(rowsIn: 5, rowsOut: 4, rejected: 1)
        }
        struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
        #expect(throws: Boom.self) {
            try store.runStage("classify", configHash: "abc") { _ in
                try store.db.execute("DELETE FROM meta")
                throw Boom()
            }
        }
        #expect(try store.db.scalar("SELECT count(*) FROM meta WHERE key = 'k'") == 1)
        let runs = try store.recentRuns()
        #expect(runs.map(\.stage) == ["classify", "ingest"])
        #expect(runs.map(\.status) == ["failed", "ok"])
        #expect(runs[0].message == "boom")
        #expect((runs[1].rowsIn, runs[1].rowsOut, runs[1].rejected) == (5, 4, 1))
        #expect(try store.lastSuccessfulRun(of: "classify") == nil)
        #expect(try store.lastSuccessfulRun(of: "ingest") == runs[1].id)
    }

    @Test func saltIsMadeOnceAndKept() throws {
        let dir = TemporaryDirectory()
        let a = try Store(path: dir.file("s.sqlite")).salt()
        let b = try Store(path: dir.file("s.sqlite")).salt()
        #expect(a == b)
        #expect(a.count == 64)
        #expect(try Store(path: dir.file("other.sqlite")).salt() != a)
    }
}

@Suite struct MigrationTests {
    @Test func aVersion1StoreIsMigratedKeepingItsOrders() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("v1.sqlite")
        do {
            let db = try Database(path: path)
            try db.execute(Store.migrations[0])
            try db.execute("PRAGMA user_version = 1")
            try db.execute(
                """
                INSERT INTO orders(id, received_at, month, source_file, source_line, fingerprint, run_id)
                VALUES('OLD1', '2021-01-01 00:00:00', '2021-01', 'a.csv', 2, 'f', 1)
                """)
        }
        let store = try Store(path: path)
        #expect(try store.db.scalar("PRAGMA user_version") == Store.schemaVersion)
        #expect(Store.schemaVersion == 4)
        #expect(try store.db.scalar("SELECT count(*) FROM candidates") == 0)
        #expect(try store.db.rows("SELECT id, contacted FROM orders") == [[.text("OLD1"), .null]])
        #expect(try store.db.scalar("SELECT count(*) FROM order_history") == 0)
    }
}
