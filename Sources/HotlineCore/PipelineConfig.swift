import Foundation

/// The settings of one pipeline, read from an analyst-editable file in `Pipelines/`.
///
/// The file is lines of `key = value` under `[section]` headings; `#` starts a comment.
/// Paths are relative to the file's own folder. Unknown keys and bad values are errors
/// naming the file and line, so a typo never silently falls back to a default.
public struct PipelineConfig: Sendable {
    public enum Encoding: String, Sendable, CaseIterable {
        case auto
        case utf8 = "utf-8"
        case gb18030
    }

    /// The file the settings came from, nil for built-in defaults.
    public var file: String?
    /// Where relative paths start: the config file's folder, or the working directory.
    public var directory: String
    public var name = "12345 热线工单分析"
    public var inputs: [String] = []
    public var encoding = Encoding.auto
    public var taxonomy: String
    public var columns: String?
    public var communities: String?
    public var store: String?
    public var out: String?
    public var fallbackCategory = "其他"
    /// The worksheet of an XLSX export to read; the first when nil.
    public var sheet: String?
    /// The element of an XML export that holds one order; the first child of the root when nil.
    public var xmlRecord: String?
    /// A fingerprint of the settings and of every file they name that exists.
    public private(set) var hash = ""
    /// Every `section.key` the file set, for settings a later stage reads itself.
    public private(set) var values: [String: (value: String, line: Int)] = [:]

    /// A problem with the setting `key` (`section.key`), at its line.
    public func problem(_ key: String, _ message: String) -> Diagnostic {
        Diagnostic(file: file ?? "(defaults)", line: values[key]?.line, "\(key): \(message)")
    }

    /// Settings recognised in each section; anything else is an error.
    public static let knownKeys: [String: Set<String>] = [
        "pipeline": ["name", "inputs", "encoding", "taxonomy", "columns", "communities", "store", "out"],
        "classify": ["fallback"],
        "xlsx": ["sheet"],
        "model": [
            "label_level", "threshold", "rule_keywords", "mislabel_threshold", "min_examples", "max_examples", "epochs",
            "seed", "ngram_max", "hash_bits", "file",
        ],
        "handling": [
            "valid_callback", "satisfied", "resolved", "responded", "weights", "min_volume", "days", "holidays",
            "deadlines", "default_deadline", "report_date", "repeat_days",
        ],
        "xml": ["record"],
        "detect": [
            "hotspot_days", "hotspot_min", "repeat_days", "repeat_min", "mass_days", "mass_min_callers",
            "mass_distance",
            "mass_min_chars", "mass_link_days", "surge_min", "min_ratio", "surge_history", "stuck_days", "stuck_min",
            "stuck_alpha", "alpha",
            "quiet_days", "street_level", "district_level",
        ],
    ]

    /// Built-in defaults, relative to `directory`.
    public init(directory: String) {
        self.directory = directory
        self.taxonomy = (directory as NSString).appendingPathComponent("Pipelines/taxonomy.tsv")
        self.hash = Self.fingerprint(of: self, text: "")
    }

    /// Reads a pipeline file; throws `HotlineError.invalid` listing every bad line.
    public static func load(path: String) throws -> PipelineConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HotlineError.failed("cannot read pipeline file \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw HotlineError.invalid([Diagnostic(file: path, "pipeline file is not UTF-8")])
        }
        let dir = (path as NSString).deletingLastPathComponent
        var config = PipelineConfig(directory: dir.isEmpty ? "." : dir)
        config.file = path
        config.taxonomy = config.resolve("taxonomy.tsv")
        var problems: [Diagnostic] = []
        var section = "pipeline"
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            var line = String(rawLine).trimmed
            if let hashMark = line.range(of: " #") ?? line.range(of: "\t#") {
                line = String(line[..<hashMark.lowerBound]).trimmed
            }
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else {
                    problems.append(Diagnostic(file: path, line: lineNumber, "a section heading ends with ']'"))
                    continue
                }
                section = String(line.dropFirst().dropLast()).trimmed
                if knownKeys[section] == nil {
                    problems.append(Diagnostic(file: path, line: lineNumber, "unknown section [\(section)]"))
                }
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                problems.append(Diagnostic(file: path, line: lineNumber, "expected 'key = value'"))
                continue
            }
            let key = String(line[..<eq]).trimmed
            let value = String(line[line.index(after: eq)...]).trimmed
            guard knownKeys[section]?.contains(key) == true else {
                if knownKeys[section] != nil {
                    let known = knownKeys[section]!.sorted().joined(separator: ", ")
                    problems.append(
                        Diagnostic(
                            file: path, line: lineNumber, "unknown setting '\(key)' in [\(section)]; known: \(known)"))
                }
                continue
            }
            config.values["\(section).\(key)"] = (value, lineNumber)
            switch "\(section).\(key)" {
            case "pipeline.name": config.name = value
            case "pipeline.inputs":
                config.inputs = value.split(separator: ",").map { config.resolve(String($0).trimmed) }
            case "pipeline.encoding":
                guard let e = Encoding(rawValue: value.lowercased()) else {
                    problems.append(
                        Diagnostic(
                            file: path, line: lineNumber, "encoding must be auto, utf-8 or gb18030, not '\(value)'"))
                    continue
                }
                config.encoding = e
            case "pipeline.taxonomy": config.taxonomy = config.resolve(value)
            case "pipeline.columns": config.columns = config.resolve(value)
            case "pipeline.communities": config.communities = config.resolve(value)
            case "pipeline.store": config.store = config.resolve(value)
            case "pipeline.out": config.out = config.resolve(value)
            case "classify.fallback": config.fallbackCategory = value
            case "xlsx.sheet": config.sheet = value
            case "xml.record": config.xmlRecord = value
            default: break
            }
        }
        if !problems.isEmpty { throw HotlineError.invalid(problems) }
        config.hash = fingerprint(of: config, text: text)
        return config
    }

    /// A path from the file, made absolute against the file's folder.
    public func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return normalizedPath(directory == "." ? path : directory + "/" + path)
    }

    /// Extra header names per field, from the `columns` file (`field<TAB>name|name…`).
    public func columnSynonyms() throws -> [Field: [String]] {
        guard let columns else { return [:] }
        guard let text = try? String(contentsOfFile: columns, encoding: .utf8) else {
            throw HotlineError.failed("cannot read column map \(columns)")
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
                        file: columns, line: index + 1, "expected 'field<TAB>header|header', field one of: \(names)"))
                continue
            }
            map[field, default: []] += parts[1].split(separator: "|").map { String($0).trimmed }.filter { !$0.isEmpty }
        }
        if !problems.isEmpty { throw HotlineError.invalid(problems) }
        return map
    }

    private static func fingerprint(of config: PipelineConfig, text: String) -> String {
        var h = FNV1a()
        h.update(text)
        for path in [config.taxonomy, config.columns, config.communities].compactMap({ $0 }) {
            if let data = FileManager.default.contents(atPath: path) { h.update(String(decoding: data, as: UTF8.self)) }
        }
        return h.hex
    }
}

/// Expands input patterns: a `*` or `?` in the last path component matches files in that
/// folder, sorted by name; other paths are kept as given.
public func expandInputs(_ patterns: [String]) -> [String] {
    var out: [String] = []
    for pattern in patterns {
        let name = (pattern as NSString).lastPathComponent
        guard name.contains("*") || name.contains("?") else {
            out.append(pattern)
            continue
        }
        let dir = (pattern as NSString).deletingLastPathComponent
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)) ?? []
        out += entries.filter { fnmatch(name, $0, 0) == 0 }.sorted().map {
            (dir as NSString).appendingPathComponent($0)
        }
    }
    return out
}

/// `a/b/../c/./d` → `a/c/d`; leading `..` of a relative path are kept.
public func normalizedPath(_ path: String) -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
        if part == "." { continue }
        if part == "..", let last = parts.last, last != ".." {
            parts.removeLast()
        } else if part == ".." && path.hasPrefix("/") && parts.isEmpty {
            continue
        } else {
            parts.append(part)
        }
    }
    let joined = parts.joined(separator: "/")
    if path.hasPrefix("/") { return "/" + joined }
    return joined.isEmpty ? "." : joined
}
