import Foundation
import HotlineCore

/// Reads record-per-element XML exports: `<工单列表><工单><工单编号>…</工单编号>…</工单>…</工单列表>`,
/// with fields as child elements or attributes, named as in a CSV header.
///
/// The record element is the one the pipeline names, else the first child of the root. The encoding
/// comes from the XML declaration (UTF-8, GB2312, GBK, GB18030).
public final class XMLRecordReader: @unchecked Sendable {
    /// The columns its rows have: one per field, in `Field` order.
    public static let map = HeaderMap(headers: Field.allCases.map(\.label))

    public let display: String
    private let stream: XMLStream
    private let extra: [Field: [String]]
    /// Each element or attribute name seen, with the fields it feeds (none when unused).
    private var lookup: [String: [Field]] = [:]
    private var record: String?
    private var first = true
    private var done = false
    /// Each field with the name that fed it first, and the names that fed no field, in order seen.
    public private(set) var fieldNames: [Field: String] = [:]
    public private(set) var unusedNames: [String] = []
    private let fileBytes: Int64

    public init(path: String, display: String, record: String?, extra: [Field: [String]]) throws {
        self.display = display
        self.record = record
        self.extra = extra
        stream = try XMLStream(source: FileByteSource(path: path), file: display)
        fileBytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int).map { Int64($0) } ?? 0
    }

    /// Bytes of the file read, of its size.
    public var position: (done: Int64, total: Int64)? { (stream.bytesRead, fileBytes) }

    /// The fields a name feeds, remembered per name.
    private func fields(_ name: String) -> [Field] {
        if let known = lookup[name] { return known }
        let fields = HeaderMap.fields(named: name, extra: extra)
        lookup[name] = fields
        if fields.isEmpty { unusedNames.append(name) }
        for field in fields where fieldNames[field] == nil { fieldNames[field] = name }
        return fields
    }

    public func next() throws -> SourceRow? {
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
                line: error.line ?? stream.line,
                message: "the XML breaks off here (\(error.message)); records after it are lost")
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
            for field in self.fields(name) where fields[field.rawValue].isEmpty { fields[field.rawValue] = value }
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
            var claimed: [Field: [String]] = [:]
            var seen = Set<String>()
            for name in names where seen.insert(name).inserted {
                for field in self.fields(name) { claimed[field, default: []].append(name) }
            }
            if let (field, both) = claimed.first(where: { $0.value.count > 1 }) {
                throw HotlineError.input([
                    Diagnostic(
                        file: display, line: line,
                        "<\(both[0])> and <\(both[1])> both give \(field.label); name the one to use in the pipeline's column file"
                    )
                ])
            }
            let missing = [Field.id, .receivedAt].filter { claimed[$0] == nil }
            if !missing.isEmpty {
                throw HotlineError.input([
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
