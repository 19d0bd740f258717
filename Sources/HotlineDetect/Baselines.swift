import Foundation
import HotlineStore

/// Counts per day, summed so that the count of any stretch of days is one subtraction.
struct DayCounts {
    /// The day of `prefix[0]`; `prefix[i]` is the count of the days before `first + i`.
    let first: Int
    private(set) var prefix: [Int32]

    init(first: Int, last: Int) {
        self.first = first
        prefix = Array(repeating: 0, count: max(last - first + 2, 1))
    }

    /// Adds `n` on `day` (before `finish`).
    mutating func add(_ n: Int, on day: Int) {
        let i = day - first + 1
        guard i >= 1 && i < prefix.count else { return }
        prefix[i] += Int32(n)
    }

    /// Turns the per-day counts into running sums; call once, after every `add`.
    mutating func finish() {
        for i in prefix.indices.dropFirst() { prefix[i] += prefix[i - 1] }
    }

    /// The count of the days in `days` (any part outside the store counts nothing).
    func count(_ days: Range<Int>) -> Int {
        let lo = min(max(days.lowerBound - first, 0), prefix.count - 1)
        let hi = min(max(days.upperBound - first, 0), prefix.count - 1)
        return hi > lo ? Int(prefix[hi] - prefix[lo]) : 0
    }
}

/// The period a window is judged against, so that its verdict depends only on data near it.
///
/// A window is compared with the `baseline_days` before it. Where the store's history before the
/// window is shorter than `baseline_min_days` (its first months), the days after the window make up
/// the difference. A window's verdict therefore never changes once the data reaches
/// `baseline_min_days` past the store's first day, whatever arrives later; and a district whose
/// volume grows or falls is judged by the district's own rate in the window (`DistrictRates`).
struct BaselinePeriod {
    /// The first and the last day of data in the store.
    let firstDay: Int
    let lastDay: Int
    let days: Int
    let minDays: Int

    /// The stretches of days (one or two) a window of days `window` is compared with.
    func around(_ window: Range<Int>) -> [Range<Int>] {
        let before = max(window.lowerBound - days, firstDay)..<max(window.lowerBound, firstDay)
        let need = min(minDays, days) - before.count
        guard need > 0 else { return [before] }
        let after = window.upperBound..<max(min(window.upperBound + need, lastDay + 1), window.upperBound)
        return [before, after].filter { !$0.isEmpty }
    }
}

/// The whole district's orders per day, overall and per category: how busy the district was in a
/// window against its baseline period, so that growth, decline and the seasons are not mistaken
/// for a local problem.
struct DistrictRates {
    let period: BaselinePeriod
    private(set) var all: DayCounts
    private(set) var byCategory: [String: DayCounts] = [:]

    init(db: Database, period: BaselinePeriod) throws {
        self.period = period
        all = DayCounts(first: period.firstDay, last: period.lastDay)
        var categories: [String: DayCounts] = [:]
        try db.forEach(DayTally.self, "SELECT day, category, count(*) AS n FROM detect_orders GROUP BY 1, 2") { r in
            all.add(r.n, on: r.day)
            categories[r.category, default: DayCounts(first: period.firstDay, last: period.lastDay)].add(r.n, on: r.day)
        }
        all.finish()
        for key in categories.keys { categories[key]!.finish() }
        byCategory = categories
    }

    /// Orders' worth of weight that pulls the factor towards 1, so that a district with few orders a
    /// day is not judged by chance ups and downs.
    static let factorPrior = 30.0

    /// The district's daily rate in `window` over its daily rate in the window's baseline period,
    /// leaving out the group's own orders (`own` in the window, `ownBaseline` in the period); 1 when
    /// the period is empty.
    func factor(category: String?, window: Range<Int>, own: Int, ownBaseline: Int) -> Double {
        let counts = category.flatMap { byCategory[$0] } ?? all
        let periods = period.around(window)
        let baselineDays = periods.reduce(0) { $0 + $1.count }
        guard baselineDays > 0 else { return 1 }
        let inWindow = Double(max(counts.count(window) - own, 0))
        let rate = Double(max(periods.reduce(0) { $0 + counts.count($1) } - ownBaseline, 0)) / Double(baselineDays)
        let expected = rate * Double(window.count)
        return (inWindow + Self.factorPrior) / (expected + Self.factorPrior)
    }

    private struct DayTally: FetchableRecord {
        enum Column: Int, ColumnSet { case day, category, n }
        var day: Int
        var category: String
        var n: Int
        init(_ row: RowReader<Column>) {
            day = row.int(.day)
            category = row.string(.category)
            n = row.int(.n)
        }
    }
}

extension Events {
    /// How many of the group's events fall in `days` (the events are in day order).
    func count(in days: Range<Int>) -> Int {
        firstIndex(atOrAfter: days.upperBound) - firstIndex(atOrAfter: days.lowerBound)
    }

    func firstIndex(atOrAfter day: Int) -> Int {
        var lo = 0
        var hi = self.days.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if self.days[mid] < day { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
