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

    /// A stretch of events in which every window of `window` days was counted, and the most unusual.
    struct Episode {
        var range: Range<Int>
        /// The fullest window's count, distinct callers, and the count the baseline expected in it.
        var peak: Int
        var peakCallers: Int
        var expected: Double
    }

    /// The stretches in which some window of `window` days holds at least `minCount` events from at
    /// least `minCallers` distinct callers, and (when `expected` gives a baseline) more than the
    /// baseline makes likely at level `alpha` and at least `minRatio` times it). Overlapping windows make one stretch.
    ///
    /// `expected(k)` is the baseline's count for a window holding `k` of the group's events.
    func episodes(
        window: Int, minCount: Int, minCallers: Int = 1, alpha: Double, minRatio: Double = 1,
        expected: ((Int) -> Double)? = nil
    ) -> [Episode] {
        var out: [Episode] = []
        var start = 0
        var inWindow: [Int: Int] = [:]
        var unknownCallers = 0
        for end in 0..<days.count {
            add(end, to: &inWindow, unknown: &unknownCallers, by: 1)
            while days[end] - days[start] >= window {
                add(start, to: &inWindow, unknown: &unknownCallers, by: -1)
                start += 1
            }
            let k = end - start + 1
            let distinct = inWindow.count + unknownCallers
            guard k >= minCount, distinct >= minCallers else { continue }
            var lambda = 0.0
            if let expected {
                lambda = expected(k)
                guard Double(k) >= minRatio * lambda, Poisson.tail(atLeast: k, mean: lambda) < alpha else { continue }
            }
            if var last = out.last, last.range.upperBound > start {
                last.range = last.range.lowerBound..<(end + 1)
                if k > last.peak { (last.peak, last.peakCallers, last.expected) = (k, distinct, lambda) }
                out[out.count - 1] = last
            } else {
                out.append(Episode(range: start..<(end + 1), peak: k, peakCallers: distinct, expected: lambda))
            }
        }
        return out
    }

    /// The stretches in which some window of `window` days holds at least `minCount` flagged events,
    /// more than `rate` times all the window's events makes likely at level `alpha`, and at least
    /// `minRatio` times that.
    ///
    /// The episode's range covers the flagged events only, from the first to the last.
    func flaggedEpisodes(window: Int, minCount: Int, rate: Double, alpha: Double, minRatio: Double) -> [Episode] {
        var out: [Episode] = []
        var start = 0
        var flagged = 0
        for end in 0..<days.count {
            if flags[end] { flagged += 1 }
            while days[end] - days[start] >= window {
                if flags[start] { flagged -= 1 }
                start += 1
            }
            guard flags[end], flagged >= minCount else { continue }
            let lambda = rate * Double(end - start + 1)
            guard Double(flagged) >= minRatio * lambda, Poisson.tail(atLeast: flagged, mean: lambda) < alpha else {
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
