import HotlineClassify
import HotlineCore
import TestSupport
import Testing

@Suite struct KeywordAutomatonTests {
    @Test func findsOverlappingKeywordsInOnePass() {
        let a = KeywordAutomaton(keywords: ["he", "she", "his", "hers"])
        #expect(Set(a.matches(in: "ushers")) == [0, 1, 3])
        let zh = KeywordAutomaton(keywords: ["拖欠工资", "工资", "欠薪", "物业"])
        #expect(zh.matches(in: "老板拖欠工资3个月") == [0, 1])
        #expect(zh.matches(in: "没有匹配") == [])
    }

    @Test func foldsCaseAndFullWidthLetters() {
        let a = KeywordAutomaton(keywords: ["KTV", "app"])
        #expect(a.matches(in: "附近ktv很吵") == [0])
        #expect(a.matches(in: "ＫＴＶ和ＡＰＰ") == [0, 1])
    }

    @Test func neverMatchesAcrossCharacterBoundaries() {
        // 工 is E5 B7 A5; 巧 E5 B7 A7: a keyword's bytes inside another character never match.
        let a = KeywordAutomaton(keywords: ["\u{5DE5}"])
        #expect(a.matches(in: "\u{5DE7}\u{5DE5}") == [0])
        #expect(a.matches(in: "\u{5DE7}") == [])
    }
}

@Suite struct TaxonomyAndClassifierTests {
    let tsv = """
        # comment
        分类\t上级\t关键词\t排除词\t优先级
        物业管理\t住房\t物业|楼道|电梯\t\t0
        环境卫生\t城管\t垃圾、清运\t\t0
        噪音扰民\t环境\t噪音|施工\t油烟\t0
        学位紧缺\t教育\t学位\t\t5
        其他\t\t\t\t
        """

    func classifier() throws -> Classifier {
        Classifier(taxonomy: try Taxonomy.parse(tsv, file: "/x/tax.tsv"), fallback: "其他")
    }

    @Test func parsesRulesWithLines() throws {
        let t = try Taxonomy.parse(tsv, file: "tax.tsv")
        #expect(t.rules.map(\.category) == ["物业管理", "环境卫生", "噪音扰民", "学位紧缺", "其他"])
        #expect(t.rules[1].keywords == ["垃圾", "清运"])
        #expect(t.rules[2].exclusions == ["油烟"])
        #expect(t.rules[3].priority == 5)
        #expect(t.rules.map(\.line) == [3, 4, 5, 6, 7])
    }

    @Test func reportsBadLines() {
        #expect {
            try Taxonomy.parse("物业\t\ta\n物业\t\tb\n噪音\t\tc\t\thigh\n\t\td\n", file: "t.tsv")
        } throws: { error in
            guard case HotlineError.input(let d) = error else { return false }
            return d.map(\.line) == [2, 3, 4] && d[0].message.contains("already defined on line 1")
        }
        #expect(throws: HotlineError.self) { try Taxonomy.parse("# only comments\n", file: "t.tsv") }
    }

    @Test func moreKeywordsWinThenEarlierLine() throws {
        let c = try classifier()
        let tie = c.classify("物业不作为,楼道垃圾没人清运")  // 物业 2 (物业, 楼道), 环境卫生 2 (垃圾, 清运)
        #expect(tie.category == "物业管理")
        #expect(tie.rule == "tax.tsv:3")
        #expect(tie.keywords == ["物业", "楼道"])
        #expect(c.classify("楼道垃圾没人清运,施工垃圾乱堆").category == "环境卫生")
    }

    @Test func priorityBeatsKeywordCount() throws {
        #expect(try classifier().classify("物业说楼道电梯和学位无关").category == "学位紧缺")
    }

    @Test func exclusionRemovesARule() throws {
        let c = try classifier()
        #expect(c.classify("工地施工噪音").category == "噪音扰民")
        let excluded = c.classify("餐馆油烟和施工噪音")
        #expect(excluded.category == "其他")
        #expect(excluded.isFallback)
        let candidates = c.matches(for: "餐馆油烟和施工噪音")
        #expect(candidates.map(\.rule.category) == ["噪音扰民"])
        #expect(candidates[0].excluded)
    }
}
