import Foundation
import HotlineCore

/// Reads the rows of one worksheet of an XLSX workbook, streaming its XML.
///
/// The sheet is the one named in the pipeline, else the first in the workbook. Cells are placed by
/// their `r` reference (`C7`), so omitted cells and empty rows land right. Shared strings, inline
/// strings, numbers, booleans, errors and formula results (the cached value) are read; numbers are
/// given as written, whole numbers without a decimal point. Which columns are dates is decided
/// later, by the header: see `RowNormalizer.dateSystem`.
public final class XLSXReader: @unchecked Sendable {
    public let display: String
    public let sheetName: String
    public let dateSystem: ExcelDateSystem
    private let archive: ZipArchive
    private let strings: SharedStrings
    private let stream: XMLStream
    /// The sheet part's size once inflated.
    private let sheetBytes: Int64
    private var nextRow = 1
    private var done = false

    public init(path: String, display: String, sheet wanted: String?, limits: ZipLimits) throws {
        self.display = display
        archive = try ZipArchive(path: path, display: display, limits: limits)
        do {
            (sheetName, dateSystem, strings, stream) = try Self.open(archive, display: display, sheet: wanted)
            sheetBytes = archive.entries[stream.part ?? ""]?.size ?? 0
        } catch let error as XMLStreamError {
            throw HotlineError.input([error.diagnostic])
        } catch is SharedStrings.TooLarge {
            throw HotlineError.input([Diagnostic(file: display, "the shared strings exceed 1 GiB; refused")])
        }
    }

    /// Reads the workbook's parts up to the chosen sheet: its name, the date system, the shared
    /// strings, and a stream positioned at the start of the sheet.
    private static func open(_ archive: ZipArchive, display: String, sheet wanted: String?) throws -> (
        String, ExcelDateSystem, SharedStrings, XMLStream
    ) {
        func part(_ name: String) throws -> XMLStream {
            try XMLStream(source: archive.entry(name), file: display, part: name)
        }
        func refuse(_ message: String) -> HotlineError { .input([Diagnostic(file: display, message)]) }

        var sheets: [(name: String, relation: String)] = []
        var date1904 = false
        let workbook = try part("xl/workbook.xml")
        while try workbook.read() {
            guard workbook.nodeType == .element else { continue }
            if workbook.nameIs("workbookPr") {
                let flag = workbook.attribute("date1904")
                date1904 = flag == "1" || flag == "true"
            } else if workbook.nameIs("sheet") {
                let attributes = workbook.attributes()
                let name = attributes.first { $0.name == "name" }?.value ?? ""
                let id = attributes.first { $0.name == "id" }?.value ?? ""
                sheets.append((name, id))
            }
        }
        let dateSystem: ExcelDateSystem = date1904 ? .from1904 : .from1900

        var targets: [String: String] = [:]
        var sharedStringsPath = "xl/sharedStrings.xml"
        let rels = try part("xl/_rels/workbook.xml.rels")
        while try rels.read() {
            guard rels.nodeType == .element && rels.nameIs("Relationship") else { continue }
            let attributes = rels.attributes()
            guard let id = attributes.first(where: { $0.name == "Id" })?.value,
                let target = attributes.first(where: { $0.name == "Target" })?.value
            else { continue }
            let resolved = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
            targets[id] = resolved
            if attributes.first(where: { $0.name == "Type" })?.value.hasSuffix("/sharedStrings") == true {
                sharedStringsPath = resolved
            }
        }

        guard !sheets.isEmpty else { throw refuse("the workbook has no sheets") }
        let chosen: (name: String, relation: String)
        if let wanted {
            guard let match = sheets.first(where: { $0.name == wanted }) else {
                let names = sheets.map(\.name).joined(separator: ", ")
                throw refuse("no sheet named '\(wanted)'; the sheets are: \(names)")
            }
            chosen = match
        } else {
            chosen = sheets[0]
        }
        guard let sheetPath = targets[chosen.relation] else {
            throw refuse("sheet '\(chosen.name)' has no part in the archive; corrupt workbook")
        }
        let strings =
            archive.entries[sharedStringsPath] != nil
            ? try SharedStrings.load(part(sharedStringsPath)) : SharedStrings()
        return (chosen.name, dateSystem, strings, try part(sheetPath))
    }

    /// Bytes of the sheet read, of its size once inflated.
    public var position: (done: Int64, total: Int64)? { (stream.bytesRead, sheetBytes) }

    /// The next row, `.broken` where the sheet's XML breaks off, nil at the end.
    public func next() throws -> SourceRow? {
        guard !done else { return nil }
        do {
            while try stream.read() {
                if stream.nodeType == .element && stream.nameIs("row") { return try readRow() }
            }
        } catch let error as XMLStreamError {
            done = true
            return .broken(
                line: nextRow,
                message:
                    "\(stream.part ?? "the sheet"): the XML breaks off here (\(error.message)); rows after it are lost")
        }
        done = true
        return nil
    }

    /// Excel's limits: a row number or cell reference past them is a broken row, not a trap.
    static let maxRows = 1_048_576
    static let maxColumns = 16_384

    private func readRow() throws -> SourceRow {
        var problems: [String] = []
        let declared = stream.attribute("r")
        var number = nextRow
        if let declared {
            if let n = Int(declared), (1...Self.maxRows).contains(n) {
                number = n
            } else {
                problems.append(
                    "row number r=\"\(declared.prefix(24))\" is not a row of a sheet (1 to \(Self.maxRows))")
            }
        }
        nextRow = min(number, Self.maxRows) + 1
        var fields: [String] = []
        if stream.isEmptyElement {
            return problems.isEmpty ? .cells(line: number, fields: []) : broken(number, problems)
        }
        let depth = stream.depth
        var nextColumn = 0
        while try stream.read() {
            switch stream.nodeType {
            case .element where stream.nameIs("c"):
                var reference: String?
                var type: String?
                stream.forEachAttribute { name, value in
                    guard name[1] == 0 else { return }
                    if name[0] == UInt8(ascii: "r") {
                        reference = String(cString: value)
                    } else if name[0] == UInt8(ascii: "t") {
                        type = String(cString: value)
                    }
                }
                var column = nextColumn
                if let reference {
                    guard let c = Self.column(reference), c < Self.maxColumns else {
                        problems.append("cell r=\"\(reference.prefix(24))\" is not a cell of a sheet")
                        _ = try cellValue(type: type, at: reference)
                        continue
                    }
                    column = c
                } else if column >= Self.maxColumns {
                    problems.append("more than \(Self.maxColumns) cells in the row")
                    _ = try cellValue(type: type, at: "")
                    continue
                }
                nextColumn = column + 1
                let cell = reference ?? "\(XLSXWriter.column(column))\(number)"
                switch try cellValue(type: type, at: cell) {
                case .success(let value):
                    if !value.isEmpty {
                        if fields.count <= column { fields += Array(repeating: "", count: column + 1 - fields.count) }
                        fields[column] = value
                    }
                case .failure(let problem): problems.append(problem.message)
                }
            case .endElement where stream.depth == depth:
                return problems.isEmpty ? .cells(line: number, fields: fields) : broken(number, problems)
            default: continue
            }
        }
        return problems.isEmpty ? .cells(line: number, fields: fields) : broken(number, problems)
    }

    private func broken(_ row: Int, _ problems: [String]) -> SourceRow {
        .broken(line: row, message: "\(stream.part ?? "the sheet"): " + problems.prefix(3).joined(separator: "; "))
    }

    struct CellProblem: Error { var message: String }

    /// Reads a `<c>` element's children and returns its value as text, or what is wrong with it.
    private func cellValue(type: String?, at cell: String) throws -> Result<String, CellProblem> {
        if stream.isEmptyElement { return .success("") }
        let depth = stream.depth
        var raw = ""
        var inline = ""
        while try stream.read() {
            if stream.nodeType == .endElement && stream.depth == depth { break }
            guard stream.nodeType == .element else { continue }
            if stream.nameIs("v") {
                raw = try stream.elementText()
            } else if stream.nameIs("t") {
                inline += try stream.elementText()
            } else if stream.nameIs("f") || stream.nameIs("rPh") {
                _ = try stream.elementText()
            }
        }
        switch type {
        case "s":
            guard let i = Int(raw.trimmed), let text = strings[i] else {
                return .failure(
                    CellProblem(
                        message:
                            "cell \(cell) refers to shared string '\(raw.prefix(24))', which the workbook does not have"
                    ))
            }
            return .success(text)
        case "inlineStr": return .success(unescapeExcel(inline))
        case "b": return .success(raw == "1" ? "TRUE" : "FALSE")
        case "str", "e", "d": return .success(unescapeExcel(raw))
        default: return .success(Self.number(raw))
        }
    }

    /// `13800001111` stays as is, `15.0` becomes `15`; other numbers as Excel wrote them.
    static func number(_ raw: String) -> String {
        guard let d = Double(raw), d.rounded() == d, abs(d) < 1e15 else { return raw }
        return String(Int(d))
    }

    /// `C7` → 2 (zero-based column).
    static func column(_ reference: String) -> Int? {
        reference.withCString { $0.withMemoryRebound(to: UInt8.self, capacity: 4) { column($0) } }
    }

    /// The column of a NUL-terminated cell reference (`C7`), nil when it is none.
    static func column(_ reference: UnsafePointer<UInt8>) -> Int? {
        var n = 0
        var letters = 0
        while letters < 4, reference[letters] >= 65, reference[letters] <= 90 {
            n = n * 26 + Int(reference[letters] - 64)
            letters += 1
        }
        guard letters > 0, letters <= 3 else { return nil }
        // The row part: digits only, up to the limit.
        var digits = 0
        while reference[letters + digits] >= 48, reference[letters + digits] <= 57 { digits += 1 }
        guard digits > 0, digits <= 7, reference[letters + digits] == 0 else { return nil }
        return n - 1
    }
}
