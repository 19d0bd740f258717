import Foundation

/// Removes citizens' names and phone numbers from text before it is stored or shown.
///
/// Phone numbers are found as runs of seven or more digits, ASCII or full-width, either
/// unbroken or in groups of three or more joined by single spaces or hyphens (mobiles,
/// landlines with area code, ID numbers alike; not dates); every digit becomes `*`. Names are the caller's own
/// name when the export gives it, and a surname followed by 先生, 女士 or 小姐.
public enum PersonalData {
    public static func mask(_ text: String, names: [String] = []) -> String {
        var out = maskDigitRuns(text)
        for name in names {
            let n = name.trimmed
            guard n.count >= 2 else { continue }
            out = out.replacingAll(n, with: String(repeating: "*", count: n.count))
        }
        return maskHonorifics(out)
    }

    /// The phone number in a comparable form (digits only, no country code or leading 0
    /// of a trunk prefix), or nil when it has too few digits to be a number.
    public static func normalizedPhone(_ raw: String) -> String? {
        var digits = ""
        for scalar in raw.unicodeScalars {
            var v = scalar.value
            if v >= 0xFF10 && v <= 0xFF19 { v -= 0xFF10 - 0x30 }
            if v >= 0x30 && v <= 0x39 { digits.unicodeScalars.append(Unicode.Scalar(v)!) }
        }
        if digits.hasPrefix("86") && digits.count == 13 { digits.removeFirst(2) }
        return digits.count >= 7 ? digits : nil
    }

    private static let minimumRun = 7

    private static func maskDigitRuns(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count >= minimumRun else { return text }
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            guard isDigit(scalars[i]) else {
                out.append(scalars[i])
                i += 1
                continue
            }
            // A run: digit groups joined by single spaces or hyphens (138-1234-5678, 0755 2888 1234).
            var j = i
            var groups: [Int] = [0]
            var end = i
            while j < scalars.count {
                if isDigit(scalars[j]) {
                    groups[groups.count - 1] += 1
                    j += 1
                    end = j
                } else if (scalars[j] == " " || scalars[j] == "-") && j + 1 < scalars.count && isDigit(scalars[j + 1]) {
                    groups.append(0)
                    j += 1
                } else {
                    break
                }
            }
            // Phone and ID numbers come in groups of three or more digits; dates and times do not.
            let isNumber = groups.reduce(0, +) >= minimumRun && (groups.count == 1 || groups.allSatisfy { $0 >= 3 })
            for k in i..<end { out.append(isNumber && isDigit(scalars[k]) ? "*" : scalars[k]) }
            i = end
        }
        return String(out)
    }

    private static func maskHonorifics(_ text: String) -> String {
        var result = text
        for title in ["先生", "女士", "小姐"] where result.contains(title) {
            var chars = Array(result)
            let t = Array(title)
            var i = 1
            while i + t.count <= chars.count {
                if chars[i] == t[0] && chars[i + 1] == t[1] && isHan(chars[i - 1]) && chars[i - 1] != "某" {
                    chars[i - 1] = "某"
                }
                i += 1
            }
            result = String(chars)
        }
        return result
    }

    private static func isDigit(_ s: Unicode.Scalar) -> Bool {
        (s.value >= 0x30 && s.value <= 0x39) || (s.value >= 0xFF10 && s.value <= 0xFF19)
    }

    private static func isHan(_ c: Character) -> Bool {
        guard let v = c.unicodeScalars.first?.value else { return false }
        return v >= 0x4E00 && v <= 0x9FFF
    }
}

extension String {
    public func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        return components(separatedBy: target).joined(separator: replacement)
    }
}
