/// A problem with one place in one input file, printed as swift-format prints its findings:
/// `file:line: error: message`.
///
/// `part` names the piece of a container the place is in (a workbook's `xl/worksheets/sheet1.xml`),
/// so a message about a broken sheet says which one.
public struct Diagnostic: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Severity: String, Sendable { case error, warning }

    public var file: String
    public var part: String?
    public var line: Int?
    public var severity: Severity
    public var message: String

    public init(file: String, part: String? = nil, line: Int? = nil, severity: Severity = .error, _ message: String) {
        self.file = file
        self.part = part
        self.line = line
        self.severity = severity
        self.message = message
    }

    public var description: String {
        let place = file + (part.map { " (\($0))" } ?? "") + (line.map { ":\($0)" } ?? "")
        return "\(place): \(severity.rawValue): \(message)"
    }
}

/// What is wrong with the store itself, apart from a failed SQL statement (`SQLiteError`).
public enum StoreProblem: Sendable, Equatable {
    /// No store at the path, and the command does not create one.
    case missing
    /// A newer hotline applied migrations this build does not know.
    case newer(unknown: [String])
    /// The store needs migrations this build would apply, but it was opened read-only.
    case outdated(pending: [String])
    /// Another hotline holds the store; its process id when known.
    case locked(holder: Int32?)
    /// A migration failed and was rolled back with every other of that open.
    case migration(name: String, reason: String)
    /// The key file is not the one the store's callers were keyed with.
    case wrongKey(file: String, problem: String)
}

/// Why a command failed: each case a kind a caller can tell apart, and the exit code it gives.
///
/// The message is made from the case's values when printed, never matched by tests.
public enum HotlineError: Error, Sendable, CustomStringConvertible {
    /// The command line was wrong: exit 64.
    case usage(String)
    /// Input files (exports, taxonomy, column map, community table, holiday list) are wrong at these places.
    case input([Diagnostic])
    /// The pipeline file's settings are wrong: each diagnostic names the setting and its line.
    case settings([Diagnostic])
    /// A file or folder could not be opened, read or written.
    case file(path: String, problem: String)
    /// The store cannot be used as it is.
    case store(path: String, StoreProblem)
    /// A stage cannot run yet: what it needs is missing (an earlier stage's output, a model).
    case notReady(String)
    /// The night's input was refused as a whole (no accepted row, too many rejects), so nothing was published.
    case refused(file: String, reason: String)
    /// The site could not be published where asked.
    case publish(path: String, problem: String)

    public var description: String {
        switch self {
        case .usage(let m), .notReady(let m): return m
        case .input(let d), .settings(let d): return d.map(\.description).joined(separator: "\n")
        case .file(let path, let problem): return "\(path): \(problem)"
        case .refused(let file, let reason): return "\(file): \(reason)"
        case .publish(let path, let problem): return "cannot publish the site to \(path): \(problem)"
        case .store(let path, let problem):
            switch problem {
            case .missing: return "no store at \(path): run 'hotline ingest' or 'hotline run' first"
            case .newer(let unknown):
                return "store \(path) was written by a newer hotline (migrations \(unknown.joined(separator: ", ")))"
            case .outdated(let pending):
                return "store \(path) needs an upgrade (\(pending.joined(separator: ", "))): run any stage on it first"
            case .locked(let holder):
                return "store \(path) is in use by another hotline" + (holder.map { " (process \($0))" } ?? "")
            case .migration(let name, let reason):
                return "store \(path): migration \(name) failed, nothing was changed: \(reason)"
            case .wrongKey(let file, let problem):
                return "store \(path) refuses the caller key \(file): \(problem)"
            }
        }
    }
}
