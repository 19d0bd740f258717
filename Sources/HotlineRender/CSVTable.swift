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
