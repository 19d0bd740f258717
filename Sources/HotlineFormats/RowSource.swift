import Foundation
import HotlineCore

/// A row as a reader produces it, before decoding and normalization.
public enum SourceRow: Sendable {
    /// A CSV record, decoded on the transformer's thread.
    case bytes(RawRecord)
    /// Cells already decoded (XLSX, XML); `line` is the sheet row or the record's line.
    case cells(line: Int, fields: [String])
    /// A place where the file is broken; rows after it may be lost.
    case broken(line: Int, message: String)

    /// About how many bytes the row holds, to bound a batch by size as well as by rows.
    public var byteCount: Int {
        switch self {
        case .bytes(let record): record.bytes.count
        case .cells(_, let fields): fields.reduce(0) { $0 + $1.utf8.count }
        case .broken(_, let message): message.utf8.count
        }
    }
}

/// Where rows come from: a CSV file, a worksheet, or an XML export.
public protocol RowSource: AnyObject {
    /// The next row, or nil at the end.
    func next() throws -> SourceRow?
    /// How far the reader is: bytes read of the file (or of the sheet's compressed part) and of how
    /// many, for progress; nil when it cannot tell.
    var position: (done: Int64, total: Int64)? { get }
}

extension RowSource {
    public var position: (done: Int64, total: Int64)? { nil }
}

extension XLSXReader: RowSource {}
extension XMLRecordReader: RowSource {}

/// CSV records as rows; decoding waits for the transformer's thread.
public final class CSVRowSource: RowSource {
    public let reader: CSVReader

    public init(reader: CSVReader) { self.reader = reader }

    public func next() throws -> SourceRow? { try reader.next().map { .bytes($0) } }

    public var position: (done: Int64, total: Int64)? { (reader.offset, reader.size) }
}

/// The kind of an export, told by its first bytes rather than its name.
public enum ExportFormat: Sendable {
    case csv, xlsx, xml

    public static func detect(path: String) throws -> ExportFormat {
        let file = try OwnedDescriptor(path: path)
        var head = [UInt8](repeating: 0, count: 512)
        let n = head.withUnsafeMutableBytes { pread(file.fd, $0.baseAddress, 512, 0) }
        guard n >= 0 else { throw HotlineError.file(path: path, problem: "cannot read: \(OwnedDescriptor.lastError)") }
        head.removeLast(512 - n)
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return .xlsx }
        if head.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            throw HotlineError.input([
                Diagnostic(
                    file: path,
                    "a password-protected workbook or an old .xls file; save it as .xlsx without a password")
            ])
        }
        let lower = path.lowercased()
        if lower.hasSuffix(".xlsx") || lower.hasSuffix(".xlsm") {
            throw HotlineError.input([
                Diagnostic(file: path, "not a ZIP archive, so not a readable .xlsx file (truncated or corrupt?)")
            ])
        }
        let text = head.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(head.dropFirst(3)) : head
        if text.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == 0x3C { return .xml }
        return .csv
    }
}

/// An open file descriptor, closed exactly once, when its owner lets it go.
///
/// Readers hold one of these rather than a bare `Int32`, so no error path can close a
/// descriptor twice (a second `close` could shut a descriptor another thread has just opened).
public final class OwnedDescriptor: @unchecked Sendable {
    public let fd: Int32
    public let path: String

    /// How many descriptors of `path` are open, for tests that look for leaks.
    public static func openCount(_ path: String) -> Int { ledger.withLock { $0[path, default: 0] } }
    private static let ledger = Locked([String: Int]())

    public init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HotlineError.file(path: path, problem: "cannot open: \(Self.lastError)") }
        self.fd = fd
        self.path = path
        Self.ledger.withLock { $0[path, default: 0] += 1 }
    }

    deinit {
        let closed = close(fd)
        assert(closed == 0, "closing \(path) failed: \(Self.lastError)")
        Self.ledger.withLock { $0[path, default: 0] -= 1 }
    }

    /// The text of `errno`.
    public static var lastError: String { String(cString: strerror(errno)) }
}

/// A value behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
