import Foundation
import HotlineCore
import HotlineIngest
import HotlineStore
import TestSupport
import Testing

/// The hand counts of Fixtures/small/EXPECTED.md.
@Suite struct IngesterTests {
    let dir = TemporaryDirectory()

    func ingest(_ files: [String], store: Store? = nil, full: Bool = false) throws -> (Store, [FileSummary]) {
        let store = try store ?? Store(path: dir.file("h.sqlite"), stages: [IngestStage.self])
        let config = try PipelineConfig.load(path: Fixtures.smallConfig, stages: [IngestStage.self])
        return (store, try IngestStage.ingest(files, into: store, config: config, full: full))
    }

    @Test func countsEveryRowReadAsInsertedUpdatedUnchangedOrRejected() throws {
        let (store, s) = try ingest([Fixtures.exportA, Fixtures.exportB])
        #expect((s[0].read, s[0].inserted, s[0].updated, s[0].unchanged, s[0].rejected) == (11, 8, 0, 0, 3))
        #expect((s[1].read, s[1].inserted, s[1].updated, s[1].unchanged, s[1].rejected) == (8, 5, 1, 1, 1))
        #expect(s.map(\.encoding) == ["utf-8", "gb18030"])
        #expect(try store.db.scalar("SELECT count(*) FROM orders") == 13)
        #expect(try store.db.scalar("SELECT count(*) FROM rejects") == 4)
        let run = try #require(try store.recentRuns().first)
        #expect((run.stage, run.rowsIn, run.rowsOut, run.rejected) == ("ingest", 19, 15, 4))
    }

    @Test func rejectsNameFileLineAndReason() throws {
        let (store, _) = try ingest([Fixtures.exportA, Fixtures.exportB])
        let rows = try store.db.rows("SELECT file, line, reason_code, reason FROM rejects ORDER BY file, line")
        #expect(
            rows.map { ($0[0].text! as NSString).lastPathComponent } == [
                "export-a.csv", "export-a.csv", "export-a.csv", "export-b-gbk.csv",
            ])
        #expect(rows.map { $0[1].int! } == [10, 11, 12, 7])
        #expect(rows.map { $0[2].text! } == ["id", "date", "fields", "encoding"])
        #expect(rows[1][3].text == "unreadable 受理时间 '2021-13-45 99:99'")
        #expect(rows[2][3].text == "expected 16 fields, found 5")
    }

    @Test func laterExportUpdatesStatusAndNormalizesValues() throws {
        let (store, _) = try ingest([Fixtures.exportA, Fixtures.exportB])
        let gd002 = try store.db.rows(
            "SELECT status, satisfaction, closed_at, received_at FROM orders WHERE id = 'GD002'")
        #expect(gd002 == [[.text("已办结"), .text("满意"), .text("2021-03-10 10:00:00"), .text("2021-03-08 09:05:00")]])
        let gd003 = try store.db.rows("SELECT received_at, month, kind, deadline_days FROM orders WHERE id = 'GD003'")
        #expect(gd003 == [[.text("2021-03-12 10:30:00"), .text("2021-03"), .text("求助"), .int(3)]])
        // Multi-line quoted text keeps its line break and its quotes.
        #expect(
            try store.db.scalarText("SELECT content FROM orders WHERE id = 'GD004'") == "反映\"金色家园\"物业乱收费,\n物业费一年涨了两次")
        #expect(
            try store.db.scalarText("SELECT source_file FROM orders WHERE id = 'GD002'")?.hasSuffix("export-b-gbk.csv")
                == true)
    }

    @Test func storesNoNameOrPhoneNumber() throws {
        let (store, _) = try ingest([Fixtures.exportA, Fixtures.exportB])
        let columns = try store.db.rows("SELECT name FROM pragma_table_info('orders')").compactMap { $0[0].text }
        for table in ["orders", "rejects"] {
            let cols = table == "orders" ? columns : ["raw", "reason"]
            for row in try store.db.rows("SELECT \(cols.joined(separator: ", ")) FROM \(table)") {
                for value in row.compactMap(\.text) {
                    for secret in Fixtures.personalData { #expect(!value.contains(secret), "\(table) holds \(secret)") }
                }
            }
        }
        #expect(
            try store.db.scalarText("SELECT content FROM orders WHERE id = 'GD003'")
                == "老板拖欠工资3个月,请求帮助追讨,联系我***********")
        #expect(
            try store.db.scalarText("SELECT content FROM orders WHERE id = 'GD008'") == "我叫**,家门口路灯坏了5天,电话****-********"
        )
        // The same caller (GD001, GD013) gets the same key; another caller a different one.
        let keys = try store.db.rows(
            "SELECT caller_key FROM orders WHERE id IN ('GD001', 'GD013', 'GD002') ORDER BY id"
        ).map { $0[0].text }
        #expect(keys[0] == keys[2])
        #expect(keys[0] != keys[1])
        #expect(keys[0]?.count == 32)
    }

    @Test func ingestingTheSameExportsAgainChangesNothing() throws {
        let (store, _) = try ingest([Fixtures.exportA, Fixtures.exportB])
        let columns =
            "id, received_at, street, community, content, status, satisfaction, closed_at, caller_key, source_file, source_line, fingerprint"
        let before = try store.db.rows("SELECT \(columns) FROM orders ORDER BY id")
        // Read again as they were: not read at all.
        let (_, skipped) = try ingest([Fixtures.exportA, Fixtures.exportB], store: store)
        #expect(skipped.isEmpty)
        #expect(try store.db.rows("SELECT \(columns) FROM orders ORDER BY id") == before)
        // Read again in full: nothing changes either.
        let (_, again) = try ingest([Fixtures.exportA, Fixtures.exportB], store: store, full: true)
        #expect(again.map(\.inserted) == [0, 0])
        // A's older GD002 does not replace B's: B was read after A, so it is the later export.
        #expect(again.map(\.updated) == [0, 0])
        #expect(try store.db.scalar("SELECT count(*) FROM orders WHERE reopened = 1") == 0)
        #expect(again.map(\.rejected) == [3, 1])
        #expect(try store.db.scalar("SELECT count(*) FROM rejects") == 4)
        #expect(try store.db.rows("SELECT \(columns) FROM orders ORDER BY id") == before)
        let (_, onlyB) = try ingest([Fixtures.exportB], store: store, full: true)
        #expect((onlyB[0].inserted, onlyB[0].updated, onlyB[0].unchanged) == (0, 0, 7))
    }

    @Test func twoVersionsInOneExportResolveByProgressWhateverTheirRowOrder() throws {
        let header = "工单编号,受理时间,办理状态,办结时间,回访满意度\n"
        let open = "V1,2021-03-01 10:00,办理中,,\n"
        let closed = "V1,2021-03-01 10:00,已办结,2021-03-04 09:00,满意\n"
        for (name, rows) in [("closed-last.csv", open + closed), ("closed-first.csv", closed + open)] {
            let store = try Store(path: dir.file("\(name).sqlite"), stages: [IngestStage.self])
            let file = dir.write(name, header + rows)
            let config = try PipelineConfig.load(path: Fixtures.smallConfig, stages: [IngestStage.self])
            try IngestStage.ingest([file], into: store, config: config)
            #expect(try store.db.scalarText("SELECT status FROM orders WHERE id = 'V1'") == "已办结", "\(name)")
            let history = try store.db.scalar("SELECT count(*) FROM order_history")
            // The same file read again in full: nothing changes, no history is written, nothing is reopened.
            let again = try IngestStage.ingest([file], into: store, config: config, full: true)
            #expect((again[0].updated, again[0].unchanged) == (0, 2), "\(name)")
            #expect(try store.db.scalar("SELECT count(*) FROM order_history") == history)
            #expect(try store.db.scalar("SELECT reopened FROM orders WHERE id = 'V1'") == 0)
            // A later export that shows it open again reopens it.
            let later = dir.write("later-\(name)", header + open)
            try IngestStage.ingest([later], into: store, config: config)
            #expect(try store.db.scalarText("SELECT status FROM orders WHERE id = 'V1'") == "办理中")
            #expect(try store.db.scalar("SELECT reopened FROM orders WHERE id = 'V1'") == 1)
        }
    }

    @Test func aStrayFileIsSkippedUnlessItIsAllThereIsOrTheRunIsStrict() throws {
        let bad = dir.write("notes.csv", "just,some,words\n1,2,3\n")
        let store = try Store(path: dir.file("h.sqlite"), stages: [IngestStage.self])
        let config = try PipelineConfig.load(path: Fixtures.smallConfig, stages: [IngestStage.self])
        let stage = try IngestStage(
            config: config, paths: StagePaths(store: store.path, inputs: [Fixtures.exportA, bad], key: dir.file("k")))
        try store.run(stage)
        #expect(stage.summaries.map(\.inserted) == [8])
        #expect(stage.skipped.map(\.file) == [bad])
        // Alone, it fails the stage and leaves the store as it was.
        let alone = try Store(path: dir.file("alone.sqlite"), stages: [IngestStage.self])
        #expect {
            try ingest([bad], store: alone)
        } throws: { error in
            guard case HotlineError.input(let d) = error else { return false }
            return d.first?.file == bad && d.first?.line == 1
        }
        #expect(try alone.db.scalar("SELECT count(*) FROM orders") == 0)
        #expect(try alone.recentRuns().first?.status == .failed)
        // Strict, it fails whatever else there is.
        let strict = dir.write("strict.conf", "[ingest]\nstrict = true\nmax_reject_share = 0.5\n")
        let other = try Store(path: dir.file("strict.sqlite"), stages: [IngestStage.self])
        #expect(throws: HotlineError.self) {
            try IngestStage.ingest(
                [Fixtures.exportA, bad], into: other,
                config: PipelineConfig.load(path: strict, stages: [IngestStage.self]))
        }
        #expect(try other.db.scalar("SELECT count(*) FROM orders") == 0)
    }

    @Test func datesOutsideThePlausibleWindowAreRejects() throws {
        let file = dir.write(
            "w.csv",
            "工单编号,受理时间,办结时间\nW1,2200-12-31 10:00,\nW2,1999-12-31 23:59,\nW3,2021-03-01 10:00,2199-01-01\nW4,2021-03-01,\n"
        )
        let conf = try PipelineConfig.load(
            path: dir.write("w.conf", "[ingest]\nmax_reject_share = 1\n"), stages: [IngestStage.self])
        let s = try IngestStage.ingest(
            [file], into: try Store(path: dir.file("w.sqlite"), stages: [IngestStage.self]), config: conf)
        #expect((s[0].inserted, s[0].rejected) == (1, 3))
        #expect(s[0].firstRejects.allSatisfy { $0.contains("implausible") })
    }

    @Test func removingOrdersByIdAndBySource() throws {
        let (store, _) = try ingest([Fixtures.exportA, Fixtures.exportB])
        let gone = try IngestStage.remove(ids: ["GD001", "NOPE"], sources: [], from: store)
        #expect((gone.orders, gone.missing) == (1, ["NOPE"]))
        #expect(try store.db.scalar("SELECT count(*) FROM orders") == 12)
        let bySource = try IngestStage.remove(ids: [], sources: [Fixtures.exportB], from: store)
        // B is where GD002 and the five orders only B has were last read.
        #expect(bySource.orders == 6)
        #expect(try store.db.scalar("SELECT count(*) FROM rejects WHERE file LIKE '%export-b%'") == 0)
        #expect(try store.recentRuns().first?.stage == "remove")
        #expect(try store.tableChanges()[.orders] == store.recentRuns().first?.id)
    }

    @Test func aHeaderMissingTheReceivedTimeIsNamed() throws {
        let bad = dir.write("nodate.csv", "工单编号,诉求内容,所属街道\nX1,text,横岗街道\n")
        #expect {
            try ingest([bad])
        } throws: { error in
            "\(error)".contains("nodate.csv:1: error: the header has no column for 受理时间")
        }
    }

    @Test func encodingFromTheConfigOverridesDetection() throws {
        let forced = dir.write("p.conf", "encoding = utf-8\ntaxonomy = \(Fixtures.taxonomy)\n")
        let store = try Store(path: dir.file("e.sqlite"), stages: [IngestStage.self])
        // The GBK export read as UTF-8 has no recognisable header: the stage fails, naming the file.
        #expect {
            try IngestStage.ingest(
                [Fixtures.exportB], into: store,
                config: try PipelineConfig.load(path: forced, stages: [IngestStage.self]))
        } throws: { "\($0)".contains("export-b-gbk.csv:") }
        let right = dir.write(
            "q.conf", "encoding = gb18030\ntaxonomy = \(Fixtures.taxonomy)\n[ingest]\nmax_reject_share = 0.5\n")
        let s = try IngestStage.ingest(
            [Fixtures.exportB], into: store, config: try PipelineConfig.load(path: right, stages: [IngestStage.self]))
        #expect((s[0].read, s[0].inserted, s[0].rejected) == (8, 7, 1))
    }
}
