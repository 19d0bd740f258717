/// Finds every occurrence of many keywords in one pass over a text (Aho–Corasick).
///
/// Works on UTF-8 bytes with a dense transition table over byte classes (bytes that occur in no
/// keyword share one class), so matching costs one table look-up per byte. UTF-8 is
/// self-synchronizing, so a match always starts and ends on character boundaries.
public struct KeywordAutomaton: Sendable {
    private let classOf: [UInt8]
    private let classCount: Int
    private let next: [Int32]
    /// The keyword ids that end at each state, including those reached through failure links.
    private let outputs: [[Int32]]
    public let keywords: [String]

    /// Builds the automaton; keyword `i` is reported as `i`. Empty keywords never match.
    public init(keywords: [String]) {
        self.keywords = keywords
        let patterns = keywords.map { Array(Self.fold($0).utf8) }
        var classes = [UInt8](repeating: 0, count: 256)
        var count = 1
        for p in patterns {
            for b in p where classes[Int(b)] == 0 {
                classes[Int(b)] = UInt8(count)
                count += 1
            }
        }
        classOf = classes
        classCount = count

        // Trie.
        var goto: [[Int32]] = [[Int32](repeating: -1, count: count)]
        var out: [[Int32]] = [[]]
        for (id, p) in patterns.enumerated() where !p.isEmpty {
            var state = 0
            for b in p {
                let c = Int(classes[Int(b)])
                if goto[state][c] < 0 {
                    goto[state][c] = Int32(goto.count)
                    goto.append([Int32](repeating: -1, count: count))
                    out.append([])
                }
                state = Int(goto[state][c])
            }
            out[state].append(Int32(id))
        }
        // Breadth-first: failure links folded into a full transition table.
        var fail = [Int](repeating: 0, count: goto.count)
        var queue: [Int] = []
        for c in 0..<count {
            if goto[0][c] < 0 {
                goto[0][c] = 0
            } else {
                queue.append(Int(goto[0][c]))
            }
        }
        var head = 0
        while head < queue.count {
            let s = queue[head]
            head += 1
            out[s] += out[fail[s]]
            for c in 0..<count {
                let t = goto[s][c]
                if t < 0 {
                    goto[s][c] = goto[fail[s]][c]
                } else {
                    fail[Int(t)] = Int(goto[fail[s]][c])
                    queue.append(Int(t))
                }
            }
        }
        next = goto.flatMap { $0 }
        outputs = out
    }

    /// The ids of the keywords that occur in `text`, each once, in order of first occurrence end.
    public func matches(in text: String) -> [Int] {
        var found: [Int] = []
        var seen = Set<Int32>()
        var state = 0
        for b in Self.fold(text).utf8 {
            state = Int(next[state * classCount + Int(classOf[Int(b)])])
            for id in outputs[state] where seen.insert(id).inserted { found.append(Int(id)) }
        }
        return found
    }

    /// Full-width ASCII folded to ASCII and Latin letters lowercased, for keywords and texts alike.
    static func fold(_ text: String) -> String {
        var needs = false
        for s in text.unicodeScalars
        where (s.value >= 0x41 && s.value <= 0x5A) || (s.value >= 0xFF01 && s.value <= 0xFF5E) {
            needs = true
            break
        }
        guard needs else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            var v = s.value
            if v >= 0xFF01 && v <= 0xFF5E { v -= 0xFEE0 }
            if v >= 0x41 && v <= 0x5A { v += 0x20 }
            out.append(Unicode.Scalar(v) ?? s)
        }
        return String(out)
    }
}
