import Foundation
import HotlineCore

/// How handling is measured: which callbacks count, the rates' definitions and weights, deadlines.
///
/// Every value is a setting under `[handling]` in the pipeline file; the defaults follow
/// docs/domain.md (基本满意 counts 0.9 of 满意; the composite weighs 响应率, 解决率 and 满意率
/// 0.1/0.5/0.4; deadlines 咨询 2, 求助 and 建议 10, 投诉 and 举报 15 working days). The page says
/// which were used.
public struct HandlingSettings: Sendable {
    static let validCallbackSetting = Setting(
        "handling", "valid_callback", .list, default: "满意, 基本满意, 不满意",
        "回访满意度 values that make a valid callback; the rates are over these orders.")
    static let satisfiedSetting = Setting(
        "handling", "satisfied", .pairs, default: "满意:1, 基本满意:0.9",
        "Each callback value's weight in 满意率 (values not listed weigh 0).")
    static let resolvedSetting = Setting(
        "handling", "resolved", .list, default: "满意, 基本满意",
        "Callback values that count as resolved (解决率) when the export has no 是否解决 column.")
    static let respondedSetting = Setting(
        "handling", "responded", .list, default: "满意, 基本满意, 不满意",
        "Callback values that count as responded (响应率) when the export has no 是否联系 column.")
    static let weightsSetting = Setting(
        "handling", "weights", .pairs, default: "响应率:0.1, 解决率:0.5, 满意率:0.4",
        "The composite score's weights of 响应率, 解决率 and 满意率.")
    static let minVolumeSetting = Setting(
        "handling", "min_volume", .whole(0...1_000_000), default: "10",
        "A unit or street with fewer orders in the period is listed, not ranked.")
    static let daysSetting = Setting(
        "handling", "days", .choice(["working", "calendar", "工作日", "自然日"]), default: "working",
        "Deadlines count working days (weekends and the holiday list skipped) or calendar days.")
    static let holidaysSetting = Setting(
        "handling", "holidays", .inputFile,
        "A holiday list: one date a line; `2021-10-09 上班` for a working weekend day.")
    static let deadlinesSetting = Setting(
        "handling", "deadlines", .pairs, default: "咨询:2, 求助:10, 建议:10, 投诉:15, 举报:15, 表扬:15",
        "Days allowed per 诉求类型 when an order gives no 办理时限 or 截止时间.")
    static let defaultDeadlineSetting = Setting(
        "handling", "default_deadline", .whole(1...365), default: "15",
        "Days allowed for an order of a kind `deadlines` does not name.")
    static let reportDateSetting = Setting(
        "handling", "report_date", .date,
        "\"Now\" for open orders past their deadline; default: the latest time in the data.")
    static let recallDaysSetting = Setting(
        "handling", "recall_days", .whole(1...3_650), default: "90",
        "The same caller on the same matter again within this many days of an unsatisfied close goes on the escalation list."
    )
    static let oldRecallDaysSetting = Setting(
        "handling", "repeat_days", .whole(1...3_650), "The old name of recall_days; use recall_days.")
    public static let all = [
        validCallbackSetting, satisfiedSetting, resolvedSetting, respondedSetting, weightsSetting, minVolumeSetting,
        daysSetting, holidaysSetting, deadlinesSetting, defaultDeadlineSetting, reportDateSetting, recallDaysSetting,
        oldRecallDaysSetting,
    ]

    /// 回访满意度 values that make a valid callback; the rates are over these orders.
    public var validCallback = ["满意", "基本满意", "不满意"]
    /// Each value's weight in 满意率 (missing values weigh 0).
    public var satisfied: [String: Double] = ["满意": 1, "基本满意": 0.9]
    /// Values that count as resolved (解决率) when the export has no 是否解决 column.
    public var resolved = ["满意", "基本满意"]
    /// Values that count as responded (响应率) when the export has no 是否联系 column.
    public var responded = ["满意", "基本满意", "不满意"]
    public var weights = (response: 0.1, resolution: 0.5, satisfaction: 0.4)
    /// Fewer orders than this in the period: listed, not ranked.
    public var minVolume = 10
    /// Deadlines count working days (weekends and the holiday list skipped) rather than calendar days.
    public var workingDays = true
    public var holidays = Holidays()
    /// Days allowed per 诉求类型 when the order gives no 办理时限 or 截止时间.
    public var deadlines: [String: Int] = ["咨询": 2, "求助": 10, "建议": 10, "投诉": 15, "举报": 15, "表扬": 15]
    public var defaultDeadline = 15
    /// "Now" for open orders past their deadline; default: the latest time in the data.
    public var reportDate: LocalDateTime?
    /// The same caller on the same matter within this many days after an unsatisfied close escalates
    /// (a recall; not detect's repeat-caller signal, which has its own `[detect] repeat_days`).
    public var recallDays = 90

    public init() {}

    /// Reads `[handling]` (checked when the pipeline file was read) and the holiday list it names.
    public init(config: PipelineConfig) throws {
        validCallback = config.list(Self.validCallbackSetting) ?? validCallback
        if let v = config.pairs(Self.satisfiedSetting) { satisfied = Dictionary(v, uniquingKeysWith: { $1 }) }
        resolved = config.list(Self.resolvedSetting) ?? resolved
        responded = config.list(Self.respondedSetting) ?? responded
        if let v = config.pairs(Self.weightsSetting) {
            let w = Dictionary(v, uniquingKeysWith: { $1 })
            guard Set(w.keys).isSubset(of: ["响应率", "解决率", "满意率"]) else {
                throw HotlineError.settings([config.problem(Self.weightsSetting, "weights name 响应率, 解决率 and 满意率")])
            }
            weights = (w["响应率"] ?? 0, w["解决率"] ?? 0, w["满意率"] ?? 0)
        }
        minVolume = config.whole(Self.minVolumeSetting)
        workingDays = ["working", "工作日"].contains(config.text(Self.daysSetting) ?? "working")
        for (kind, days) in config.pairs(Self.deadlinesSetting) ?? [] { deadlines[kind] = Int(days) }
        defaultDeadline = config.whole(Self.defaultDeadlineSetting)
        reportDate = config.date(Self.reportDateSetting)
        recallDays = config.whole(Self.recallDaysSetting)
        if config.isSet(Self.oldRecallDaysSetting) {
            Log.warning("[handling] repeat_days is now called recall_days; please rename it")
            if !config.isSet(Self.recallDaysSetting) { recallDays = config.whole(Self.oldRecallDaysSetting) }
        }
        if let path = config.path(Self.holidaysSetting) { holidays = try Holidays.load(path: path) }
    }

    /// The settings in words, for the page: which definitions the figures use.
    public var description: [(String, String)] {
        let weightsText = "响应率 \(weights.response)、解决率 \(weights.resolution)、满意率 \(weights.satisfaction)"
        let satisfiedText = satisfied.sorted { $0.value > $1.value }.map { "\($0.key) 计 \($0.value)" }
            .joined(separator: "、")
        let deadlineText = deadlines.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value) 天" }.joined(separator: "、")
        return [
            ("有效回访", validCallback.joined(separator: "、")),
            ("响应率", "已联系（是否联系=是；无此列时按回访结果为 \(responded.joined(separator: "、"))）÷ 有效回访"),
            ("解决率", "已解决（是否解决=是；无此列时按回访结果为 \(resolved.joined(separator: "、"))）÷ 有效回访"),
            ("满意率", "\(satisfiedText)，÷ 有效回访"),
            ("综合得分", "\(weightsText)，满分 100"),
            ("排名门槛", "工单不少于 \(minVolume) 件才参与排名"),
            (
                "办理时限",
                "以工单自带的办理时限或截止时间为准；未给出时 \(deadlineText)，其他 \(defaultDeadline) 天；"
                    + (workingDays ? "按工作日计（除周末和节假日）" : "按自然日计")
            ),
            ("时间口径", "办结用时取中位数和第 90 百分位（最近秩法），单位小时，精确到 0.1 小时（向下取整）"),
        ]
    }
}

/// Which days are not working days beyond weekends, and which weekend days are (调休).
///
/// File: one date a line, `2021-10-01` for a holiday, `2021-10-09 上班` for a working weekend day;
/// `#` starts a comment.
public struct Holidays: Sendable {
    public var off = Set<Int>()
    public var working = Set<Int>()

    public init() {}

    public static func load(path: String) throws -> Holidays {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw HotlineError.file(path: path, problem: "cannot read the holiday list")
        }
        var h = Holidays()
        var problems: [Diagnostic] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                .trimmed
            if line.isEmpty { continue }
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let date = LocalDateTime.parse(parts[0]) else {
                problems.append(Diagnostic(file: path, line: i + 1, "not a date: '\(parts[0])'"))
                continue
            }
            if parts.count > 1 && ["上班", "workday", "working"].contains(parts[1]) {
                h.working.insert(date.dayNumber)
            } else {
                h.off.insert(date.dayNumber)
            }
        }
        if !problems.isEmpty { throw HotlineError.input(problems) }
        return h
    }

    /// Whether `day` (a day number) is a working day.
    public func isWorking(_ day: Int) -> Bool {
        if working.contains(day) { return true }
        if off.contains(day) { return false }
        let weekday = ((day % 7) + 7 + 4) % 7  // 1970-01-01 was a Thursday; 0 = Sunday
        return weekday != 0 && weekday != 6
    }
}
