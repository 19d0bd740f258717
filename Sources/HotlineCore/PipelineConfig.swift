import Foundation

/// The settings of one pipeline, read from an analyst-editable file in `Pipelines/`.
///
/// The file is lines of `key = value` under `[section]` headings. A line starting with `#` or `;`
/// is a comment, and so is everything from ` #` (a space or tab, then `#`) to the end of a line, so
/// a value cannot contain ` #`. Paths are relative to the file's own folder. Every key is checked
/// against the settings the modules declare (`Setting`): an unknown key, a key set twice, a bad
/// value or a missing input file is an error naming the file, the key and the line, so a typo
/// never silently falls back to a default.
public struct PipelineConfig: Sendable {
    /// The file the settings came from, nil for built-in defaults.
    public var file: String?
    /// Where relative paths start: the config file's folder, or the working directory.
    public var directory: String
    /// The settings this config was checked against, by `section.key`.
    public private(set) var known: [String: Setting] = [:]
    /// Every `section.key` the file set, with its line.
    public private(set) var values: [String: (value: String, line: Int)] = [:]

    /// The settings of `[pipeline]` that belong to no one stage.
    public static let name = Setting(
        "pipeline", "name", .text, default: "12345 热线工单分析", "The report's title.")
    public static let inputs = Setting(
        "pipeline", "inputs", .inputs, "The exports to read when none are named on the command line (`*` allowed).")
    public static let store = Setting(
        "pipeline", "store", .path, default: "hotline.sqlite", "The SQLite store between the stages.")
    public static let out = Setting("pipeline", "out", .path, default: "site", "Where the site is published.")
    public static let settings = [name, inputs, store, out]

    /// Built-in defaults, relative to `directory`, knowing `settings`.
    public init(directory: String, settings: [Setting] = PipelineConfig.settings) {
        self.directory = directory
        for s in settings + Self.settings { known[s.id] = s }
    }

    /// Reads a pipeline file, checking it against `settings`; throws `HotlineError.settings` listing every bad line.
    ///
    /// With `others` set to `.ignored`, keys no given setting declares are skipped rather than
    /// refused: for a part of the program that reads a pipeline file written for the whole of it.
    public static func load(path: String, settings: [Setting], others: Others = .refused) throws -> PipelineConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HotlineError.file(path: path, problem: "cannot read the pipeline file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw HotlineError.settings([Diagnostic(file: path, "the pipeline file is not UTF-8; save it as UTF-8")])
        }
        let dir = (path as NSString).deletingLastPathComponent
        return try parse(text, file: path, directory: dir.isEmpty ? "." : dir, settings: settings, others: others)
    }

    /// What to do with a key no given setting declares.
    public enum Others: Sendable { case refused, ignored }

    /// Reads the text of a pipeline file named `file`, relative paths starting at `directory`.
    public static func parse(
        _ text: String, file: String, directory: String, settings: [Setting], others: Others = .refused
    ) throws -> PipelineConfig {
        var config = PipelineConfig(directory: directory, settings: settings)
        config.file = file
        let sections = Set(config.known.values.map(\.section))
        var problems: [Diagnostic] = []
        var firstLine: [String: Int] = [:]
        var section = "pipeline"
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            var line = String(rawLine).trimmed
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if let hashMark = line.range(of: " #") ?? line.range(of: "\t#") {
                line = String(line[..<hashMark.lowerBound]).trimmed
            }
            func problem(_ message: String) { problems.append(Diagnostic(file: file, line: lineNumber, message)) }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else {
                    problem("a section heading ends with ']'")
                    continue
                }
                section = String(line.dropFirst().dropLast()).trimmed
                if !sections.contains(section) && others == .refused {
                    problem("unknown section [\(section)]; known: \(sections.sorted().joined(separator: ", "))")
                }
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                problem("expected 'key = value'")
                continue
            }
            let key = String(line[..<eq]).trimmed
            let value = String(line[line.index(after: eq)...]).trimmed
            guard sections.contains(section) else { continue }
            let id = "\(section).\(key)"
            guard let setting = config.known[id] ?? config.known["\(section).*"] else {
                if others == .ignored { continue }
                let known = config.known.values.filter { $0.section == section }.map(\.key).sorted()
                problem("unknown setting '\(key)' in [\(section)]; known: \(known.joined(separator: ", "))")
                continue
            }
            if let earlier = firstLine[id] {
                problem("\(id) is already set on line \(earlier)")
                continue
            }
            firstLine[id] = lineNumber
            if let message = setting.problem(with: value) {
                problem("\(id): \(message)")
                continue
            }
            config.values[id] = (value, lineNumber)
            if case .inputFile = setting.kind, !FileManager.default.fileExists(atPath: config.resolve(value)) {
                problem("\(id): no such file: \(config.resolve(value))")
            }
        }
        if !problems.isEmpty { throw HotlineError.settings(problems) }
        return config
    }

    // MARK: Typed values

    /// Whether the file sets `setting`.
    public func isSet(_ setting: Setting) -> Bool { values[setting.id] != nil }

    /// The text of `setting`: the file's value, else its default.
    public func text(_ setting: Setting) -> String? { values[setting.id]?.value ?? setting.defaultValue }

    /// A whole-number setting (checked when the file was read).
    public func whole(_ setting: Setting) -> Int { text(setting).flatMap { Int($0) } ?? 0 }

    /// A number setting (checked when the file was read).
    public func number(_ setting: Setting) -> Double { text(setting).flatMap { Double($0) } ?? 0 }

    /// A list setting's items, nil when neither the file nor the default gives one.
    public func list(_ setting: Setting) -> [String]? { text(setting).map(Setting.split) }

    /// A `name:number` list, nil when neither the file nor the default gives one.
    public func pairs(_ setting: Setting) -> [(name: String, value: Double)]? {
        list(setting).map { items in
            items.compactMap { item in
                let parts = item.split(separator: ":").map { String($0).trimmed }
                guard parts.count == 2, let v = Double(parts[1]) else { return nil }
                return (parts[0], v)
            }
        }
    }

    /// A path setting, made absolute against the pipeline file's folder.
    public func path(_ setting: Setting) -> String? { text(setting).map(resolve) }

    /// A date setting.
    public func date(_ setting: Setting) -> LocalDateTime? { text(setting).flatMap(LocalDateTime.parse) }

    /// A date-patterns setting's patterns (checked when the file was read).
    public func datePatterns(_ setting: Setting) -> [DatePattern]? {
        text(setting).map { Setting.patterns($0).compactMap(DatePattern.init) }
    }

    /// Every `key = value` line of a value-map section (`setting.key` is `*`), in file order.
    public func entries(_ setting: Setting) -> [(key: String, value: String, line: Int)] {
        let prefix = setting.section + "."
        return values.filter { $0.key.hasPrefix(prefix) }
            .map { (String($0.key.dropFirst(prefix.count)), $0.value.value, $0.value.line) }
            .sorted { $0.2 < $1.2 }
    }

    /// A problem with `setting`, at its line.
    public func problem(_ setting: Setting, _ message: String) -> Diagnostic {
        Diagnostic(file: file ?? "(defaults)", line: values[setting.id]?.line, "\(setting.id): \(message)")
    }

    /// A fingerprint of the values of `settings` and of the contents of `files` (those that exist),
    /// so a stage can tell whether what it was run with has changed.
    public func fingerprint(_ settings: [Setting], files: [String] = []) -> String {
        var h = FNV1a()
        for s in settings.sorted(by: { $0.id < $1.id }) {
            h.update(s.id)
            h.update(text(s) ?? "\u{0}")
        }
        for path in files {
            h.update(path)
            if let data = FileManager.default.contents(atPath: path) {
                h.update(String(decoding: data, as: UTF8.self))
            } else {
                h.update("\u{0}absent")
            }
        }
        return h.hex
    }

    // MARK: The pipeline's own settings

    public var name: String { text(Self.name) ?? "" }

    /// The input patterns, made absolute.
    public var inputs: [String] { list(Self.inputs)?.map(resolve) ?? [] }

    /// A path from the file, made absolute against the file's folder.
    public func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return normalizedPath(directory == "." ? path : directory + "/" + path)
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
