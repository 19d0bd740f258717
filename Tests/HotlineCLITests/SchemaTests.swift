import Foundation
import HotlineAggregate
import HotlineCore
import HotlineDetect
import HotlineIngest
import HotlineStore
import TestSupport
import Testing

@testable import HotlineCLI

/// Stores made by earlier builds (schema versions 1 to 4, before migrations had names) are
/// migrated to this build's schema with their data, to the same schema a new store gets.
@Suite struct SchemaTests {
    let dir = TemporaryDirectory()

    /// A store as build `version` left it, with an order (and, where the version had them, an
    /// order's earlier version, a supervision row and a candidate) in it.
    func legacyStore(_ version: Int) throws -> String {
        let path = dir.file("v\(version).sqlite")
        let db = try Database(path: path)
        for v in 1...version {
            try db.execute(
                try String(contentsOfFile: Fixtures.path("Fixtures/legacy/schema-\(v).sql"), encoding: .utf8))
        }
        try db.execute("PRAGMA user_version = \(version)")
        try db.execute(
            """
            INSERT INTO runs(stage, started_at, config_hash, status) VALUES('ingest', '2021-01-01 00:00:00', 'x', 'ok');
            INSERT INTO orders(id, received_at, month, status, satisfaction, closed_at, source_file, source_line,
                fingerprint, run_id)
            VALUES('OLD1', '2021-01-01 00:00:00', '2021-01', '办理中', NULL, NULL, 'a.csv', 2, 'f', 1);
            """)
        if version >= 2 {
            try db.execute(
                """
                INSERT INTO order_history(order_seq, status, satisfaction, closed_at, run_id)
                VALUES(1, '已办结', '不满意', '2021-01-03 00:00:00', 1);
                INSERT INTO agg_supervision(order_id, reason, unit, street, community, category, received_at)
                VALUES('OLD1', '回访基本满意', 'u', 's', 'c', 'x', '2021-01-01 00:00:00');
                """)
        }
        if version >= 4 {
            try db.execute(
                """
                INSERT INTO candidates VALUES('TJ-AAAA-BBBB', 1, 1, 12, 'new', 'hotspot', 'r', '物业', 'p', 's', 'c', 5, 5,
                    0, '2021-01-01', '2021-01-02', '街道', 'lr', 'd', '2021-01-02', '2021-01-02', 1, 1);
                """)
        }
        return path
    }

    /// The schema's text, table by table and index by index.
    func schema(_ db: Database) throws -> [String] {
        var out: [String] = []
        let s = try db.prepare(
            "SELECT name || ': ' || coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
        while try s.step() { out.append(s.text(0) ?? "") }
        return out
    }

    @Test(arguments: 1...4)
    func anOldStoreIsMigratedKeepingItsData(version: Int) throws {
        let store = try Store(path: try legacyStore(version), migrations: StageGraph.migrations)
        let fresh = try Store(path: dir.file("fresh-\(version).sqlite"), migrations: StageGraph.migrations)
        #expect(try schema(store.db) == schema(fresh.db))
        let order = try #require(try Orders.find(store.db, id: "OLD1"))
        #expect(order.receivedAt == "2021-01-01 00:00:00" && order.sourceLine == 2)
        // The history that older builds kept is read by the one reopening rule.
        #expect(order.reopened == (version >= 2))
        #expect(order.reopenedAfter == (version >= 2 ? "不满意" : nil))
        if version >= 2 {
            var reasons: [SupervisionReason?] = []
            try Aggregates.forEachSupervision(store.db) { reasons.append($0.reason) }
            #expect(reasons == [.basic])
        }
        if version >= 4 {
            #expect(try EscalationCandidates.find(store.db, id: "TJ-AAAA-BBBB")?.level == .street)
        }
        #expect(try store.recentRuns().map(\.stage) == ["ingest"])
        // Opening again changes nothing.
        _ = try Store(path: store.path, migrations: StageGraph.migrations)
    }

    @Test func aFailingMigrationLeavesAnOldStoreAsItWas() throws {
        let path = try legacyStore(3)
        let failing = StageGraph.migrations + [Migration("detect.99-broken", sql: "ALTER TABLE nowhere ADD COLUMN x")]
        #expect {
            try Store(path: path, migrations: failing)
        } throws: { error in
            guard case HotlineError.store(_, .migration(let name, _)) = error else { return false }
            return name == "detect.99-broken"
        }
        let db = try Database(path: path)
        #expect(try db.scalar("PRAGMA user_version") == 3)
        #expect(try db.scalar("SELECT count(*) FROM sqlite_master WHERE name IN ('migrations', 'candidates')") == 0)
        #expect(try db.scalar("SELECT count(*) FROM pragma_table_info('orders') WHERE name = 'reopened'") == 0)
        // And it migrates cleanly afterwards.
        _ = try Store(path: path, migrations: StageGraph.migrations)
    }

    @Test func everyLegacyNameIsAMigrationOfThisBuild() {
        let names = Set((Store.migrations + StageGraph.migrations).map(\.name))
        for version in 1...4 { #expect(Set(Migrator.legacyNames(version)).isSubset(of: names)) }
    }

    @Test func stagesDeclareAGraphWhoseTablesEachHaveOneOwner() {
        var owners: [TableName: StageName] = [:]
        var problems: [String] = []
        var names: [StageName] = []
        for stage in StageGraph.all {
            let name = stage.name
            let reads = stage.reads
            let owns = stage.owns
            // Every table a stage reads is owned by a stage that comes before it.
            for table in reads where owners[table] == nil { problems.append("\(name) reads \(table) before its owner") }
            for table in owns {
                if owners[table] != nil { problems.append("\(table) owned twice") }
                owners[table] = name
            }
            names.append(name)
        }
        #expect(problems == [])
        #expect(names == [.ingest, .train, .classify, .aggregate, .detect, .render])
        let settings = StageGraph.settings.map(\.id)
        #expect(Set(settings).count == settings.count)
    }
}
