import Foundation

/// A deterministic synthetic district export: Chinese headers, complaints in the shipped
/// taxonomy's categories, three date styles, phone numbers, overlapping rows and a little dirt.
struct SyntheticExport {
    var state: UInt64

    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }

    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }

    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    mutating func pick<T>(_ items: [T]) -> T { items[int(items.count)] }

    static let streets: [(String, [String])] = [
        ("横岗街道", ["六约社区", "志盛社区", "横岗社区", "保安社区", "西坑社区"]),
        ("南湾街道", ["沙湾社区", "南岭社区", "丹竹头社区", "下李朗社区"]),
        ("龙岗街道", ["南联社区", "五联社区", "龙东社区", "龙西社区"]),
        ("坂田街道", ["坂田社区", "岗头社区", "马安堂社区", "五和社区"]),
        ("布吉街道", ["布吉社区", "长龙社区", "德兴社区"]),
    ]
    static let estates = ["翠竹苑", "金色家园", "碧桂园", "万科城", "锦绣花园", "阳光小区", "星河时代", "幸福里"]
    static let templates: [(String, String, [String])] = [
        ("物业管理", "区住房和建设局", ["{e}物业公司服务差,电梯经常故障,{b}栋电梯停了{n}天", "反映{e}物业乱收费,物业费一年涨了两次", "{e}小区门禁坏了{n}个月,物业不修"]),
        ("劳资纠纷", "区人力资源局", ["老板拖欠工资{n}个月,请求帮助追讨", "公司拖欠{n}名员工工资,老板失联"]),
        ("噪音扰民", "区生态环境分局", ["{e}旁边工地夜间施工打桩,噪音严重", "{e}楼下广场舞音响太大"]),
        ("违建查处", "区城管和综合执法局", ["{e}{b}栋顶楼业主私自搭建阳光房", "{e}一楼住户违规加建围墙"]),
        ("学位紧缺", "区教育局", ["孩子今年上小一,{e}片区学位紧张", "咨询{e}所属学区入学政策"]),
        ("社会保险", "区社保分局", ["公司没有给员工缴纳社保,要求补缴养老保险", "社保卡无法正常使用"]),
        ("交通出行", "区交通运输局", ["{e}路口红绿灯时间太短", "{e}周边车辆乱停乱放,占用消防通道"]),
        ("市政设施", "区城管和综合执法局", ["{e}门口路灯坏了{n}天", "{e}旁边道路井盖缺失"]),
        ("供水供电", "区水务局", ["{e}{b}栋突然停水,已经{n}小时", "{e}频繁停电"]),
        ("其他", "街道办事处", ["对政府工作提出建议,希望加强政策宣传", "咨询社区工作站的办公时间"]),
    ]

    mutating func write(rows: Int, year: Int = 2021, to path: String) throws {
        guard
            let out = FileHandle(forWritingAtPath: path)
                ?? {
                    FileManager.default.createFile(atPath: path, contents: nil)
                    return FileHandle(forWritingAtPath: path)
                }()
        else { throw CocoaError(.fileWriteNoPermission) }
        defer { try? out.close() }
        var buffer = "\u{FEFF}工单编号,受理时间,诉求渠道,诉求类型,来电人,联系电话,所属街道,所属社区,事发地址,问题分类,诉求内容,承办单位,办理时限,办结时间,办理状态,回访满意度\r\n"
        for i in 0..<rows {
            let (street, communities) = pick(Self.streets)
            let community = pick(communities)
            let estate = pick(Self.estates)
            let (category, unit, texts) = pick(Self.templates)
            let text = pick(texts).replacingOccurrences(of: "{e}", with: estate)
                .replacingOccurrences(of: "{b}", with: String(1 + int(30))).replacingOccurrences(
                    of: "{n}", with: String(2 + int(10)))
            let month = 1 + int(12)
            let day = 1 + int(28)
            let (hour, minute) = (int(24), int(60))
            let received: String
            switch int(10) {
            case 0: received = "\(year)/\(month)/\(day) \(hour):\(two(minute))"
            case 1: received = "\(year)年\(month)月\(day)日 \(hour):\(two(minute))"
            default: received = "\(year)-\(two(month))-\(two(day)) \(two(hour)):\(two(minute)):\(two(int(60)))"
            }
            let closed = int(10) < 9
            let id =
                i % 500 == 499 ? "GD\(year)\(String(format: "%08d", i - 100))" : "GD\(year)\(String(format: "%08d", i))"
            let fields = [
                id, i % 1_000 == 999 ? "2021-13-45 99:99" : received, pick(["12345电话", "微信公众号", "12345网站"]),
                pick(["投诉", "求助", "咨询", "举报"]), pick(["王", "李", "张", "刘"]) + pick(["先生", "女士"]),
                "1\(3 + int(6))\(String(format: "%09d", int(1_000_000_000)))", street, community,
                "\(street.prefix(2))\(community.prefix(2))\(estate)\(1 + int(30))栋", int(5) == 0 ? "" : category,
                int(20) == 0 ? "\"\(text),\"\"已经多次反映\"\"\"" : "\"\(text)\"", unit, pick(["1", "3", "5", "15"]),
                closed ? "\(year)-\(two(month))-\(two(min(day + 3, 28))) 10:00:00" : "", closed ? "已办结" : "办理中",
                closed ? pick(["满意", "满意", "满意", "基本满意", "不满意"]) : "",
            ]
            buffer += fields.joined(separator: ",") + "\r\n"
            if buffer.utf8.count > 1 << 20 {
                out.write(Data(buffer.utf8))
                buffer = ""
            }
        }
        out.write(Data(buffer.utf8))
    }

    private func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
}
