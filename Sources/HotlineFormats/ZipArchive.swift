import CZlib
import Foundation
import Glibc
import HotlineCore

/// How much a ZIP archive from outside may expand; beyond these it is refused as a zip bomb.
public struct ZipLimits: Sendable {
    /// The most one entry may inflate to.
    public var maxEntryBytes: Int64 = 2 << 30
    /// The most all entries read from one archive may inflate to.
    public var maxTotalBytes: Int64 = 4 << 30
    /// The most an entry may inflate per compressed byte, checked once it passes `ratioFloor`.
    public var maxRatio: Int64 = 200
    public var ratioFloor: Int64 = 1 << 20

    public init() {}
}

/// A source of bytes read front to back.
protocol ByteSource: AnyObject {
    /// Fills the start of `buffer`; returns how many bytes, 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A ZIP archive read from its central directory, entry by entry, never unpacked to disk.
///
/// Entry names are only looked up, never used as paths. Encrypted entries, unknown compression
/// methods, sizes that disagree with the directory, bad CRCs and expansion beyond `ZipLimits`
/// are refused with an error naming the archive and the entry.
final class ZipArchive {
    struct Entry {
        var name: String
        var method: UInt16
        var flags: UInt16
        var crc: UInt32
        var compressedSize: Int64
        var size: Int64
        var localHeaderOffset: Int64
    }

    let path: String
    let display: String
    let limits: ZipLimits
    /// Owns the descriptor: it is closed once, when the archive and every entry reader are gone.
    private let file: OwnedDescriptor
    private var fd: Int32 { file.fd }
    private let fileSize: Int64
    private(set) var entries: [String: Entry] = [:]
    fileprivate var inflatedTotal: Int64 = 0
    /// Set when the entries together declare more than `maxTotalBytes`.
    private var oversized: Int64?

    init(path: String, display: String, limits: ZipLimits) throws {
        self.path = path
        self.display = display
        self.limits = limits
        file = try OwnedDescriptor(path: path)
        fileSize = Int64(lseek(file.fd, 0, SEEK_END))
        try readDirectory()
        if let oversized {
            throw fail(
                "its entries declare \(oversized >> 20) MiB together, over the \(limits.maxTotalBytes >> 20) MiB limit; refused as a possible zip bomb"
            )
        }
    }

    /// A refusal of the archive, or of one of its parts, naming the file.
    func fail(_ message: String, part: String? = nil) -> HotlineError {
        .input([Diagnostic(file: display, part: part, message)])
    }

    func bytes(at offset: Int64, count: Int) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset + Int64(count) <= fileSize else {
            throw fail("the archive is truncated or corrupt (a record points past its end)")
        }
        var out = [UInt8](repeating: 0, count: count)
        let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
        guard n == count else { throw fail("cannot read the archive: \(OwnedDescriptor.lastError)") }
        return out
    }

    private func readDirectory() throws {
        let tailLength = Int(min(fileSize, 22 + 65_535))
        guard tailLength >= 22 else { throw fail("not a ZIP archive (too short); is it really an .xlsx file?") }
        let tail = try bytes(at: fileSize - Int64(tailLength), count: tailLength)
        guard let eocd = stride(from: tailLength - 22, through: 0, by: -1).first(where: { tail.u32($0) == 0x0605_4b50 })
        else { throw fail("not a ZIP archive, or truncated (no end of central directory)") }
        var count = Int64(tail.u16(eocd + 10))
        var directorySize = Int64(tail.u32(eocd + 12))
        var directoryOffset = Int64(tail.u32(eocd + 16))
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: the locator sits just before the end record.
            let locatorAt = fileSize - Int64(tailLength - eocd) - 20
            let locator = try bytes(at: locatorAt, count: 20)
            guard locator.u32(0) == 0x0706_4b50 else { throw fail("corrupt ZIP64 archive (no locator)") }
            let record = try bytes(at: Int64(locator.u64(8)), count: 56)
            guard record.u32(0) == 0x0606_4b50 else { throw fail("corrupt ZIP64 archive (no end record)") }
            count = Int64(record.u64(32))
            directorySize = Int64(record.u64(40))
            directoryOffset = Int64(record.u64(48))
        }
        guard count <= 100_000, directorySize <= 64 << 20 else { throw fail("the archive lists too many entries") }
        defer {
            let declared = entries.values.reduce(Int64(0)) { $0 &+ max($1.size, 0) }
            if declared > limits.maxTotalBytes || declared < 0 { oversized = declared }
        }
        let directory = try bytes(at: directoryOffset, count: Int(directorySize))
        var p = 0
        for _ in 0..<count {
            guard p + 46 <= directory.count, directory.u32(p) == 0x0201_4b50 else {
                throw fail("corrupt central directory")
            }
            let nameLength = Int(directory.u16(p + 28))
            let extraLength = Int(directory.u16(p + 30))
            let commentLength = Int(directory.u16(p + 32))
            guard p + 46 + nameLength + extraLength + commentLength <= directory.count else {
                throw fail("corrupt central directory")
            }
            var entry = Entry(
                name: String(decoding: directory[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self),
                method: directory.u16(p + 10), flags: directory.u16(p + 8), crc: directory.u32(p + 16),
                compressedSize: Int64(directory.u32(p + 20)), size: Int64(directory.u32(p + 24)),
                localHeaderOffset: Int64(directory.u32(p + 42)))
            // ZIP64 extra field: the 64-bit values, in order, for each 32-bit one that is all ones.
            var e = p + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = directory.u16(e)
                let length = Int(directory.u16(e + 2))
                if id == 0x0001 {
                    var q = e + 4
                    func next() -> Int64? {
                        guard q + 8 <= e + 4 + length else { return nil }
                        defer { q += 8 }
                        return Int64(directory.u64(q))
                    }
                    if entry.size == 0xFFFF_FFFF, let v = next() { entry.size = v }
                    if entry.compressedSize == 0xFFFF_FFFF, let v = next() { entry.compressedSize = v }
                    if entry.localHeaderOffset == 0xFFFF_FFFF, let v = next() { entry.localHeaderOffset = v }
                }
                e += 4 + length
            }
            entries[entry.name] = entry
            p += 46 + nameLength + extraLength + commentLength
        }
    }

    /// A reader of one entry's inflated bytes.
    func entry(_ name: String) throws -> ZipEntryReader {
        guard let entry = entries[name] else { throw fail("no \(name) in the archive; is it really an .xlsx file?") }
        if entry.flags & 0x0001 != 0 { throw fail("\(name) is encrypted; save the workbook without a password") }
        guard entry.method == 0 || entry.method == 8 else {
            throw fail("\(name) uses compression method \(entry.method); only stored and deflated entries are read")
        }
        // Refused up front from the sizes the directory declares; an entry that lies about them is
        // caught while it inflates.
        if entry.size > limits.ratioFloor && entry.size > limits.maxRatio * max(entry.compressedSize, 1) {
            throw fail(
                "\(name) declares it expands \(entry.size / max(entry.compressedSize, 1)):1, more than \(limits.maxRatio):1; refused as a possible zip bomb",
                part: name)
        }
        guard entry.size <= limits.maxEntryBytes else {
            throw fail(
                "\(name) would expand to \(entry.size >> 20) MiB, over the \(limits.maxEntryBytes >> 20) MiB limit")
        }
        let header = try bytes(at: entry.localHeaderOffset, count: 30)
        guard header.u32(0) == 0x0403_4b50 else { throw fail("corrupt local header for \(name)") }
        let dataStart = entry.localHeaderOffset + 30 + Int64(header.u16(26)) + Int64(header.u16(28))
        guard dataStart + entry.compressedSize <= fileSize else {
            throw fail("\(name) runs past the end of the archive; the file is truncated")
        }
        return try ZipEntryReader(archive: self, entry: entry, file: file, dataStart: dataStart)
    }

}

/// Streams one entry, inflating as it goes and checking sizes, ratio and CRC.
///
/// zlib's stream is in one of two states, set up or not; `deinit` ends it only when it was set up,
/// and the input buffer is freed only there, so a failed set-up releases nothing twice.
final class ZipEntryReader: ByteSource {
    private static let inputCapacity = 64 << 10

    private let archive: ZipArchive
    private let entry: ZipArchive.Entry
    private let file: OwnedDescriptor
    private var fd: Int32 { file.fd }
    private let dataStart: Int64
    private var consumed: Int64 = 0
    private var produced: Int64 = 0
    private var crc: uLong = 0
    private var stream = z_stream()
    private var inflating = false
    /// zlib keeps pointing into this between calls, so it is allocated once and never moves.
    private let input = UnsafeMutablePointer<UInt8>.allocate(capacity: inputCapacity)
    private var finished = false

    init(archive: ZipArchive, entry: ZipArchive.Entry, file: OwnedDescriptor, dataStart: Int64) throws {
        self.archive = archive
        self.entry = entry
        self.file = file
        self.dataStart = dataStart
        if entry.method == 8 {
            let code = inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            guard code == Z_OK else {
                throw archive.fail("cannot start inflating (zlib \(code))", part: entry.name)
            }
            inflating = true
        }
    }

    deinit {
        if inflating { inflateEnd(&stream) }
        input.deallocate()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished, buffer.count > 0 else { return 0 }
        let n = entry.method == 0 ? try readStored(into: buffer) : try inflate(into: buffer)
        if n > 0 {
            crc = crc32(crc, buffer.baseAddress!.assumingMemoryBound(to: Bytef.self), uInt(n))
            produced += Int64(n)
            archive.inflatedTotal += Int64(n)
            try checkLimits()
        }
        if finished {
            guard produced == entry.size else {
                throw archive.fail(
                    "\(entry.name) inflates to \(produced) bytes, not the \(entry.size) its directory says")
            }
            guard UInt32(truncatingIfNeeded: crc) == entry.crc else {
                throw archive.fail("\(entry.name) fails its CRC check; the file is corrupt")
            }
        }
        return n
    }

    private func checkLimits() throws {
        let limits = archive.limits
        if produced > entry.size {
            throw archive.fail("\(entry.name) inflates past the \(entry.size) bytes its directory says; refused")
        }
        if produced > limits.maxEntryBytes || archive.inflatedTotal > limits.maxTotalBytes {
            throw archive.fail("\(entry.name) expands past the size limit; refused as a possible zip bomb")
        }
        if produced > limits.ratioFloor && produced > limits.maxRatio * max(consumed, 1) {
            throw archive.fail("\(entry.name) expands more than \(limits.maxRatio):1; refused as a possible zip bomb")
        }
    }

    private func readStored(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let want = Int(min(Int64(buffer.count), entry.compressedSize - consumed))
        guard want > 0 else {
            finished = true
            return 0
        }
        let n = pread(fd, buffer.baseAddress, want, off_t(dataStart + consumed))
        guard n > 0 else { throw archive.fail("cannot read \(entry.name): the archive is truncated") }
        consumed += Int64(n)
        if consumed == entry.compressedSize { finished = true }
        return n
    }

    private func inflate(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(buffer.count)
        while stream.avail_out == uInt(buffer.count) {
            if stream.avail_in == 0 {
                let want = Int(min(Int64(Self.inputCapacity), entry.compressedSize - consumed))
                guard want > 0 else {
                    throw archive.fail("\(entry.name) ends before its compressed data does; the file is corrupt")
                }
                let n = pread(fd, input, want, off_t(dataStart + consumed))
                guard n > 0 else { throw archive.fail("cannot read \(entry.name): the archive is truncated") }
                consumed += Int64(n)
                stream.next_in = input
                stream.avail_in = uInt(n)
            }
            let code = CZlib.inflate(&stream, Z_NO_FLUSH)
            if code == Z_STREAM_END {
                finished = true
                break
            }
            guard code == Z_OK else {
                throw archive.fail("\(entry.name) is not valid deflate data (zlib \(code)); the file is corrupt")
            }
        }
        return buffer.count - Int(stream.avail_out)
    }
}

extension Array where Element == UInt8 {
    fileprivate func u16(_ i: Int) -> UInt16 { UInt16(self[i]) | UInt16(self[i + 1]) << 8 }
    fileprivate func u32(_ i: Int) -> UInt32 { UInt32(u16(i)) | UInt32(u16(i + 2)) << 16 }
    fileprivate func u64(_ i: Int) -> UInt64 { UInt64(u32(i)) | UInt64(u32(i + 4)) << 32 }
}

/// Reading a whole small archive, for checks of what hotline wrote.
public enum ZipContents {
    /// Every entry of the archive at `path` by name, its bytes as UTF-8 text.
    public static func texts(of path: String) throws -> [String: String] {
        let archive = try ZipArchive(path: path, display: path, limits: ZipLimits())
        var out: [String: String] = [:]
        for name in archive.entries.keys {
            let reader = try archive.entry(name)
            var bytes: [UInt8] = []
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
            defer { buffer.deallocate() }
            while true {
                let n = try reader.read(into: buffer)
                if n == 0 { break }
                bytes += buffer.prefix(n)
            }
            out[name] = String(decoding: bytes, as: UTF8.self)
        }
        return out
    }
}
