import HotlineCore
import TestSupport
import Testing

@Suite struct PipelineConfigTests {
    @Test func readsSettingsRelativeToTheFile() throws {
        let dir = TemporaryDirectory()
        let path = dir.write(
            "p/a.conf",
            """
            # comment
            [pipeline]
            name = 测试区   # trailing comment
            inputs = in/*.csv, ../x.csv
            encoding = GB18030
            taxonomy = tax.tsv
            [classify]
            fallback = 未分类
            """)
        let config = try PipelineConfig.load(path: path)
        #expect(config.name == "测试区")
        #expect(config.inputs == [dir.path + "/p/in/*.csv", dir.path + "/x.csv"])
        #expect(config.encoding == .gb18030)
        #expect(config.taxonomy == dir.path + "/p/tax.tsv")
        #expect(config.fallbackCategory == "未分类")
        #expect(!config.hash.isEmpty)
    }

    @Test func reportsEveryBadLineWithItsNumber() throws {
        let dir = TemporaryDirectory()
        let path = dir.write("b.conf", "[pipeline]\ntaxonmy = x\nencoding = latin1\n[nope]\njust words\n")
        #expect {
            try PipelineConfig.load(path: path)
        } throws: { error in
            guard case HotlineError.invalid(let ds) = error else { return false }
            return ds.map(\.line) == [2, 3, 4, 5]
                && ds[0].description.hasPrefix(path + ":2: error: unknown setting 'taxonmy'")
        }
    }

    @Test func columnFileAddsSynonyms() throws {
        let dir = TemporaryDirectory()
        dir.write("cols.tsv", "# c\nid\tUnique Key|Key\nreceived_at\tCreated Date\n")
        let path = dir.write("c.conf", "columns = cols.tsv\n")
        let map = try PipelineConfig.load(path: path).columnSynonyms()
        #expect(map[.id] == ["Unique Key", "Key"])
        dir.write("cols.tsv", "nonsense\tX\n")
        #expect(throws: HotlineError.self) { try PipelineConfig.load(path: path).columnSynonyms() }
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
