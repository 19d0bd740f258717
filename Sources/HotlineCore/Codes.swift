/// A value kept in the store as a short code: one raw value, written in one place, and one label
/// that pages and messages show.
///
/// Each module declares the codes of the tables it owns (a reject's reason, a candidate's level);
/// pages take the label from the code, never from a table of their own.
public protocol StoredCode: RawRepresentable, CaseIterable, Hashable, Sendable where RawValue == String {
    /// The Chinese name officials know the value by.
    var label: String { get }
}

extension StoredCode {
    /// The code a stored value names, or nil for a value no build of hotline wrote.
    public init?(stored: String?) {
        guard let stored else { return nil }
        self.init(rawValue: stored)
    }

    /// The label of a stored value, or the value itself when it is not a known code.
    public static func label(of stored: String) -> String { Self(rawValue: stored)?.label ?? stored }
}

/// How a work order stands in the handling loop, as the store keeps it (办理状态).
public enum OrderStatus: String, StoredCode {
    case open = "办理中"
    case closed = "已办结"
    case returned = "退回"
    case overdue = "超期"

    public var label: String { rawValue }
}

/// The citizen's answer at the callback (回访满意度), as the store keeps it.
public enum Satisfaction: String, StoredCode {
    case satisfied = "满意"
    case basic = "基本满意"
    case unsatisfied = "不满意"
    case notReached = "未回访"

    public var label: String { rawValue }
}

/// 诉求类型: what the caller wants.
public enum OrderKind: String, StoredCode {
    case consult = "咨询"
    case help = "求助"
    case complaint = "投诉"
    case report = "举报"
    case suggestion = "建议"
    case praise = "表扬"

    public var label: String { rawValue }
}
