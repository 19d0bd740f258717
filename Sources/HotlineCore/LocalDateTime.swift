/// A wall-clock time as the hotline platforms write it: no time zone, second precision.
///
/// Its `description` is the one form the store keeps (`2021-03-05 14:22:01`), which sorts
/// as text in time order and whose first seven characters are the month.
public struct LocalDateTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    public var description: String { digits(count: 19) }

    /// `YYYY-MM`, the month an order is counted in.
    public var monthKey: String { digits(count: 7) }

    /// The first `count` bytes of `YYYY-MM-DD HH:MM:SS`, built without interpolation (hot in ingest).
    private func digits(count: Int) -> String {
        String(unsafeUninitializedCapacity: count) { buffer in
            func put(_ value: Int, _ width: Int, at offset: Int) {
                var v = value
                for i in stride(from: offset + width - 1, through: offset, by: -1) {
                    buffer[i] = UInt8(48 + v % 10)
                    v /= 10
                }
            }
            let y = min(max(year, 0), 9_999)
            put(y, 4, at: 0)
            buffer[4] = UInt8(ascii: "-")
            put(month, 2, at: 5)
            guard count > 7 else { return 7 }
            buffer[7] = UInt8(ascii: "-")
            put(day, 2, at: 8)
            buffer[10] = UInt8(ascii: " ")
            put(hour, 2, at: 11)
            buffer[13] = UInt8(ascii: ":")
            put(minute, 2, at: 14)
            buffer[16] = UInt8(ascii: ":")
            put(second, 2, at: 17)
            return 19
        }
    }

    public static func < (a: LocalDateTime, b: LocalDateTime) -> Bool {
        (a.year, a.month, a.day, a.hour, a.minute, a.second) < (b.year, b.month, b.day, b.hour, b.minute, b.second)
    }

    /// Days since 1970-01-01 of the date part (proleptic Gregorian).
    public var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Seconds since 1970-01-01 00:00:00 of this wall-clock time, as if it were UTC.
    public var secondsSinceEpoch: Int { dayNumber * 86_400 + hour * 3_600 + minute * 60 + second }

    /// Parses the forms seen in exports: `2021-03-05 14:22:01`, `2021/3/5 14:22`,
    /// `2021年3月5日 14:22`, `2021.3.5`, `2021-03-05T14:22:01.000`, with or without a time.
    ///
    /// Returns nil for anything else, including impossible dates such as `2021-13-45`.
    public static func parse(_ text: String) -> LocalDateTime? {
        var numbers: [Int] = []
        numbers.reserveCapacity(7)
        var digits = 0
        var current = 0
        var dateSeparators: [Unicode.Scalar] = []
        var sawContent = false
        for scalar in text.unicodeScalars {
            var v = scalar.value
            if v >= 0xFF10 && v <= 0xFF19 { v -= 0xFF10 - 0x30 }
            if v >= 0x30 && v <= 0x39 {
                if numbers.isEmpty && digits >= 4 { return nil }
                digits += 1
                if digits > 9 { return nil }
                current = current * 10 + Int(v - 0x30)
                sawContent = true
                continue
            }
            if digits > 0 {
                numbers.append(current)
                current = 0
                digits = 0
            }
            switch scalar {
            case " ", "\t", "\u{3000}":
                continue
            case "-", "/", ".":
                if numbers.count < 3 { dateSeparators.append(scalar) }
            case "年", "月", "日", "T", ":", "时", "分", "秒":
                break
            default:
                return nil
            }
            // Text before the first digit (other than spaces) is not a date.
            if !sawContent { return nil }
        }
        if digits > 0 { numbers.append(current) }
        // The first group must be a four-digit year: reject `3/5/2021` rather than guess.
        guard numbers.count >= 3, numbers.count <= 7, numbers[0] >= 1900, numbers[0] <= 2200 else { return nil }
        if let first = dateSeparators.first, !dateSeparators.prefix(2).allSatisfy({ $0 == first }) { return nil }
        if dateSeparators.count == 1 { return nil }
        let (y, mo, d) = (numbers[0], numbers[1], numbers[2])
        let h = numbers.count > 3 ? numbers[3] : 0
        let mi = numbers.count > 4 ? numbers[4] : 0
        let s = numbers.count > 5 ? numbers[5] : 0
        guard mo >= 1, mo <= 12, d >= 1, d <= daysIn(month: mo, year: y), h <= 23, mi <= 59, s <= 59 else {
            return nil
        }
        return LocalDateTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// Which day an Excel workbook counts its date serial numbers from (`date1904` in workbook.xml).
public enum ExcelDateSystem: Sendable, Equatable {
    /// Windows Excel: serial 1 is 1900-01-01, and serial 60 is the 1900-02-29 that never was.
    case from1900
    /// Old Mac Excel: serial 0 is 1904-01-01.
    case from1904
}

extension LocalDateTime {
    /// The date and time `days` after 1970-01-01 (negative before), plus `seconds` into that day.
    public init(dayNumber days: Int, seconds: Int = 0) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        self.init(
            year: yoe + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day, hour: seconds / 3_600,
            minute: seconds % 3_600 / 60, second: seconds % 60)
    }

    /// The time `secondsSinceEpoch` gives back (negative before 1970-01-01).
    public init(secondsSinceEpoch t: Int) {
        let (days, seconds) = t.quotientAndRemainder(dividingBy: 86_400)
        self.init(dayNumber: seconds < 0 ? days - 1 : days, seconds: seconds < 0 ? seconds + 86_400 : seconds)
    }

    /// An Excel date serial number (days, with the time of day as the fraction), rounded to the
    /// second. Nil for serials before the first day, Excel's fictitious 1900-02-29 (serial 60), and
    /// years outside 1900–2200.
    public static func fromExcelSerial(_ serial: Double, system: ExcelDateSystem) -> LocalDateTime? {
        guard serial.isFinite, serial >= 0, serial < 200_000 else { return nil }
        var days = Int(serial.rounded(.down))
        var seconds = Int(((serial - Double(days)) * 86_400).rounded())
        if seconds == 86_400 {
            days += 1
            seconds = 0
        }
        let epoch: Int
        switch system {
        case .from1904:
            epoch = LocalDateTime(year: 1904, month: 1, day: 1).dayNumber
        case .from1900:
            guard days >= 1, days != 60 else { return nil }
            // Serials after the fictitious leap day are one ahead of a true count from 1899-12-31.
            epoch = LocalDateTime(year: 1899, month: 12, day: days < 60 ? 31 : 30).dayNumber
        }
        let t = LocalDateTime(dayNumber: epoch + days, seconds: seconds)
        return t.year <= 2_200 ? t : nil
    }
}

extension LocalDateTime {
    /// Reads the store's own form, `YYYY-MM-DD HH:MM:SS`, by position; falls back to `parse`.
    public static func stored(_ text: String) -> LocalDateTime? {
        var text = text
        let fast: LocalDateTime? = text.withUTF8 { b in
            guard b.count == 19, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x20, b[13] == 0x3A, b[16] == 0x3A else {
                return nil
            }
            func number(_ from: Int, _ count: Int) -> Int? {
                var n = 0
                for i in from..<(from + count) {
                    guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                    n = n * 10 + Int(b[i] - 0x30)
                }
                return n
            }
            guard let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2), let h = number(11, 2),
                let mi = number(14, 2), let s = number(17, 2)
            else { return nil }
            return LocalDateTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s)
        }
        return fast ?? parse(text)
    }
}
