import Foundation
import HotlineCore

/// Turns a text into a sparse vector of character n-grams, hashed into a fixed number of columns.
///
/// No word segmenter: Chinese is read as overlapping runs of 1 to `maxN` characters, after folding
/// full-width forms and case, turning digits into `0`, and dropping spaces and punctuation. The title
/// gets its own columns, so a word in the title can weigh differently from the same word in the body.
public struct Featurizer: Sendable, Codable, Equatable {
    public var minN = 1
    public var maxN = 3
    public var bits = 18

    public init(minN: Int = 1, maxN: Int = 3, bits: Int = 18) {
        self.minN = minN
        self.maxN = maxN
        self.bits = bits
    }

    public var width: Int { 1 << bits }

    /// The characters features are made of.
    static func normalize(_ text: String) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            var v = scalar.value
            if v >= 0xFF01 && v <= 0xFF5E { v -= 0xFEE0 }
            if v >= 0x41 && v <= 0x5A { v += 0x20 }
            if v >= 0x30 && v <= 0x39 {
                out.append(0x30)
                continue
            }
            if v >= 0x61 && v <= 0x7A {
                out.append(v)
            } else if v >= 0x3400 && v <= 0x9FFF {
                out.append(v)
            } else if v > 0x7F,
                let s = Unicode.Scalar(v), s.properties.isAlphabetic
            {
                out.append(v)
            }
        }
        return out
    }

    /// Every n-gram of `text` with its column; `field` 0 for the body, 1 for the title.
    public func grams(_ text: String, field: UInt32 = 0) -> [(column: Int, gram: [UInt32])] {
        let chars = Self.normalize(text)
        var out: [(Int, [UInt32])] = []
        for n in minN...maxN where chars.count >= n {
            for start in 0...(chars.count - n) {
                let gram = Array(chars[start..<(start + n)])
                out.append((column(gram, field: field), gram))
            }
        }
        return out
    }

    func column(_ gram: [UInt32], field: UInt32) -> Int {
        var h: UInt32 = 0x811C_9DC5 ^ (field &* 0x9E37_79B9)
        for c in gram {
            h = (h ^ c) &* 0x0100_0193
            h = (h ^ (c >> 16)) &* 0x0100_0193
        }
        return Int(h & UInt32(width - 1))
    }

    /// Term counts by column for a title and a body, sorted by column.
    public func counts(title: String, body: String) -> [(Int, Float)] {
        var counts: [Int: Float] = [:]
        for (column, _) in grams(title, field: 1) { counts[column, default: 0] += 1 }
        for (column, _) in grams(body, field: 0) { counts[column, default: 0] += 1 }
        return counts.sorted { $0.key < $1.key }
    }
}

/// A sparse row: sorted columns and their values.
public struct SparseVector: Sendable {
    public var columns: [Int32]
    public var values: [Float]

    /// Sublinear tf (1 + ln count) times idf, scaled to unit length.
    public init(counts: [(Int, Float)], idf: [Float]?) {
        columns = counts.map { Int32($0.0) }
        values = counts.map { (1 + logf($0.1)) * (idf?[$0.0] ?? 1) }
        let norm = sqrtf(values.reduce(0) { $0 + $1 * $1 })
        if norm > 0 { values = values.map { $0 / norm } }
    }
}
