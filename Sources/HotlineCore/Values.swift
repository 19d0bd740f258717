/// Canonical values for the coded fields of an order.
///
/// Exports spell the same state many ways; each normalizer maps the known spellings to
/// one value and keeps an unknown value as written (trimmed), so nothing is lost.
public enum Values {
    /// An `OrderStatus` code (办理中, 已办结, 退回 or 超期), or the value as written when unknown.
    public static func status(_ raw: String) -> String? {
        let s = raw.trimmed
        guard !s.isEmpty else { return nil }
        return statusTable[s] ?? s
    }

    /// A `Satisfaction` code (满意, 基本满意, 不满意 or 未回访), or the value as written when unknown.
    public static func satisfaction(_ raw: String) -> String? {
        let s = raw.trimmed
        guard !s.isEmpty else { return nil }
        return satisfactionTable[s] ?? s
    }

    /// An `OrderKind` code (咨询, 求助, 投诉, 举报, 建议 or 表扬), or the value as written when unknown.
    public static func kind(_ raw: String) -> String? {
        let s = raw.trimmed
        guard !s.isEmpty else { return nil }
        if kindSet.contains(s) { return s }
        if let k = kinds.first(where: { s.hasPrefix($0) || s.hasSuffix($0) }) { return k }
        return s
    }

    /// 是 or 否, as the callback's yes/no columns (是否联系, 是否解决, 是否满意) write them.
    public static func yesNo(_ raw: String) -> Bool? {
        let s = raw.trimmed.lowercased()
        if ["是", "已联系", "已解决", "满意", "y", "yes", "1", "true", "√"].contains(s) { return true }
        if ["否", "未联系", "未解决", "不满意", "n", "no", "0", "false", "×"].contains(s) { return false }
        return nil
    }

    public static let kinds = OrderKind.allCases.map(\.rawValue)
    /// How pages and tables name the category of an order not classified yet.
    public static let unclassified = "（未分类）"
    private static let kindSet = Set(kinds)

    private static let statusTable: [String: String] = {
        let spellings: [(OrderStatus, [String])] = [
            (.open, ["办理中", "处理中", "待处理", "待办理", "已派单", "已受理", "已转办", "在办", "未办结"]),
            (.closed, ["已办结", "办结", "已完成", "完成", "已关闭", "已结案", "结案", "已归档", "已处理"]),
            (.returned, ["退回", "已退回", "退单"]),
            (.overdue, ["超期", "已超期", "超时"]),
        ]
        return Dictionary(uniqueKeysWithValues: spellings.flatMap { code, words in words.map { ($0, code.rawValue) } })
    }()

    private static let satisfactionTable: [String: String] = {
        let spellings: [(Satisfaction, [String])] = [
            (.satisfied, ["满意", "非常满意", "很满意", "十分满意"]),
            (.basic, ["基本满意", "比较满意", "一般"]),
            (.unsatisfied, ["不满意", "非常不满意", "很不满意"]),
            (.notReached, ["未回访", "未评价", "无法联系", "联系不上", "拒绝评价"]),
        ]
        return Dictionary(uniqueKeysWithValues: spellings.flatMap { code, words in words.map { ($0, code.rawValue) } })
    }()
}

extension String {
    /// Without surrounding white space, including full-width spaces, tabs and newlines.
    public var trimmed: String {
        let scalars = unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return self }
        if !first.isBlank && !last.isBlank { return self }
        guard let start = scalars.firstIndex(where: { !$0.isBlank }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.isBlank })!
        return String(scalars[start...end])
    }
}

extension Unicode.Scalar {
    /// Unicode White_Space, plus the byte-order mark; a switch, not a property look-up (hot in ingest).
    fileprivate var isBlank: Bool {
        switch value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
            true
        default: false
        }
    }
}
