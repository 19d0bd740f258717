import Foundation
import HotlineCore
import HotlineFormats

/// How exports are read: their encoding, extra header names, and which sheet or element holds the orders.
public struct IngestSettings: Sendable {
    public static let encoding = Setting(
        "pipeline", "encoding", .choice(TextEncoding.allCases.map(\.rawValue)), default: "auto",
        "The text encoding of CSV exports; auto tells UTF-8 (tried first) from GBK/GB18030.")
    public static let columns = Setting(
        "pipeline", "columns", .inputFile,
        "A column file: extra header names per field (`field<TAB>name|name`), for exports whose headers are not built in."
    )
    public static let sheet = Setting(
        "xlsx", "sheet", .text, "The worksheet of an XLSX export to read; the first when not set.")
    public static let record = Setting(
        "xml", "record", .text,
        "The element of an XML export that holds one order; the first child of the root when not set.")
    public static let dateFormats = Setting(
        "ingest", "date_formats", .datePatterns,
        "Date patterns tried after the built-in year-first forms, for every date field (`M/d/yyyy h:mm:ss a | M/d/yyyy H:mm`); a date two patterns read differently is rejected as ambiguous."
    )
    public static let receivedFormats = Setting(
        "ingest", "received_at_formats", .datePatterns, "Date patterns for 受理时间 only, instead of date_formats.")
    public static let closedFormats = Setting(
        "ingest", "closed_at_formats", .datePatterns, "Date patterns for 办结时间 only, instead of date_formats.")
    public static let deadlineFormats = Setting(
        "ingest", "deadline_at_formats", .datePatterns, "Date patterns for 截止时间 only, instead of date_formats.")
    public static let maxRejectShare = Setting(
        "ingest", "max_reject_share", .number(0...1), default: "0.05",
        "A file with more of its rows rejected than this share (or with no row accepted) fails the run; nothing is published."
    )
    public static let earliest = Setting(
        "ingest", "earliest", .date, default: "2000-01-01",
        "A 受理时间 or 办结时间 before this is rejected as implausible.")
    public static let latest = Setting(
        "ingest", "latest", .date,
        "A 受理时间 or 办结时间 after this is rejected as implausible; default: the day after the run.")
    public static let strict = Setting(
        "ingest", "strict", .choice(["false", "true"]), default: "false",
        "With true, a file that is no export at all (no header naming any field) fails the run; by default it is reported and skipped, and the run fails only when nothing else was read."
    )
    /// The value maps: `[map.status]` and so on, a line `export value|other value = stored value` each.
    public static let valueMaps: [(field: Field, setting: Setting)] = [
        (.status, map("status", OrderStatus.allCases.map(\.rawValue), "办理状态", "Open|In Progress = 办理中")),
        (.satisfaction, map("satisfaction", Satisfaction.allCases.map(\.rawValue), "回访满意度", "Satisfied = 满意")),
        (.kind, map("kind", OrderKind.allCases.map(\.rawValue), "诉求类型", "Complaint = 投诉")),
        (.channel, map("channel", nil, "诉求渠道", "Phone|Call = 电话")),
        (.contacted, map("contacted", ["是", "否"], "是否联系", "Y|Yes = 是")),
        (.resolved, map("resolved", ["是", "否"], "是否解决", "Y|Yes = 是")),
        (.satisfiedFlag, map("satisfied", ["是", "否"], "是否满意", "Y|Yes = 是")),
    ]
    public static let all =
        [PipelineConfig.inputs, encoding, columns, sheet, record, dateFormats, receivedFormats, closedFormats]
        + [deadlineFormats, maxRejectShare, earliest, latest, strict] + valueMaps.map(\.setting)

    private static func map(_ name: String, _ targets: [String]?, _ label: String, _ example: String) -> Setting {
        Setting(
            "map.\(name)", "*", .valueMap(targets: targets),
            "Values of \(label) as the export writes them, mapped to "
                + (targets.map { "one of " + $0.joined(separator: ", ") } ?? "the name the pages show")
                + ": a line `\(example)` each.")
    }

    public var encoding = TextEncoding.auto
    public var sheet: String?
    public var record: String?
    /// Header names per field from the column file, tried before the built-in synonyms.
    public var extraHeaders: [Field: [String]] = [:]
    /// Patterns for each date field, tried after the built-in forms.
    public var datePatterns: [Field: [DatePattern]] = [:]
    public var maxRejectShare = 0.05
    /// Received and closed times outside this are rejected.
    public var plausible: ClosedRange<LocalDateTime> = LocalDateTime(year: 2000, month: 1, day: 1)...Self.tomorrow()
    public var strict = false
    /// The export's values mapped to stored ones, per field, by the value folded for comparison.
    public var valueMaps: [Field: [String: String]] = [:]

    public init() {}

    /// Reads the settings and the column file they name; a value mapped twice is an error.
    public init(config: PipelineConfig) throws {
        encoding = TextEncoding(rawValue: config.text(Self.encoding) ?? "auto") ?? .auto
        sheet = config.text(Self.sheet)
        record = config.text(Self.record)
        if let path = config.path(Self.columns) { extraHeaders = try ColumnMap.load(path: path) }
        let all = config.datePatterns(Self.dateFormats) ?? []
        for (field, setting) in [
            (Field.receivedAt, Self.receivedFormats), (.closedAt, Self.closedFormats),
            (.deadlineAt, Self.deadlineFormats),
        ] {
            datePatterns[field] = config.datePatterns(setting) ?? all
        }
        maxRejectShare = config.number(Self.maxRejectShare)
        let first = config.date(Self.earliest) ?? LocalDateTime(year: 2000, month: 1, day: 1)
        let last =
            config.date(Self.latest).map { LocalDateTime(dayNumber: $0.dayNumber, seconds: 86_399) } ?? Self.tomorrow()
        guard first <= last else {
            throw HotlineError.settings([config.problem(Self.latest, "is before [ingest] earliest")])
        }
        plausible = first...last
        strict = config.text(Self.strict) == "true"
        var problems: [Diagnostic] = []
        for (field, setting) in Self.valueMaps {
            var map: [String: String] = [:]
            for entry in config.entries(setting) {
                for raw in entry.key.split(separator: "|").map({ String($0).trimmed }) where !raw.isEmpty {
                    let key = Self.fold(raw)
                    if let earlier = map[key], earlier != entry.value {
                        problems.append(
                            Diagnostic(
                                file: config.file ?? "(defaults)", line: entry.line,
                                "[\(setting.section)] '\(raw)' is already mapped to \(earlier)"))
                    }
                    map[key] = entry.value
                }
            }
            if !map.isEmpty { valueMaps[field] = map }
        }
        if !problems.isEmpty { throw HotlineError.settings(problems) }
    }

    /// The end of the day after today, by the machine's clock.
    static func tomorrow() -> LocalDateTime {
        var t = time(nil)
        var parts = tm()
        localtime_r(&t, &parts)
        let today = LocalDateTime(
            year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday))
        return LocalDateTime(dayNumber: today.dayNumber + 1, seconds: 86_399)
    }

    /// A value as maps compare it: without spaces, full-width forms and Latin case folded.
    static func fold(_ value: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            var v = scalar.value
            if v == 0x3000 || scalar.properties.isWhitespace { continue }
            if v >= 0xFF01 && v <= 0xFF5E { v -= 0xFEE0 }
            if v >= 0x41 && v <= 0x5A { v += 0x20 }
            out.append(Unicode.Scalar(v) ?? scalar)
        }
        return String(out)
    }
}

/// The column file: one field a line, `field<TAB>header|header…`, so an export with other column
/// names (in any language) maps without code.
public enum ColumnMap {
    public static func load(path: String) throws -> [Field: [String]] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HotlineError.file(path: path, problem: "cannot read the column map")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw HotlineError.input([Diagnostic(file: path, "the column map is not UTF-8; save it as UTF-8")])
        }
        var map: [Field: [String]] = [:]
        var problems: [Diagnostic] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw).trimmed
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: "\t", maxSplits: 1).map { String($0).trimmed }
            guard parts.count == 2, let field = Field(key: parts[0]) else {
                let names = Field.allCases.map(\.key).joined(separator: ", ")
                problems.append(
                    Diagnostic(
                        file: path, line: index + 1, "expected 'field<TAB>header|header', field one of: \(names)"))
                continue
            }
            map[field, default: []] += parts[1].split(separator: "|").map { String($0).trimmed }.filter { !$0.isEmpty }
        }
        if !problems.isEmpty { throw HotlineError.input(problems) }
        return map
    }
}
