import Foundation
import TestSupport
import Testing

/// Runs the built `hotline` binary as cron and analysts do, on the hand-counted fixture.
@Suite struct EndToEndTests {
    let dir = TemporaryDirectory("hotline-e2e")

    var store: String { dir.file("h.sqlite") }
    var site: String { dir.file("site") }

    func hotline(_ args: [String]) throws -> ProcessResult { try HotlineBinary.run(args) }

    /// The cells of the first line of a text table that starts with `first`.
    static func row(_ first: String, in text: String) -> [String] {
        text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.first { $0.first == first } ?? []
    }

    func runSmall(config: String = Fixtures.smallConfig) throws -> ProcessResult {
        try hotline(["run", "--config", config, "--store", store, "--out", site])
    }

    @Test func versionAndHelpGoToStdout() throws {
        let v = try hotline(["--version"])
        #expect((v.status, v.stdout, v.stderr) == (0, "0.1.0\n", ""))
        let help = try hotline(["help", "ingest"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE: hotline ingest [options] [<file> ...]"))
        #expect(try hotline(["status", "--help"]).stdout.contains("--store <path>"))
    }

    @Test func usageErrorsExit64WithErrorOnStderr() throws {
        for args in [[], ["bogus"], ["ingest", "--bogus", "x"], ["explain"], ["classify", "x"]] {
            let r = try hotline(args)
            #expect(r.status == 64, "\(args)")
            #expect(r.stderr.hasPrefix("Error: "), "\(args)")
            #expect(r.stdout.isEmpty, "\(args)")
        }
        // No files named and none in the pipeline.
        let r = try hotline(["ingest", "--store", store])
        #expect(r.status == 64)
    }

    @Test func nightlyRunPublishesHandCountedFigures() throws {
        let r = try runSmall()
        #expect(r.status == 0)
        #expect(r.stdout == site + "/index.html\n")
        let a = Fixtures.exportA
        let b = Fixtures.exportB
        for line in [
            "\(a):10: error: no order id (工单编号)", "\(a):11: error: unreadable 受理时间 '2021-13-45 99:99'",
            "\(a):12: error: expected 16 fields, found 5",
            "\(b):7: error: field 6 has bytes that are not valid gb18030",
            "\(a) (utf-8): 11 rows read = 8 inserted + 0 updated + 0 unchanged + 3 rejected",
            "\(b) (gb18030): 8 rows read = 5 inserted + 1 updated + 1 unchanged + 1 rejected",
            "communities.csv:7: error: population must be a positive whole number, not 'abc'",
        ] {
            #expect(r.stderr.contains(line), "stderr lacks: \(line)")
        }
        #expect(
            dir.read("site/categories.csv") == """
                \u{FEFF}分类,上级分类,工单数,占比(%)\r
                物业管理,住房和物业,3,23.1\r
                噪音扰民,生态环境,2,15.4\r
                市政设施,城乡建设与管理,2,15.4\r
                其他,其他,1,7.7\r
                劳资纠纷,劳动和社会保障,1,7.7\r
                学位紧缺,教育,1,7.7\r
                户籍证件,公安,1,7.7\r
                社会保险,劳动和社会保障,1,7.7\r
                违建查处,城乡建设与管理,1,7.7\r

                """)
        #expect(
            dir.read("site/months.csv")
                == "\u{FEFF}月份,工单数\r\n2021-03,3\r\n2021-04,3\r\n2021-05,0\r\n2021-06,3\r\n2021-07,0\r\n2021-08,4\r\n")
        #expect(
            dir.read("site/streets.csv") == """
                \u{FEFF}街道,工单数,常住人口,每万人工单数,网格员,每名网格员工单数,最多的诉求,该类工单数\r
                南湾街道,6,,,,,市政设施,2\r
                横岗街道,6,202000,0.3,,,物业管理,3\r
                （未注明）,1,,,,,户籍证件,1\r

                """)
        let communities = try #require(dir.read("site/communities.csv"))
        #expect(communities.contains("南湾街道,沙湾社区,3,1522,19.7,3,1.0,学位紧缺,1\r\n"))
        #expect(communities.contains("横岗街道,六约社区,5,152000,0.3,40,0.1,噪音扰民,2\r\n"))
        #expect(communities.contains("横岗街道,保安社区,0,30000,0.0,,,,\r\n"))
        #expect(dir.read("site/rejects.csv")?.contains("export-b-gbk.csv,7,字符编码错误,") == true)
        let html = try #require(dir.read("site/all.html"))
        for figure in ["13 件", "物业管理", "3 件，占 23.1%", "2 个街道", "4 个社区", "0.4", "4 行", "读入 19 行"] {
            #expect(html.contains(figure), "page lacks \(figure)")
        }
    }

    @Test func noNameOrPhoneNumberInAnyPublishedFile() throws {
        #expect(try runSmall().status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: site)
        #expect(files.filter { $0.hasSuffix(".xlsx") }.count == files.filter { $0.hasSuffix(".csv") }.count)
        #expect(files.contains("all.html") && files.contains("periods.html") && files.count > 40)
        let phone = try Regex("1[3-9][0-9]{9}")
        for name in files {
            let text = try publishedText(site + "/" + name)
            for secret in Fixtures.personalData { #expect(!text.contains(secret), "\(name) contains \(secret)") }
            #expect(text.firstMatch(of: phone) == nil, "\(name) contains a phone number")
        }
    }

    @Test func rerunningIsSafeAndChangesNoFigure() throws {
        #expect(try runSmall().status == 0)
        let first = dir.read("site/communities.csv")
        // The same night again: the exports are not read again, and no stage has anything to do.
        let again = try runSmall()
        #expect(again.status == 0)
        #expect(again.stderr.contains("export-a.csv: unchanged since it was read"))
        for stage in ["classify", "aggregate", "detect", "render"] {
            #expect(again.stderr.contains("hotline: \(stage): up to date"), "\(stage)")
        }
        #expect(dir.read("site/communities.csv") == first)
        // In full: read again, and nothing changes.
        let full = try hotline([
            "run", "--full", "--config", Fixtures.smallConfig, "--store", store, "--out", site,
        ])
        #expect(full.status == 0)
        #expect(full.stderr.contains("(utf-8): 11 rows read = 0 inserted + 0 updated + 8 unchanged + 3 rejected"))
        #expect(full.stderr.contains("classify: every order, as --full"))
        #expect(dir.read("site/communities.csv") == first)
        let status = try hotline(["status", "--store", store])
        #expect(status.status == 0)
        #expect(Self.row("orders", in: status.stdout) == ["orders", "13", "ingest"])
        #expect(Self.row("rejects", in: status.stdout) == ["rejects", "4", "ingest"])
        #expect(!status.stdout.contains("stale"))
    }

    @Test func analystRerunsClassifyAfterEditingTheTaxonomy() throws {
        // A private copy of the pipeline and taxonomy the analyst can edit.
        let taxonomy = try String(contentsOfFile: Fixtures.taxonomy, encoding: .utf8)
        dir.write("p/taxonomy.tsv", taxonomy)
        let conf = dir.write(
            "p/p.conf",
            "inputs = \(Fixtures.exportA), \(Fixtures.exportB)\ntaxonomy = taxonomy.tsv\ncommunities = \(Fixtures.path("Fixtures/small/communities.csv"))\n[ingest]\nmax_reject_share = 0.5\n"
        )
        #expect(try runSmall(config: conf).status == 0)
        let before = try hotline(["explain", "GD008", "--config", conf, "--store", store])
        #expect(before.status == 0)
        #expect(before.stdout.contains("Our category: 市政设施 (under 城乡建设与管理)"))
        #expect(before.stdout.contains("我叫**,家门口路灯坏了5天,电话****-********"))
        #expect(before.stdout.contains("Operator's category: 市政"))

        dir.write("p/taxonomy.tsv", taxonomy + "路灯照明\t城乡建设与管理\t路灯\t\t1\n")
        let stale = try hotline(["explain", "GD008", "--config", conf, "--store", store])
        #expect(stale.stdout.contains("The taxonomy now gives 路灯照明; run 'hotline classify' to apply it."))
        let classify = try hotline(["classify", "--config", conf, "--store", store])
        #expect(classify.status == 0)
        #expect(classify.stdout.isEmpty)
        let status = try hotline(["status", "--store", store])
        #expect(status.stdout.contains("stale: classified changed since; run 'hotline aggregate'"))
        // Every order was classified again: aggregate counts every month afresh, a rebuild being
        // faster than recounting more than half of the orders month by month.
        let next = try hotline(["status", "--config", conf, "--store", store])
        #expect(next.stdout.contains("recounts every month: 13 orders were written or reclassified since"))
        let after = try hotline(["explain", "GD008", "--config", conf, "--store", store])
        #expect(after.stdout.contains("Our category: 路灯照明 (under 城乡建设与管理)"))
        #expect(after.stdout.contains("路灯照明  (taxonomy.tsv:23, priority 1)  keywords: 路灯  <- wins"))
        #expect(try hotline(["aggregate", "--config", conf, "--store", store]).status == 0)
        let render = try hotline(["render", "--config", conf, "--store", store, "--out", site])
        #expect(render.status == 0)
        #expect(render.stdout == site + "/index.html\n")
        let categories = try #require(dir.read("site/categories.csv"))
        #expect(categories.contains("市政设施,城乡建设与管理,1,7.7\r\n"))
        #expect(categories.contains("路灯照明,城乡建设与管理,1,7.7\r\n"))
        // Ingest was not redone.
        let runs = try hotline(["status", "--store", store]).stdout.split(separator: "\n").filter {
            $0.first?.isNumber == true
        }
        #expect(runs.filter { $0.contains(" ingest ") }.count == 1)
        #expect(runs.filter { $0.contains(" classify ") }.count == 2)
    }

    @Test func aFailingStagePublishesNothingAndSaysWhere() throws {
        #expect(try runSmall().status == 0)
        let published = dir.read("site/index.html")
        // A broken community table stops aggregate: exit 1, the old site stays.
        dir.write("p/communities.csv", "名称,人数\n")
        let conf = dir.write(
            "p/p.conf",
            "inputs = \(Fixtures.exportA)\ntaxonomy = \(Fixtures.taxonomy)\ncommunities = communities.csv\n")
        let r = try runSmall(config: conf)
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains(dir.file("p/communities.csv") + ":1: error: the community table needs columns"))
        #expect(dir.read("site/index.html") == published)

        // A broken taxonomy stops the run before anything is written.
        dir.write("p/bad.tsv", "物业\t\t物业\t\tlow\n")
        let bad = dir.write("p/bad.conf", "inputs = \(Fixtures.exportA)\ntaxonomy = bad.tsv\n")
        let other = dir.file("other.sqlite")
        let t = try hotline(["run", "--config", bad, "--store", other, "--out", dir.file("other-site")])
        #expect(t.status == 1)
        #expect(t.stderr.contains(dir.file("p/bad.tsv") + ":1: error: priority must be a whole number, not 'low'"))
        #expect(!FileManager.default.fileExists(atPath: other))
        #expect(!FileManager.default.fileExists(atPath: dir.file("other-site")))
    }

    @Test func aTargetThatIsNotASiteStopsTheRunBeforeAnyStage() throws {
        dir.write("mine/notes.txt", "keep")
        let r = try hotline(["run", "--config", Fixtures.smallConfig, "--store", store, "--out", dir.file("mine")])
        #expect(r.status == 1)
        #expect(r.stderr.contains("cannot publish the site to \(dir.file("mine"))"))
        #expect(!r.stderr.contains("ingest:"))
        #expect(dir.read("mine/notes.txt") == "keep")
    }

    @Test func workbooksPublishTheSameFiguresAsCSV() throws {
        #expect(try runSmall().status == 0)
        let fromCSV = dir.read("site/categories.csv")
        let conf = dir.write(
            "x.conf",
            """
            taxonomy = \(Fixtures.taxonomy)
            communities = \(Fixtures.path("Fixtures/small/communities.csv"))
            [xlsx]
            sheet = 工单明细
            [ingest]
            max_reject_share = 0.5

            """)
        let r = try hotline([
            "run", "--config", conf, "--store", dir.file("x.sqlite"), "--out", dir.file("xsite"),
            Fixtures.path("Fixtures/xlsx/small-a.xlsx"), Fixtures.path("Fixtures/xlsx/small-b.xlsx"),
        ])
        #expect(r.status == 0)
        #expect(r.stderr.contains("small-a.xlsx:10: error: unreadable 受理时间 '2021-13-45 99:99'"))
        #expect(dir.read("xsite/categories.csv") == fromCSV)
        let bomb = try hotline([
            "ingest", "--config", conf, "--store", dir.file("x.sqlite"), Fixtures.path("Fixtures/hostile/bomb.xlsx"),
        ])
        #expect(bomb.status == 1)
        #expect(bomb.stderr.contains("refused as a possible zip bomb"))
    }

    /// libxml2 and the archive reader print nothing of their own: every line names the file.
    @Test(arguments: [
        "bad-encoding.xml", "bad-attribute.xlsx", "xxe.xml", "billion-laughs.xml", "truncated.xlsx", "bad-crc.xlsx",
        "huge-row-number.xlsx", "bad-shared-string.xlsx", "unclosed-quote.csv",
    ])
    func everyLineAboutAHostileFileNamesIt(name: String) throws {
        let file = Fixtures.path("Fixtures/hostile/" + name)
        let r = try hotline(["ingest", "--config", Fixtures.smallConfig, "--store", store, file])
        #expect(r.status == 0 || r.status == 1)
        let lines = r.stderr.split(separator: "\n").filter { $0.contains("error") }
        #expect(!lines.isEmpty)
        for line in lines {
            #expect(line.contains(name), "\(line)")
        }
    }

    @Test func handlingPageAndListsFromTheHandCountedFixture() throws {
        let r = try hotline([
            "run", "--config", Fixtures.path("Fixtures/handling/handling.conf"), "--store", store, "--out", site,
        ])
        #expect(r.status == 0)
        #expect(
            dir.read("site/handling_units.csv") == """
                \u{FEFF}排名,承办单位,工单数,已办结,按时办结率(%),超期未办结,办结用时中位数(小时),办结用时第90百分位(小时),有效回访,响应率(%),解决率(%),满意率(%),综合得分\r
                1,区城管和综合执法局,3,3,100.0,0,48.0,75.0,3,66.7,100.0,100.0,96.7\r
                2,区住房和建设局,5,4,100.0,1,48.0,120.0,4,100.0,75.0,72.5,76.5\r
                不排名,区教育局,2,2,100.0,0,1.0,1.0,1,100.0,100.0,100.0,100.0\r
                不排名,区生态环境分局,2,2,100.0,0,24.0,48.0,2,100.0,50.0,45.0,53.0\r
                不排名,区水务局,1,0,,1,,,0,,,,\r

                """)
        let monthly = try #require(dir.read("site/handling_monthly.csv"))
        // 区住房和建设局 in March against January: no February row, so no month-over-month change.
        #expect(monthly.contains("承办单位,区住房和建设局,2021-03,,2,1,100.0,1,96.0,96.0,1,100.0,0.0,0.0,10.0,,,,,,,,,,,\r\n"))
        #expect(
            monthly.contains("承办单位,区城管和综合执法局,2021-03,,2,2,100.0,0,48.0,48.0,2,50.0,100.0,100.0,95.0,,,,,,,,,,,\r\n"))
        // 南湾街道, March against January is no comparison; 横岗街道 had January and March only too.
        #expect(monthly.contains("街道,南湾街道,2021-03,1,4,2,100.0,2,48.0,48.0,1,0.0,100.0,100.0,90.0,,,,,,,,,,,\r\n"))
        let html = try #require(dir.read("site/handling.html"))
        for text in ["承办单位排名", "不排名", "督办清单（督）", "共 6 条", "提级清单", "共 2 条", "2021年1月</th><th>2月</th><th>3月", "统计口径"] {
            #expect(html.contains(text), "handling.html lacks \(text)")
        }
        #expect(dir.read("site/supervision.csv")?.contains("H13,超期未办结,区水务局,南湾街道,沙湾社区,供水供电,") == true)
        #expect(dir.read("site/index.html")?.contains("href=\"handling.html\"") == true)
        for name in try FileManager.default.contentsOfDirectory(atPath: site) {
            let text = dir.read("site/" + name) ?? ""
            #expect(!text.contains("13900009999") && !text.contains("13800000001"), "\(name) holds a phone number")
        }
    }

    @Test func trainEvaluateAndClassifyWithTheModel() throws {
        let conf = dir.write(
            "m.conf",
            """
            inputs = \(Fixtures.path("Fixtures/demo/exports/*.csv"))
            taxonomy = \(Fixtures.taxonomy)
            [model]
            epochs = 4

            """)
        #expect(try hotline(["ingest", "--config", conf, "--store", store]).status == 0)
        let train = try hotline(["train", "--config", conf, "--store", store])
        #expect(train.status == 0)
        #expect(train.stdout == store + ".model\n")
        #expect(train.stderr.contains("train: 2,858 labelled orders, 17 classes"))
        let evaluate = try hotline([
            "evaluate", "--config", conf, "--store", store, "--folds", "3", "--csv", dir.file("eval"),
        ])
        #expect(evaluate.status == 0)
        #expect(evaluate.stdout.hasPrefix("3-fold cross-validation on 2,858 labelled orders, 17 classes"))
        #expect(evaluate.stdout.contains("macro-F1  0."))
        #expect(dir.read("eval/metrics.csv")?.contains("宏平均F1,,,0.") == true)
        #expect(dir.read("eval/confusion.csv")?.hasPrefix("\u{FEFF}真实\\预测,") == true)
        #expect(try hotline(["evaluate", "--store", store, "--folds", "1"]).status == 64)

        let classify = try hotline(["classify", "--config", conf, "--store", store])
        #expect(classify.status == 0)
        #expect(classify.stderr.contains("with the model trained on 2,858 orders"))
        #expect(classify.stderr.contains("by model"))
        #expect(try hotline(["aggregate", "--config", conf, "--store", store]).status == 0)
        #expect(try hotline(["render", "--config", conf, "--store", store, "--out", site]).status == 0)
        let mislabels = try #require(dir.read("site/mislabels.csv"))
        #expect(mislabels.hasPrefix("\u{FEFF}工单编号,受理时间,话务员分类,模型判断,模型把握\r\n"))
        #expect(mislabels.components(separatedBy: "\r\n").count > 10)
        let explain = try hotline(["explain", "GD202106010000981", "--config", conf, "--store", store])
        #expect(explain.stdout.contains("The model (trained on 2,858 orders) gives:"))
        #expect(explain.stdout.contains("n-grams that weigh most for"))
    }

    /// With a target accuracy, train picks the threshold on held-out orders, classify leaves the
    /// rest to people, and the report says how many and why.
    @Test func aTargetAccuracyRoutesTheUnsureToPeople() throws {
        // Clear texts of two kinds, and texts that mix them with either label: the model is sure of
        // the first and unsure of the second.
        var rows = ["工单编号,受理时间,问题分类,诉求内容"]
        let clear = [
            ("物业", ["电梯坏了物业不修", "物业乱收费", "楼道灯坏了物业不管", "小区门禁坏了"]),
            ("劳资", ["老板拖欠工资", "公司欠薪三个月", "辞退不给补偿", "包工头拖欠农民工工资"]),
        ]
        for i in 0..<240 {
            let (label, texts) = clear[i % 2]
            rows.append("C\(i),2021-03-\(10 + i % 18) 10:00,\(label),\(texts[(i / 2) % 4])第\(i)次")
        }
        for i in 0..<60 {
            rows.append("M\(i),2021-04-\(10 + i % 18) 10:00,\(i % 2 == 0 ? "物业" : "劳资"),物业公司拖欠保安工资电梯也坏了第\(i)次")
        }
        let export = dir.write("labelled.csv", rows.joined(separator: "\n") + "\n")
        dir.write("t-taxonomy.tsv", "物业\t\t物业|电梯\t\t0\n劳资\t\t工资|欠薪\t\t0\n其他\t\t\t\t0\n")
        let conf = dir.write(
            "t.conf",
            """
            inputs = \(export)
            taxonomy = t-taxonomy.tsv
            [model]
            target_accuracy = 0.95
            rule_keywords = 20

            """)
        #expect(try hotline(["ingest", "--config", conf, "--store", store]).status == 0)
        let train = try hotline(["train", "--config", conf, "--store", store])
        #expect(train.status == 0)
        let chosen = try #require(train.stderr.firstMatch(of: try Regex("at threshold (0\\.[0-9]+)")))
        #expect(train.stderr.contains("(target 95.0%)"))
        let evaluate = try hotline(["evaluate", "--config", conf, "--store", store, "--repeats", "2"])
        #expect(evaluate.stdout.contains("2 fold seeds (1–2)"))
        #expect(evaluate.stdout.contains("macro-F1  0.") && evaluate.stdout.contains(" ± "))
        #expect(evaluate.stdout.contains("THRESHOLD  DECIDED  ACCURACY"))
        #expect(evaluate.stdout.contains("0.95  "))
        let run = try hotline(["run", "--config", conf, "--store", store, "--out", site])
        #expect(run.status == 0)
        #expect(run.stderr.contains("by nobody (待人工)"))
        let index = try #require(dir.read("site/index.html"))
        #expect(index.contains("待人工分类"))
        #expect(index.contains("最高概率低于 \(chosen.output[1].substring ?? "?")"))
    }

    @Test func anEmptyOrHeaderOnlyExportFailsAndPublishesNothing() throws {
        let empty = dir.write("empty.csv", "")
        let r = try hotline(["ingest", "--store", store, empty])
        #expect(r.status == 1)
        #expect(r.stderr.contains("empty.csv: error: the file is empty"))
        let headerOnly = dir.write("header.csv", "工单编号,受理时间,诉求内容\r\n")
        let conf = dir.write("e.conf", "taxonomy = \(Fixtures.taxonomy)\n")
        let run = try hotline(["run", "--config", conf, "--store", store, "--out", site, headerOnly])
        #expect(run.status == 1)
        #expect(run.stderr.contains("header.csv: no order rows in the file"))
        #expect(!FileManager.default.fileExists(atPath: site))
    }

    @Test func runtimeErrorsExit1() throws {
        let missing = try hotline(["status", "--store", dir.file("none.sqlite")])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("Error: no store at"))
        #expect(try runSmall().status == 0)
        let unknown = try hotline(["explain", "GD404", "--store", store, "--config", Fixtures.smallConfig])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no order 'GD404'"))
        let noFile = try hotline(["ingest", "--store", store, dir.file("absent.csv")])
        #expect(noFile.status == 1)
        #expect(noFile.stderr.contains("absent.csv: no such file"))
    }
}
