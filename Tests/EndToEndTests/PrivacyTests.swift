import Foundation
import TestSupport
import Testing

/// Personal data planted in every text field of an export, the whole pipeline run by the binary, and
/// the store and every published file scanned for each planted value.
@Suite struct PrivacyTests {
    /// A form of personal data, how it is written in the export, and what must not be found anywhere.
    struct Planted {
        var form: String
        var text: String
        var secrets: [String]
    }

    static let planted: [Planted] = [
        Planted(form: "mobile", text: "电话13955030001", secrets: ["13955030001"]),
        Planted(form: "+86 mobile", text: "+86 13955030003", secrets: ["13955030003"]),
        Planted(form: "86 mobile", text: "86 13955190019", secrets: ["13955190019"]),
        Planted(form: "+86 in groups", text: "+86-139-5518-0018", secrets: ["5518-0018", "13955180018"]),
        Planted(form: "dotted", text: "139.5512.0012", secrets: ["5512.0012", "13955120012"]),
        Planted(form: "spaced groups", text: "139 - 5513 - 0013", secrets: ["5513 - 0013", "13955130013"]),
        Planted(form: "full-width hyphens", text: "139－5523－0023", secrets: ["5523－0023", "13955230023"]),
        Planted(form: "digit by digit", text: "1 3 9 5 5 4 3 0 0 4 3", secrets: ["5 5 4 3 0 0 4 3", "13955430043"]),
        Planted(form: "Chinese numerals", text: "一三九五五六三零零六三", secrets: ["一三九五五六三零零六三", "五五六三零零六三"]),
        Planted(form: "glued to a time", text: "14:22 13955170017", secrets: ["13955170017"]),
        Planted(form: "full-width digits", text: "１３９５５７３００７３", secrets: ["１３９５５７３００７３", "13955730073"]),
        Planted(form: "我叫", text: "我叫张澄伟", secrets: ["张澄伟"]),
        Planted(form: "联系人", text: "联系人王小澈", secrets: ["王小澈"]),
        Planted(form: "姓名：", text: "姓名：赵澄明", secrets: ["赵澄明"]),
        Planted(form: "本人", text: "本人刘澄思", secrets: ["刘澄思"]),
        Planted(form: "honorific", text: "李澄芳女士", secrets: ["李澄芳", "澄芳"]),
        Planted(form: "e-mail", text: "邮箱zhang.chengwei@example.com", secrets: ["zhang.chengwei", "chengwei@"]),
        Planted(form: "licence plate", text: "车牌粤B55123", secrets: ["B55123"]),
        Planted(form: "QQ", text: "QQ号550910", secrets: ["550910"]),
        Planted(form: "ID number", text: "身份证44030119900101567X", secrets: ["44030119900101567"]),
        Planted(form: "name in a home address", text: "翠竹苑王澄宇家门口", secrets: ["王澄宇"]),
    ]

    /// The caller's own name and phone, from their columns, written into the text too.
    static let callerName = "钱澄远"
    static let callerPhone = "13955990099"
    /// A name and a number in a date field, and a name on a row whose quote never closes.
    static let inDateField = ("孙澄浩", "13955880088")
    static let inBrokenRow = "周澄涵"

    static let textColumns = ["诉求标题", "诉求内容", "事发地址", "问题分类", "承办单位", "所属社区"]

    /// The export: every form in every text column, a name in an address eight times in a week (so it
    /// would become a hotspot's place), and the bad rows.
    func export(_ dir: TemporaryDirectory) -> String {
        var rows = ["工单编号,受理时间,来电人,联系电话,所属街道,所属社区,事发地址,问题分类,诉求标题,诉求内容,承办单位,办理状态,回访满意度"]
        var n = 0
        func row(community: String, address: String, category: String, title: String, content: String, unit: String) {
            n += 1
            let day = 1 + n % 27
            rows.append(
                [
                    "P\(n)", "2021-03-\(day < 10 ? "0" : "")\(day) 10:00", Self.callerName, Self.callerPhone, "横岗街道",
                    community, address, category, title, content, unit, "已办结", "满意",
                ].map { "\"\($0)\"" }.joined(separator: ","))
        }
        for p in Self.planted {
            for column in Self.textColumns {
                let text = "反映\(p.text)的问题，\(Self.callerName)说"
                row(
                    community: column == "所属社区" ? text : "六约社区", address: column == "事发地址" ? text : "翠竹苑1栋",
                    category: column == "问题分类" ? text : "物业管理", title: column == "诉求标题" ? text : "物业问题",
                    content: column == "诉求内容" ? text : "电梯坏了", unit: column == "承办单位" ? text : "区住房和建设局")
            }
        }
        for _ in 0..<8 {
            row(
                community: "六约社区", address: "横岗六约翠竹苑王澄宇家门口", category: "噪音扰民", title: "噪音",
                content: "楼下装修噪音太大", unit: "区生态环境分局")
        }
        rows.append(
            "X1,\(Self.inDateField.0) \(Self.inDateField.1),\(Self.callerName),\(Self.callerPhone),横岗街道,六约社区,,,,,,,")
        rows.append("X2,2021-03-05 10:00,\(Self.inBrokenRow),13955770077,横岗街道,六约社区,\"翠竹苑,物业,标题,\"没有结尾的引号")
        return dir.write("privacy.csv", rows.joined(separator: "\n") + "\n")
    }

    @Test func nothingPlantedReachesTheStoreOrTheSite() throws {
        let dir = TemporaryDirectory("hotline-privacy")
        let conf = dir.write(
            "p.conf", "taxonomy = \(Fixtures.taxonomy)\n[ingest]\nmax_reject_share = 0.5\n[detect]\nhotspot_min = 5\n")
        let store = dir.file("p.sqlite")
        let r = try HotlineBinary.run([
            "run", "--config", conf, "--store", store, "--out", dir.file("site"), export(dir),
        ])
        #expect(r.status == 0, "\(r.stderr)")
        // Everything to scan: every column of every table, the database's own bytes, every published file.
        var places: [(String, String)] = []
        let dump = Process()
        dump.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        dump.arguments = ["python3", "-c", Self.dumpStore, store]
        let pipe = Pipe()
        dump.standardOutput = pipe
        try dump.run()
        let tables = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        dump.waitUntilExit()
        #expect(dump.terminationStatus == 0)
        places.append(("the store's tables", tables))
        for file in [store, store + "-wal"] where FileManager.default.fileExists(atPath: file) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            places.append(((file as NSString).lastPathComponent + " (bytes)", String(decoding: bytes, as: UTF8.self)))
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.file("site")) {
            places.append(
                ("site/" + name, (try? String(contentsOfFile: dir.file("site/\(name)"), encoding: .utf8)) ?? ""))
        }
        var found: [String] = []
        var checks = Self.planted.map { ($0.form, $0.secrets) }
        checks += [
            ("caller's name", [Self.callerName]), ("caller's phone", [Self.callerPhone]),
            ("name in a date field", [Self.inDateField.0]), ("phone in a date field", [Self.inDateField.1]),
            ("name on a row with an unclosed quote", [Self.inBrokenRow]), ("phone on that row", ["13955770077"]),
        ]
        for (form, secrets) in checks {
            for secret in secrets {
                for (place, text) in places where text.contains(secret) {
                    found.append("\(form) '\(secret)' in \(place)")
                }
            }
        }
        #expect(found == [], "\(found.joined(separator: "\n"))")
        // The planted rows did what they were planted for.
        #expect(r.stderr.contains("136 rows read = 134 inserted + 0 updated + 0 unchanged + 2 rejected"))
        #expect(try String(contentsOfFile: dir.file("site/rejects.csv"), encoding: .utf8).contains("X1") == false)
        #expect(try String(contentsOfFile: dir.file("site/recurring.csv"), encoding: .utf8).contains("翠竹苑"))
    }

    /// Prints every value of every column of every table of the SQLite file named by argv[1].
    static let dumpStore = """
        import sqlite3, sys
        db = sqlite3.connect(sys.argv[1])
        for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for row in db.execute(f'SELECT * FROM "{t}"'):
                print(t, *[v for v in row if isinstance(v, str)])
        """
}
