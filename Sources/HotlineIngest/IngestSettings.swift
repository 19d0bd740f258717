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
    public static let all = [PipelineConfig.inputs, encoding, columns, sheet, record]

    public var encoding = TextEncoding.auto
    public var sheet: String?
    public var record: String?
    /// Header names per field from the column file, tried before the built-in synonyms.
    public var extraHeaders: [Field: [String]] = [:]

    public init() {}

    /// Reads the settings and the column file they name.
    public init(config: PipelineConfig) throws {
        encoding = TextEncoding(rawValue: config.text(Self.encoding) ?? "auto") ?? .auto
        sheet = config.text(Self.sheet)
        record = config.text(Self.record)
        if let path = config.path(Self.columns) { extraHeaders = try ColumnMap.load(path: path) }
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
