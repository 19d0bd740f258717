import CLibXML2
import Foundation
import HotlineCore

/// Reads a plain file front to back.
final class FileByteSource: ByteSource {
    private let file: OwnedDescriptor

    init(path: String) throws { file = try OwnedDescriptor(path: path) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = Glibc.read(file.fd, buffer.baseAddress, buffer.count)
        if n < 0 { throw HotlineError.file(path: file.path, problem: "cannot read: \(OwnedDescriptor.lastError)") }
        return n
    }
}

/// Streams an XML document node by node with libxml2's `xmlTextReader`, never building a tree.
///
/// Hostile input is refused before libxml2 sees it: any `<!DOCTYPE` or `<!ENTITY` in the bytes
/// stops the read, so no DTD is loaded and no entity is declared or expanded (billion laughs,
/// external entities). The network is off. Parse errors are thrown as `XMLStreamError` with the
/// file, the part and the line, so a reader can keep the rows before a break; refusals are thrown
/// as `HotlineError.input`.
final class XMLStream {
    enum Node: Int32 {
        case element = 1
        case text = 3
        case cdata = 4
        case entityReference = 5
        case documentType = 10
        case whitespace = 13
        case significantWhitespace = 14
        case endElement = 15
        case other = -1
    }

    /// What the C callbacks share with Swift: the source, the DTD guard, and the first error.
    final class Callbacks {
        let source: ByteSource
        var failure: Error?
        var parseError: (message: String, line: Int)?
        private var tail: [UInt8] = []

        init(source: ByteSource) { self.source = source }

        /// Bytes handed to libxml2 so far.
        var consumed: Int64 = 0

        func read(_ buffer: UnsafeMutablePointer<CChar>, _ length: Int) -> Int32 {
            do {
                let raw = UnsafeMutableRawBufferPointer(start: buffer, count: length)
                let n = try source.read(into: raw)
                consumed += Int64(n)
                try guardDeclarations(UnsafeRawBufferPointer(rebasing: raw[0..<n]))
                return Int32(n)
            } catch {
                failure = failure ?? error
                return -1
            }
        }

        /// Refuses document type and entity declarations, even split across two reads.
        private func guardDeclarations(_ bytes: UnsafeRawBufferPointer) throws {
            // The last bytes of everything read so far, then this read: a marker split over
            // several reads shows up whole in the window.
            let window = tail + Array(bytes.prefix(16))
            if Self.declaration(in: window) != nil || Self.declaration(in: bytes) != nil {
                throw DeclarationRefused()
            }
            tail = Array((tail + Array(bytes.suffix(8))).suffix(8))
        }

        private static let markers: [[UInt8]] = [Array("<!DOCTYPE".utf8), Array("<!ENTITY".utf8)]

        private static func declaration<C: Collection>(in bytes: C) -> [UInt8]? where C.Element == UInt8 {
            let a = Array(bytes)
            var i = 0
            while let lt = a[i...].firstIndex(of: 0x3C) {
                for m in markers where a[lt...].starts(with: m) { return m }
                i = lt + 1
            }
            return nil
        }
    }

    private static let initialized: Bool = {
        xmlInitParser()
        hotline_xml_quiet()
        return true
    }()

    /// The file, and the part of it (a workbook's `xl/worksheets/sheet1.xml`) when it is in an archive.
    let file: String
    let part: String?
    private let context: Callbacks
    private let reader: xmlTextReaderPtr

    init(source: ByteSource, file: String, part: String? = nil) throws {
        precondition(Self.initialized)
        self.file = file
        self.part = part
        context = Callbacks(source: source)
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue)
        guard
            let reader = xmlReaderForIO(
                { ctx, buffer, length in
                    guard let ctx, let buffer else { return -1 }
                    return Unmanaged<Callbacks>.fromOpaque(ctx).takeUnretainedValue().read(buffer, Int(length))
                },
                { _ in 0 }, Unmanaged.passUnretained(context).toOpaque(), part ?? file, nil, options)
        else { throw HotlineError.input([Diagnostic(file: file, part: part, "cannot start the XML reader")]) }
        self.reader = reader
        xmlTextReaderSetErrorHandler(
            reader,
            { arg, message, severity, locator in
                guard let arg, severity == XML_PARSER_SEVERITY_ERROR || severity == XML_PARSER_SEVERITY_VALIDITY_ERROR
                else { return }
                let context = Unmanaged<Callbacks>.fromOpaque(arg).takeUnretainedValue()
                if context.parseError == nil {
                    let text = message.map { String(cString: $0).trimmed } ?? "malformed XML"
                    context.parseError = (text, Int(xmlTextReaderLocatorLineNumber(locator)))
                }
            }, Unmanaged.passUnretained(context).toOpaque())
    }

    deinit { xmlFreeTextReader(reader) }

    /// Moves to the next node; false at the end of the document.
    func read() throws -> Bool {
        hotline_xml_quiet()  // the thread may be new to libxml2
        let r = xmlTextReaderRead(reader)
        if r == 1 {
            if nodeType == .documentType || nodeType == .entityReference {
                throw HotlineError.input([
                    Diagnostic(
                        file: file, part: part, line: line,
                        "refused: a DTD or entity reference; not accepted in files from outside")
                ])
            }
            return true
        }
        if context.failure is DeclarationRefused {
            throw HotlineError.input([
                Diagnostic(
                    file: file, part: part,
                    "refused: it declares a DOCTYPE or ENTITY; DTDs and entities are not accepted in files from outside"
                )
            ])
        }
        if let failure = context.failure { throw failure }
        if r == 0 { return false }
        let (message, at) = context.parseError ?? ("malformed XML", line)
        throw XMLStreamError(file: file, part: part, line: at, message: message)
    }

    /// Bytes of the document read so far.
    var bytesRead: Int64 { context.consumed }

    var nodeType: Node { Node(rawValue: xmlTextReaderNodeType(reader)) ?? .other }
    var depth: Int { Int(xmlTextReaderDepth(reader)) }
    var isEmptyElement: Bool { xmlTextReaderIsEmptyElement(reader) == 1 }
    var line: Int { Int(xmlTextReaderGetParserLineNumber(reader)) }

    var localName: String { xmlTextReaderConstLocalName(reader).map { String(cString: $0) } ?? "" }

    /// Whether the current node's local name is `name`, without making a String.
    func nameIs(_ name: StaticString) -> Bool {
        guard let p = xmlTextReaderConstLocalName(reader) else { return false }
        return name.withUTF8Buffer { expected in
            var i = 0
            while i < expected.count {
                if p[i] != expected[i] { return false }
                i += 1
            }
            return p[i] == 0
        }
    }

    var value: String { xmlTextReaderConstValue(reader).map { String(cString: $0) } ?? "" }

    /// The current element's attributes, by local name.
    func attributes() -> [(name: String, value: String)] {
        var out: [(String, String)] = []
        guard xmlTextReaderMoveToFirstAttribute(reader) == 1 else { return out }
        repeat {
            out.append((localName, value))
        } while xmlTextReaderMoveToNextAttribute(reader) == 1
        xmlTextReaderMoveToElement(reader)
        return out
    }

    /// Calls `body` with each attribute's local name and value as libxml2 holds them (NUL-terminated
    /// UTF-8, valid only during the call), without making Strings.
    func forEachAttribute(_ body: (UnsafePointer<UInt8>, UnsafePointer<UInt8>) -> Void) {
        guard xmlTextReaderMoveToFirstAttribute(reader) == 1 else { return }
        repeat {
            if let name = xmlTextReaderConstLocalName(reader), let value = xmlTextReaderConstValue(reader) {
                body(name, value)
            }
        } while xmlTextReaderMoveToNextAttribute(reader) == 1
        xmlTextReaderMoveToElement(reader)
    }

    /// One attribute's value, by local name.
    func attribute(_ name: StaticString) -> String? {
        guard xmlTextReaderMoveToFirstAttribute(reader) == 1 else { return nil }
        defer { xmlTextReaderMoveToElement(reader) }
        repeat {
            if nameIs(name) { return value }
        } while xmlTextReaderMoveToNextAttribute(reader) == 1
        return nil
    }

    /// The text inside the current element (its text and CDATA descendants), leaving the reader on
    /// its end tag. An empty element gives "".
    func elementText() throws -> String {
        if isEmptyElement { return "" }
        let start = depth
        var text = ""
        while try read() {
            switch nodeType {
            case .text, .cdata, .significantWhitespace, .whitespace: text += value
            case .endElement where depth == start: return text
            default: continue
            }
        }
        return text
    }
}

/// The byte guard found a DTD or entity declaration.
struct DeclarationRefused: Error {}

/// A broken XML document: what libxml2 said, and where.
struct XMLStreamError: Error, CustomStringConvertible {
    var file: String
    var part: String?
    var line: Int?
    var message: String

    var diagnostic: Diagnostic { Diagnostic(file: file, part: part, line: line, "malformed XML: \(message)") }
    var description: String { diagnostic.description }
}
