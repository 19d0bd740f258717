import Foundation
import HotlineAggregate
import HotlineClassify
import HotlineCore
import HotlineDetect
import HotlineIngest
import HotlineStore
import TestSupport
import Testing

@testable import HotlineRender

@Suite struct CSVAndFormatTests {
    @Test func csvHasBOMCRLFQuotingAndNeutralizedFormulas() {
        var t = CSVTable(header: ["名称", "数"])
        t.append([.text("=HYPERLINK(\"x\")"), .int(-3)])
        t.append([.text("a,b"), .decimal(13.27, places: 1)])
        t.append([.text("+1"), .empty])
        t.append([.text("@sum"), .text("-2")])
        t.append([.text("电话13812345678"), .int(1_006_005)])
        #expect(
            t.text
                == "\u{FEFF}名称,数\r\n\"'=HYPERLINK(\"\"x\"\")\",-3\r\n\"a,b\",13.3\r\n'+1,\r\n'@sum,'-2\r\n电话***********,1006005\r\n"
        )
    }

    /// A line break inside a cell is quoted whatever it is: "\r\n" is one Character in Swift.
    @Test func cellsWithLineBreaksAreQuoted() {
        #expect(CSVTable.escape("a\r\nb") == "\"a\r\nb\"")
        #expect(CSVTable.escape("a\nb") == "\"a\nb\"")
        #expect(CSVTable.escape("a\rb") == "\"a\rb\"")
        #expect(CSVTable.escape("a b") == "a b")
    }

    @Test func idCellsAreEscapedButNotMasked() {
        var t = CSVTable(header: ["工单编号", "此前工单"])
        t.append([.id("GD202103130001234"), .id("=GD1、GD2,GD3")])
        t.append([.text("GD202103130001234"), .empty])
        #expect(t.text == "\u{FEFF}工单编号,此前工单\r\nGD202103130001234,\"'=GD1、GD2,GD3\"\r\nGD***************,\r\n")
        #expect(LongList.html(.id("GD202103130001234<b>")) == "<td>GD202103130001234&lt;b&gt;</td>")
    }

    @Test(arguments: [
        (4_225.0 / 31_838.0, "13.3%"), (3.0 / 13.0, "23.1%"), (1.0 / 13.0, "7.7%"), (0.0, "0.0%"), (1.0, "100.0%"),
        (0.0005, "0.1%"),
    ])
    func percentages(share: Double, text: String) {
        #expect(Format.percent(share) == text)
    }

    @Test func fixedRoundsHalfAwayFromZero() {
        #expect(Format.fixed(0.125, places: 2) == "0.13")
        #expect(Format.fixed(19.7109, places: 1) == "19.7")
        #expect(Format.fixed(-2.25, places: 1) == "-2.3")
        #expect(Format.fixed(-0.01, places: 1) == "0.0")
        #expect(Format.fixed(1_234_567.0, places: 0) == "1234567")
    }

    @Test func htmlEscapesAndMasks() {
        #expect(h("<script>alert('x')</script>&\"") == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;")
        #expect(h("张先生 13812345678") == "某先生 ***********")
    }
}

/// A long list is written as CSV on one thread and as a workbook on another, from rows handed over
/// in batches: both hold every row, in the same order, and an error on either side stops both.
@Suite struct LongListTests {
    struct Boom: Error {}

    /// A list of `n` rows (`#i` and i), failing after `failAfter` rows when given.
    func list(_ n: Int, failAfter: Int? = nil) -> LongList {
        LongList(
            file: "t.csv", header: ["名称", "数"], count: { _ in n },
            rows: { _, limit, body in
                for i in 0..<min(n, limit ?? n) {
                    if i == failAfter { throw Boom() }
                    try body([.text("#\(i)"), .int(i)])
                }
            })
    }

    @Test func theCSVAndTheWorkbookHoldEveryRowInOrder() throws {
        let dir = TemporaryDirectory()
        let db = try Database(path: dir.file("x.sqlite"))
        // Two full batches and part of a third, and a list smaller than one batch.
        for n in [LongList.workbookBatch * 2 + 7, 3, 0] {
            let path = dir.file("t\(n).csv")
            try list(n).write(db, to: path, sheet: "t")
            let csv = try String(contentsOfFile: path, encoding: .utf8)
            let expected = (0..<n).map { ["#\($0)", "\($0)"] }
            #expect(
                csv.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",").map(String.init) } == expected)
            #expect(try workbookRows(dir.file("t\(n).xlsx")) == [["名称", "数"]] + expected)
        }
    }

    @Test func anErrorWhileReadingTheRowsStopsTheWorkbookToo() throws {
        let dir = TemporaryDirectory()
        let db = try Database(path: dir.file("x.sqlite"))
        // The workbook's thread has batches waiting when the rows fail.
        #expect(throws: Boom.self) {
            try list(LongList.workbookBatch * 40, failAfter: LongList.workbookBatch * 30).write(
                db, to: dir.file("t.csv"), sheet: "t")
        }
    }

    /// The workbook's side fails (a full disk, say): the rows' side stops at its next hand-over,
    /// and the workbook's error is the one thrown; the workbook is not finished.
    @Test func anErrorWritingTheWorkbookStopsTheRows() throws {
        struct Full: Error {}
        final class Seen: @unchecked Sendable {
            var batches = 0
            var finished = false
            var handed = 0
        }
        let seen = Seen()
        #expect(throws: Full.self) {
            try LongList.alongside(
                label: "t",
                produce: { hand in
                    for i in 0..<10_000 {
                        try hand(i)
                        seen.handed += 1
                    }
                },
                consume: { (_: Int) in
                    seen.batches += 1
                    if seen.batches == 3 { throw Full() }
                },
                finish: { seen.finished = true })
        }
        #expect(seen.handed < 10_000 && !seen.finished)
        // Without errors every batch is consumed, then the side is finished.
        seen.batches = 0
        try LongList.alongside(
            label: "t", produce: { hand in for i in 0..<1_000 { try hand(i) } },
            consume: { (_: Int) in seen.batches += 1 }, finish: { seen.finished = true })
        #expect(seen.batches == 1_000 && seen.finished)
        // The rows' side fails: the workbook's side is stopped, not finished, and its error is thrown.
        seen.finished = false
        #expect(throws: Boom.self) {
            try LongList.alongside(
                label: "t",
                produce: { hand in
                    try hand(1)
                    throw Boom()
                },
                consume: { (_: Int) in }, finish: { seen.finished = true })
        }
        #expect(!seen.finished)
    }
}

@Suite struct RenderStageTests {
    static let stages: [any Stage.Type] = [
        IngestStage.self, ClassifyStage.self, AggregateStage.self, DetectStage.self, RenderStage.self,
    ]
    let dir = TemporaryDirectory()

    /// A store whose orders carry hostile text where names go, built through each stage's own API.
    func store() throws -> Store {
        let store = try Store(path: dir.file("h.sqlite"), stages: Self.stages)
        var orders: [Order] = []
        for (i, day) in [2, 9, 34].enumerated() {
            var o = Order(
                id: "H\(i)",
                receivedAt: LocalDateTime(dayNumber: LocalDateTime(year: 2021, month: 1, day: 1).dayNumber + day - 1))
            o.street = "<b>街道</b>"
            o.community = "王先生13812345678"
            orders.append(o)
        }
        try IngestStage.insert(orders, into: store)
        let bad = dir.write("a.csv", "工单编号,受理时间\nH0,2021-01-02\nX1,13912345678\n")
        try IngestStage.ingest([bad], into: store, config: config())
        try ClassifyStage.assign(["H0": ("物业管理", nil), "H1": ("物业管理", nil), "H2": ("=cmd|x", nil)], in: store)
        try store.run(AggregateStage(config: config(), paths: paths()))
        return store
    }

    func config() -> PipelineConfig {
        let path = dir.write("p.conf", "[pipeline]\nname = 测试<区>\n[ingest]\nmax_reject_share = 1\n")
        return try! PipelineConfig.load(path: path, stages: Self.stages)
    }

    func paths(_ out: String = "site") -> StagePaths { StagePaths(store: dir.file("h.sqlite"), out: dir.file(out)) }

    @discardableResult
    func render(_ store: Store, out: String = "site") throws -> RenderStage {
        let stage = try RenderStage(config: config(), paths: paths(out))
        try store.run(stage)
        return stage
    }

    @Test func writesEveryFileEscapedMaskedAndSelfContained() throws {
        let rendered = try store()
        let index = try render(rendered).index
        // Render sorts with a smaller cache and gives the store's connection its own back.
        #expect(try rendered.db.scalar("PRAGMA main.cache_size") == -65536)
        #expect(index == dir.file("site/index.html"))
        let html = try String(contentsOfFile: dir.file("site/all.html"), encoding: .utf8)
        #expect(html.contains("测试&lt;区&gt;"))
        #expect(html.contains("&lt;b&gt;街道&lt;/b&gt;"))
        #expect(!html.contains("<b>"))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"))
        #expect(html.contains("<svg"))
        #expect(html.contains("66.7%"))
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.file("site")).sorted()
        let fixed = [
            ".hotline-site", "all.html", "categories.csv", "communities.csv", "community_categories.csv",
            "data_quality.csv", "escalation.csv", "handling.html", "handling_monthly.csv", "handling_streets.csv",
            "handling_units.csv", "index.html", "mislabels.csv", "month_categories.csv", "months.csv", "periods.html",
            "recurring.csv", "recurring.html", "recurring_evidence.csv", "rejects.csv", "streets.csv",
            "supervision.csv",
        ]
        #expect(Set(fixed).isSubset(of: names))
        // Every CSV has its workbook, and pages of periods, places and units are all there is besides.
        for name in names where name.hasSuffix(".csv") { #expect(names.contains(String(name.dropLast(4)) + ".xlsx")) }
        let kinds = ["period-", "street-", "community-", "unit-", "candidate-"]
        for name in names where !fixed.contains(name) && !name.hasSuffix(".xlsx") {
            #expect(kinds.contains { name.hasPrefix($0) }, "unexpected \(name)")
        }
        for name in names where name != ".hotline-site" {
            let text = try publishedText(dir.file("site/\(name)"))
            #expect(!text.contains("13812345678") && !text.contains("13912345678") && !text.contains("王先生"), "\(name)")
            #expect(!text.contains(dir.path), "\(name) shows a server path")
        }
        #expect(dir.read("site/categories.csv")?.contains("'=cmd|x") == true)
    }

    @Test func replacesItsOwnSiteWholeAndRefusesAnyOtherFolder() throws {
        let s = try store()
        try render(s)
        dir.write("site/stale.html", "old")
        try render(s)
        #expect(!FileManager.default.fileExists(atPath: dir.file("site/stale.html")))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dir.path).filter {
                $0.contains(".tmp-") || $0.contains(".old-")
            }.isEmpty)

        dir.write("home/precious.txt", "keep me")
        #expect {
            try render(s, out: "home")
        } throws: { error in
            guard case HotlineError.publish(let path, _) = error else { return false }
            return path == dir.file("home")
        }
        #expect(dir.read("home/precious.txt") == "keep me")
    }

    @Test func longListsAreStreamedWholeAndShownInPart() throws {
        let s = try store()
        let rows = (1...250).map { "\n,2021-01-0\($0 % 9 + 1)" }.joined()
        let file = dir.write("b.csv", "工单编号,受理时间" + rows + "\nH0,2021-01-02\n")
        try IngestStage.ingest([file], into: s, config: config())
        try s.run(AggregateStage(config: config(), paths: paths()))
        try render(s)
        let csv = try #require(dir.read("site/rejects.csv"))
        #expect(csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count == 1 + 251)
        #expect(csv.contains("b.csv,251,缺少工单编号,no order id (工单编号)\r\n"))
        let html = try #require(dir.read("site/all.html"))
        #expect(html.contains("共 251 条"))
        #expect(html.contains("仅列出前 100 条"))
        #expect(html.components(separatedBy: "<td>b.csv</td>").count - 1 == 99)
    }

    @Test func nothingToRenderBeforeAggregate() throws {
        let empty = try Store(path: dir.file("empty.sqlite"), stages: Self.stages)
        #expect {
            try empty.run(RenderStage(config: config(), paths: StagePaths(store: empty.path, out: dir.file("s"))))
        } throws: { error in
            guard case HotlineError.notReady = error else { return false }
            return true
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("s")))
    }
}

@Suite struct HandlingTablesTests {
    typealias Row = HandlingReport.Row

    func row(_ month: String, n: Int, onTime: Int, base: Int, median: Double?, response: Double?, composite: Double?)
        -> Row
    {
        Row(
            scope: .unit, name: "区水务局", month: month, n: n, closed: base, onTime: onTime, onTimeBase: base,
            overdueOpen: n - base, median: median, p90: median, valid: base, response: response, resolution: response,
            satisfaction: response, composite: composite, rank: nil)
    }

    @Test func monthOverMonthChangesOfEachFigure() throws {
        let report = HandlingReport(
            rows: [
                row("", n: 7, onTime: 5, base: 6, median: 10, response: 0.8, composite: 80),
                row("2021-01", n: 4, onTime: 3, base: 4, median: 12, response: 0.75, composite: 75),
                row("2021-02", n: 3, onTime: 2, base: 2, median: 6.5, response: 1, composite: 100),
                row("2021-04", n: 1, onTime: 0, base: 0, median: nil, response: nil, composite: nil),
            ], lists: "", definitions: [], minVolume: "")
        let monthly = try #require(report.tables().first { $0.0 == "handling_monthly.csv" }?.1.text)
        let lines = monthly.components(separatedBy: "\r\n")
        // February against January: n −1, closed −2, on time 75% → 100% (+25.0 points), overdue +1, median −5.5 h,
        // p90 −5.5 h, valid −2, rates +25.0 points, composite +25.0.
        #expect(
            lines.contains(
                "承办单位,区水务局,2021-02,,3,2,100.0,1,6.5,6.5,2,100.0,100.0,100.0,100.0,-1,-2,25.0,1,-5.5,-5.5,-2,25.0,25.0,25.0,25.0"
            ))
        // January has no month before it; April's month before (March) had no orders.
        #expect(lines.contains("承办单位,区水务局,2021-01,,4,4,75.0,0,12.0,12.0,4,75.0,75.0,75.0,75.0,,,,,,,,,,,"))
        #expect(lines.contains("承办单位,区水务局,2021-04,,1,0,,1,,,0,,,,,,,,,,,,,,,"))
        #expect(report.months == ["2021-01", "2021-02", "2021-03", "2021-04"])
        let page = report.page(name: "测试")
        #expect(page.contains("<td class=\"num\">3 / 100.0（+25.0）</td><td class=\"num\">—</td>"))
    }
}

@Suite struct PeriodTests {
    @Test func keysLabelsAndNeighbours() throws {
        let march = try #require(Period.parse("2024-03", kind: .month))
        #expect(march.key == "2024-03" && march.label == "2024年3月")
        #expect(march.previous.key == "2024-02" && march.yearBefore.key == "2023-03")
        #expect(march.previous.lastDay == "2024-02-29")
        #expect(Period.parse("2024-01", kind: .month)?.previous.key == "2023-12")
        let q1 = try #require(Period.parse("2024-q1", kind: .quarter))
        #expect(q1.months == ["2024-01", "2024-02", "2024-03"] && q1.previous.key == "2023-Q4")
        #expect(q1.label == "2024年第1季度" && q1.lastDay == "2024-03-31")
        #expect(Period.parse("2023", kind: .year)?.next.key == "2024")
        for bad in ["2024-13", "2024-3", "24-03", "2024-Q5", "2024Q1"] {
            #expect(Period.parse(bad, kind: bad.contains("Q") ? .quarter : .month) == nil, "\(bad)")
        }
        #expect(
            Period.all(kind: .quarter, from: "2023-02", to: "2024-03").map(\.key) == [
                "2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1",
            ])
    }

    @Test func theDefaultIsTheLastCompletePeriod() {
        // Data to the last day of March: March. To the 30th: February. Less than a month: that month.
        #expect(
            Period.lastComplete(kind: .month, firstMonth: "2023-02", lastReceived: "2024-03-31 08:00:00")?.key
                == "2024-03")
        #expect(
            Period.lastComplete(kind: .month, firstMonth: "2023-02", lastReceived: "2024-03-30 23:59:59")?.key
                == "2024-02")
        #expect(
            Period.lastComplete(kind: .month, firstMonth: "2024-03", lastReceived: "2024-03-12 10:00:00")?.key
                == "2024-03")
        #expect(
            Period.lastComplete(kind: .year, firstMonth: "2022-01", lastReceived: "2024-06-30 10:00:00")?.key == "2023")
    }

    @Test func changesAgainstNothingAreNotNumbers() {
        #expect(Format.change(6, from: 5) == "+20.0%")
        #expect(Format.change(1, from: 2) == "-50.0%")
        #expect(Format.change(2, from: 2) == "0.0%")
        #expect(Format.change(3, from: 0) == "新增")
        #expect(Format.change(0, from: 0) == "—")
    }

    @Test func anAsOfThatIsNoPeriodIsASettingsError() throws {
        let dir = TemporaryDirectory()
        let path = dir.write("p.conf", "[report]\nperiod = quarter\nas_of = 2024-03\n")
        #expect {
            try ReportSettings(config: try PipelineConfig.load(path: path, settings: ReportSettings.all))
        } throws: { error in
            guard case HotlineError.settings(let d) = error else { return false }
            return d.map(\.line) == [3]
        }
        let ok = dir.write("q.conf", "[report]\nperiod = quarter\nas_of = 2024-Q1\n")
        let settings = try ReportSettings(config: try PipelineConfig.load(path: ok, settings: ReportSettings.all))
        #expect(settings.asOf?.key == "2024-Q1")
    }
}
