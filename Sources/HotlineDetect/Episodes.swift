import Foundation

/// One group's events (orders) in time order, and the stretches of time in which they bunch up.
struct Events {
    var days: [Int] = []
    var seqs: [Int] = []
    /// A number per distinct caller (nil when the export carries no caller), for counting callers.
    var callers: [Int?] = []
    /// Marks the events a signal counts among all of them (stuck orders among a place's orders).
    var flags: [Bool] = []

    var count: Int { days.count }

    mutating func append(day: Int, seq: Int, caller: Int?, flag: Bool = false) {
        days.append(day)
        seqs.append(seq)
        callers.append(caller)
        flags.append(flag)
    }

    /// The events whose `keep` is true, in their order.
    func filtered(_ keep: [Bool]) -> Events {
        var out = Events()
        for i in days.indices where keep[i] {
            out.append(day: days[i], seq: seqs[i], caller: callers[i], flag: flags[i])
        }
        return out
    }

    /// A stretch of events in which every window of `window` days was counted, and the most unusual.
    struct Episode {
        var range: Range<Int>
        /// The fullest window's count, distinct callers, and the count the baseline expected in it.
        var peak: Int
        var peakCallers: Int
        var expected: Double
        /// The smallest chance, under the baseline, of a window as full as one of this stretch's.
        var p = 1.0
        /// The window, in days, it was found with.
        var window = 0
    }

    /// The stretches in which some window of `window` days holds at least `minCount` events from at
    /// least `minCallers` distinct callers, and (when `expected` gives a baseline) more than the
    /// baseline makes likely at level `alpha` and at least `minRatio` times it. Overlapping windows
    /// make one stretch, cut to its core: the windows whose chance is at most the geometric mean of
    /// the stretch's smallest and `alpha`, so that the ordinary orders on either side of a burst are
    /// not counted in it.
    ///
    /// `expected(k, days)` is the baseline's count for the window of `days` holding `k` of the
    /// group's events.
    func episodes(
        window: Int, minCount: Int, minCallers: Int = 1, alpha: Double, minRatio: Double = 1,
        since: ((Int) -> Int)? = nil, expected: ((Int, Range<Int>) -> Expected)? = nil
    ) -> [Episode] {
        struct Window {
            var range: Range<Int>
            var k: Int
            var callers: Int
            var lambda: Double
            var p: Double
        }
        var stretches: [[Window]] = []
        var start = 0
        var inWindow: [Int: Int] = [:]
        var unknownCallers = 0
        for end in 0..<days.count {
            add(end, to: &inWindow, unknown: &unknownCallers, by: 1)
            // A window never reaches back across a break in the store's history (`since`).
            let floor = max(days[end] - window + 1, since?(days[end]) ?? Int.min)
            while days[start] < floor {
                add(start, to: &inWindow, unknown: &unknownCallers, by: -1)
                start += 1
            }
            // Only the last event of a day closes a window: the day's events are counted together.
            if end + 1 < days.count && days[end + 1] == days[end] { continue }
            let k = end - start + 1
            let distinct = inWindow.count + unknownCallers
            guard k >= minCount, distinct >= minCallers else { continue }
            var lambda = 0.0
            var p = 0.0
            if let expected {
                let baseline = expected(k, floor..<(days[end] + 1))
                lambda = baseline.mean
                guard Double(k) >= minRatio * lambda else { continue }
                p = baseline.tail(atLeast: k)
                guard p < alpha else { continue }
            }
            let w = Window(range: start..<(end + 1), k: k, callers: distinct, lambda: lambda, p: p)
            if let last = stretches.last?.last, last.range.upperBound > start {
                stretches[stretches.count - 1].append(w)
            } else {
                stretches.append([w])
            }
        }
        return stretches.map { windows in
            let best = windows.map(\.p).min() ?? 0
            // Never below `best`: where best × alpha underflows to 0 (a chance near the smallest
            // double), the core would otherwise lose even its most unusual window.
            let cut = max((best * alpha).squareRoot(), best)
            let core = expected == nil ? windows : windows.filter { $0.p <= cut }
            let peak = core.max { ($0.k, $1.p) < ($1.k, $0.p) }!
            return Episode(
                range: core.map(\.range.lowerBound).min()!..<core.map(\.range.upperBound).max()!, peak: peak.k,
                peakCallers: peak.callers, expected: peak.lambda, p: best, window: window)
        }
    }

    /// Episodes at several window lengths, each tested at `alpha` shared among them: where episodes
    /// of different lengths overlap, the most unusual one stays, so a burst of a week is not
    /// diluted into a month of ordinary orders around it.
    func episodes(
        windows: [Int], minCount: Int, minCallers: Int = 1, alpha: Double, minRatio: Double = 1,
        since: ((Int) -> Int)? = nil, expected: @escaping (Int, Range<Int>) -> Expected
    ) -> [Episode] {
        var all: [Episode] = []
        for w in windows {
            all += episodes(
                window: w, minCount: minCount, minCallers: minCallers, alpha: alpha / Double(windows.count),
                minRatio: minRatio, since: since, expected: expected)
        }
        all.sort { ($0.p, $1.range.count, $0.range.lowerBound) < ($1.p, $0.range.count, $1.range.lowerBound) }
        var kept: [Episode] = []
        for e in all where !kept.contains(where: { $0.range.overlaps(e.range) }) { kept.append(e) }
        return kept.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }

    /// The stretches in which some window of `window` days holds at least `minCount` flagged events,
    /// more than `rate(days)` times all the window's events makes likely at level `alpha`, and at least
    /// `minRatio` times that.
    ///
    /// The episode's range covers the flagged events only, from the first to the last.
    func flaggedEpisodes(
        window: Int, minCount: Int, rate: (Range<Int>) -> Double, alpha: (Range<Int>) -> Double, minRatio: Double,
        since: ((Int) -> Int)? = nil
    ) -> [Episode] {
        var out: [Episode] = []
        var start = 0
        var flagged = 0
        for end in 0..<days.count {
            if flags[end] { flagged += 1 }
            let floor = max(days[end] - window + 1, since?(days[end]) ?? Int.min)
            while days[start] < floor {
                if flags[start] { flagged -= 1 }
                start += 1
            }
            guard flags[end], flagged >= minCount else { continue }
            let span = floor..<(days[end] + 1)
            let share = rate(span)
            let lambda = share * Double(end - start + 1)
            guard Double(flagged) >= minRatio * lambda,
                Binomial.tail(atLeast: flagged, of: end - start + 1, share: share) < alpha(span)
            else {
                continue
            }
            var first = start
            while !flags[first] { first += 1 }
            if var last = out.last, last.range.upperBound > first {
                last.range = last.range.lowerBound..<(end + 1)
                if flagged > last.peak { (last.peak, last.expected) = (flagged, lambda) }
                out[out.count - 1] = last
            } else {
                out.append(Episode(range: first..<(end + 1), peak: flagged, peakCallers: 0, expected: lambda))
            }
        }
        return out
    }

    private func add(_ i: Int, to counts: inout [Int: Int], unknown: inout Int, by delta: Int) {
        guard let caller = callers[i] else {
            unknown += delta
            return
        }
        let n = counts[caller, default: 0] + delta
        counts[caller] = n == 0 ? nil : n
    }
}

extension Events {
    /// The events of `parts` (each in day order) together, by day and then seq.
    init(merging parts: [Events]) {
        if parts.count == 1 {
            self = parts[0]
            return
        }
        let all = parts.flatMap { p in p.days.indices.map { (p.days[$0], p.seqs[$0], p.callers[$0], p.flags[$0]) } }
        for e in all.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) { append(day: e.0, seq: e.1, caller: e.2, flag: e.3) }
    }
}

/// What a baseline expects in a window: a mean, and how many orders that mean was learnt from.
///
/// A mean learnt from few orders is uncertain, so a count is judged against the negative binomial
/// distribution (a Poisson whose mean is itself estimated from `evidence` orders) rather than a
/// Poisson with the mean taken as exact: a place with a short or thin history needs a larger
/// excess to count as unusual. With no `evidence` the mean is taken as exact.
struct Expected {
    var mean: Double
    var evidence: Double?

    /// P(count ≥ k) under this baseline.
    func tail(atLeast k: Int) -> Double {
        guard let evidence, evidence > 0 else { return Poisson.tail(atLeast: k, mean: mean) }
        return NegativeBinomial.tail(atLeast: k, mean: mean, shape: evidence)
    }
}

/// The negative binomial's upper tail: counts of a Poisson whose mean is gamma-distributed, with
/// the given mean and shape (the shape is the number of orders the mean was learnt from).
enum NegativeBinomial {
    static func tail(atLeast k: Int, mean: Double, shape r: Double) -> Double {
        if k <= 0 { return 1 }
        if mean <= 0 { return 0 }
        if Double(k) <= mean { return 1 }
        // P(X = x) = Γ(x + r) / (Γ(r) x!) · p^r · (1 − p)^x, with p = r / (r + mean).
        let q = mean / (r + mean)
        var logTerm =
            lgamma(Double(k) + r) - lgamma(r) - lgamma(Double(k) + 1) + r * log(r / (r + mean))
            + Double(k) * log(q)
        var sum = 0.0
        var x = k
        while x < k + 1_000_000 {
            let term = exp(logTerm)
            sum += term
            if term <= sum * 1e-12 { break }
            logTerm += log((Double(x) + r) / Double(x + 1)) + log(q)
            x += 1
        }
        return min(1, sum)
    }
}

/// The binomial distribution's upper tail: how likely at least `k` of `n` orders are flagged when
/// each is with chance `share`.
enum Binomial {
    static func tail(atLeast k: Int, of n: Int, share p: Double) -> Double {
        if k <= 0 { return 1 }
        if k > n || p <= 0 { return 0 }
        if p >= 1 { return 1 }
        if Double(k) <= Double(n) * p { return 1 }
        var logTerm =
            lgamma(Double(n) + 1) - lgamma(Double(k) + 1) - lgamma(Double(n - k) + 1) + Double(k) * log(p)
            + Double(n - k) * log(1 - p)
        var sum = 0.0
        for x in k...n {
            let term = exp(logTerm)
            sum += term
            if term <= sum * 1e-12 { break }
            logTerm += log(Double(n - x) / Double(x + 1)) + log(p / (1 - p))
        }
        return min(1, sum)
    }
}

/// The Poisson distribution's upper tail, for "more than the baseline makes likely".
enum Poisson {
    /// P(X ≥ k) for X ~ Poisson(mean).
    static func tail(atLeast k: Int, mean: Double) -> Double {
        if k <= 0 { return 1 }
        if mean <= 0 { return 0 }
        // At or below the mean the tail is large; summing upward from k converges only above it.
        if Double(k) <= mean { return 1 }
        var logTerm = -mean + Double(k) * log(mean) - lgamma(Double(k) + 1)
        var sum = 0.0
        var i = k
        while i < k + 100_000 {
            let term = exp(logTerm)
            sum += term
            if term <= sum * 1e-12 { break }
            i += 1
            logTerm += log(mean) - log(Double(i))
        }
        return min(1, sum)
    }
}
