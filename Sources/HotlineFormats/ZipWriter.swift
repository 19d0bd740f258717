import CZlib
import Foundation
import HotlineCore

/// Writes a ZIP archive to a file: entries deflated as they are streamed in, sizes and CRC in a
/// data descriptor after each, then the central directory.
///
/// Timestamps are fixed (1980-01-01), so the same content gives the same bytes. No ZIP64: an
/// archive stays under 4 GiB (`finish` throws otherwise).
public final class ZipWriter {
    private struct Written {
        var name: [UInt8]
        var crc: UInt32
        var compressed: UInt64
        var size: UInt64
        var offset: UInt64
    }

    let path: String
    private let handle: FileHandle
    private var offset: UInt64 = 0
    private var written: [Written] = []
    private var buffer: [UInt8] = []
    private var open = false
    private var closed = false

    /// The deflate state lives on the heap: zlib keeps a pointer back to it.
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private var deflating = false
    private var current: Written?
    private let chunk = 1 << 16
    private let out: UnsafeMutablePointer<UInt8>

    public init(path: String) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path)
        else {
            stream.deallocate()
            throw HotlineError.file(path: path, problem: "cannot write")
        }
        handle = h
        out = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk)
    }

    deinit {
        if deflating { deflateEnd(stream) }
        stream.deallocate()
        out.deallocate()
        if !closed { try? handle.close() }
    }

    /// zlib's compression level: 3 deflates about twice as fast as the default 6, for files
    /// about a seventh larger (the supervision list's sheet is hundreds of thousands of rows).
    static let level: Int32 = 3

    /// Starts an entry; `write` its bytes, then `endEntry`.
    public func beginEntry(_ name: String) throws {
        precondition(!open && !closed, "one entry at a time, before finish")
        stream.initialize(to: z_stream())
        let code = deflateInit2_(
            stream, Self.level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size))
        guard code == Z_OK else {
            throw HotlineError.file(path: path, problem: "cannot start deflating (zlib \(code))")
        }
        deflating = true
        open = true
        let entry = Written(name: Array(name.utf8), crc: 0, compressed: 0, size: 0, offset: offset)
        current = entry
        var header: [UInt8] = []
        header.le32(0x0403_4b50)
        header.le16(20)
        header.le16(0x0808)  // sizes in a data descriptor; names in UTF-8
        header.le16(8)
        header.le16(0)
        header.le16(0x21)
        header.le32(0)
        header.le32(0)
        header.le32(0)
        header.le16(UInt16(entry.name.count))
        header.le16(0)
        try emit(header + entry.name)
    }

    /// Adds bytes to the open entry.
    public func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        current!.crc = UInt32(
            bytes.withUnsafeBufferPointer { crc32(uLong(current!.crc), $0.baseAddress, uInt($0.count)) })
        current!.size += UInt64(bytes.count)
        try bytes.withUnsafeBufferPointer { try deflate(input: $0, finish: false) }
    }

    /// Adds text (as UTF-8) to the open entry.
    public func write(_ text: String) throws { try write(Array(text.utf8)) }

    /// Ends the open entry: the rest of the deflated stream, then the data descriptor.
    public func endEntry() throws {
        try deflate(input: UnsafeBufferPointer(start: nil, count: 0), finish: true)
        deflateEnd(stream)
        deflating = false
        open = false
        var entry = current!
        entry.compressed = offset - entry.offset - 30 - UInt64(entry.name.count)
        var descriptor: [UInt8] = []
        descriptor.le32(0x0807_4b50)
        descriptor.le32(entry.crc)
        descriptor.le32(UInt32(truncatingIfNeeded: entry.compressed))
        descriptor.le32(UInt32(truncatingIfNeeded: entry.size))
        try emit(descriptor)
        written.append(entry)
        current = nil
    }

    /// A whole entry at once.
    public func add(_ name: String, _ text: String) throws {
        try beginEntry(name)
        try write(text)
        try endEntry()
    }

    /// Writes the central directory and closes the file.
    public func finish() throws {
        precondition(!open, "end the entry first")
        let start = offset
        for e in written {
            guard e.offset < 0xFFFF_FFFF, e.compressed < 0xFFFF_FFFF, e.size < 0xFFFF_FFFF else {
                throw HotlineError.file(path: path, problem: "the workbook would pass 4 GiB")
            }
            var h: [UInt8] = []
            h.le32(0x0201_4b50)
            h.le16(20)
            h.le16(20)
            h.le16(0x0808)
            h.le16(8)
            h.le16(0)
            h.le16(0x21)
            h.le32(e.crc)
            h.le32(UInt32(e.compressed))
            h.le32(UInt32(e.size))
            h.le16(UInt16(e.name.count))
            h.le16(0)
            h.le16(0)
            h.le16(0)
            h.le16(0)
            h.le32(0)
            h.le32(UInt32(e.offset))
            try emit(h + e.name)
        }
        var end: [UInt8] = []
        end.le32(0x0605_4b50)
        end.le16(0)
        end.le16(0)
        end.le16(UInt16(written.count))
        end.le16(UInt16(written.count))
        end.le32(UInt32(offset - start))
        end.le32(UInt32(start))
        end.le16(0)
        try emit(end)
        try flush()
        try handle.close()
        closed = true
    }

    private func deflate(input: UnsafeBufferPointer<UInt8>, finish: Bool) throws {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
        stream.pointee.avail_in = uInt(input.count)
        while true {
            stream.pointee.next_out = out
            stream.pointee.avail_out = uInt(chunk)
            let code = CZlib.deflate(stream, finish ? Z_FINISH : Z_NO_FLUSH)
            guard code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR else {
                throw HotlineError.file(path: path, problem: "deflate failed (zlib \(code))")
            }
            let produced = chunk - Int(stream.pointee.avail_out)
            if produced > 0 { try emit(Array(UnsafeBufferPointer(start: out, count: produced))) }
            if finish ? code == Z_STREAM_END : stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 { break }
        }
    }

    private func emit(_ bytes: [UInt8]) throws {
        buffer += bytes
        offset += UInt64(bytes.count)
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}

extension [UInt8] {
    mutating func le16(_ v: UInt16) { append(contentsOf: [UInt8(v & 0xFF), UInt8(v >> 8)]) }
    mutating func le32(_ v: UInt32) {
        append(contentsOf: [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)])
    }
}
