/// A problem with one place in one input file, printed as swift-format prints its findings:
/// `file:line: error: message`.
public struct Diagnostic: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Severity: String, Sendable { case error, warning }

    public var file: String
    public var line: Int?
    public var severity: Severity
    public var message: String

    public init(file: String, line: Int? = nil, severity: Severity = .error, _ message: String) {
        self.file = file
        self.line = line
        self.severity = severity
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(severity.rawValue): \(message)" }
        return "\(file): \(severity.rawValue): \(message)"
    }
}

/// Why a command failed; decides the exit code.
public enum HotlineError: Error, Sendable, CustomStringConvertible {
    /// The command line was wrong: exit 64.
    case usage(String)
    /// The work could not be done: exit 1.
    case failed(String)
    /// An input or setting file is wrong at these places: exit 1.
    case invalid([Diagnostic])

    public var description: String {
        switch self {
        case .usage(let m), .failed(let m): m
        case .invalid(let diagnostics): diagnostics.map(\.description).joined(separator: "\n")
        }
    }
}
