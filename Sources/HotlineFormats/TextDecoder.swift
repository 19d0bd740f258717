import Foundation
import HotlineCore

/// The encodings exports come in; `auto` tells UTF-8 from GB18030 by the bytes.
public enum TextEncoding: String, Sendable, CaseIterable {
    case auto
    case utf8 = "utf-8"
    case gb18030
}

/// Decodes field bytes in one encoding, refusing invalid bytes instead of guessing.
///
/// Holds an iconv handle for GB18030, so each thread uses its own decoder.
public final class TextDecoder {
    public let encoding: TextEncoding
    private var converter: iconv_t?

    public init(encoding: TextEncoding) {
        self.encoding = encoding
        if encoding == .gb18030 {
            let cd = iconv_open("UTF-8", "GB18030")
            converter = cd == iconv_t(bitPattern: -1) ? nil : cd
        }
    }

    deinit { if let converter { iconv_close(converter) } }

    /// The text of `bytes`, or nil when they are not valid in this encoding.
    public func decode(_ bytes: ArraySlice<UInt8>) -> String? {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        switch encoding {
        case .utf8, .auto: return String(validating: bytes, as: UTF8.self)
        case .gb18030: return gb18030(bytes)
        }
    }

    /// Like `decode`, with invalid bytes replaced by U+FFFD: for messages only.
    public func decodeLossy(_ bytes: ArraySlice<UInt8>) -> String {
        decode(bytes) ?? String(decoding: bytes, as: UTF8.self)
    }

    private func gb18030(_ bytes: ArraySlice<UInt8>) -> String? {
        guard let converter else { return nil }
        iconv(converter, nil, nil, nil, nil)
        var input = Array(bytes)
        var output = [UInt8](repeating: 0, count: input.count * 2 + 4)
        var outLeft = output.count
        let ok: Bool = input.withUnsafeMutableBytes { inRaw in
            output.withUnsafeMutableBytes { outRaw in
                var inPtr = inRaw.baseAddress?.assumingMemoryBound(to: CChar.self)
                var inLeft = inRaw.count
                var outPtr = outRaw.baseAddress?.assumingMemoryBound(to: CChar.self)
                let r = iconv(converter, &inPtr, &inLeft, &outPtr, &outLeft)
                return r != -1 && inLeft == 0
            }
        }
        return ok ? String(decoding: output.dropLast(outLeft), as: UTF8.self) : nil
    }

    /// Finds a file's encoding: valid UTF-8 (the first 4 MiB, or all of it if shorter) wins;
    /// anything else is read as GB18030. Returns the encoding and the byte-order mark's length.
    public static func detect(path: String) throws -> (TextEncoding, bomLength: Int) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw HotlineError.file(path: path, problem: "cannot open: \(OwnedDescriptor.lastError)")
        }
        defer { try? handle.close() }
        let sample = [UInt8](handle.readData(ofLength: 4 << 20))
        if sample.starts(with: [0xEF, 0xBB, 0xBF]) { return (.utf8, 3) }
        if sample.starts(with: [0x84, 0x31, 0x95, 0x33]) { return (.gb18030, 4) }
        if sample.starts(with: [0xFF, 0xFE]) || sample.starts(with: [0xFE, 0xFF]) {
            throw HotlineError.input([
                Diagnostic(file: path, "UTF-16 files are not read; save the export as UTF-8 or GBK CSV")
            ])
        }
        return (isUTF8(sample, truncated: sample.count == 4 << 20) ? .utf8 : .gb18030, 0)
    }

    /// Whether `bytes` are valid UTF-8; with `truncated`, a cut sequence at the very end is allowed.
    static func isUTF8(_ bytes: [UInt8], truncated: Bool) -> Bool {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            let length: Int
            if b >= 0xC2 && b <= 0xDF {
                length = 2
            } else if b >= 0xE0 && b <= 0xEF {
                length = 3
            } else if b >= 0xF0 && b <= 0xF4 {
                length = 4
            } else {
                return false
            }
            if i + length > n { return truncated }
            for k in 1..<length where bytes[i + k] & 0xC0 != 0x80 { return false }
            i += length
        }
        return true
    }
}
