import Foundation
import TestSupport
import Testing

/// The nightly run with the detect stage, on the fixture with planted recurring problems.
@Suite struct DetectEndToEndTests {
    let dir = TemporaryDirectory("hotline-e2e-detect")

    var store: String { dir.file("d.sqlite") }
    var site: String { dir.file("site") }
    var config: String { Fixtures.path("Fixtures/detect/detect.conf") }

    @Test func runPublishesTheCandidatesAndExplainShowsTheirEvidence() throws {
        let run = try HotlineBinary.run(["run", "--config", config, "--store", store, "--out", site])
        #expect(run.status == 0)
        #expect(run.stdout == site + "/index.html\n")
        #expect(run.stderr.contains("hotline: detect: 675 orders: 5 candidates"))

        let detect = try HotlineBinary.run(["detect", "--config", config, "--store", store])
        #expect(detect.status == 0)
        let lines = detect.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(lines.first?.prefix(3) == ["rank", "id", "weight"])
        #expect(lines.count == 6)
        let hotspot = try #require(lines.first { $0.last == "hotspot,surge" })
        #expect(hotspot[5] == "物业管理" && hotspot[6] == "园岭街道 园岭社区 翠竹苑" && hotspot[7] == "11")

        let page = try #require(dir.read("site/recurring.html"))
        #expect(page.contains("提级处理候选问题"))
        #expect(page.contains(hotspot[1]))
        #expect(page.contains("<svg class=\"spark\""))
        #expect(try #require(dir.read("site/index.html")).contains("href=\"recurring.html\""))
        let csv = try #require(dir.read("site/recurring.csv"))
        #expect(csv.hasPrefix("\u{FEFF}排名,编号,状态,建议层级"))
        #expect(csv.split(separator: "\r\n").count == 6)
        let evidence = try #require(dir.read("site/recurring_evidence.csv"))
        #expect(evidence.split(separator: "\r\n").count == 1 + 11 + 5 + 7 + 17 + 6)
        // Order ids are references, not personal data: long numeric ones stay readable.
        #expect(evidence.contains(try Regex("\r\nTJ-[A-Z]{4}-[A-Z]{4},DT[0-9]{12},2024-")))
        #expect(!evidence.contains("DT***"))

        let explain = try HotlineBinary.run(["explain", "--config", config, "--store", store, hotspot[1]])
        #expect(explain.status == 0)
        #expect(explain.stdout.hasPrefix("Candidate \(hotspot[1])"))
        #expect(explain.stdout.contains("地点集中"))
        #expect(explain.stdout.components(separatedBy: "电梯坏了").count - 1 == 9)
        let phoneNumber = try Regex("1[3-9][0-9]{9}")
        #expect(!explain.stdout.contains("先生") && explain.stdout.firstMatch(of: phoneNumber) == nil)

        // Nothing personal anywhere on the site.
        let phone = phoneNumber
        for name in try FileManager.default.contentsOfDirectory(atPath: site) where !name.hasPrefix(".") {
            let text = try publishedText(site + "/" + name)
            #expect(text.firstMatch(of: phone) == nil, "\(name) contains a phone number")
        }
    }

    @Test func detectOnAStoreWithoutOrdersFindsNothing() throws {
        let empty = dir.write("empty.csv", "工单编号,受理时间,诉求内容\n")
        _ = try HotlineBinary.run(["ingest", "--store", store, empty])
        let r = try HotlineBinary.run(["detect", "--store", store])
        #expect(r.status == 0)
        #expect(r.stderr.contains("detect: 0 orders: no orders, so no candidates"))
        #expect(r.stdout.hasPrefix("rank\tid\t") && r.stdout.split(separator: "\n").count == 1)
        let missing = try HotlineBinary.run(["detect", "--store", dir.file("none.sqlite")])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("Error: no store at"))
    }
}
