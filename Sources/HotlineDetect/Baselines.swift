import Foundation
import HotlineCore
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
/// The store's history is cut into regimes where the whole district's orders per day change more
/// than threefold from one month to the next (a store that held a fortnight's sample, then a year;
/// exports that changed in kind): history across such a break is no baseline, and a window never
/// reaches across one. Within its regime, a window is compared with the `baseline_days` before
/// it, leaving out stretches of 30 days without any order (a gap between exports). Where that
/// leaves less than `baseline_min_days` (a regime's first months), stretches after the window make
/// up the difference. A window's verdict therefore never changes once the data reaches
/// `baseline_min_days` past it, whatever arrives later; and a district whose volume grows or falls
/// slowly is judged by its own rate in the window (`DistrictRates`).
final class BaselinePeriod {
    /// The first and the last day of data in the store.
    let firstDay: Int
    let lastDay: Int
    let days: Int
    let minDays: Int
    /// The whole district's orders per day.
    let volume: DayCounts
    /// How many times a month's orders per day may differ from the month before's within a regime.
    static let comparable = 3.0
    static let stretch = 30
    /// The first day of each regime, in order; the first is `firstDay`.
    private(set) var regimeStarts: [Int] = []
    private var cache: [Range<Int>: [Range<Int>]] = [:]

    init(firstDay: Int, lastDay: Int, days: Int, minDays: Int, volume: DayCounts) {
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.days = days
        self.minDays = minDays
        self.volume = volume
        regimeStarts = [firstDay]
        // Orders per day of data in each calendar month; months without data are skipped.
        var previous: Double?
        var monthStart = firstDay
        while monthStart <= lastDay {
            let date = LocalDateTime(dayNumber: monthStart)
            let next = LocalDateTime(
                year: date.month == 12 ? date.year + 1 : date.year, month: date.month % 12 + 1, day: 1
            )
            .dayNumber
            let end = min(next, lastDay + 1)
            let n = volume.count(monthStart..<end)
            let daysWithData = (monthStart..<end).filter { volume.count($0..<($0 + 1)) > 0 }.count
            if daysWithData > 0 {
                let rate = Double(n) / Double(daysWithData)
                if let previous, rate > previous * Self.comparable || rate * Self.comparable < previous {
                    let firstWithData = (monthStart..<end).first { volume.count($0..<($0 + 1)) > 0 } ?? monthStart
                    regimeStarts.append(firstWithData)
                }
                previous = rate
            }
            monthStart = next
        }
    }

    /// The first day of the regime `day` is in.
    func regimeStart(_ day: Int) -> Int {
        var lo = 0
        var hi = regimeStarts.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if regimeStarts[mid] <= day { lo = mid + 1 } else { hi = mid }
        }
        return lo > 0 ? regimeStarts[lo - 1] : firstDay
    }

    /// The last day of the regime `day` is in.
    func regimeEnd(_ day: Int) -> Int {
        (regimeStarts.first { $0 > day } ?? (lastDay + 1)) - 1
    }

    /// The stretches of days a window of days `window` is compared with.
    func around(_ window: Range<Int>) -> [Range<Int>] {
        if let known = cache[window] { return known }
        let last = window.upperBound - 1
        let from = regimeStart(last)
        let to = regimeEnd(last)
        var out: [Range<Int>] = []
        var total = 0
        // Backwards from the window, in stretches.
        var end = window.lowerBound
        let earliest = max(window.lowerBound - days, from)
        while end > earliest {
            let start = max(end - Self.stretch, earliest)
            if volume.count(start..<end) > 0 {
                out.append(start..<end)
                total += end - start
            }
            end = start
        }
        // Forwards after it, while the period is short.
        let need = min(minDays, days)
        var start = window.upperBound
        let horizon = min(to, window.upperBound + days)
        while total < need && start <= horizon {
            let end = min(start + min(Self.stretch, need - total), horizon + 1)
            if volume.count(start..<end) > 0 {
                out.append(start..<end)
                total += end - start
            }
            start = end
        }
        if cache.count > 100_000 { cache.removeAll(keepingCapacity: true) }
        cache[window] = out
        return out
    }
}

/// The whole district's orders per day, overall and per category: how busy the district was in a
/// window against its baseline period, so that growth, decline and the seasons are not mistaken
/// for a local problem.
struct DistrictRates {
    let period: BaselinePeriod
    var all: DayCounts { period.volume }
    private(set) var byCategory: [String: DayCounts] = [:]

    /// `byCategory`: each category's orders per day (see `Tallies`).
    init(period: BaselinePeriod, byCategory: [String: DayCounts]) {
        self.period = period
        self.byCategory = byCategory
    }

    /// Orders' worth of weight that pulls the factor towards 1, so that a district with few orders a
    /// day is not judged by chance ups and downs.
    static let factorPrior = 30.0

    /// The orders per day `factor` compares: the category's, else (nil or unknown) the district's.
    func counts(_ category: String?) -> DayCounts { category.flatMap { byCategory[$0] } ?? all }

    /// The district's daily rate in `window` over its daily rate in the window's baseline period,
    /// leaving out the group's own orders (`own` in the window, `ownBaseline` in the period); 1 when
    /// the period is empty.
    ///
    /// `counts` are the orders per day of the group's category, looked up once by the caller
    /// (`counts(_:)`).
    func factor(counts: DayCounts, window: Range<Int>, own: Int, ownBaseline: Int) -> Double {
        let periods = period.around(window)
        let baselineDays = periods.reduce(0) { $0 + $1.count }
        guard baselineDays > 0 else { return 1 }
        let inWindow = Double(max(counts.count(window) - own, 0))
        let rate = Double(max(periods.reduce(0) { $0 + counts.count($1) } - ownBaseline, 0)) / Double(baselineDays)
        let expected = rate * Double(window.count)
        return (inWindow + Self.factorPrior) / (expected + Self.factorPrior)
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
