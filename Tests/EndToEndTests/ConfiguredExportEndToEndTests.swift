import Foundation
import TestSupport
import Testing

/// Other platforms' exports through the built binary, and the nights a cron job must see fail.
@Suite struct ConfiguredExportEndToEndTests {
    let dir = TemporaryDirectory("hotline-e2e-311")
    var store: String { dir.file("h.sqlite") }
    var site: String { dir.file("site") }

    func hotline(_ args: [String]) throws -> ProcessResult { try HotlineBinary.run(args) }

    /// Every file of a folder with its bytes.
    func snapshot(_ folder: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            out[name] = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(name))
        }
        return out
    }

    @Test func a311ExportPublishesHandCountedFigures() throws {
        let r = try hotline([
            "run", "--config", Fixtures.path("Fixtures/311/311.conf"), "--store", store, "--out", site,
        ])
        #expect(r.status == 0)
        #expect(r.stderr.contains("22 rows read = 20 inserted + 1 updated + 0 unchanged + 1 rejected"))
        #expect(r.stderr.contains("问题分类 ← Complaint Type; 诉求标题 ← Complaint Type"))
        #expect(
            r.stderr.contains("办理状态 values no map covers (kept as written; add them under [map.status]): 'Pending' ×1"))
        #expect(r.stderr.contains("20 by the export's own category"))
        #expect(
            dir.read("site/months.csv") == "\u{FEFF}月份,工单数\r\n2025-01,6\r\n2025-02,6\r\n2025-03,8\r\n")
        #expect(
            dir.read("site/categories.csv") == """
                \u{FEFF}分类,上级分类,工单数,占比(%)\r
                Noise - Residential,,5,25.0\r
                Dirty Condition,,4,20.0\r
                HEAT/HOT WATER,,4,20.0\r
                Street Condition,,4,20.0\r
                Illegal Parking,,3,15.0\r

                """)
        let units = try #require(dir.read("site/handling_units.csv")).components(separatedBy: "\r\n")
        for prefix in ["不排名,NYPD,8,7,", "不排名,DSNY,4,3,", "不排名,DOT,4,2,", "不排名,HPD,4,2,"] {
            #expect(units.contains { $0.hasPrefix(prefix) }, "\(prefix)")
        }
        #expect(dir.read("site/data_quality.csv")?.contains("办理状态无法识别（未计入办结和超期）,1,60013") == true)
        #expect(dir.read("site/streets.csv")?.contains("MANHATTAN,8,") == true)
        let status = try hotline(["status", "--store", store])
        #expect(status.stdout.contains("Columns of requests.csv:"))
        #expect(status.stdout.contains("headers not used: Resolution Description, Latitude"))
        let explain = try hotline([
            "explain", "60006", "--config", Fixtures.path("Fixtures/311/311.conf"), "--store", store,
        ])
        #expect(explain.stdout.contains("Source: the export's own category ([classify] source = export)"))
    }

    @Test func aNightWhoseOnlyExportIsRejectedFailsAndLeavesTheSiteAsItWas() throws {
        let conf = dir.write("p.conf", "taxonomy = \(Fixtures.taxonomy)\n")
        let good = dir.write("good.csv", "工单编号,受理时间,诉求内容\nA1,2021-03-01 10:00,路灯坏了\nA2,2021-03-02 11:00,楼道垃圾\n")
        #expect(try hotline(["run", "--config", conf, "--store", store, "--out", site, good]).status == 0)
        let before = try snapshot(site)
        let bad = dir.write("bad.csv", "工单编号,受理时间,诉求内容\nB1,3/14/2025 1:20,路灯\nB2,yesterday,路灯\n")
        let r = try hotline(["run", "--config", conf, "--store", store, "--out", site, bad])
        #expect(r.status == 1)
        #expect(r.stderr.contains("Error: \(bad): none of its 2 rows was accepted; the first rejects:"))
        #expect(r.stderr.contains("\(bad):2: error: unreadable 受理时间 '3/14/2025 1:20'"))
        #expect(try snapshot(site) == before)
        #expect(try hotline(["status", "--store", store]).stdout.contains("Last failure (ingest"))
    }

    /// A file of 100 orders of which `bad` have an unreadable date.
    func export(bad: Int) -> String {
        let rows = (0..<100).map { "C\($0),\($0 < bad ? "2021-02-30" : "2021-03-01 10:00"),路灯坏了" }
        return dir.write("e\(bad).csv", "工单编号,受理时间,诉求内容\n" + rows.joined(separator: "\n") + "\n")
    }

    @Test func fourPercentRejectedPassesAndSixFailsByDefault() throws {
        let conf = dir.write("p.conf", "taxonomy = \(Fixtures.taxonomy)\n")
        let four = try hotline(["run", "--config", conf, "--store", store, "--out", site, export(bad: 4)])
        #expect(four.status == 0)
        let six = try hotline([
            "run", "--config", conf, "--store", dir.file("six.sqlite"), "--out", dir.file("six"), export(bad: 6),
        ])
        #expect(six.status == 1)
        #expect(
            six.stderr.contains("6 of 100 rows rejected (6.0%), more than the 5.0% [ingest] max_reject_share allows"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("six")))
    }
}
