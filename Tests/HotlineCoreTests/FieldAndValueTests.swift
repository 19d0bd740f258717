import HotlineCore
import Testing

@Suite struct FieldAndValueTests {
    @Test func mapsHeaderSynonymsFirstColumnWins() {
        let map = HeaderMap(headers: ["\u{FEFF}受理编号", "来电时间", "反映内容", "诉求内容", " 所属 街道 ", "工单状态(必填)"])
        #expect(map[.id] == 0)
        #expect(map[.receivedAt] == 1)
        #expect(map[.content] == 2)
        #expect(map[.street] == 4)
        #expect(map[.status] == 5)
        #expect(map.isUsable)
    }

    @Test func titleRowIsNotAHeader() {
        let map = HeaderMap(headers: ["2021年12月工单明细表", "", ""])
        #expect(!map.isUsable)
        #expect(map.mappedCount == 0)
    }

    @Test func pipelineNamesMapOtherLanguages() {
        let map = HeaderMap(
            headers: ["Unique Key", "Created Date", "Descriptor"],
            extra: [.id: ["unique key"], .receivedAt: ["Created Date"]])
        #expect(map[.id] == 0)
        #expect(map[.receivedAt] == 1)
        #expect(map.missingRequired.isEmpty)
        #expect(HeaderMap(headers: ["Unique Key"]).missingRequired == [.id, .receivedAt])
    }

    @Test func normalizesCodedValues() {
        #expect(Values.status("办结") == "已办结")
        #expect(Values.status(" 处理中 ") == "办理中")
        #expect(Values.status("已退回") == "退回")
        #expect(Values.status("挂起") == "挂起")
        #expect(Values.status("  ") == nil)
        #expect(Values.satisfaction("非常满意") == "满意")
        #expect(Values.satisfaction("比较满意") == "基本满意")
        #expect(Values.satisfaction("非常不满意") == "不满意")
        #expect(Values.satisfaction("无法联系") == "未回访")
        #expect(Values.kind("投诉类") == "投诉")
        #expect(Values.kind("其它") == "其它")
    }

    @Test func sha256MatchesKnownVectors() {
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let long = String(repeating: "a", count: 1_000)
        #expect(SHA256.hex(long) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test func groupsThousands() {
        #expect(31_838.grouped == "31,838")
        #expect(999.grouped == "999")
        #expect(1_006_005.grouped == "1,006,005")
        #expect((-4_225).grouped == "-4,225")
    }
}
