import Foundation
import HotlineCore

/// A row as a reader produces it, before decoding and normalization.
enum SourceRow: Sendable {
    /// A CSV record, decoded on the transformer's thread.
    case bytes(RawRecord)
    /// Cells already decoded (XLSX, XML); `line` is the sheet row or the record's line.
    case cells(line: Int, fields: [String])
    /// A place where the file is broken; rows after it may be lost.
    case broken(line: Int, message: String)
}

/// The shared strings of a workbook, packed into one buffer so a sheet with a million distinct
/// texts costs their bytes and an offset each, not a million String objects.
struct SharedStrings {
    private var bytes: [UInt8] = []
    private var ends: [Int] = []

    var count: Int { ends.count }

    subscript(index: Int) -> String? {
        guard index >= 0 && index < ends.count else { return nil }
        return String(decoding: bytes[(index == 0 ? 0 : ends[index - 1])..<ends[index]], as: UTF8.self)
    }

    mutating func append(_ text: String) throws {
        bytes.append(contentsOf: text.utf8)
        ends.append(bytes.count)
        if bytes.count > 1 << 30 { throw HotlineError.failed("the shared strings exceed 1 GiB; refused") }
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

/// Reads the rows of one worksheet of an XLSX workbook, streaming its XML.
///
/// The sheet is the one named in the pipeline, else the first in the workbook. Cells are placed by
/// their `r` reference (`C7`), so omitted cells and empty rows land right. Shared strings, inline
/// strings, numbers, booleans, errors and formula results (the cached value) are read; numbers are
/// given as written, whole numbers without a decimal point. Which columns are dates is decided
/// later, by the header: see `RowNormalizer.dateSystem`.
final class XLSXReader: @unchecked Sendable {
    let display: String
    let sheetName: String
    let dateSystem: ExcelDateSystem
    private let archive: ZipArchive
    private let strings: SharedStrings
    private let stream: XMLStream
    private var nextRow = 1
    private var done = false

    init(path: String, display: String, sheet wanted: String?, limits: ZipLimits) throws {
        self.display = display
        archive = try ZipArchive(path: path, display: display, limits: limits)

        var sheets: [(name: String, relation: String)] = []
        var date1904 = false
        let workbook = try XMLStream(source: archive.entry("xl/workbook.xml"), name: "\(display): xl/workbook.xml")
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
        dateSystem = date1904 ? .from1904 : .from1900

        var targets: [String: String] = [:]
        var sharedStringsPath = "xl/sharedStrings.xml"
        let rels = try XMLStream(
            source: archive.entry("xl/_rels/workbook.xml.rels"), name: "\(display): xl/_rels/workbook.xml.rels")
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

        guard !sheets.isEmpty else { throw HotlineError.failed("\(display): the workbook has no sheets") }
        let chosen: (name: String, relation: String)
        if let wanted {
            guard let match = sheets.first(where: { $0.name == wanted }) else {
                let names = sheets.map(\.name).joined(separator: ", ")
                throw HotlineError.failed("\(display): no sheet named '\(wanted)'; the sheets are: \(names)")
            }
            chosen = match
        } else {
            chosen = sheets[0]
        }
        guard let sheetPath = targets[chosen.relation] else {
            throw HotlineError.failed("\(display): sheet '\(chosen.name)' has no part in the archive; corrupt workbook")
        }
        sheetName = chosen.name

        if archive.entries[sharedStringsPath] != nil {
            strings = try SharedStrings.load(
                XMLStream(source: archive.entry(sharedStringsPath), name: "\(display): \(sharedStringsPath)"))
        } else {
            strings = SharedStrings()
        }
        stream = try XMLStream(source: archive.entry(sheetPath), name: "\(display): \(sheetPath)")
    }

    /// The next row, `.broken` where the sheet's XML breaks off, nil at the end.
    func next() throws -> SourceRow? {
        guard !done else { return nil }
        do {
            while try stream.read() {
                if stream.nodeType == .element && stream.nameIs("row") { return try readRow() }
            }
        } catch let error as XMLStreamError {
            done = true
            return .broken(line: nextRow, message: "the sheet's XML breaks off here (\(error)); rows after it are lost")
        }
        done = true
        return nil
    }

    private func readRow() throws -> SourceRow {
        let number = stream.attribute("r").flatMap { Int($0) } ?? nextRow
        nextRow = number + 1
        var fields: [String] = []
        if stream.isEmptyElement { return .cells(line: number, fields: []) }
        let depth = stream.depth
        var nextColumn = 0
        while try stream.read() {
            switch stream.nodeType {
            case .element where stream.nameIs("c"):
                var referenced: Int?
                var type: String?
                stream.forEachAttribute { name, value in
                    guard name[1] == 0 else { return }
                    if name[0] == UInt8(ascii: "r") {
                        referenced = Self.column(value)
                    } else if name[0] == UInt8(ascii: "t") {
                        type = String(cString: value)
                    }
                }
                let column = referenced ?? nextColumn
                nextColumn = column + 1
                let value = try cellValue(type: type)
                guard column < 16_384 else { continue }
                if !value.isEmpty {
                    if fields.count <= column { fields += Array(repeating: "", count: column + 1 - fields.count) }
                    fields[column] = value
                }
            case .endElement where stream.depth == depth:
                return .cells(line: number, fields: fields)
            default: continue
            }
        }
        return .cells(line: number, fields: fields)
    }

    /// Reads a `<c>` element's children and returns its value as text.
    private func cellValue(type: String?) throws -> String {
        if stream.isEmptyElement { return "" }
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
        case "s": return Int(raw).flatMap { strings[$0] } ?? ""
        case "inlineStr": return unescapeExcel(inline)
        case "b": return raw == "1" ? "TRUE" : "FALSE"
        case "str", "e", "d": return unescapeExcel(raw)
        default: return Self.number(raw)
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

    /// The column of a NUL-terminated cell reference.
    static func column(_ reference: UnsafePointer<UInt8>) -> Int? {
        var n = 0
        var letters = 0
        while letters < 4, reference[letters] >= 65, reference[letters] <= 90 {
            n = n * 26 + Int(reference[letters] - 64)
            letters += 1
        }
        return letters == 0 || letters > 3 ? nil : n - 1
    }
}

/// Reads record-per-element XML exports: `<工单列表><工单><工单编号>…</工单编号>…</工单>…</工单列表>`,
/// with fields as child elements or attributes, named as in a CSV header.
///
/// The record element is the one the pipeline names, else the first child of the root. The encoding
/// comes from the XML declaration (UTF-8, GB2312, GBK, GB18030).
final class XMLRecordReader: @unchecked Sendable {
    /// The columns its rows have: one per field, in `Field` order.
    static let map = HeaderMap(headers: Field.allCases.map(\.label))

    let display: String
    private let stream: XMLStream
    private let lookup: [String: Field]
    private var record: String?
    private var first = true
    private var done = false

    init(path: String, display: String, record: String?, extra: [Field: [String]]) throws {
        self.display = display
        self.record = record
        lookup = HeaderMap.fieldNames(extra: extra)
        stream = try XMLStream(source: FileByteSource(path: path), name: display)
    }

    func next() throws -> SourceRow? {
        guard !done else { return nil }
        do {
            while try stream.read() {
                guard stream.nodeType == .element else { continue }
                if record == nil && stream.depth == 1 { record = stream.localName }
                if stream.depth >= 1 && stream.localName == record { return try readRecord() }
            }
        } catch let error as XMLStreamError {
            done = true
            return .broken(
                line: error.line, message: "the XML breaks off here (\(error.message)); records after it are lost")
        }
        done = true
        return nil
    }

    private func readRecord() throws -> SourceRow {
        let line = stream.line
        var fields = [String](repeating: "", count: Field.allCases.count)
        var names: [String] = []
        func set(_ name: String, _ value: String) {
            names.append(name)
            guard let field = lookup[Field.headerKey(name)], fields[field.rawValue].isEmpty else { return }
            fields[field.rawValue] = value
        }
        for a in stream.attributes() { set(a.name, a.value) }
        if !stream.isEmptyElement {
            let depth = stream.depth
            while try stream.read() {
                if stream.nodeType == .endElement && stream.depth == depth { break }
                if stream.nodeType == .element && stream.depth == depth + 1 {
                    let name = stream.localName
                    set(name, try stream.elementText())
                }
            }
        }
        if first {
            first = false
            let found = Set(names.compactMap { lookup[Field.headerKey($0)] })
            let missing = [Field.id, .receivedAt].filter { !found.contains($0) }
            if !missing.isEmpty {
                throw HotlineError.invalid([
                    Diagnostic(
                        file: display, line: line,
                        "<\(record ?? "")> records have no \(missing.map(\.label).joined(separator: ", ")) "
                            + "(their fields: \(names.joined(separator: ", "))); map them in the pipeline's column file"
                    )
                ])
            }
        }
        return .cells(line: line, fields: fields)
    }
}
