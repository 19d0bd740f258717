import HotlineCore

/// A table for publishing as CSV that Excel opens correctly.
///
/// UTF-8 with a byte-order mark (so Excel shows Chinese), CRLF line ends, RFC 4180 quoting. A text
/// cell starting with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'` so Excel does not run it
/// as a formula; numbers are written as numbers. Text cells are masked for personal data; identifier
/// cells (order and candidate ids, which are references, not personal data) are not, so a long
/// numeric order id stays usable.
public struct CSVTable {
    public enum Cell: Equatable {
        case text(String)
        /// An order or candidate id, or a list of them: escaped, never masked.
        case id(String)
        case int(Int)
        case decimal(Double, places: Int)
        case empty
    }

    public var header: [String]
    public var rows: [[Cell]] = []

    public init(header: [String]) { self.header = header }

    public mutating func append(_ row: [Cell]) { rows.append(row) }

    public var text: String {
        var out = "\u{FEFF}"
        out += header.map { Self.escape(Self.neutralize($0)) }.joined(separator: ",") + "\r\n"
        for row in rows {
            out += row.map(Self.render).joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func render(_ cell: Cell) -> String {
        switch cell {
        case .text(let s): escape(neutralize(PersonalData.mask(s)))
        case .id(let s): escape(neutralize(s))
        case .int(let n): String(n)
        case .decimal(let d, let places): Format.fixed(d, places: places)
        case .empty: ""
        }
    }

    static func neutralize(_ s: String) -> String {
        guard let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return s }
        return "'" + s
    }

    static func escape(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingAll("\"", with: "\"\"") + "\""
    }
}

/// Number formats used on the pages and in the CSVs.
public enum Format {
    /// `13.3%` for 0.1327.
    public static func percent(_ share: Double, places: Int = 1) -> String { fixed(share * 100, places: places) + "%" }

    /// Rounded half away from zero to `places` decimals, without exponent notation.
    public static func fixed(_ value: Double, places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(value) * scale).rounded(.toNearestOrAwayFromZero)
        let whole = Int(scaled / scale)
        var text = whole.grouped.replacingAll(",", with: "")
        if places > 0 {
            let fraction = Int(scaled) - whole * Int(scale)
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: places - digits.count) + digits
        }
        return value < 0 && scaled != 0 ? "-" + text : text
    }
}
