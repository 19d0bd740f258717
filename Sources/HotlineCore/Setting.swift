/// One setting a pipeline file may carry: its section and key, its type, its default and what it
/// means.
///
/// Each module declares the settings it reads; the command line puts them together, so the
/// pipeline file is checked against all of them when it is read (an unknown key or a bad value is
/// an error naming the key and its line, before any stage runs) and `hotline help` lists them.
public struct Setting: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// Free text.
        case text
        /// A file that must exist, relative to the pipeline file.
        case inputFile
        /// A path that need not exist yet (the store, the site, the model), relative to the pipeline file.
        case path
        /// Comma-separated files, `*` and `?` allowed in the last part.
        case inputs
        case whole(ClosedRange<Int>)
        case number(ClosedRange<Double>)
        /// One of these words.
        case choice([String])
        /// Comma- (or 、-) separated words.
        case list
        /// `name:number, name:number`.
        case pairs
        /// A date (`2021-12-31`, or a date and time).
        case date
        /// Date patterns (`M/d/yyyy H:mm | dd.MM.yyyy`), separated by `|` (or by commas when there is no `|`).
        case datePatterns
        /// A section of `export value = stored value` lines (its setting's key is `*`): the export's
        /// values, `|`-separated, mapped to one of `targets` (any text when nil).
        case valueMap(targets: [String]?)
    }

    public let section: String
    public let key: String
    public let kind: Kind
    /// The value used when the file does not set it, as a file would write it; nil when there is none.
    public let defaultValue: String?
    /// One sentence for `hotline help` and the README.
    public let help: String

    public init(_ section: String, _ key: String, _ kind: Kind, default defaultValue: String? = nil, _ help: String) {
        self.section = section
        self.key = key
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
    }

    /// `section.key`, as messages and the store name the setting.
    public var id: String { "\(section).\(key)" }

    /// What is wrong with `value` for this setting, or nil when it is fine.
    public func problem(with value: String) -> String? {
        switch kind {
        case .text, .path, .inputs, .list:
            return nil
        case .inputFile:
            return value.isEmpty ? "expected a file name" : nil
        case .whole(let range):
            guard let n = Int(value), range.contains(n) else {
                return "expected a whole number from \(range.lowerBound) to \(range.upperBound), not '\(value)'"
            }
            return nil
        case .number(let range):
            guard let n = Double(value), n.isFinite, range.contains(n) else {
                return
                    "expected a number from \(Self.show(range.lowerBound)) to \(Self.show(range.upperBound)), not '\(value)'"
            }
            return nil
        case .choice(let words):
            return words.contains(value) ? nil : "expected \(words.joined(separator: ", ")), not '\(value)'"
        case .pairs:
            for item in Self.split(value) {
                let parts = item.split(separator: ":").map { String($0).trimmed }
                guard parts.count == 2, !parts[0].isEmpty, let n = Double(parts[1]), n >= 0, n.isFinite else {
                    return "expected 'name:number, …', not '\(item)'"
                }
            }
            return nil
        case .date:
            return LocalDateTime.parse(value) == nil ? "not a date: '\(value)'" : nil
        case .datePatterns:
            let bad = Self.patterns(value).filter { DatePattern($0) == nil }
            return bad.isEmpty
                ? nil
                : "not a date pattern: \(bad.map { "'\($0)'" }.joined(separator: ", ")) (patterns use yyyy, M, MM, MMM, d, dd, H, h, m, s, a; separate them with |)"
        case .valueMap(let targets):
            guard let targets else { return nil }
            return targets.contains(value)
                ? nil : "maps to '\(value)', which is not one of \(targets.joined(separator: ", "))"
        }
    }

    /// A date-pattern value's patterns.
    public static func patterns(_ value: String) -> [String] {
        let parts = value.contains("|") ? value.split(separator: "|") : value.split(separator: ",")
        return parts.map { String($0).trimmed }.filter { !$0.isEmpty }
    }

    /// Whether this setting stands for every key of its section (a value map).
    public var isSection: Bool { key == "*" }

    /// A list value's items: split on `,` or `、`, trimmed, empty ones dropped.
    public static func split(_ value: String) -> [String] {
        value.split(whereSeparator: { $0 == "," || $0 == "、" }).map { String($0).trimmed }.filter { !$0.isEmpty }
    }

    static func show(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }

    /// The type in words, for help texts.
    public var kindDescription: String {
        switch kind {
        case .text: "text"
        case .inputFile: "file"
        case .path: "path"
        case .inputs: "files"
        case .whole(let r): "whole number \(r.lowerBound)–\(r.upperBound)"
        case .number(let r): "number \(Self.show(r.lowerBound))–\(Self.show(r.upperBound))"
        case .choice(let words): words.joined(separator: " | ")
        case .list: "list"
        case .pairs: "name:number list"
        case .date: "date"
        case .datePatterns: "date patterns"
        case .valueMap(let targets): "value map" + (targets.map { " to " + $0.joined(separator: " | ") } ?? "")
        }
    }
}
