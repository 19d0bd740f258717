import Foundation
import HotlineCore

/// One record of a CSV file as bytes: its fields unescaped and concatenated, and where it began.
public struct RawRecord: Sendable {
    /// The physical line (1-based) where the record starts.
    public var line: Int
    /// All fields' bytes back to back; field `i` is `bytes[fieldStart(i)..<fieldEnds[i]]`.
    public var bytes: [UInt8]
    public var fieldEnds: [Int]
    /// Set when the record could not be read as CSV; the bytes are then its first line.
    public var malformed: String?

    public var fieldCount: Int { fieldEnds.count }

    public func field(_ i: Int) -> ArraySlice<UInt8> {
        bytes[(i == 0 ? 0 : fieldEnds[i - 1])..<fieldEnds[i]]
    }

    /// True for a line with nothing on it but separators.
    public var isBlank: Bool { malformed == nil && bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 } }
}

/// Reads RFC 4180 CSV from a file, one record at a time, in constant memory.
///
/// Works on bytes, so it serves UTF-8 and GB18030 alike (neither puts `,` `"` CR or LF inside a
/// multi-byte character). Accepts CRLF, LF or CR line ends and quoted fields with embedded commas,
/// doubled quotes and newlines. A quote that never closes is reported as a malformed record of its
/// first line, and reading resumes on the next line, so one stray quote costs one row, not the file.
public final class CSVReader: @unchecked Sendable {
    public let path: String
    private let fd: Int32
    private var buffer: UnsafeMutableBufferPointer<UInt8>
    private var start = 0
    private var end = 0
    private var fileOffset: Int64 = 0  // offset in the file of buffer[0]
    private var eof = false
    private var line = 1
    /// A quoted field longer than this, or spanning more lines, is taken to be a stray quote.
    private let maxQuotedBytes: Int
    private let maxQuotedLines: Int
    /// A record longer than this is reported as malformed and skipped, so a file with no line
    /// breaks cannot fill memory.
    private let maxRecordBytes: Int

    public init(
        path: String, maxQuotedBytes: Int = 1 << 20, maxQuotedLines: Int = 1_000, maxRecordBytes: Int = 4 << 20
    ) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw HotlineError.file(path: path, problem: "cannot open: \(OwnedDescriptor.lastError)") }
        self.fd = fd
        self.path = path
        self.maxQuotedBytes = maxQuotedBytes
        self.maxQuotedLines = maxQuotedLines
        self.maxRecordBytes = maxRecordBytes
        buffer = .allocate(capacity: 1 << 20)
    }

    deinit {
        buffer.deallocate()
        close(fd)
    }

    /// Bytes of the file read so far.
    public var offset: Int64 { fileOffset + Int64(start) }

    /// The file's size in bytes.
    public var size: Int64 {
        var info = stat()
        return fstat(fd, &info) == 0 ? Int64(info.st_size) : 0
    }

    /// Skips `count` bytes at the start of the file (a byte-order mark).
    public func skipPrefix(_ count: Int) throws {
        try fill()
        start = min(count, end)
    }

    /// The next record, or nil at the end of the file.
    public func next() throws -> RawRecord? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        var fieldEnds: [Int] = []
        // Skip the LF of a CRLF split across records.
        let recordLine = line
        let recordOffset = fileOffset + Int64(start)
        var inQuotes = false
        var quoteClosed = false
        var quotedBytes = 0
        var quotedLines = 0
        var sawAnything = false
        while true {
            if start == end {
                try fill()
                if start == end {
                    // End of file.
                    if inQuotes { return try recoverStrayQuote(line: recordLine, offset: recordOffset) }
                    if !sawAnything { return nil }
                    fieldEnds.append(bytes.count)
                    return RawRecord(line: recordLine, bytes: bytes, fieldEnds: fieldEnds)
                }
            }
            let b = buffer[start]
            start += 1
            sawAnything = true
            if inQuotes {
                if b == 0x22 {
                    if start == end { try fill() }
                    if start < end && buffer[start] == 0x22 {
                        bytes.append(0x22)
                        start += 1
                    } else {
                        inQuotes = false
                        quoteClosed = true
                    }
                    continue
                }
                if b == 0x0A { line += 1; quotedLines += 1 }
                bytes.append(b)
                quotedBytes += 1
                if quotedBytes > maxQuotedBytes || quotedLines > maxQuotedLines {
                    return try recoverStrayQuote(line: recordLine, offset: recordOffset)
                }
                continue
            }
            switch b {
            case 0x2C:
                fieldEnds.append(bytes.count)
                quoteClosed = false
            case 0x0A, 0x0D:
                if b == 0x0D {
                    if start == end { try fill() }
                    if start < end && buffer[start] == 0x0A { start += 1 }
                }
                line += 1
                fieldEnds.append(bytes.count)
                return RawRecord(line: recordLine, bytes: bytes, fieldEnds: fieldEnds)
            case 0x22 where !quoteClosed && (fieldEnds.last ?? 0) == bytes.count:
                inQuotes = true
                quotedBytes = 0
            default:
                bytes.append(b)
                if bytes.count > maxRecordBytes { return try skipLongLine(line: recordLine) }
            }
        }
    }

    /// Reports an over-long record by its first bytes and resumes after the next line break.
    private func skipLongLine(line recordLine: Int) throws -> RawRecord {
        while true {
            if start == end {
                try fill()
                if start == end { break }
            }
            let b = buffer[start]
            start += 1
            if b == 0x0A || b == 0x0D {
                if b == 0x0D {
                    if start == end { try fill() }
                    if start < end && buffer[start] == 0x0A { start += 1 }
                }
                break
            }
        }
        line = recordLine + 1
        return RawRecord(
            line: recordLine, bytes: [], fieldEnds: [0],
            malformed: "a row longer than \(maxRecordBytes >> 20) MiB; is this a CSV file?")
    }

    private func fill() throws {
        if start < end || eof { return }
        fileOffset += Int64(end)
        start = 0
        end = 0
        let n = read(fd, buffer.baseAddress, buffer.count)
        if n < 0 { throw HotlineError.file(path: path, problem: "cannot read: \(OwnedDescriptor.lastError)") }
        if n == 0 { eof = true }
        end = n
    }

    /// Reports the record's first line as malformed and resumes reading right after it.
    ///
    /// Only the line's first `maxRecordBytes` are kept, whatever its length, so memory stays bounded
    /// by the row cap however the quoting runs.
    private func recoverStrayQuote(line recordLine: Int, offset: Int64) throws -> RawRecord {
        var first: [UInt8] = []
        var position = offset
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        search: while true {
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 64 << 10, off_t(position)) }
            if n <= 0 { break }
            for i in 0..<n {
                if chunk[i] == 0x0A || chunk[i] == 0x0D {
                    position += Int64(i + 1)
                    if chunk[i] == 0x0D {
                        var next: UInt8 = 0
                        if pread(fd, &next, 1, off_t(position)) == 1 && next == 0x0A { position += 1 }
                    }
                    break search
                }
                if first.count < maxRecordBytes { first.append(chunk[i]) }
            }
            position += Int64(n)
        }
        // Restart buffered reading at `position`.
        guard lseek(fd, off_t(position), SEEK_SET) >= 0 else {
            throw HotlineError.file(path: path, problem: "cannot seek: \(OwnedDescriptor.lastError)")
        }
        fileOffset = position
        start = 0
        end = 0
        eof = false
        line = recordLine + 1
        return RawRecord(
            line: recordLine, bytes: first, fieldEnds: [first.count], malformed: "a quoted field is never closed")
    }

}
