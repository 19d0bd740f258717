/// A field of a work order, with the header names exports use for it.
public enum Field: Int, CaseIterable, Sendable {
    case id
    case receivedAt
    case channel
    case kind
    case callerName
    case phone
    case district
    case street
    case community
    case address
    case category
    case category1
    case category2
    case category3
    case title
    case content
    case unit
    case deadlineDays
    case deadlineAt
    case closedAt
    case status
    case satisfaction
    case contacted
    case resolved
    case satisfiedFlag
    /// The caller's account on a web or app channel (留言用户), when there is no phone number.
    case account
    /// How many people backed a web message (点赞数, 附议数), and how many opposed it (反对数).
    case support
    case opposition

    /// The name a column file (`columns.tsv`) uses for the field.
    public var key: String {
        switch self {
        case .receivedAt: "received_at"
        case .callerName: "caller_name"
        case .deadlineDays: "deadline_days"
        case .deadlineAt: "deadline_at"
        case .closedAt: "closed_at"
        case .satisfiedFlag: "satisfied"
        case .account: "account"
        case .support: "support"
        case .opposition: "opposition"
        default: "\(self)"
        }
    }

    public init?(key: String) {
        guard let field = Field.allCases.first(where: { $0.key == key }) else { return nil }
        self = field
    }

    /// The Chinese name analysts know the field by, used in messages and pages.
    public var label: String {
        switch self {
        case .id: "工单编号"
        case .receivedAt: "受理时间"
        case .channel: "诉求渠道"
        case .kind: "诉求类型"
        case .callerName: "来电人"
        case .phone: "联系电话"
        case .district: "所属区"
        case .street: "所属街道"
        case .community: "所属社区"
        case .address: "事发地址"
        case .category: "问题分类"
        case .category1: "一级分类"
        case .category2: "二级分类"
        case .category3: "三级分类"
        case .title: "诉求标题"
        case .content: "诉求内容"
        case .unit: "承办单位"
        case .deadlineDays: "办理时限"
        case .deadlineAt: "截止时间"
        case .closedAt: "办结时间"
        case .status: "办理状态"
        case .satisfaction: "回访满意度"
        case .contacted: "是否联系"
        case .resolved: "是否解决"
        case .satisfiedFlag: "是否满意"
        case .account: "留言用户"
        case .support: "点赞数"
        case .opposition: "反对数"
        }
    }

    /// Header names seen in the wild (docs/domain.md), most common first.
    public var synonyms: [String] {
        switch self {
        case .id: ["工单编号", "工单号", "受理编号", "编号"]
        case .receivedAt: ["受理时间", "来电时间", "创建时间", "登记时间"]
        case .channel: ["诉求渠道", "来源渠道", "渠道"]
        case .kind: ["诉求类型", "工单类型", "诉求性质"]
        case .callerName: ["来电人", "联系人", "来电人姓名", "姓名"]
        case .phone: ["联系电话", "来电号码", "电话", "手机号码"]
        case .district: ["所属区", "区县"]
        case .street: ["所属街道", "街道", "镇街", "被反映街乡镇"]
        case .community: ["所属社区", "社区", "村居"]
        case .address: ["事发地址", "地址", "小区点位"]
        case .category: ["问题分类", "诉求分类", "业务分类"]
        case .category1: ["一级分类"]
        case .category2: ["二级分类"]
        case .category3: ["三级分类"]
        case .title: ["诉求标题", "标题"]
        case .content: ["诉求内容", "来电内容", "问题描述", "反映内容", "主要内容"]
        case .unit: ["承办单位", "处置单位", "责任单位", "主办单位"]
        case .deadlineDays: ["办理时限"]
        case .deadlineAt: ["截止时间"]
        case .closedAt: ["办结时间", "完成时间"]
        case .status: ["办理状态", "工单状态"]
        case .satisfaction: ["回访满意度", "满意度", "评价结果"]
        case .contacted: ["是否联系", "是否联系诉求人", "联系情况"]
        case .resolved: ["是否解决", "解决情况", "问题是否解决"]
        case .satisfiedFlag: ["是否满意"]
        case .account: ["留言用户", "用户编号", "用户ID", "来电人编号"]
        case .support: ["点赞数", "附议数", "支持数", "赞同数", "点赞"]
        case .opposition: ["反对数", "反对"]
        }
    }

    /// Fields that hold personal data: read to mask and hash, never stored or published.
    public var isPersonal: Bool { self == .callerName || self == .phone || self == .account }

    /// Normalizes a header cell for matching: no BOM, no surrounding or inner spaces,
    /// full-width forms folded, Latin letters lowercased.
    public static func headerKey(_ cell: String) -> String {
        var out = ""
        for scalar in cell.unicodeScalars {
            var v = scalar.value
            if v == 0xFEFF || v == 0x3000 || scalar.properties.isWhitespace { continue }
            if v >= 0xFF01 && v <= 0xFF5E { v -= 0xFEE0 }
            if v >= 0x41 && v <= 0x5A { v += 0x20 }
            if let s = Unicode.Scalar(v) { out.unicodeScalars.append(s) }
        }
        // Common decorations: `工单编号*`, `受理时间(必填)`.
        while let last = out.last, last == "*" { out.removeLast() }
        if let open = out.firstIndex(where: { $0 == "(" }), out.last == ")", open != out.startIndex {
            out = String(out[..<open])
        }
        return out
    }
}

/// Which column of an export holds which field.
///
/// Built from a header row. A name the pipeline's column file gives wins over the built-in
/// synonyms, and one name may feed several fields (`title` and `category` both from
/// `Complaint Type`). Two columns that claim one field with equal right (two built-in synonyms, or
/// the column file naming both) are a conflict the caller reports, naming both.
public struct HeaderMap: Sendable {
    /// Column of each field by `Field.rawValue`; -1 where the export has none.
    private var index = [Int](repeating: -1, count: Field.allCases.count)
    public let headers: [String]
    /// Fields two columns claim with equal right: the field and the columns.
    public private(set) var conflicts: [(field: Field, columns: [Int])] = []

    public init(headers: [String], extra: [Field: [String]] = [:]) {
        self.headers = headers
        let builtIn = Self.fieldNames(extra: [:])
        let explicit = Self.explicitNames(extra)
        // For each field, the columns that claim it and with what right (0: the column file, 1: built in).
        var claims: [Field: [(column: Int, right: Int)]] = [:]
        for (column, header) in headers.enumerated() {
            let key = Field.headerKey(header)
            if let fields = explicit[key] {
                for field in fields { claims[field, default: []].append((column, 0)) }
            } else if let field = builtIn[key] {
                claims[field, default: []].append((column, 1))
            }
        }
        for field in Field.allCases {
            guard let all = claims[field], let best = all.map(\.right).min() else { continue }
            let winners = all.filter { $0.right == best }.map(\.column)
            index[field.rawValue] = winners[0]
            if winners.count > 1 { conflicts.append((field, winners)) }
        }
    }

    /// Every known name, as `Field.headerKey` makes it, and its field; the pipeline's own win.
    public static func fieldNames(extra: [Field: [String]]) -> [String: Field] {
        var lookup: [String: Field] = [:]
        for field in Field.allCases {
            for name in field.synonyms where lookup[Field.headerKey(name)] == nil {
                lookup[Field.headerKey(name)] = field
            }
        }
        for (field, names) in extra {
            for name in names { lookup[Field.headerKey(name)] = field }
        }
        return lookup
    }

    /// The column file's names, each with every field it feeds.
    public static func explicitNames(_ extra: [Field: [String]]) -> [String: [Field]] {
        var out: [String: [Field]] = [:]
        for field in Field.allCases {
            for name in extra[field] ?? [] where !(out[Field.headerKey(name)] ?? []).contains(field) {
                out[Field.headerKey(name), default: []].append(field)
            }
        }
        return out
    }

    /// The fields a name feeds: the column file's, else the built-in synonym's.
    public static func fields(named name: String, extra: [Field: [String]]) -> [Field] {
        let key = Field.headerKey(name)
        if let fields = explicitNames(extra)[key] { return fields }
        return fieldNames(extra: [:])[key].map { [$0] } ?? []
    }

    /// The column holding `field`, if any.
    public subscript(field: Field) -> Int? {
        let i = index[field.rawValue]
        return i < 0 ? nil : i
    }

    /// How many fields the header names: a title row names none or one.
    public var mappedCount: Int { index.filter { $0 >= 0 }.count }

    public var isUsable: Bool { self[.id] != nil && self[.receivedAt] != nil }

    /// Required fields the header lacks.
    public var missingRequired: [Field] { [Field.id, .receivedAt].filter { self[$0] == nil } }

    /// Columns that feed no field.
    public var unusedColumns: [Int] {
        let used = Set(index.filter { $0 >= 0 })
        return headers.indices.filter { !used.contains($0) && !headers[$0].trimmed.isEmpty }
    }
}
