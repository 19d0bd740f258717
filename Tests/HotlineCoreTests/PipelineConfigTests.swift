import HotlineCore
import TestSupport
import Testing

@Suite struct PipelineConfigTests {
    static let encoding = Setting("pipeline", "encoding", .choice(["auto", "gb18030"]), default: "auto", "")
    static let taxonomy = Setting("pipeline", "taxonomy", .inputFile, default: "taxonomy.tsv", "")
    static let fallback = Setting("classify", "fallback", .text, default: "其他", "")
    static let days = Setting("detect", "days", .whole(1...90), default: "30", "")
    static let alpha = Setting("detect", "alpha", .number(0...1), default: "0.5", "")
    static let weights = Setting("handling", "weights", .pairs, "")
    static let settings = [encoding, taxonomy, fallback, days, alpha, weights]

    @Test func readsSettingsRelativeToTheFile() throws {
        let dir = TemporaryDirectory()
        dir.write("p/tax.tsv", "")
        let path = dir.write(
            "p/a.conf",
            """
            # comment
            ; also a comment
            [pipeline]
            name = 测试区   # trailing comment
            inputs = in/*.csv, ../x.csv
            encoding = gb18030
            taxonomy = tax.tsv
            [classify]
            fallback = 未分类
            [detect]
            days = 14
            [handling]
            weights = 响应率:0.2, 满意率:0.8
            """)
        let config = try PipelineConfig.load(path: path, settings: Self.settings)
        #expect(config.name == "测试区")
        #expect(config.inputs == [dir.path + "/p/in/*.csv", dir.path + "/x.csv"])
        #expect(config.text(Self.encoding) == "gb18030")
        #expect(config.path(Self.taxonomy) == dir.path + "/p/tax.tsv")
        #expect(config.text(Self.fallback) == "未分类")
        #expect(config.whole(Self.days) == 14)
        #expect(config.number(Self.alpha) == 0.5)
        #expect(config.pairs(Self.weights)?.map(\.name) == ["响应率", "满意率"])
        #expect(config.values["detect.days"]?.line == 11)
    }

    @Test func defaultsComeFromTheSettings() {
        let config = PipelineConfig(directory: "/d", settings: Self.settings)
        #expect(config.whole(Self.days) == 30)
        #expect(config.path(Self.taxonomy) == "/d/taxonomy.tsv")
        #expect(config.pairs(Self.weights) == nil)
        #expect(config.name == "12345 热线工单分析")
    }

    @Test func reportsEveryBadLineWithItsNumberAndKey() throws {
        let dir = TemporaryDirectory()
        let path = dir.write(
            "b.conf",
            """
            [pipeline]
            taxonmy = x
            encoding = latin1
            [nope]
            just words
            [detect]
            days = 0
            alpha = 2
            days = 3
            [handling]
            weights = 响应率
            [pipeline]
            taxonomy = missing.tsv
            """)
        #expect {
            try PipelineConfig.load(path: path, settings: Self.settings)
        } throws: { error in
            guard case HotlineError.settings(let ds) = error else { return false }
            return ds.map(\.line) == [2, 3, 4, 5, 7, 8, 9, 11, 13]
                && ds[0].description.hasPrefix(path + ":2: error: unknown setting 'taxonmy'")
                && ds[4].message.hasPrefix("detect.days:") && ds[6].message.contains("already set on line 7")
        }
    }

    @Test func aValueCannotHoldACommentMarker() throws {
        let dir = TemporaryDirectory()
        let path = dir.write("c.conf", "[classify]\nfallback = 其他 #类\n")
        #expect(try PipelineConfig.load(path: path, settings: Self.settings).text(Self.fallback) == "其他")
    }

    @Test func fingerprintsFollowValuesAndFiles() throws {
        let dir = TemporaryDirectory()
        dir.write("tax.tsv", "a")
        let path = dir.write("f.conf", "taxonomy = tax.tsv\n")
        let config = try PipelineConfig.load(path: path, settings: Self.settings)
        let before = config.fingerprint([Self.taxonomy], files: [dir.file("tax.tsv")])
        #expect(config.fingerprint([Self.taxonomy], files: [dir.file("tax.tsv")]) == before)
        dir.write("tax.tsv", "b")
        #expect(config.fingerprint([Self.taxonomy], files: [dir.file("tax.tsv")]) != before)
        #expect(config.fingerprint([Self.days]) != config.fingerprint([Self.alpha]))
    }

    @Test func expandsGlobsSortedAndNormalizesPaths() {
        let dir = TemporaryDirectory()
        dir.write("b.csv", "")
        dir.write("a.csv", "")
        dir.write("c.txt", "")
        #expect(expandInputs([dir.path + "/*.csv"]) == [dir.path + "/a.csv", dir.path + "/b.csv"])
        #expect(normalizedPath("Pipelines/../Fixtures/./demo") == "Fixtures/demo")
        #expect(normalizedPath("../a/../../b") == "../../b")
        #expect(normalizedPath("/x/../../y") == "/y")
    }
}
