import Foundation

/// Messages for people, on standard error; standard output is kept for data.
///
/// Progress lines are drawn (and redrawn in place) only when standard error is a terminal,
/// so cron mail and log files get whole lines only.
public enum Log {
    public static func info(_ message: String) { write("hotline: \(message)\n") }

    public static func warning(_ message: String) { write("hotline: warning: \(message)\n") }

    public static func diagnostic(_ diagnostic: Diagnostic) { write("\(diagnostic)\n") }

    public static let isTerminal: Bool = isatty(2) == 1

    /// Redraws one progress line, e.g. `ingest: 120,000 rows`; nothing when not a terminal.
    public static func progress(_ message: String) {
        guard isTerminal else { return }
        write("\r\u{1B}[K\(message)")
    }

    /// Clears the progress line before a normal message.
    public static func endProgress() {
        guard isTerminal else { return }
        write("\r\u{1B}[K")
    }

    public static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

extension Int {
    /// `31,838`: thousands grouped with commas, as Chinese reports print counts.
    public var grouped: String {
        let digits = String(magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return self < 0 ? "-" + out : out
    }
}
