extension SignalScan {
    /// Orders unsatisfied after closure, or reopened, bunched on one place (else community) and
    /// category, far more of them than the place's orders at the district's share would give.
    func stuck() throws -> [Finding] {
        let s = settings
        let all = try db.scalar("SELECT count(*) FROM detect_orders")
        let troubled = try db.scalar("SELECT count(*) FROM detect_orders WHERE unsatisfied = 1 OR reopened = 1")
        let rate = Double(troubled) / Double(max(all, 1))
        guard rate > 0 else { return [] }
        var findings: [Finding] = []
        try groups(
            """
            SELECT seq, day, caller, coalesce(place_key, 'c:' || community || '|') AS key1, category AS key2,
                unsatisfied = 1 OR reopened = 1 AS flag
            FROM detect_orders WHERE place_key IS NOT NULL OR community IS NOT NULL
            ORDER BY key1, key2, day, seq
            """, keyColumns: 2, flagged: true
        ) { key, events in
            guard events.flags.lazy.filter({ $0 }).count >= s.stuckMin else { return }
            let found = events.flaggedEpisodes(
                window: s.stuckDays, minCount: s.stuckMin, rate: rate, alpha: s.stuckAlpha, minRatio: s.minRatio)
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
        }
        return findings
    }
}
