import Foundation
import HotlineCore

/// How handling is measured: which callbacks count, the rates' definitions and weights, deadlines.
///
/// Every value is a setting under `[handling]` in the pipeline file; the defaults follow DOMAIN.md
/// (基本满意 counts 0.9 of 满意; the composite weighs 响应率, 解决率 and 满意率 0.1/0.5/0.4; deadlines
/// 咨询 2, 求助 and 建议 10, 投诉 and 举报 15 working days). The page says which were used.
public struct HandlingSettings: Sendable {
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
    /// The same caller on the same matter within this many days after an unsatisfied close escalates.
    public var repeatDays = 90

    public init() {}

    /// Reads `[handling]`; every bad value is reported with its line.
    public init(config: PipelineConfig) throws {
        var problems: [Diagnostic] = []
        func value(_ key: String) -> String? { config.values["handling.\(key)"]?.value }
        func list(_ key: String) -> [String]? {
            value(key).map { $0.split(whereSeparator: { $0 == "," || $0 == "、" }).map { String($0).trimmed } }
        }
        func pairs(_ key: String) -> [(String, Double)]? {
            guard let items = list(key) else { return nil }
            var out: [(String, Double)] = []
            for item in items {
                let parts = item.split(separator: ":").map { String($0).trimmed }
                guard parts.count == 2, let number = Double(parts[1]), number >= 0 else {
                    problems.append(config.problem("handling.\(key)", "expected 'name:number, …', not '\(item)'"))
                    return nil
                }
                out.append((parts[0], number))
            }
            return out
        }
        func whole(_ key: String, _ range: ClosedRange<Int>) -> Int? {
            guard let text = value(key) else { return nil }
            guard let n = Int(text), range.contains(n) else {
                problems.append(config.problem("handling.\(key)", "expected a whole number in \(range), not '\(text)'"))
                return nil
            }
            return n
        }
        if let v = list("valid_callback") { validCallback = v }
        if let v = pairs("satisfied") { satisfied = Dictionary(v, uniquingKeysWith: { $1 }) }
        if let v = list("resolved") { resolved = v }
        if let v = list("responded") { responded = v }
        if let v = pairs("weights") {
            let w = Dictionary(v, uniquingKeysWith: { $1 })
            let known = Set(["响应率", "解决率", "满意率"])
            if !Set(w.keys).isSubset(of: known) {
                problems.append(config.problem("handling.weights", "weights name 响应率, 解决率 and 满意率"))
            } else {
                weights = (w["响应率"] ?? 0, w["解决率"] ?? 0, w["满意率"] ?? 0)
            }
        }
        if let v = whole("min_volume", 0...1_000_000) { minVolume = v }
        if let v = value("days") {
            switch v {
            case "working", "工作日": workingDays = true
            case "calendar", "自然日": workingDays = false
            default: problems.append(config.problem("handling.days", "expected working or calendar, not '\(v)'"))
            }
        }
        if let v = pairs("deadlines") {
            for (kind, days) in v { deadlines[kind] = Int(days) }
        }
        if let v = whole("default_deadline", 1...365) { defaultDeadline = v }
        if let v = whole("repeat_days", 1...3_650) { repeatDays = v }
        if let v = value("report_date") {
            if let date = LocalDateTime.parse(v) {
                reportDate = date
            } else {
                problems.append(config.problem("handling.report_date", "not a date: '\(v)'"))
            }
        }
        if let v = value("holidays") {
            do {
                holidays = try Holidays.load(path: config.resolve(v))
            } catch let error as HotlineError {
                if case .invalid(let d) = error { problems += d } else { throw error }
            }
        }
        if !problems.isEmpty { throw HotlineError.invalid(problems.sorted { ($0.line ?? 0) < ($1.line ?? 0) }) }
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
            throw HotlineError.failed("cannot read the holiday list \(path)")
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
        if !problems.isEmpty { throw HotlineError.invalid(problems) }
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
