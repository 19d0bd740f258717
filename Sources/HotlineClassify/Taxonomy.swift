import Foundation
import HotlineCore

/// One line of the taxonomy: a category and the keywords that put an order in it.
public struct Rule: Sendable, Equatable {
    public var category: String
    public var parent: String?
    public var keywords: [String]
    /// If any of these occurs, this rule does not apply (e.g. 噪音 but not 工地 for a rule on neighbours).
    public var exclusions: [String]
    /// Higher wins over lower when both match; equal priorities go to the rule with more keywords matched.
    public var priority: Int
    public var line: Int
}

/// The analysts' taxonomy: a UTF-8 TSV file in `Pipelines/`.
///
/// Columns: 分类 (category), 上级 (parent), 关键词 (keywords), 排除词 (exclusions), 优先级 (priority).
/// Lists are separated by `|` or `、`. A first line naming the columns and lines starting with `#`
/// are skipped. Every problem is reported with its line.
public struct Taxonomy: Sendable {
    public var file: String
    public var rules: [Rule]

    public init(file: String, rules: [Rule]) {
        self.file = file
        self.rules = rules
    }

    public static func load(path: String) throws -> Taxonomy {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HotlineError.file(
                path: path, problem: "cannot read the taxonomy; set 'taxonomy' in the pipeline file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw HotlineError.input([Diagnostic(file: path, "taxonomy is not UTF-8; save it as UTF-8")])
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws -> Taxonomy {
        var rules: [Rule] = []
        var problems: [Diagnostic] = []
        var seen: [String: Int] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let trimmedLine = String(raw).trimmed
            if trimmedLine.isEmpty || trimmedLine.hasPrefix("#") { continue }
            let cells = raw.split(separator: "\t", omittingEmptySubsequences: false).map { String($0).trimmed }
            if cells.count == 1, trimmedLine.contains(where: { $0 == " " || $0 == "\u{3000}" }) {
                problems.append(
                    Diagnostic(
                        file: file, line: line,
                        "the columns are separated by spaces, not tabs; separate 分类, 上级, 关键词 … with a tab"))
                continue
            }
            if rules.isEmpty && problems.isEmpty && ["分类", "category"].contains(cells[0].lowercased()) { continue }
            guard cells.count <= 5 else {
                problems.append(
                    Diagnostic(file: file, line: line, "expected at most 5 tab-separated columns, found \(cells.count)")
                )
                continue
            }
            let cell = { (i: Int) in i < cells.count ? cells[i] : "" }
            let category = cell(0)
            guard !category.isEmpty else {
                problems.append(Diagnostic(file: file, line: line, "no category name in the first column"))
                continue
            }
            if let first = seen[category] {
                problems.append(
                    Diagnostic(file: file, line: line, "category '\(category)' is already defined on line \(first)"))
                continue
            }
            var priority = 0
            if !cell(4).isEmpty {
                guard let p = Int(cell(4)) else {
                    problems.append(
                        Diagnostic(file: file, line: line, "priority must be a whole number, not '\(cell(4))'"))
                    continue
                }
                priority = p
            }
            seen[category] = line
            rules.append(
                Rule(
                    category: category, parent: cell(1).isEmpty ? nil : cell(1), keywords: list(cell(2)),
                    exclusions: list(cell(3)), priority: priority, line: line))
        }
        if !problems.isEmpty { throw HotlineError.input(problems) }
        if rules.isEmpty { throw HotlineError.input([Diagnostic(file: file, "the taxonomy has no categories")]) }
        return Taxonomy(file: file, rules: rules)
    }

    private static func list(_ cell: String) -> [String] {
        cell.split(whereSeparator: { $0 == "|" || $0 == "、" }).map { String($0).trimmed }.filter { !$0.isEmpty }
    }
}
