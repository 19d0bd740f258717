import Foundation
import HotlineCore
import HotlineStore
import TestSupport
import Testing

@testable import HotlineIngest

/// Exports from other platforms, read by configuration alone (Fixtures/311/EXPECTED.md).
@Suite struct ConfiguredExportTests {
    let dir = TemporaryDirectory()

    func ingest(_ config: String, files: [String]? = nil) throws -> (Store, [FileSummary]) {
        let config = try PipelineConfig.load(path: config, stages: [IngestStage.self])
        let store = try Store(path: dir.file("s-\(UUID().uuidString).sqlite"), stages: [IngestStage.self])
        return (store, try IngestStage.ingest(files ?? expandInputs(config.inputs), into: store, config: config))
    }

    func column(_ store: Store, _ name: String, id: String) throws -> String? {
        try store.db.scalarText("SELECT \(name) FROM orders WHERE id = ?", [id])
    }

    @Test func a311ExportIsReadByConfigurationAlone() throws {
        let (store, s) = try ingest(Fixtures.path("Fixtures/311/311.conf"))
        #expect((s[0].read, s[0].inserted, s[0].updated, s[0].rejected) == (22, 20, 1, 1))
        #expect(try column(store, "received_at", id: "60004") == "2025-01-22 00:05:00")
        #expect(try column(store, "received_at", id: "60005") == "2025-01-31 12:45:10")
        #expect(try column(store, "closed_at", id: "60009") == "2025-03-01 00:30:00")
        #expect(try column(store, "received_at", id: "60012") == "2025-03-14 01:20:00")
        #expect(try column(store, "status", id: "60002") == "已办结")
        #expect(try column(store, "status", id: "60007") == "办理中")
        #expect(try column(store, "status", id: "60013") == "Pending")
        // One column feeds two fields.
        #expect(try column(store, "operator_category", id: "60006") == "Illegal Parking")
        #expect(try column(store, "title", id: "60006") == "Illegal Parking")
        #expect(try store.db.scalar("SELECT count(*) FROM orders WHERE status = '已办结'") == 14)
        let m = s[0].mapping
        #expect(m.fields[.category] == "Complaint Type" && m.fields[.title] == "Complaint Type")
        #expect(m.fields[.unit] == "Agency" && m.fields[.channel] == nil)
        #expect(m.unusedHeaders == ["Resolution Description", "Latitude"])
        #expect(m.unknownValues == [.status: ["Pending": 1]])
        #expect(m.lines.contains { $0.hasPrefix("not in this export: ") && $0.contains("诉求渠道") })
        let stored = try #require(try Sources.all(store.db).first)
        #expect(stored.mapping == m.lines)
    }

    @Test func aDayFirstExportAndAmbiguousDates() throws {
        let (store, s) = try ingest(Fixtures.path("Fixtures/311/eu.conf"))
        #expect((s[0].inserted, s[0].rejected) == (3, 0))
        #expect(try column(store, "received_at", id: "E1") == "2021-04-03 09:00:00")
        #expect(try column(store, "closed_at", id: "E1") == "2021-04-05 17:30:00")
        let both = dir.write(
            "both.conf",
            """
            columns = \(Fixtures.path("Fixtures/311/eu-columns.tsv"))
            [ingest]
            date_formats = dd/MM/yyyy HH:mm | MM/dd/yyyy HH:mm
            max_reject_share = 0.7
            """)
        let (_, a) = try ingest(both, files: [Fixtures.path("Fixtures/311/eu.csv")])
        // E1's received and E3's closed date read two ways; E2's one way only.
        #expect((a[0].inserted, a[0].rejected) == (1, 2))
        #expect(a[0].firstRejects.allSatisfy { $0.contains("ambiguous") })
    }

    @Test func twoColumnsClaimingOneFieldIsAnErrorNamingBoth() throws {
        let file = dir.write("two.csv", "工单编号,受理时间,来电时间\nA1,2021-01-01,2021-01-02\n")
        let conf = dir.write("p.conf", "")
        #expect {
            try ingest(conf, files: [file])
        } throws: { error in
            guard case HotlineError.input(let d) = error else { return false }
            return d.first?.line == 1 && d.first?.message.contains("'受理时间' and '来电时间'") == true
        }
        // Naming one in the column file settles it.
        dir.write("c.tsv", "received_at\t来电时间\n")
        let chosen = dir.write("q.conf", "columns = c.tsv\n")
        let (store, _) = try ingest(chosen, files: [file])
        #expect(try column(store, "received_at", id: "A1") == "2021-01-02 00:00:00")
    }

    @Test func aValueMappedTwoWaysIsASettingsError() throws {
        let conf = dir.write("m.conf", "[map.status]\nClosed = 已办结\nclosed|Open = 办理中\n")
        #expect {
            try ingest(conf, files: [Fixtures.exportA])
        } throws: { error in
            guard case HotlineError.settings(let d) = error else { return false }
            return d.map(\.line) == [3]
        }
        let wrong = dir.write("w.conf", "[map.status]\nClosed = done\n")
        #expect(throws: HotlineError.self) { try PipelineConfig.load(path: wrong, stages: [IngestStage.self]) }
    }

    /// A file of `rows` orders of which `bad` have no id.
    func export(rows: Int, bad: Int) -> String {
        let lines = (0..<rows).map { i in i < bad ? ",2021-01-01" : "X\(i),2021-01-01" }
        return dir.write("r\(rows)-\(bad).csv", "工单编号,受理时间\n" + lines.joined(separator: "\n") + "\n")
    }

    @Test func rejectsAboveTheShareOrNoAcceptedRowFailTheRun() throws {
        let conf = dir.write("d.conf", "")
        let (store, ok) = try ingest(conf, files: [export(rows: 100, bad: 4)])
        #expect((ok[0].inserted, ok[0].rejected) == (96, 4))
        #expect(try store.db.scalar("SELECT count(*) FROM orders") == 96)
        for (rows, bad) in [(100, 6), (5, 5)] {
            let file = export(rows: rows, bad: bad)
            #expect {
                try ingest(conf, files: [file])
            } throws: { error in
                guard case HotlineError.refused(let f, _) = error else { return false }
                return f == file
            }
        }
        let loose = dir.write("l.conf", "[ingest]\nmax_reject_share = 0.1\n")
        #expect(try ingest(loose, files: [export(rows: 100, bad: 6)]).1[0].rejected == 6)
    }
}
