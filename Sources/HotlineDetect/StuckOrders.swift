import HotlineStore

extension SignalScan {
    /// Orders unsatisfied after closure, or reopened, bunched on one place (else community) and
    /// category, far more of them than the place's orders at the district's share would give.
    ///
    /// Returns the test of one group, a place (else community) and category with its orders in day
    /// order and its troubled ones flagged; nil when the store has no troubled order.
    func stuckOrders() throws -> (([String], Events) throws -> [Finding])? {
        let s = settings
        // The district's share of troubled orders over each window's baseline period.
        let all = period.volume
        let troubled = tallies.troubled
        guard troubled.count(period.firstDay..<(period.lastDay + 1)) > 0 else { return nil }
        let period = self.period
        let rate: (Range<Int>) -> Double = { window in
            let periods = period.around(window) + [window]
            let n = periods.reduce(0) { $0 + all.count($1) }
            return n > 0 ? Double(periods.reduce(0) { $0 + troubled.count($1) }) / Double(n) : 0
        }
        // Every place and category with troubled orders is tested: the level is shared among those
        // seen by the window's end, so a district with many places is not flooded by chance.
        let firstTroubled = tallies.firstTroubled.values.sorted()
        return { key, events in
            var findings: [Finding] = []
            guard events.flags.lazy.filter({ $0 }).count >= s.stuckMin else { return [] }
            let found = events.flaggedEpisodes(
                window: s.stuckDays, minCount: s.stuckMin, rate: rate,
                alpha: { window in
                    var lo = 0
                    var hi = firstTroubled.count
                    while lo < hi {
                        let mid = (lo + hi) / 2
                        if firstTroubled[mid] < window.upperBound { lo = mid + 1 } else { hi = mid }
                    }
                    return s.stuckAlpha / Double(max(lo, 1))
                }, minRatio: s.minRatio, since: period.regimeStart)
            for e in found {
                let seqs = e.range.filter { events.flags[$0] }.map { events.seqs[$0] }
                let name = try label(seqs[0])
                findings.append(
                    Finding(
                        signal: .stuck, key: "stuck|\(key[0])|\(key[1])|\(events.days[e.range.lowerBound])",
                        detail:
                            "\(name)「\(key[1])」\(s.stuckDays) 天内 \(seqs.count) 件办结后仍不满意或重新办理（按全区比例约 \(Self.format(e.expected)) 件）",
                        seqs: seqs))
            }
            return findings
        }
    }
}
