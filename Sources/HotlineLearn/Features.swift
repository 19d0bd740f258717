import Foundation
import HotlineCore

/// Turns a text into a sparse vector of character n-grams, hashed into a fixed number of columns.
///
/// No word segmenter: Chinese is read as overlapping runs of 1 to `maxN` characters, after folding
/// full-width forms and case, turning digits into `0`, and dropping spaces and punctuation. The title
/// gets its own columns, so a word in the title can weigh differently from the same word in the body.
public struct Featurizer: Sendable, Codable, Equatable {
    public var minN = 1
    public var maxN = 2
    public var bits = 18
    /// Two blocks: the title and body together, and the title alone at `titleWeight`, each scaled
    /// to unit length; models saved before (false) had the title's and the body's n-grams in one.
    public var blocks = true
    public var titleWeight: Float = 0.7
    /// N-grams in fewer training texts than this are left out.
    public var minDocuments = 2

    public init(minN: Int = 1, maxN: Int = 2, bits: Int = 18) {
        self.minN = minN
        self.maxN = maxN
        self.bits = bits
    }

    enum CodingKeys: String, CodingKey { case minN, maxN, bits, blocks, titleWeight, minDocuments }

    /// Models saved before the blocks were added read as they were trained.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        minN = try c.decode(Int.self, forKey: .minN)
        maxN = try c.decode(Int.self, forKey: .maxN)
        bits = try c.decode(Int.self, forKey: .bits)
        blocks = try c.decodeIfPresent(Bool.self, forKey: .blocks) ?? false
        titleWeight = try c.decodeIfPresent(Float.self, forKey: .titleWeight) ?? 1
        minDocuments = try c.decodeIfPresent(Int.self, forKey: .minDocuments) ?? 1
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
        var h = Self.seed(field)
        for c in gram { h = Self.mix(h, c) }
        return Int(h & UInt32(width - 1))
    }

    private static func seed(_ field: UInt32) -> UInt32 { 0x811C_9DC5 ^ (field &* 0x9E37_79B9) }

    private static func mix(_ h: UInt32, _ c: UInt32) -> UInt32 {
        let a = (h ^ c) &* 0x0100_0193
        return (a ^ (c >> 16)) &* 0x0100_0193
    }

    /// The texts of each block: the title and body together and the title alone (field 0 and 1),
    /// or, for models saved before blocks, the body and the title each in one field of one block.
    func blockTexts(title: String, body: String) -> [[(UInt32, String)]] {
        blocks
            ? [[(UInt32(0), title + "\n" + body)], [(UInt32(1), title)]] : [[(UInt32(1), title), (UInt32(0), body)]]
    }

    /// How much each block weighs after it is scaled to unit length.
    var blockWeights: [Float] { blocks ? [1, titleWeight] : [1] }

    /// Term counts by column for a title and a body, sorted by column, one list per block.
    ///
    /// The same columns as `grams`, hashed incrementally without building the n-grams (hot in classify).
    public func blockCounts(title: String, body: String) -> [[(Int, Float)]] {
        blockTexts(title: title, body: body).map { counts($0) }
    }

    private func counts(_ texts: [(UInt32, String)]) -> [(Int, Float)] {
        var columns: [Int32] = []
        let mask = UInt32(width - 1)
        for (field, text) in texts {
            let chars = Self.normalize(text)
            columns.reserveCapacity(columns.count + chars.count * (maxN - minN + 1))
            for start in chars.indices {
                var h = Self.seed(field)
                for n in 1...maxN where start + n <= chars.count {
                    h = Self.mix(h, chars[start + n - 1])
                    if n >= minN { columns.append(Int32(h & mask)) }
                }
            }
        }
        columns.sort()
        var out: [(Int, Float)] = []
        var i = 0
        while i < columns.count {
            var j = i + 1
            while j < columns.count && columns[j] == columns[i] { j += 1 }
            out.append((Int(columns[i]), Float(j - i)))
            i = j
        }
        return out
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

    /// Each block as above, times its weight, added together (columns that meet are summed).
    public init(blocks: [[(Int, Float)]], weights: [Float], idf: [Float]?) {
        var merged: [Int32: Float] = [:]
        for (block, weight) in zip(blocks, weights) {
            let v = SparseVector(counts: block, idf: idf)
            for (c, x) in zip(v.columns, v.values) where x != 0 { merged[c, default: 0] += x * weight }
        }
        let sorted = merged.sorted { $0.key < $1.key }
        columns = sorted.map(\.key)
        values = sorted.map(\.value)
    }

    /// The sum of the squares of the values.
    var squaredNorm: Float { values.reduce(0) { $0 + $1 * $1 } }

    /// `start` plus the dot product with dense weights `w` (one per column), summed in column order.
    @inline(__always) func dot(_ w: UnsafeBufferPointer<Float>, from start: Float = 0) -> Float {
        var sum = start
        columns.withUnsafeBufferPointer { cols in
            values.withUnsafeBufferPointer { vals in
                for j in 0..<cols.count { sum += w[Int(cols[j])] * vals[j] }
            }
        }
        return sum
    }

    /// Adds `scale` times this vector to dense weights `w`.
    @inline(__always) func add(_ scale: Float, to w: UnsafeMutableBufferPointer<Float>) {
        columns.withUnsafeBufferPointer { cols in
            values.withUnsafeBufferPointer { vals in
                for j in 0..<cols.count { w[Int(cols[j])] += scale * vals[j] }
            }
        }
    }
}
