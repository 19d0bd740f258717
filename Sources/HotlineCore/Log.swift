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

    /// Draws `message` as the progress line at most five times a second; nothing when not a terminal.
    ///
    /// `message` is made only when it is drawn.
    public static func progress(every: Progress, _ message: @autoclosure () -> String) {
        guard isTerminal, every.due() else { return }
        progress(message())
    }

    /// `n of total (p%)`, for progress lines.
    public static func count(_ done: Int, of total: Int, _ unit: String) -> String {
        "\(done.grouped) of \(total.grouped) \(unit)" + share(Int64(done), of: Int64(total))
    }

    /// ` (p%)`, for progress lines.
    public static func share(_ done: Int64, of total: Int64) -> String {
        guard total > 0 else { return "" }
        return " (\(Int(min(100, done * 100 / total)))%)"
    }

    /// Clears the progress line before a normal message.
    public static func endProgress() {
        guard isTerminal else { return }
        write("\r\u{1B}[K")
    }

    /// Whether `HOTLINE_TIMINGS` asks for the time of each step (`timed`) on standard error.
    public static let timings: Bool =
        ProcessInfo.processInfo.environment["HOTLINE_TIMINGS"].map { !$0.isEmpty } ?? false

    /// Runs `body`; with `HOTLINE_TIMINGS` set, prints `hotline: time: label 1.23 s, peak 120 MB`
    /// when it ends: its time, and the process's peak resident memory so far.
    ///
    /// For benchmarks and for finding where a slow night goes, or a large one: the step after
    /// which the peak first grows is what raised it. The output is for people, not parsing.
    public static func timed<T>(_ label: String, _ body: () throws -> T) rethrows -> T {
        guard timings else { return try body() }
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            write("hotline: time: \(label) \((seconds * 100).rounded() / 100) s, peak \(usage.ru_maxrss / 1024) MB\n")
        }
        return try body()
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

/// When a progress line was last drawn, so a loop can redraw it a few times a second at most.
public final class Progress: @unchecked Sendable {
    private var last: UInt64 = 0

    public init() {}

    /// Whether a fifth of a second has passed since the last draw (and, if so, marks this one).
    public func due() -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let ns = UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
        guard ns - last >= 200_000_000 else { return false }
        last = ns
        return true
    }
}
