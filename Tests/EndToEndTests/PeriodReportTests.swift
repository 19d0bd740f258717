import Foundation
import HotlineFormats
import TestSupport
import Testing

/// Reports by period and place, end to end on `Fixtures/periods` (hand counts in its EXPECTED.md).
@Suite struct PeriodReportTests {
    let dir = TemporaryDirectory()
    var store: String { dir.file("s.sqlite") }
    var site: String { dir.file("site") }

    /// Runs the periods fixture with `report` as its `[report]` section.
    func run(report: String = "", inputs: [String] = []) throws -> ProcessResult {
        let conf = dir.write(
            "p.conf",
            """
            [pipeline]
            name = 期间测试区
            inputs = \(([Fixtures.path("Fixtures/periods/orders.csv")] + inputs).joined(separator: ", "))
            taxonomy = \(Fixtures.taxonomy)
            [report]
            \(report)

            """)
        return try HotlineBinary.run(["run", "--config", conf, "--store", store, "--out", site])
    }

    func page(_ name: String) throws -> String { try #require(dir.read("site/" + name)) }

    @Test func marchIsTheDefaultAndEveryFigureIsTheHandCount() throws {
        let r = try run()
        #expect(r.status == 0, "\(r.stderr)")
        let index = try page("index.html")
        #expect(index.contains("2024年3月报告"))
        #expect(index.contains("统计期间 2024-03-01 至 2024-03-31"))
        // The street's row: March 6 (of 7), February 5, +20.0%, March a year before 4, +50.0%.
        let cells = { (n: String) in n.split(separator: "|").map { "<td class=\"num\">\($0)</td>" }.joined() }
        #expect(index.contains(">园岭街道</a></td>" + cells("6|85.7%|5|+20.0%|4|+50.0%")))
        #expect(index.contains(">南园社区</a></td>" + cells("2|28.6%|2|0.0%|2|0.0%")))
        #expect(index.contains(">华强街道</a></td>" + cells("1|14.3%|2|-50.0%|1|0.0%")))
        #expect(index.contains("<td>物业管理</td>" + cells("5|71.4%|5|0.0%|3|+66.7%")))
        #expect(index.contains("<div class=\"v\">+40.0%</div>"))

        let csv = try page("period-2024-03.csv")
        for line in [
            "2024-03,全区,,,,7,7,0.0,5,40.0", "2024-03,分类,,,物业管理,5,5,0.0,3,66.7",
            "2024-03,街道,园岭街道,,,6,5,20.0,4,50.0", "2024-03,社区,园岭街道,南园社区,,2,2,0.0,2,0.0",
            "2024-03,街道,华强街道,,,1,2,-50.0,1,0.0",
        ] {
            #expect(csv.contains("\r\n" + line + "\r\n"), "\(line)")
        }
        // Nothing before the data to compare with: empty, not 新增.
        #expect(try page("period-2023-02.csv").contains("\r\n2023-02,全区,,,,3,,,,\r\n"))
        #expect(try page("period-2023-02.html").contains("<div class=\"v\">—</div>"))

        // The same figures in the workbook, as numbers.
        let sheet = try #require(try ZipContents.texts(of: site + "/period-2024-03.xlsx")["xl/worksheets/sheet1.xml"])
        #expect(
            sheet.contains(
                try Regex(
                    #"<t>园岭街道</t></is></c><c r="F\d+"><v>6</v></c><c r="G\d+"><v>5</v></c><c r="H\d+"><v>20</v></c><c r="I\d+"><v>4</v></c><c r="J\d+"><v>50</v></c>"#
                )))

        // The street's own page, reached from the index.
        let link = try #require(index.firstMatch(of: try Regex("href=\"(street-[0-9a-f]{12}\\.html)\">园岭街道<")))
        let street = try page(String(link.output[1].substring ?? ""))
        #expect(street.contains("环比 +20.0%（5 件） · 同比 +50.0%（4 件）"))
        #expect(try page("periods.html").contains("2024年3月</a>（本期）"))
        #expect(try page("all.html").contains("22 件"))
    }

    @Test func quartersAndAChosenPeriod() throws {
        #expect(try run(report: "period = quarter").status == 0)
        #expect(try page("index.html").contains("2024年第1季度报告"))
        // 14 against none in 2023-Q4 (inside the data: 新增) and 8 in 2023-Q1.
        #expect(try page("period-2024-Q1.csv").contains("\r\n2024-Q1,全区,,,,14,0,,8,75.0\r\n"))
        #expect(try page("index.html").contains("<div class=\"v\">新增</div>"))

        #expect(try run(report: "as_of = 2023-03").status == 0)
        let index = try page("index.html")
        #expect(index.contains("2023年3月报告"))
        #expect(index.contains("<div class=\"v\">+66.7%</div>"))  // 5 against 3 in February
        #expect(index.contains("去年同期（2022年3月）无数据"))
    }

    @Test func aBadPeriodFailsBeforeAnything() throws {
        let r = try run(report: "as_of = March")
        #expect(r.status == 1)
        #expect(!FileManager.default.fileExists(atPath: store))
        #expect(!FileManager.default.fileExists(atPath: site))
    }

    @Test func renderBringsStaleFiguresUpToDateFirst() throws {
        #expect(try run().status == 0)
        let more = dir.write(
            "more.csv", "工单编号,受理时间,所属街道,所属社区,诉求内容\nPX1,2024-03-15 09:00:00,园岭街道,园岭社区,小区物业不管电梯\n")
        #expect(try HotlineBinary.run(["ingest", "--store", store, more]).status == 0)
        let conf = dir.file("p.conf")
        let render = try HotlineBinary.run(["render", "--config", conf, "--store", store, "--out", site])
        #expect(render.status == 0)
        for stage in ["classify", "aggregate", "detect"] {
            #expect(render.stderr.contains("render: \(stage) is out of date"), "\(stage)")
        }
        #expect(try page("period-2024-03.csv").contains("\r\n2024-03,全区,,,,8,7,14.3,5,60.0\r\n"))
        // Up to date now: render alone warns no more.
        let again = try HotlineBinary.run(["render", "--config", conf, "--store", store, "--out", site])
        #expect(again.status == 0 && !again.stderr.contains("out of date"))
    }

    /// Whether Python's openpyxl is there to read workbooks with.
    static let hasOpenpyxl: Bool = {
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import openpyxl"]
        python.standardOutput = FileHandle.nullDevice
        python.standardError = FileHandle.nullDevice
        guard (try? python.run()) != nil else { return false }
        python.waitUntilExit()
        return python.terminationStatus == 0
    }()

    @Test(.enabled(if: hasOpenpyxl, "needs Python's openpyxl")) func workbooksReadBackInOpenpyxl() throws {
        let export = dir.write(
            "ids.csv",
            """
            工单编号,受理时间,所属街道,所属社区,诉求内容,承办单位,办理状态,办结时间,回访满意度
            1234567890123456789,2024-03-05 10:00:00,园岭街道,园岭社区,物业不修电梯,区住房和建设局,已办结,2024-03-06 10:00:00,不满意

            """)
        #expect(try run(inputs: [export]).status == 0)
        let check = dir.write(
            "check.py",
            """
            import datetime, sys, openpyxl
            wb = openpyxl.load_workbook(sys.argv[1] + "/supervision.xlsx")
            ws = wb.active
            assert ws.freeze_panes == "A2", ws.freeze_panes
            assert ws["A1"].value == "工单编号" and ws["A1"].font.b, ws["A1"].value
            ids = [r[0].value for r in ws.iter_rows(min_row=2)]
            assert "1234567890123456789" in ids, ids
            row = [r for r in ws.iter_rows(min_row=2) if r[0].value == "1234567890123456789"][0]
            assert row[3].value == "园岭街道" and row[4].value == "园岭社区", [c.value for c in row]
            assert isinstance(row[6].value, datetime.datetime) and row[6].value == datetime.datetime(2024, 3, 5, 10), row[6].value
            p = openpyxl.load_workbook(sys.argv[1] + "/period-2024-03.xlsx").active
            total = [r for r in p.iter_rows(min_row=2) if r[1].value == "全区"][0]
            assert [c.value for c in total[5:10]] == [8, 7, 14.3, 5, 60], [c.value for c in total]
            print("ok")

            """)
        let r = Process()
        r.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        r.arguments = ["python3", check, site]
        let out = Pipe()
        r.standardOutput = out
        r.standardError = out
        try r.run()
        r.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(r.terminationStatus == 0, "\(text)")
    }
}
