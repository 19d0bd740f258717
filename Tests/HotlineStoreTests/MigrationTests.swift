import HotlineCore
import TestSupport
import Testing

@testable import HotlineStore

/// Named migrations, as GRDB's `DatabaseMigrator` keeps them: each applied once, in order, recorded.
@Suite struct MigrationTests {
    let dir = TemporaryDirectory()

    static let first = [
        Migration("test.1-items", sql: "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL)"),
        Migration("test.2-size", sql: "ALTER TABLE items ADD COLUMN size INTEGER"),
    ]

    @Test func eachMigrationIsAppliedOnceAndRecordedByName() throws {
        let path = dir.file("m.sqlite")
        _ = try Store(path: path, migrations: Self.first)
        let counting =
            Self.first + [
                Migration("test.3-count") { db in try db.execute("INSERT INTO items(name) VALUES('counted')") }
            ]
        _ = try Store(path: path, migrations: counting)
        let store = try Store(path: path, migrations: counting)
        #expect(try store.db.scalar("SELECT count(*) FROM items") == 1)
        #expect(try Migrator.applied(store.db) == Store.migrations.map(\.name) + counting.map(\.name))
    }

    @Test func aFailingMigrationLeavesTheStoreAsItWas() throws {
        let path = dir.file("f.sqlite")
        do {
            let store = try Store(path: path, migrations: Self.first)
            try store.db.execute("INSERT INTO items(name, size) VALUES('kept', 1)")
        }
        let failing =
            Self.first + [
                Migration("test.3-ok", sql: "CREATE TABLE more(x)"),
                Migration("test.4-bad", sql: "ALTER TABLE nowhere ADD COLUMN y"),
            ]
        #expect {
            try Store(path: path, migrations: failing)
        } throws: { error in
            guard case HotlineError.store(_, .migration(let name, _)) = error else { return false }
            return name == "test.4-bad"
        }
        let db = try Database(path: path)
        #expect(try db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'more'") == 0)
        #expect(try Migrator.applied(db).last == "test.2-size")
        #expect(try db.scalarText("SELECT name FROM items") == "kept")
    }

    @Test func aStoreANewerBuildMigratedIsRefused() throws {
        let path = dir.file("n.sqlite")
        _ = try Store(path: path, migrations: Self.first + [Migration("test.3-future", sql: "CREATE TABLE f(x)")])
        #expect {
            try Store(path: path, migrations: Self.first)
        } throws: { error in
            guard case HotlineError.store(_, .newer(let unknown)) = error else { return false }
            return unknown == ["test.3-future"]
        }
        // Another module's migrations are not this build's business when it does not load that module.
        _ = try Store(path: path, migrations: [])
    }

    @Test func aReadOnlyOpenRefusesAStoreThatNeedsMigrating() throws {
        let path = dir.file("r.sqlite")
        _ = try Store(path: path, migrations: [Self.first[0]])
        #expect {
            try Store(path: path, migrations: Self.first, readOnly: true)
        } throws: { error in
            guard case HotlineError.store(_, .outdated(let pending)) = error else { return false }
            return pending == ["test.2-size"]
        }
    }

    @Test func anOldStoreCountsItsSchemaVersionAsTheNamedMigrationsItHeld() throws {
        #expect(Migrator.legacy[1]?.first == "store.1-meta-runs")
        #expect(Migrator.legacy[4]?.count == 8)
        for version in 1...4 {
            let path = dir.file("v\(version).sqlite")
            let db = try Database(path: path)
            try db.execute("PRAGMA user_version = \(version)")
            #expect(try Migrator.applied(db) == Migrator.legacy[version])
        }
    }
}
