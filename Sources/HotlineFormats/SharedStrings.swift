import HotlineCore

/// The shared strings of a workbook, packed into one buffer so a sheet with a million distinct
/// texts costs their bytes and an offset each, not a million String objects.
struct SharedStrings {
    private var bytes: [UInt8] = []
    private var ends: [Int] = []

    /// More than 1 GiB of text: refused.
    struct TooLarge: Error {}

    var count: Int { ends.count }

    subscript(index: Int) -> String? {
        guard index >= 0 && index < ends.count else { return nil }
        return String(decoding: bytes[(index == 0 ? 0 : ends[index - 1])..<ends[index]], as: UTF8.self)
    }

    mutating func append(_ text: String) throws {
        bytes.append(contentsOf: text.utf8)
        ends.append(bytes.count)
        if bytes.count > 1 << 30 { throw SharedStrings.TooLarge() }
    }

    /// Reads `<sst><si>…</si></sst>`: plain `<t>`, rich-text runs `<r><t>`, phonetic `<rPh>` left out.
    static func load(_ stream: XMLStream) throws -> SharedStrings {
        var strings = SharedStrings()
        var current = ""
        var inPhonetic = false
        while try stream.read() {
            switch stream.nodeType {
            case .element where stream.nameIs("si"):
                current = ""
                if stream.isEmptyElement { try strings.append("") }
            case .element where stream.nameIs("rPh"):
                inPhonetic = !stream.isEmptyElement
            case .endElement where stream.nameIs("rPh"):
                inPhonetic = false
            case .element where stream.nameIs("t") && !inPhonetic:
                current += try stream.elementText()
            case .endElement where stream.nameIs("si"):
                try strings.append(unescapeExcel(current))
            default: continue
            }
        }
        return strings
    }
}

/// Excel writes control characters in text as `_xHHHH_` (`_x000D_` for CR).
func unescapeExcel(_ text: String) -> String {
    var marked = false
    var previous: UInt8 = 0
    for byte in text.utf8 {
        if previous == UInt8(ascii: "_") && byte == UInt8(ascii: "x") {
            marked = true
            break
        }
        previous = byte
    }
    guard marked else { return text }
    var out = ""
    var rest = Substring(text)
    while let start = rest.range(of: "_x") {
        out += rest[..<start.lowerBound]
        let after = rest[start.upperBound...]
        let hex = after.prefix(4)
        if hex.count == 4, after.dropFirst(4).first == "_", let v = UInt32(hex, radix: 16), let s = Unicode.Scalar(v) {
            out.unicodeScalars.append(s)
            rest = after.dropFirst(5)
        } else {
            out += "_x"
            rest = after
        }
    }
    return out + rest
}
