import Foundation
import HotlineCore
import HotlineFormats

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
        /// A time as stored (`YYYY-MM-DD HH:MM:SS`) or a date: text in CSV, a date in Excel.
        case date(String)
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
        case .date(let s): escape(neutralize(s))
        case .empty: ""
        }
    }

    /// The cell as a workbook cell: text masked as in CSV, numbers rounded as in CSV.
    static func workbookCell(_ cell: Cell) -> XLSXWriter.Cell {
        switch cell {
        case .text(let s): .text(PersonalData.mask(s))
        case .id(let s): .text(s)
        case .int(let n): .number(Double(n))
        case .decimal(let d, let places): .number(Double(Format.fixed(d, places: places)) ?? d)
        case .date(let s): .date(s)
        case .empty: .empty
        }
    }

    /// Writes the table as an Excel workbook, its sheet named `sheet`.
    public func writeWorkbook(to path: String, sheet: String) throws {
        let book = try XLSXWriter(path: path, sheet: sheet, header: header)
        for row in rows { try book.append(row.map(Self.workbookCell)) }
        try book.finish()
    }

    /// The workbook beside a CSV file: `months.csv` → `months.xlsx`.
    static func workbookName(_ csv: String) -> String {
        (csv.hasSuffix(".csv") ? String(csv.dropLast(4)) : csv) + ".xlsx"
    }

    static func neutralize(_ s: String) -> String {
        guard let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return s }
        return "'" + s
    }

    /// Quotes a cell holding a comma, a quote or a line break (any CR or LF, "\r\n" included).
    static func escape(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return s }
        return "\"" + s.replacingAll("\"", with: "\"\"") + "\""
    }
}
