/// A date pattern an analyst writes for an export's dates: `M/d/yyyy H:mm`,
/// `MM/dd/yyyy hh:mm:ss a`, `dd.MM.yyyy`, `d MMM yyyy`.
///
/// Letters: `yyyy` (four-digit year), `yy` (2000 + two digits), `M`/`MM` (month, one or two digits /
/// exactly two), `MMM` (Jan … Dec, any case, or a full English month name), `d`/`dd` (day), `H`/`HH`
/// (hour 0–23), `h`/`hh` (hour 1–12, with `a`), `m`/`mm` (minute), `s`/`ss` (second), `a` (AM/PM,
/// any case, or 上午/下午). Anything else, and text in single quotes (`'T'`), must appear as written;
/// a space matches one or more spaces. The whole text must match. A pattern without a time gives
/// midnight; times are local wall time, as exports write them.
public struct DatePattern: Sendable, Hashable, CustomStringConvertible {
    enum Token: Sendable, Hashable {
        case year4, year2
        case month(width: Int), monthName
        case day(width: Int), hour24(width: Int), hour12(width: Int), minute(width: Int), second(width: Int)
        case ampm
        case space
        case literal(Character)
    }

    public let description: String
    let tokens: [Token]

    /// Reads a pattern; nil when it is not one (an unknown letter, a month without a day, a 12-hour
    /// hour without `a`, or no year).
    public init?(_ pattern: String) {
        description = pattern
        var tokens: [Token] = []
        let chars = Array(pattern)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "'" {
                guard let end = chars[(i + 1)...].firstIndex(of: "'") else { return nil }
                tokens += chars[(i + 1)..<end].map { .literal($0) }
                i = end + 1
                continue
            }
            var run = 1
            while i + run < chars.count && chars[i + run] == c { run += 1 }
            switch (c, run) {
            case ("y", 4): tokens.append(.year4)
            case ("y", 2): tokens.append(.year2)
            case ("M", 1...2): tokens.append(.month(width: run))
            case ("M", 3...4): tokens.append(.monthName)
            case ("d", 1...2): tokens.append(.day(width: run))
            case ("H", 1...2): tokens.append(.hour24(width: run))
            case ("h", 1...2): tokens.append(.hour12(width: run))
            case ("m", 1...2): tokens.append(.minute(width: run))
            case ("s", 1...2): tokens.append(.second(width: run))
            case ("a", 1): tokens.append(.ampm)
            case (" ", _): tokens.append(.space)
            default:
                if c.isLetter { return nil }
                tokens += Array(repeating: .literal(c), count: run)
            }
            i += run
        }
        let has = { (p: (Token) -> Bool) in tokens.contains(where: p) }
        let year = has { if case .year4 = $0 { true } else if case .year2 = $0 { true } else { false } }
        let month = has { if case .month = $0 { true } else if case .monthName = $0 { true } else { false } }
        let day = has { if case .day = $0 { true } else { false } }
        let hour12 = has { if case .hour12 = $0 { true } else { false } }
        let ampm = has { $0 == .ampm }
        guard year, month, day, hour12 == ampm else { return nil }
        self.tokens = tokens
    }

    /// The date and time `text` gives, or nil when it does not match or names no real date.
    public func match(_ text: String) -> LocalDateTime? {
        let chars = Array(text.trimmed)
        var i = 0
        var year = 0
        var month = 0
        var day = 0
        var hour = 0
        var minute = 0
        var second = 0
        var pm: Bool?
        func number(_ width: Int, max: Int) -> Int? {
            var n = 0
            var digits = 0
            while i < chars.count, digits < max, let d = chars[i].wholeNumberValue, chars[i].isASCII {
                n = n * 10 + d
                digits += 1
                i += 1
            }
            return digits >= width ? n : nil
        }
        for token in tokens {
            switch token {
            case .year4: guard let n = number(4, max: 4) else { return nil }; year = n
            case .year2: guard let n = number(2, max: 2) else { return nil }; year = 2000 + n
            case .month(let w): guard let n = number(w, max: 2) else { return nil }; month = n
            case .day(let w): guard let n = number(w, max: 2) else { return nil }; day = n
            case .hour24(let w): guard let n = number(w, max: 2) else { return nil }; hour = n
            case .hour12(let w):
                guard let n = number(w, max: 2), (1...12).contains(n) else { return nil }
                hour = n
            case .minute(let w): guard let n = number(w, max: 2) else { return nil }; minute = n
            case .second(let w): guard let n = number(w, max: 2) else { return nil }; second = n
            case .monthName:
                var letters = ""
                while i < chars.count, chars[i].isLetter, chars[i].isASCII {
                    letters.append(chars[i])
                    i += 1
                }
                guard let n = Self.monthNames.firstIndex(where: { Self.names(month: $0, match: letters) }) else {
                    return nil
                }
                month = n + 1
            case .ampm:
                let rest = String(chars[i...])
                if let word = ["上午", "下午"].first(where: { rest.hasPrefix($0) }) {
                    pm = word == "下午"
                    i += 2
                } else {
                    let two = String(chars[i..<min(i + 2, chars.count)]).uppercased()
                    guard two == "AM" || two == "PM" else { return nil }
                    pm = two == "PM"
                    i += 2
                }
            case .space:
                guard i < chars.count, chars[i] == " " else { return nil }
                while i < chars.count && chars[i] == " " { i += 1 }
            case .literal(let c):
                guard i < chars.count, chars[i] == c else { return nil }
                i += 1
            }
        }
        guard i == chars.count else { return nil }
        if let pm { hour = hour % 12 + (pm ? 12 : 0) }
        guard (1...12).contains(month), day >= 1, day <= LocalDateTime.daysIn(month: month, year: year), hour <= 23,
            minute <= 59, second <= 59
        else { return nil }
        return LocalDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    static let monthNames = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
        "december",
    ]

    /// `Mar`, `MAR`, `march` and `Sept` all name March or September.
    static func names(month full: String, match word: String) -> Bool {
        let w = word.lowercased()
        return w.count >= 3 && full.hasPrefix(w)
    }
}

/// Reads the dates of one field: the built-in year-first forms, then the patterns an analyst set.
///
/// A text that two ways read as different dates is ambiguous and refused, never guessed: with both
/// `M/d/yyyy` and `d/M/yyyy` set, `3/4/2021` is refused while `13/4/2021` is read.
public struct DateReader: Sendable {
    public enum Outcome: Equatable, Sendable {
        case date(LocalDateTime)
        case unreadable
        /// The distinct readings, in the order the patterns give them.
        case ambiguous([LocalDateTime])
    }

    public let patterns: [DatePattern]
    /// For workbooks: a plain number is an Excel date serial in this system.
    public var excel: ExcelDateSystem?

    public init(patterns: [DatePattern] = [], excel: ExcelDateSystem? = nil) {
        self.patterns = patterns
        self.excel = excel
    }

    public func read(_ text: String) -> Outcome {
        var readings: [LocalDateTime] = []
        if let date = LocalDateTime.parse(text) { readings.append(date) }
        for pattern in patterns {
            if let date = pattern.match(text), !readings.contains(date) { readings.append(date) }
        }
        if readings.isEmpty, let excel, let serial = Double(text.trimmed),
            let date = LocalDateTime.fromExcelSerial(serial, system: excel)
        {
            readings.append(date)
        }
        switch readings.count {
        case 0: return .unreadable
        case 1: return .date(readings[0])
        default: return .ambiguous(readings)
        }
    }
}
