import Foundation
import HotlineCore
import HotlineStore

/// One signal's finding: a group of orders that bunch up, why, and a key that names it across runs.
struct Finding: Sendable {
    var signal: Signal
    /// Names the group and the start of its episode, for a candidate id that stays the same nightly.
    var key: String
    /// The finding in words, for the page.
    var detail: String
    var seqs: [Int]
    /// What a campaign is about (58车贷), to name a candidate that has no place.
    var subject: String?
}

/// What every signal shares: the prepared `detect_orders` table, the settings, and a reader of
/// that table one group at a time. Each signal is an extension in its own file.
struct SignalScan {
    let db: Database
    let settings: DetectSettings
    /// What each window is compared with, and how busy the whole district was.
    let period: BaselinePeriod
    let district: DistrictRates
    /// What one pass over every order counted for this thread's signals.
    let tallies: Tallies

    /// The columns a group query returns: the order, its day and caller, the group's key (one or
    /// two columns) and, for signals that count some orders among all, a 0/1 flag.
    /// `mark` is a second 0/1 flag, handed to the body apart from the events.
    enum GroupColumn: Int, ColumnSet {
        case seq, day, caller, key1, key2, flag, mark
    }

    /// Reads `sql` (whose columns are named as `GroupColumn`) one group at a time, calling `body`
    /// with the key, the group's events and, when `marked`, each event's mark (else none).
    ///
    /// Callers are numbered afresh for each `key1`, so the events of groups that share it may be
    /// put together.
    func groups(
        _ sql: String, keyColumns: Int, flagged: Bool = false, marked: Bool = false, _ values: [any SQLBindable] = [],
        body: ([String], Events, [Bool]) throws -> Void
    ) throws {
        let statement = try db.prepare(sql)
        try statement.bind(values)
        var columns: [GroupColumn] = [.seq, .day, .caller, .key1]
        if keyColumns > 1 { columns.append(.key2) }
        if flagged { columns.append(.flag) }
        if marked { columns.append(.mark) }
        let row = try statement.reader(GroupColumn.self, only: columns)
        let keyOf: [GroupColumn] = keyColumns > 1 ? [.key1, .key2] : [.key1]
        var key: [String]?
        var events = Events()
        var marks: [Bool] = []
        var callers = CallerNumbers()
        while try statement.step() {
            let k = keyOf.map { row.string($0) }
            if k != key {
                if let key, events.count > 0 { try body(key, events, marks) }
                if k[0] != key?[0] { callers = CallerNumbers() }
                key = k
                events = Events()
                marks.removeAll(keepingCapacity: true)
            }
            let caller = row.text(.caller).map { callers.number($0) }
            events.append(day: row.int(.day), seq: row.int(.seq), caller: caller, flag: flagged && row.bool(.flag))
            if marked { marks.append(row.bool(.mark)) }
        }
        if let key, events.count > 0 { try body(key, events, marks) }
    }

    /// A number per distinct caller, in the order they are first seen.
    ///
    /// Caller keys are 32 lowercase hex digits (a salted hash), kept as two integers rather than
    /// as strings: a mass-complaint cluster on ten years of synthetic orders had about half a million
    /// callers; their dictionary was 38 MB of detect's peak, their strings more, and keyed so the
    /// peak is 60 MB lower. Any other text is kept as it is; the two kinds share one count, so
    /// every distinct text has its own number.
    struct CallerNumbers {
        struct Hex: Hashable {
            var high: UInt64
            var low: UInt64

            /// The key of 32 lowercase hex digits, else nil.
            init?(_ text: String) {
                guard text.utf8.count == 32 else { return nil }
                var words: (UInt64, UInt64) = (0, 0)
                let ok = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
                    for (i, b) in bytes.enumerated() {
                        let nibble: UInt8
                        switch b {
                        case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = b - UInt8(ascii: "0")
                        case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = b - UInt8(ascii: "a") + 10
                        default: return false
                        }
                        if i < 16 {
                            words.0 = words.0 << 4 | UInt64(nibble)
                        } else {
                            words.1 = words.1 << 4 | UInt64(nibble)
                        }
                    }
                    return true
                }
                guard ok == true else { return nil }
                (high, low) = words
            }
        }
        private var hex: [Hex: Int] = [:]
        private var other: [String: Int] = [:]

        var count: Int { hex.count + other.count }

        mutating func number(_ caller: String) -> Int {
            let next = count
            if let key = Hex(caller) {
                if let n = hex[key] { return n }
                hex[key] = next
            } else {
                if let n = other[caller] { return n }
                other[caller] = next
            }
            return next
        }
    }

    /// How many orders' worth of certainty a baseline has beyond the group's own orders: the typical
    /// rate it is shrunk towards is learnt from many groups.
    static let priorEvidence = 20.0

    /// A group's own baseline for a window: its daily rate in the window's baseline period, times
    /// the window's days, times how much busier the district (or its `category`) was in the window.
    ///
    /// `prior` (orders per day) and `priorOrders` shrink a group with little history towards what
    /// is typical: the rate is (`priorOrders` + own) / (`priorOrders` / prior + days).
    func ownRate(
        _ events: Events, category: String?, prior: ((Range<Int>) -> Double)? = nil, priorOrders: Double = 0
    ) -> (Int, Range<Int>) -> Expected {
        let counts = district.counts(category)
        return { k, window in
            let periods = period.around(window)
            let days = Double(periods.reduce(0) { $0 + $1.count })
            let own = periods.reduce(0) { $0 + events.count(in: $1) }
            var rate = days > 0 ? Double(own) / days : 0
            if let prior {
                let typical = max(prior(window), 1e-9)
                rate = (priorOrders + Double(own)) / (priorOrders / typical + days)
            }
            let factor = district.factor(counts: counts, window: window, own: k, ownBaseline: own)
            // The rate was learnt from the group's own orders, and the typical rate from many more:
            // with few of its own, a high count is less surprising.
            return Expected(
                mean: rate * Double(window.count) * factor, evidence: Self.priorEvidence + Double(own))
        }
    }

    /// How the page names an order's place: its estate with street and community, else its community.
    func label(_ seq: Int) throws -> String {
        try db.scalarText(
            """
            SELECT coalesce(place_label, trim(coalesce(street, '') || ' ' || coalesce(community, '')))
            FROM detect_orders WHERE seq = ?
            """, [seq]) ?? ""
    }

    static func format(_ x: Double) -> String {
        x < 10 ? String(format: "%.1f", x) : String(Int(x.rounded()))
    }
}
