/// One work order as the store keeps it: normalized, with personal data masked or hashed.
public struct Order: Sendable, Equatable {
    public var id: String
    public var receivedAt: LocalDateTime
    public var channel: String?
    public var kind: String?
    public var district: String?
    public var street: String?
    public var community: String?
    public var address: String?
    /// The category the hotline operator chose, as exported (levels joined by ` / `).
    public var operatorCategory: String?
    public var title: String?
    public var content: String?
    public var unit: String?
    public var deadlineDays: Int?
    public var deadlineAt: LocalDateTime?
    public var closedAt: LocalDateTime?
    public var status: String?
    public var satisfaction: String?
    /// The callback's yes/no answers, where the export has those columns.
    public var contacted: Bool?
    public var resolved: Bool?
    public var satisfiedFlag: Bool?
    /// Support (点赞数, 附议数) and opposition (反对数) counts, where a web export carries them.
    public var support: Int?
    public var opposition: Int?
    /// A keyed SHA-256 of the caller's phone number (`CallerKey`): equal for the same caller; the key is not in the store.
    public var callerKey: String?
    public var sourceFile: String
    public var sourceLine: Int

    public init(id: String, receivedAt: LocalDateTime, sourceFile: String = "", sourceLine: Int = 0) {
        self.id = id
        self.receivedAt = receivedAt
        self.sourceFile = sourceFile
        self.sourceLine = sourceLine
    }

    /// The citizen's words: title and content, the text classification reads.
    public var text: String {
        [title, content].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n")
    }

    /// Identifies the order's content; where it came from (file, line) does not count, so the
    /// same order in two overlapping exports is unchanged.
    public var fingerprint: String {
        var h = FNV1a()
        let parts: [String?] = [
            id, receivedAt.description, channel, kind, district, street, community, address, operatorCategory,
            title, content, unit, deadlineDays.map(String.init), deadlineAt?.description, closedAt?.description,
            status, satisfaction, callerKey,
        ]
        for part in parts { h.update(part ?? "\u{0}") }
        // Added later: hashed only when present, so older orders keep their fingerprints.
        for (tag, flag) in [("c", contacted), ("r", resolved), ("s", satisfiedFlag)] {
            if let flag { h.update(tag + (flag ? "1" : "0")) }
        }
        for (tag, count) in [("+", support), ("-", opposition)] {
            if let count { h.update(tag + String(count)) }
        }
        return h.hex
    }
}
