/// Removes citizens' names and phone numbers from text before it is stored or shown.
///
/// Phone numbers are found as runs of seven or more digits, ASCII or full-width, either
/// unbroken or in groups of three or more joined by single spaces or hyphens (mobiles,
/// landlines with area code, ID numbers alike; not dates); every digit becomes `*`. Names are the caller's own
/// name when the export gives it, and a surname followed by 先生, 女士 or 小姐.
public enum PersonalData {
    public static func mask(_ text: String, names: [String] = []) -> String {
        if !mayHoldPersonalData(text) && !names.contains(where: { $0.utf8.count >= 6 && text.utf8Contains($0) }) {
            return text
        }
        var scalars = Array(text.unicodeScalars)
        var changed = maskDigitRuns(&scalars)
        for name in names {
            let n = Array(name.trimmed.unicodeScalars)
            guard n.count >= 2 else { continue }
            changed = replaceAll(n, in: &scalars, with: "*") || changed
        }
        changed = maskHonorifics(&scalars) || changed
        guard changed else { return text }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars)
        return String(out)
    }

    /// A byte scan: false when `text` has no digit and no 先生/女士/小姐, so nothing to mask.
    private static func mayHoldPersonalData(_ text: String) -> Bool {
        var digits = 0
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte >= 0x30 && byte <= 0x39 {
                digits += 1
                if digits >= minimumRun { return true }
            } else if byte >= 0x80 {
                // Full-width digits (EF BC 90-99), and 生 (E7 94 9F), 士 (E5 A3 AB), 姐 (E5 A7 90).
                if previous == 0xBC && byte >= 0x90 && byte <= 0x99 { return true }
                if (previous == 0x94 && byte == 0x9F) || (previous == 0xA3 && byte == 0xAB)
                    || (previous == 0xA7 && byte == 0x90)
                {
                    return true
                }
            }
            previous = byte
        }
        return false
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

    /// Masks phone-like digit runs in place; true when anything changed.
    private static func maskDigitRuns(_ scalars: inout [Unicode.Scalar]) -> Bool {
        guard scalars.count >= minimumRun else { return false }
        var changed = false
        var i = 0
        while i < scalars.count {
            guard isDigit(scalars[i]) else {
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
            if groups.reduce(0, +) >= minimumRun && (groups.count == 1 || groups.allSatisfy { $0 >= 3 }) {
                for k in i..<end where isDigit(scalars[k]) { scalars[k] = "*" }
                changed = true
            }
            i = end
        }
        return changed
    }

    /// Replaces every occurrence of `target` by as many `mask` scalars.
    private static func replaceAll(
        _ target: [Unicode.Scalar], in scalars: inout [Unicode.Scalar], with mask: Unicode.Scalar
    ) -> Bool {
        guard target.count <= scalars.count else { return false }
        var changed = false
        var i = 0
        while i + target.count <= scalars.count {
            if scalars[i] == target[0] && scalars[i..<(i + target.count)].elementsEqual(target) {
                for k in i..<(i + target.count) { scalars[k] = mask }
                i += target.count
                changed = true
            } else {
                i += 1
            }
        }
        return changed
    }

    /// 王先生 → 某先生, likewise 女士 and 小姐.
    private static func maskHonorifics(_ scalars: inout [Unicode.Scalar]) -> Bool {
        var changed = false
        var i = 1
        while i + 1 < scalars.count {
            let pair = (scalars[i], scalars[i + 1])
            if pair == ("先", "生") || pair == ("女", "士") || pair == ("小", "姐") {
                let v = scalars[i - 1].value
                if v >= 0x4E00 && v <= 0x9FFF && scalars[i - 1] != "某" {
                    scalars[i - 1] = "某"
                    changed = true
                }
            }
            i += 1
        }
        return changed
    }

    private static func isDigit(_ s: Unicode.Scalar) -> Bool {
        (s.value >= 0x30 && s.value <= 0x39) || (s.value >= 0xFF10 && s.value <= 0xFF19)
    }
}

extension String {
    /// Whether `other`'s UTF-8 bytes occur in this string's (no Foundation, no allocation).
    public func utf8Contains(_ other: String) -> Bool {
        let needle = Array(other.utf8)
        guard let first = needle.first else { return true }
        let hay = utf8
        var i = hay.startIndex
        while let start = hay[i...].firstIndex(of: first) {
            if hay[start...].starts(with: needle) { return true }
            i = hay.index(after: start)
        }
        return false
    }

    /// Every occurrence of `target` replaced, compared by Unicode scalars (so `\r\n` is found
    /// even though Swift sees it as one Character).
    public func replacingAll(_ target: String, with replacement: String) -> String {
        let t = Array(target.unicodeScalars)
        guard let first = t.first, unicodeScalars.contains(first) else { return self }
        let s = Array(unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        var found = false
        while i < s.count {
            if s[i] == first && i + t.count <= s.count && s[i..<(i + t.count)].elementsEqual(t) {
                out.append(contentsOf: replacement.unicodeScalars)
                i += t.count
                found = true
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return found ? String(out) : self
    }
}
