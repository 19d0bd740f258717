import HotlineCore

/// 64-bit SimHash fingerprints of complaint texts, so near-identical texts have nearby fingerprints.
///
/// The text is reduced to its letters (digits, punctuation and spaces dropped, so 停了3天 and
/// 停了5天 read the same), cut into overlapping 3-character shingles, and each shingle's 64-bit
/// hash votes on every bit. Texts that share most shingles differ in few bits.
public enum SimHash {
    /// The fingerprint of `text`, or nil when fewer than `minChars` letters remain.
    public static func of(_ text: String, minChars: Int) -> UInt64? {
        var letters: [UInt32] = []
        letters.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars where scalar.properties.isAlphabetic && !("0"..."9").contains(scalar) {
            letters.append(scalar.value)
        }
        guard letters.count >= max(minChars, 1) else { return nil }
        let width = min(3, letters.count)
        var votes = [Int32](repeating: 0, count: 64)
        for start in 0...(letters.count - width) {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for k in start..<(start + width) {
                h ^= UInt64(letters[k])
                h &*= 0x0000_0100_0000_01B3
            }
            h = mix(h)
            for bit in 0..<64 { votes[bit] += (h >> UInt64(bit)) & 1 == 1 ? 1 : -1 }
        }
        var out: UInt64 = 0
        for bit in 0..<64 where votes[bit] > 0 { out |= 1 << UInt64(bit) }
        return out
    }

    /// Bits in which two fingerprints differ.
    public static func distance(_ a: UInt64, _ b: UInt64) -> Int { (a ^ b).nonzeroBitCount }

    /// A finalizer that spreads FNV's weak low bits over all 64 (splitmix64's).
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Links texts that arrive in time order to earlier near-identical texts within a time window.
///
/// Fingerprints are split into `distance + 1` bands: two fingerprints within `distance` bits agree
/// on at least one band, so only texts sharing a band are compared. Memory holds the window only;
/// clusters are numbered as they form, and a text joins the first earlier cluster it matches.
public struct NearDuplicateLinker {
    let distance: Int
    let window: Int
    let bandWidths: [Int]
    var buckets: [[UInt64: Bucket]]
    var hashes: [UInt64] = []
    var times: [Int] = []
    var seqs: [Int] = []
    var clusterOf: [Int32] = []
    /// The absolute index of `hashes[0]`, and of the oldest text still in the window.
    var base = 0
    var start = 0
    var added = 0
    /// The cluster numbers given so far; a cluster is never joined into another.
    public private(set) var clusterCount = 0

    /// Compares at most this many of the newest texts in one band bucket: older ones are linked to them.
    static let perBucket = 16

    /// The texts (absolute indices, oldest first) that share one band's bits; those before `head`
    /// have left the window. Trimmed in place, so a bucket of common text costs O(1) per text.
    struct Bucket {
        var items: [Int] = []
        var head = 0

        mutating func trim(before start: Int) {
            while head < items.count && items[head] < start { head += 1 }
            if head >= 1_024 && head * 2 >= items.count {
                items.removeFirst(head)
                head = 0
            }
        }

        var isEmpty: Bool { head == items.count }

        /// Trims the texts before `start`, appends the `newest` newest of the rest to `out` (newest
        /// first), then adds `index`.
        mutating func visit(before start: Int, newest: Int, into out: inout [Int], adding index: Int) {
            trim(before: start)
            var i = items.count
            let stop = max(head, items.count - newest)
            while i > stop {
                i -= 1
                out.append(items[i])
            }
            items.append(index)
        }
    }

    public init(distance: Int, windowSeconds: Int) {
        self.distance = distance
        self.window = windowSeconds
        let bands = distance + 1
        bandWidths = (0..<bands).map { 64 / bands + ($0 < 64 % bands ? 1 : 0) }
        buckets = Array(repeating: [:], count: bands)
    }

    /// Adds one text at `time` (seconds, not before the previous one's) and returns the orders that
    /// joined a cluster because of it, each with its cluster number (it and any earlier text it
    /// matched that had none).
    public mutating func add(seq: Int, hash: UInt64, time: Int) -> [(seq: Int, cluster: Int32)] {
        evict(before: time - window)
        let index = base + hashes.count
        var joined: [(Int, Int32)] = []
        var mine: Int32 = -1
        // Each band's newest texts, newest first, band by band; the text joins each band's bucket.
        var candidates: [Int] = []
        candidates.reserveCapacity(bandWidths.count * Self.perBucket)
        var shift = 0
        let start = self.start
        for (band, width) in bandWidths.enumerated() {
            let mask: UInt64 = width >= 64 ? ~0 : ((1 << UInt64(width)) - 1)
            let key = (hash >> UInt64(shift)) & mask
            shift += width
            buckets[band][key, default: Bucket()].visit(
                before: start, newest: Self.perBucket, into: &candidates, adding: index)
        }
        for other in candidates {
            let o = other - base
            guard SimHash.distance(hashes[o], hash) <= distance else { continue }
            var theirs = clusterOf[o]
            if theirs < 0 {
                theirs = mine >= 0 ? mine : newCluster()
                clusterOf[o] = theirs
                joined.append((seqs[o], theirs))
            }
            // A text joins the first cluster it matches; clusters formed earlier are never joined
            // by a later text, so what was found in a window does not change as data arrives.
            if mine < 0 {
                mine = theirs
                joined.append((seq, mine))
            }
        }
        hashes.append(hash)
        times.append(time)
        seqs.append(seq)
        clusterOf.append(mine)
        added += 1
        return joined
    }

    private mutating func newCluster() -> Int32 {
        clusterCount += 1
        return Int32(clusterCount - 1)
    }

    /// Drops texts older than `time` from the window, and now and then the buckets' stale entries.
    private mutating func evict(before time: Int) {
        while start < base + times.count && times[start - base] < time { start += 1 }
        // Shift the arrays only when the stale prefix is large, to keep eviction amortized O(1).
        let drop = start - base
        guard drop >= 4_096 || (drop > 0 && drop * 2 >= times.count) else { return }
        hashes.removeFirst(drop)
        times.removeFirst(drop)
        seqs.removeFirst(drop)
        clusterOf.removeFirst(drop)
        base = start
        if added > 1 << 16 {
            added = 0
            for band in buckets.indices {
                buckets[band] = buckets[band].compactMapValues { bucket in
                    var live = bucket
                    live.trim(before: start)
                    return live.isEmpty ? nil : live
                }
            }
        }
    }
}
