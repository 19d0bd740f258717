import HotlineCore

/// A report period: one month, one quarter or one calendar year.
///
/// Keys are what file names and `[report] as_of` use: `2024-03`, `2024-Q1`, `2024`.
public struct Period: Hashable, Comparable, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case month, quarter, year

        /// How many months one period of this kind spans.
        var months: Int {
            switch self {
            case .month: 1
            case .quarter: 3
            case .year: 12
            }
        }

        /// `月`, `季度`, `年`: what 环比 compares with, in words.
        public var label: String {
            switch self {
            case .month: "月"
            case .quarter: "季度"
            case .year: "年"
            }
        }
    }

    public let kind: Kind
    public let year: Int
    /// Month 1–12, quarter 1–4, or 1 for a year.
    public let index: Int

    public init(_ kind: Kind, year: Int, index: Int) {
        self.kind = kind
        self.year = year
        self.index = index
    }

    /// The period of `kind` that holds the month `YYYY-MM`.
    public static func containing(month: String, kind: Kind) -> Period? {
        let parts = month.split(separator: "-")
        guard parts.count == 2, let y = Int(parts[0]), let m = Int(parts[1]), (1...12).contains(m) else { return nil }
        return Period(kind, year: y, index: (m - 1) / kind.months + 1)
    }

    /// Reads a key (`2024-03`, `2024-Q1`, `2024`) as a period of `kind`; nil when it is not one.
    public static func parse(_ text: String, kind: Kind) -> Period? {
        let t = text.trimmed
        switch kind {
        case .month:
            guard t.count == 7, t.dropFirst(4).first == "-" else { return nil }
            return containing(month: t, kind: .month)
        case .quarter:
            let parts = t.uppercased().split(separator: "-")
            guard parts.count == 2, parts[0].count == 4, let y = Int(parts[0]), parts[1].first == "Q",
                let q = Int(parts[1].dropFirst()), (1...4).contains(q)
            else { return nil }
            return Period(.quarter, year: y, index: q)
        case .year:
            guard t.count == 4, let y = Int(t) else { return nil }
            return Period(.year, year: y, index: 1)
        }
    }

    public var key: String {
        switch kind {
        case .month: "\(Self.four(year))-\(index < 10 ? "0" : "")\(index)"
        case .quarter: "\(Self.four(year))-Q\(index)"
        case .year: Self.four(year)
        }
    }

    /// `2024年3月`, `2024年第1季度`, `2024年`.
    public var label: String {
        switch kind {
        case .month: "\(year)年\(index)月"
        case .quarter: "\(year)年第\(index)季度"
        case .year: "\(year)年"
        }
    }

    /// The month keys the period spans, in order.
    public var months: [String] {
        let first = (index - 1) * kind.months + 1
        return (first..<first + kind.months).map { "\(Self.four(year))-\($0 < 10 ? "0" : "")\($0)" }
    }

    /// The period just before (环比 compares with it).
    public var previous: Period {
        index > 1 ? Period(kind, year: year, index: index - 1) : Period(kind, year: year - 1, index: 12 / kind.months)
    }

    /// The period just after.
    public var next: Period {
        index < 12 / kind.months ? Period(kind, year: year, index: index + 1) : Period(kind, year: year + 1, index: 1)
    }

    /// The same period a year before (同比 compares with it).
    public var yearBefore: Period { Period(kind, year: year - 1, index: index) }

    /// `YYYY-MM-DD` of the first day.
    public var firstDay: String { months[0] + "-01" }

    /// `YYYY-MM-DD` of the last day.
    public var lastDay: String {
        let last = months[months.count - 1]
        let m = (index - 1) * kind.months + kind.months
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return "\(last)-\(days)"
    }

    /// Every period of `kind` from the one holding `first` to the one holding `last` (months `YYYY-MM`).
    public static func all(kind: Kind, from first: String, to last: String) -> [Period] {
        guard var p = containing(month: first, kind: kind), let end = containing(month: last, kind: kind) else {
            return []
        }
        var out: [Period] = []
        while p <= end {
            out.append(p)
            p = p.next
        }
        return out
    }

    /// The period a report shows by default: the last one the data covers to its last day, else
    /// the one before, else (data of less than one period) the period of the last order.
    ///
    /// `firstMonth` is the data's first month, `lastReceived` its latest received time (stored form).
    public static func lastComplete(kind: Kind, firstMonth: String, lastReceived: String) -> Period? {
        guard let last = containing(month: String(lastReceived.prefix(7)), kind: kind) else { return nil }
        if String(lastReceived.prefix(10)) >= last.lastDay { return last }
        let before = last.previous
        return before.months.last! >= firstMonth ? before : last
    }

    public static func < (a: Period, b: Period) -> Bool { (a.year, a.index) < (b.year, b.index) }

    private static func four(_ y: Int) -> String {
        String(repeating: "0", count: max(0, 4 - String(y).count)) + String(y)
    }
}

/// The report settings: which period the index shows.
public struct ReportSettings: Sendable {
    static let periodSetting = Setting(
        "report", "period", .choice(["month", "quarter", "year"]), default: "month",
        "The period the index reports (month, quarter or year), with 环比 and 同比; the archive has a page for every one."
    )
    static let asOfSetting = Setting(
        "report", "as_of", .text,
        "The period the index shows: `2024-03`, `2024-Q1` or `2024` as `period` says; default: the last complete period in the data."
    )
    public static let all = [periodSetting, asOfSetting]

    public var kind = Period.Kind.month
    public var asOf: Period?

    public init(kind: Period.Kind = .month, asOf: Period? = nil) {
        self.kind = kind
        self.asOf = asOf
    }

    public init(config: PipelineConfig) throws {
        kind = Period.Kind(rawValue: config.text(Self.periodSetting) ?? "month") ?? .month
        if let text = config.text(Self.asOfSetting) {
            guard let p = Period.parse(text, kind: kind) else {
                let example = ["month": "2024-03", "quarter": "2024-Q1", "year": "2024"][kind.rawValue] ?? ""
                throw HotlineError.settings([
                    config.problem(Self.asOfSetting, "'\(text)' is no \(kind.rawValue); write it like \(example)")
                ])
            }
            asOf = p
        }
    }
}

extension Format {
    /// A change from `base` to `now` in percent with its sign (`+12.5%`, `-3.0%`); `—` when there is
    /// no base to compare with.
    static func change(_ now: Int, from base: Int) -> String {
        guard base > 0 else { return now > 0 ? "新增" : "—" }
        let pct = Double(now - base) * 100 / Double(base)
        return (pct > 0 ? "+" : "") + Format.fixed(pct, places: 1) + "%"
    }

    /// The change in percent as a number for a CSV cell; nil when there is no base.
    static func changeValue(_ now: Int, from base: Int) -> Double? {
        base > 0 ? Double(now - base) * 100 / Double(base) : nil
    }
}
