extension SignalScan {
    /// One caller on one matter (category) again and again within the window.
    func repeatCallers() throws -> [Finding] {
        var findings: [Finding] = []
        let s = settings
        try groups(
            """
            SELECT seq, day, caller, caller AS key1, category AS key2 FROM detect_orders
            WHERE caller IN (SELECT caller FROM detect_orders WHERE caller IS NOT NULL GROUP BY caller
                HAVING count(*) >= ?)
            ORDER BY caller, category, day, seq
            """, keyColumns: 2, [s.repeatMin]
        ) { key, events, _ in
            guard events.count >= s.repeatMin else { return }
            for e in events.episodes(window: s.repeatDays, minCount: s.repeatMin, alpha: 1) {
                findings.append(
                    Finding(
                        signal: .repeatCaller, key: "repeat|\(key[0])|\(key[1])|\(events.days[e.range.lowerBound])",
                        detail: "同一来电人就「\(key[1])」\(s.repeatDays) 天内来电最多 \(e.peak) 次，共 \(e.range.count) 次",
                        seqs: Array(events.seqs[e.range])))
            }
        }
        return findings
    }
}
