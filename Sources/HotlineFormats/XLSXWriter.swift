import HotlineCore

/// Writes an Excel workbook (.xlsx) of one table, row by row in bounded memory.
///
/// Excel holds at most 1,048,576 rows in a sheet and will not open a sheet with more, so a table
/// longer than that goes on over further sheets, each with the header (`supervision`,
/// `supervision (2)`, …).
///
/// Cells are typed: text stays text (inline strings, never formulas, so a 19-digit id keeps its
/// digits and `=` is just a character), numbers are numbers, dates are Excel dates shown as
/// `yyyy-mm-dd hh:mm:ss`. The header row is bold and frozen. Characters XML cannot hold are dropped.
public final class XLSXWriter {
    public enum Cell: Equatable, Sendable {
        case text(String)
        case number(Double)
        /// A time in the store's form `YYYY-MM-DD HH:MM:SS` (or a date `YYYY-MM-DD`); text when it is neither.
        case date(String)
        case empty
    }

    private let zip: ZipWriter
    /// The row written last in the current sheet (1 is the header).
    private var row = 0
    private let header: [String]
    private let sheetBase: String
    /// Sheets begun so far, and how many rows (with the header) each may hold.
    private var sheets = 0
    private let maxRows: Int

    /// The most rows Excel opens in one sheet.
    public static let excelRows = 1_048_576
    /// The sheet's XML not yet handed to the archive, as UTF-8.
    private var pending: [UInt8] = []
    /// `A`, `B`, … for the columns written so far, made once rather than for every cell.
    private var letters: [[UInt8]] = []

    /// Starts the workbook at `path` with its sheet named `sheet` and the header row; a sheet holds
    /// at most `maxRows` rows with the header (smaller only in tests).
    public init(path: String, sheet: String, header: [String], maxRows: Int = XLSXWriter.excelRows) throws {
        precondition(maxRows >= 2)
        zip = try ZipWriter(path: path)
        self.header = header
        sheetBase = Self.sheetName(sheet)
        self.maxRows = maxRows
        try beginSheet()
    }

    /// Starts the next sheet with the header row.
    private func beginSheet() throws {
        sheets += 1
        row = 0
        try zip.beginEntry("xl/worksheets/sheet\(sheets).xml")
        try zip.write(
            """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>\
            <sheetFormatPr defaultRowHeight="15"/><sheetData>
            """)
        try append(header.map { .text($0) }, style: 1)
    }

    /// Ends the current sheet.
    private func endSheet() throws {
        put("</sheetData></worksheet>")
        try zip.write(pending)
        pending.removeAll(keepingCapacity: true)
        try zip.endEntry()
    }

    /// Adds one row, on a new sheet when the current one is full.
    public func append(_ cells: [Cell]) throws {
        if row >= maxRows {
            try endSheet()
            try beginSheet()
        }
        try append(cells, style: 0)
    }

    /// The names of the sheets begun so far: the first as given, the others numbered.
    var sheetNames: [String] {
        (1...max(sheets, 1)).map { n in
            guard n > 1 else { return sheetBase }
            let suffix = " (\(n))"
            return String(sheetBase.prefix(31 - suffix.count)) + suffix
        }
    }

    /// Appends the row's XML to `pending` byte by byte: `<c r="B7" s="1">…</c>` for each cell.
    private func append(_ cells: [Cell], style: Int) throws {
        row += 1
        let number = Array(String(row).utf8)
        let s = style > 0 ? Array(" s=\"\(style)\"".utf8) : []
        put("<row r=\"")
        pending += number
        put("\">")
        for (i, cell) in cells.enumerated() {
            while letters.count <= i { letters.append(Array(Self.column(letters.count).utf8)) }
            func open() {
                put("<c r=\"")
                pending += letters[i]
                pending += number
                put("\"")
            }
            switch cell {
            case .empty: continue
            case .number(let v) where v.isFinite:
                open()
                pending += s
                put("><v>")
                put(Self.number(v))
                put("</v></c>")
            case .number: continue
            case .date(let text):
                if let serial = Self.serial(text) {
                    open()
                    put(text.utf8.count == 10 ? " s=\"3\"><v>" : " s=\"2\"><v>")
                    put(Self.day(serial))
                    put("</v></c>")
                } else {
                    inline(text, open: open, style: s)
                }
            case .text(let text): inline(text, open: open, style: s)
            }
        }
        put("</row>")
        if pending.count > 1 << 18 {
            try zip.write(pending)
            pending.removeAll(keepingCapacity: true)
        }
    }

    private func put(_ text: String) { pending.append(contentsOf: text.utf8) }

    /// A text cell, inline (`<c r="A2" t="inlineStr"><is><t>…</t></is></c>`), its spaces kept.
    private func inline(_ text: String, open: () -> Void, style: [UInt8]) {
        open()
        put(" t=\"inlineStr\"")
        pending += style
        let clean = Self.escape(text)
        let u = clean.utf8
        put(u.first == 0x20 || u.last == 0x20 || u.contains(0x0A) ? "><is><t xml:space=\"preserve\">" : "><is><t>")
        put(clean)
        put("</t></is></c>")
    }

    /// Ends the last sheet, writes the parts that list the sheets, and the archive's directory.
    public func finish() throws {
        try endSheet()
        pending = []
        try zip.add("[Content_Types].xml", Self.contentTypes(sheets: sheets))
        try zip.add("_rels/.rels", Self.rootRels)
        try zip.add("xl/workbook.xml", Self.workbook(sheets: sheetNames))
        try zip.add("xl/_rels/workbook.xml.rels", Self.workbookRels(sheets: sheets))
        try zip.add("xl/styles.xml", Self.styles)
        try zip.finish()
    }

    // MARK: Cells

    /// `A`, `B`, … `Z`, `AA` … for the zero-based column `i`.
    static func column(_ i: Int) -> String {
        var n = i + 1
        var out = ""
        while n > 0 {
            let r = (n - 1) % 26
            out = String(UnicodeScalar(UInt8(65 + r))) + out
            n = (n - 1) / 26
        }
        return out
    }

    /// Excel's day number (days since 1899-12-30, the time as a fraction) of a stored time or date.
    static func serial(_ text: String) -> Double? {
        let t: LocalDateTime?
        if text.count == 10 { t = LocalDateTime.stored(text + " 00:00:00") } else { t = LocalDateTime.stored(text) }
        guard let t else { return nil }
        let days = t.dayNumber - LocalDateTime(year: 1899, month: 12, day: 30).dayNumber
        return Double(days) + Double(t.hour * 3600 + t.minute * 60 + t.second) / 86_400
    }

    /// A day number to the nearest millisecond or so (eight decimals, trailing zeros cut).
    static func day(_ v: Double) -> String {
        var text = Format.fixed(v, places: 8)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// A number as XML text: whole numbers without a fraction, others with up to 15 significant digits.
    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    /// Escapes XML's special characters and drops characters XML 1.0 cannot hold.
    static func escape(_ text: String) -> String {
        if !needsEscaping(text) { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if v < 0x20 || (0xFFFE...0xFFFF).contains(v) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Whether `escape` would change `text`, or may: most cells have no markup character, no
    /// control character and no U+FFFE/FFFF.
    static func needsEscaping(_ text: String) -> Bool {
        text.utf8.contains { $0 < 0x20 || $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0xEF }
    }

    /// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
    static func sheetName(_ name: String) -> String {
        let cleaned = String(name.filter { !"[]:*?/\\".contains($0) }.prefix(31))
        return cleaned.isEmpty ? "Sheet1" : cleaned
    }

    // MARK: Parts

    static func contentTypes(sheets: Int) -> String {
        let overrides = (1...sheets).map {
            "<Override PartName=\"/xl/worksheets/sheet\($0).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }
        return """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
            \(overrides.joined())\
            <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
            </Types>
            """
    }

    static let rootRels = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
        </Relationships>
        """

    /// Sheet n is `sheetN.xml`, relationship `rIdN`; the styles come after the sheets.
    static func workbook(sheets: [String]) -> String {
        let list = sheets.enumerated().map { i, name in
            "<sheet name=\"\(escape(name))\" sheetId=\"\(i + 1)\" r:id=\"rId\(i + 1)\"/>"
        }
        return """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <sheets>\(list.joined())</sheets></workbook>
            """
    }

    static func workbookRels(sheets: Int) -> String {
        let list = (1...sheets).map {
            "<Relationship Id=\"rId\($0)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\($0).xml\"/>"
        }
        return """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            \(list.joined())\
            <Relationship Id="rId\(sheets + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
            </Relationships>
            """
    }

    /// Styles: 0 plain, 1 bold (the header), 2 date and time, 3 date.
    static let styles = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
        <numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>\
        <fonts count="2"><font><sz val="11"/><name val="等线"/></font><font><b/><sz val="11"/><name val="等线"/></font></fonts>\
        <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
        <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
        <cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
        <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
        <xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
        <xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>\
        <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
        </styleSheet>
        """
}
