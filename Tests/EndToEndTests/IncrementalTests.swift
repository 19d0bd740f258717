import Foundation
import TestSupport
import Testing

/// A night costs what changed, and gives what a rebuild from scratch gives: after every night of a
/// sequence of overlapping exports, the store's tables and the published site equal those of a
/// copy of the store rebuilt with `--full`.
@Suite(.serialized) struct IncrementalTests {
    let dir = TemporaryDirectory("hotline-incremental")

    /// A deterministic generator (SplitMix64).
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static let header = "工单编号,受理时间,所属街道,所属社区,事发地址,诉求内容,承办单位,办理时限,办结时间,办理状态,回访满意度,联系电话\n"
    static let places = [("横岗街道", "六约社区", "横岗六约翠竹苑"), ("横岗街道", "四联社区", "横岗四联金色家园"), ("南湾街道", "沙湾社区", "南湾沙湾星河时代")]
    static let texts = [
        "小区电梯坏了没人修", "楼下夜间施工噪音太大", "公司拖欠工资三个月", "路灯坏了晚上很黑", "垃圾清运不及时气味难闻", "孩子上学学位紧张",
    ]

    /// One order's CSV row; `closed` gives a close two days later with `satisfaction`.
    static func row(
        _ id: String, _ y: Int, _ m: Int, _ d: Int, place: Int, text: Int, closed: Bool, satisfaction: String,
        phone: Int
    ) -> String {
        let (street, community, address) = places[place]
        let at = String(format: "%04d-%02d-%02d 10:00:00", y, m, d)
        let close = closed ? String(format: "%04d-%02d-%02d 09:00:00", y, m, min(d + 2, 28)) : ""
        return
            "\(id),\(at),\(street),\(community),\(address)\(1 + phone % 9)栋,\(texts[text]),区住房和建设局,5,\(close),\(closed ? "已办结" : "办理中"),\(closed ? satisfaction : ""),139\(String(format: "%08d", phone))\n"
    }

    /// `n` new orders in a month, numbered from `first`.
    static func month(_ y: Int, _ m: Int, n: Int, first: Int, random: inout Random) -> String {
        var out = ""
        for i in 0..<n {
            // Some repeat callers and a burst on one place, so detect finds something.
            let phone = random.below(4) == 0 ? random.below(5) : 1_000 + first + i
            out += row(
                "N\(first + i)", y, m, 1 + random.below(27), place: random.below(3), text: random.below(texts.count),
                closed: random.below(3) > 0, satisfaction: ["满意", "基本满意", "不满意"][random.below(3)], phone: phone)
        }
        return out
    }

    func run(_ store: String, _ site: String, _ conf: String, full: Bool = false) throws {
        let r = try HotlineBinary.run(
            ["run", "--config", conf, "--store", store, "--out", site] + (full ? ["--full"] : []))
        #expect(r.status == 0, "\(r.stderr)")
    }

    /// Every stage-owned table, without the columns that record which run wrote a row or when, and
    /// without what the last reading of each export did (`sources`' inserted, updated, unchanged: a
    /// rebuild reads every export again and finds it unchanged).
    func tables(_ store: String) throws -> String {
        let script = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            skip = {'run_id', 'stamp', 'first_run', 'last_run', 'first_detected', 'last_detected', 'started_at',
                    'inserted', 'updated', 'unchanged'}
            owned = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                     if r[0] not in ('runs', 'meta', 'table_changes', 'migrations', 'sqlite_sequence')]
            for t in owned:
                cols = [r[1] for r in db.execute(f"PRAGMA table_info({t})") if r[1] not in skip]
                rows = sorted(repr(r) for r in db.execute(f"SELECT {', '.join(cols)} FROM {t}")
                              if not (t == 'agg_summary' and r[0] == 'generated_at'))
                print(t, len(rows))
                for r in rows: print(' ', r)
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, store]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return text
    }

    /// Every published file, with the time it was generated blanked.
    func site(_ folder: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) where !name.hasPrefix(".") {
            let text = try publishedText(folder + "/" + name)
            out[name] = text.replacingOccurrences(
                of: "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}", with: "T", options: .regularExpression)
        }
        return out
    }

    @Test func everyNightEqualsARebuildFromScratch() throws {
        let taxonomy = try String(contentsOfFile: Fixtures.taxonomy, encoding: .utf8)
        dir.write("p/taxonomy.tsv", taxonomy)
        let conf = dir.write("p/p.conf", "inputs = exports/*.csv\ntaxonomy = taxonomy.tsv\n")
        let store = dir.file("night.sqlite")
        var random = Random(state: 11)
        // Each night: what lands in the exports folder, and whether the taxonomy is edited first.
        var nights: [(files: [(String, String)], taxonomy: String?)] = []
        // R2 recalls R1 (the same caller on the same matter after an unsatisfied close) until R1's
        // caller is corrected on night 4.
        let recall = [
            Self.row("R1", 2021, 1, 3, place: 2, text: 0, closed: true, satisfaction: "不满意", phone: 7),
            Self.row("R2", 2021, 1, 10, place: 2, text: 0, closed: false, satisfaction: "", phone: 7),
        ]
        let january = Self.month(2021, 1, n: 120, first: 0, random: &random) + recall.joined()
        nights.append(([("2021-01.csv", Self.header + january)], nil))
        // February, and January's open orders closed (a later export of the same orders).
        let closing = january.split(separator: "\n").filter { $0.contains(",办理中,") }.prefix(15).map {
            $0.replacingOccurrences(of: ",办理中,", with: ",已办结,").replacingOccurrences(
                of: ",,已办结,,", with: ",2021-01-28 09:00:00,已办结,满意,")
        }
        nights.append(
            (
                [
                    ("2021-02.csv", Self.header + Self.month(2021, 2, n: 100, first: 1_000, random: &random)),
                    ("2021-01-late.csv", Self.header + closing.joined(separator: "\n") + "\n"),
                ], nil
            ))
        // March, with an order reopened, after a taxonomy edit.
        let reopened = Self.row(
            "N3", 2021, 1, 5, place: 0, text: 0, closed: false, satisfaction: "", phone: 3)
        nights.append(
            (
                [
                    ("2021-03.csv", Self.header + Self.month(2021, 3, n: 100, first: 2_000, random: &random) + reopened)
                ], taxonomy + "电梯维修\t城乡建设与管理\t电梯\t\t1\n"
            ))
        // A gap: April has no export; May does, with a February order corrected to March (its month,
        // caller and callback change; nothing else that night is in February).
        let moved =
            Self.row("N1005", 2021, 3, 15, place: 1, text: 2, closed: true, satisfaction: "不满意", phone: 2)
            + Self.row("R1", 2021, 1, 3, place: 2, text: 0, closed: true, satisfaction: "不满意", phone: 8)
        nights.append(
            (
                [("2021-05.csv", Self.header + Self.month(2021, 5, n: 100, first: 3_000, random: &random) + moved)],
                nil
            ))
        // A new year, with a few orders of the old one that came late.
        nights.append(
            (
                [
                    ("2022-01.csv", Self.header + Self.month(2022, 1, n: 80, first: 4_000, random: &random)),
                    ("2021-12-late.csv", Self.header + Self.month(2021, 12, n: 10, first: 5_000, random: &random)),
                ], nil
            ))
        // A night with nothing new.
        nights.append(([], nil))

        for (n, night) in nights.enumerated() {
            if let edited = night.taxonomy { dir.write("p/taxonomy.tsv", edited) }
            for (name, text) in night.files { dir.write("p/exports/\(name)", text) }
            if n == 3 {
                // By hand, stage by stage: aggregate and detect see the moved order before classify does.
                for stage in [["ingest"], ["aggregate"], ["detect"]] {
                    let r = try HotlineBinary.run(stage + ["--config", conf, "--store", store])
                    #expect(r.status == 0, "\(r.stderr)")
                }
            }
            try run(store, dir.file("site"), conf)
            // The same store, rebuilt from scratch.
            let copy = dir.file("full-\(n).sqlite")
            try FileManager.default.copyItem(atPath: store, toPath: copy)
            try run(copy, dir.file("site-full-\(n)"), conf, full: true)
            let (mine, rebuilt) = (try tables(store), try tables(copy))
            let a = mine.split(separator: "\n")
            let b = rebuilt.split(separator: "\n")
            let first = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
            #expect(
                mine == rebuilt,
                "night \(n + 1): tables differ at line \(first): \(first < a.count ? a[first] : "—") vs \(first < b.count ? b[first] : "—")"
            )
            #expect(try site(dir.file("site")) == site(dir.file("site-full-\(n)")), "night \(n + 1): site differs")
        }
        // The last night read nothing and ran nothing.
        let quiet = try HotlineBinary.run(["run", "--config", conf, "--store", store, "--out", dir.file("site")])
        #expect(quiet.stderr.contains("classify: up to date"))
        #expect(!quiet.stderr.contains("rows read"))
    }
}
