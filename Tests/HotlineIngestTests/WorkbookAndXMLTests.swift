import Foundation
import HotlineCore
import HotlineStore
import TestSupport
import Testing

@testable import HotlineIngest

/// XLSX and XML exports, read into the same store as CSV ones (Fixtures/make_fixtures.py made them).
@Suite struct WorkbookAndXMLTests {
    let dir = TemporaryDirectory()

    func config(_ text: String = "") -> PipelineConfig {
        let path = dir.write(
            "p\(text.hashValue).conf",
            "taxonomy = \(Fixtures.taxonomy)\n" + text + "\n[ingest]\nmax_reject_share = 0.5\n")
        return try! PipelineConfig.load(path: path, stages: [IngestStage.self])
    }

    /// A store keyed with the key every store of this suite shares, so caller keys can be compared.
    func ingest(_ files: [String], config: PipelineConfig, store name: String) throws -> (Store, [FileSummary]) {
        let store = try Store(path: dir.file(name), stages: [IngestStage.self])
        return (store, try IngestStage.ingest(files, into: store, config: config, key: dir.file("shared.key")))
    }

    static let comparedColumns = """
        id, received_at, month, channel, kind, district, street, community, address, operator_category, title,
        content, unit, deadline_days, deadline_at, closed_at, status, satisfaction, caller_key, fingerprint
        """

    func orders(_ store: Store) throws -> [[SQLValue]] {
        try store.db.rows("SELECT \(Self.comparedColumns) FROM orders ORDER BY id")
    }

    @Test func workbooksAndXMLGiveTheSameOrdersAsCSV() throws {
        let sheet = config("[xlsx]\nsheet = 工单明细\n")
        let (csv, _) = try ingest([Fixtures.exportA, Fixtures.exportB], config: sheet, store: "csv.sqlite")
        let (xlsx, s) = try ingest(
            [Fixtures.path("Fixtures/xlsx/small-a.xlsx"), Fixtures.path("Fixtures/xlsx/small-b.xlsx")], config: sheet,
            store: "xlsx.sqlite")
        // The workbook has no short row and no undecodable bytes: 2 and 0 rejects instead of 3 and 1.
        #expect((s[0].read, s[0].inserted, s[0].rejected) == (10, 8, 2))
        #expect((s[1].read, s[1].inserted, s[1].updated, s[1].unchanged, s[1].rejected) == (7, 5, 1, 1, 0))
        #expect(s[0].encoding == "xlsx, sheet 工单明细")
        #expect(try orders(xlsx) == orders(csv))
        #expect(try orders(csv).count == 13)

        let (xml, x) = try ingest(
            [Fixtures.path("Fixtures/xlsx/small-a.xml"), Fixtures.path("Fixtures/xlsx/small-b-gbk.xml")], config: sheet,
            store: "xml.sqlite")
        #expect((x[1].read, x[1].inserted, x[1].updated, x[1].unchanged) == (7, 5, 1, 1))
        #expect(try orders(xml) == orders(csv))
        let lines = try xml.db.rows("SELECT line FROM rejects ORDER BY line").map { $0[0].int! }
        #expect(lines == [119, 133])  // the line of each bad <工单> element
    }

    @Test func storedAndDeflatedEntriesReadAlike() throws {
        let sheet = config("[xlsx]\nsheet = 工单明细\n")
        let (a, _) = try ingest([Fixtures.path("Fixtures/xlsx/small-a.xlsx")], config: sheet, store: "a.sqlite")
        let (b, _) = try ingest([Fixtures.path("Fixtures/xlsx/small-a-stored.xlsx")], config: sheet, store: "b.sqlite")
        #expect(try orders(a) == orders(b))
        #expect(try orders(a).count == 8)
    }

    @Test func dateCellsTextDatesAndNumbersInOneColumn() throws {
        let (store, _) = try ingest(
            [Fixtures.path("Fixtures/xlsx/small-a.xlsx")], config: config("[xlsx]\nsheet = 工单明细\n"), store: "d.sqlite")
        // GD001 is a date cell, GD002 the text 2021/3/8 9:05, GD003 the text 2021年3月12日 10:30.
        let rows = try store.db.rows(
            "SELECT id, received_at FROM orders WHERE id IN ('GD001', 'GD002', 'GD003') ORDER BY id")
        #expect(rows.map { $0[1].text! } == ["2021-03-05 14:22:01", "2021-03-08 09:05:00", "2021-03-12 10:30:00"])
        #expect(try store.db.scalar("SELECT deadline_days FROM orders WHERE id = 'GD001'") == 5)
        #expect(
            try store.db.scalarText("SELECT content FROM orders WHERE id = 'GD004'") == "反映\"金色家园\"物业乱收费,\n物业费一年涨了两次")
    }

    @Test func the1904DateSystemIsFollowed() throws {
        let (store, s) = try ingest([Fixtures.path("Fixtures/xlsx/mac-1904.xlsx")], config: config(), store: "m.sqlite")
        #expect(s[0].encoding == "xlsx, sheet 工单, 1904 dates")
        let rows = try store.db.rows("SELECT id, received_at, closed_at FROM orders ORDER BY id")
        #expect(
            rows == [
                [.text("M1"), .text("2021-03-05 14:22:01"), .text("2021-03-06 09:00:00")],
                [.text("M2"), .text("2021-03-08 09:05:00"), .null],
            ])
    }

    @Test func sheetIsChosenByNameElseTheFirst() throws {
        let file = Fixtures.path("Fixtures/xlsx/small-a.xlsx")
        // The first sheet is a note, with no header: said so, with the file.
        #expect { try ingest([file], config: config(), store: "s1.sqlite") } throws: { error in
            "\(error)".contains("small-a.xlsx:1: error: no header row")
        }
        #expect { try ingest([file], config: config("[xlsx]\nsheet = 明细\n"), store: "s2.sqlite") } throws: { error in
            "\(error)".contains("no sheet named '明细'; the sheets are: 说明, 工单明细")
        }
    }

    @Test func xmlRecordsNeedAnIdAndATime() throws {
        let path = dir.write("en.xml", "<orders><order><key>1</key><created>2021-01-01</created></order></orders>")
        #expect { try ingest([path], config: config(), store: "e.sqlite") } throws: { error in
            guard case HotlineError.input(let d) = error else { return false }
            return d.first?.file == path && d.first?.line == 1
        }
        let columns = dir.write("cols.tsv", "id\tkey\nreceived_at\tcreated\n")
        let mapped = config("columns = \(columns)\n[xml]\nrecord = order\n")
        let (store, _) = try ingest([path], config: mapped, store: "f.sqlite")
        #expect(try store.db.scalarText("SELECT received_at FROM orders WHERE id = '1'") == "2021-01-01 00:00:00")
    }

    @Test(arguments: [
        "bomb.xlsx", "bad-crc.xlsx", "encrypted.xlsx", "truncated.xlsx", "not-a-workbook.xlsx", "password.xlsx",
        "billion-laughs.xml", "xxe.xml",
    ])
    func hostileFilesAreRefusedNamingTheFileAndChangeNothing(name: String) throws {
        let store = try Store(path: dir.file("h-\(name).sqlite"), stages: [IngestStage.self])
        let file = Fixtures.path("Fixtures/hostile/\(name)")
        #expect {
            try IngestStage.ingest([Fixtures.exportA, file], into: store, config: config("[xlsx]\nsheet = 工单明细\n"))
        } throws: { error in
            guard case HotlineError.input(let d) = error else { return false }
            return d.first?.file == file
        }
        #expect(try store.db.scalar("SELECT count(*) FROM orders") == 0)
    }

    @Test func aSheetThatBreaksOffKeepsTheRowsBeforeIt() throws {
        let (store, s) = try ingest(
            [Fixtures.path("Fixtures/hostile/broken-sheet.xlsx")], config: config("[xlsx]\nsheet = 工单明细\n"),
            store: "b.sqlite")
        #expect((s[0].inserted, s[0].rejected) == (5, 1))
        let reject = try store.db.rows("SELECT line, reason_code, reason FROM rejects")
        #expect(reject.first?[0].int == 9)
        #expect(reject.first?[1].text == "malformed")
        #expect(reject.first?[2].text?.contains("rows after it are lost") == true)
    }

    @Test func everyCellTypeIsStoredAsItsField() throws {
        let (store, _) = try ingest(
            [Fixtures.path("Fixtures/xlsx/cell-types.xlsx")], config: config(), store: "t.sqlite")
        let stored = try store.db.rows("SELECT id, received_at, content, deadline_days FROM orders ORDER BY id")
        #expect(
            stored == [
                [.text("T1"), .text("2021-05-01 08:00:00"), .text("路灯坏了"), .int(5)],
                [.text("T2"), .text("2021-05-01 12:00:00"), .null, .null],
            ])
    }
}
