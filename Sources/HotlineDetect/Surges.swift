import Foundation
import HotlineCore
import HotlineStore

extension SignalScan {
    /// A category's month in one community far above the community's other months, after scaling by
    /// how the whole district's month compares with its other months (so 学位 in August is expected).
    func surges() throws -> [Finding] {
        let s = settings
        // Calendar months from the store's first to its last, gaps included.
        let first = LocalDateTime(dayNumber: period.firstDay)
        let last = LocalDateTime(dayNumber: period.lastDay)
        var months: [String] = []
        // The regime (see `BaselinePeriod`) each month's last day of data is in.
        var regime: [Int] = []
        var (y, m) = (first.year, first.month)
        while (y, m) <= (last.year, last.month) {
            months.append(String(format: "%04d-%02d", y, m))
            (y, m) = m == 12 ? (y + 1, 1) : (y, m + 1)
            let nextMonth = LocalDateTime(year: y, month: m, day: 1).dayNumber
            regime.append(period.regimeStart(min(nextMonth - 1, period.lastDay)))
        }
        guard months.count > s.surgeHistory else { return [] }
        let monthIndex = Dictionary(uniqueKeysWithValues: months.enumerated().map { ($1, $0) })
        // The months a month is compared with: those of its baseline period, as for days.
        let before = max(Int((Double(period.days) / 30.44).rounded()), 1)
        let atLeast = min(max(Int((Double(period.minDays) / 30.44).rounded()), 1), before)
        // Months with data in the same regime (not a gap, not the far side of a break), as for days.
        var volume = Array(repeating: 0, count: months.count)
        func comparable(_ a: Int, _ b: Int) -> Bool { volume[a] > 0 && regime[a] == regime[b] }
        func baseline(_ m: Int) -> [Int] {
            var out = (max(m - before, 0)..<m).filter { comparable($0, m) }
            var next = m + 1
            while out.count < atLeast && next < min(months.count, m + 1 + before) {
                if comparable(next, m) { out.append(next) }
                next += 1
            }
            return out
        }
        var district: [String: [Int]] = [:]
        var cells: [[String]: [Int]] = [:]
        for (r, n) in tallies.cells {
            guard let m = monthIndex[r.month.string] else { continue }
            let (street, community, category) = (r.street.string, r.community.string, r.category.string)
            cells[[street, community, category], default: Array(repeating: 0, count: months.count)][m] += n
            district[category, default: Array(repeating: 0, count: months.count)][m] += n
        }
        for counts in district.values {
            for (m, n) in counts.enumerated() { volume[m] += n }
        }
        var findings: [Finding] = []
        var found: [Tallies.Cell: Int] = [:]
        for (cell, counts) in cells.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            let others = district[cell[2]]!.enumerated().map { $1 - counts[$0] }
            for (m, k) in counts.enumerated() where k >= s.surgeMin {
                let history = baseline(m)
                guard history.count >= s.surgeHistory else { continue }
                let own = Double(history.reduce(0) { $0 + counts[$1] }) / Double(history.count)
                let elsewhere = Double(history.reduce(0) { $0 + others[$1] }) / Double(history.count)
                let season = elsewhere > 0 ? Double(others[m]) / elsewhere : 1
                let expected = max(own * season, 0.5)
                // The community's own months are few: the mean is judged as learnt from their orders.
                let baseline = Expected(
                    mean: expected, evidence: Double(history.reduce(0) { $0 + counts[$1] }) + SignalScan.priorEvidence)
                guard Double(k) >= s.minRatio * expected, baseline.tail(atLeast: k) < s.alpha else { continue }
                found[Tallies.Cell(street: cell[0], community: cell[1], category: cell[2], month: months[m])] =
                    findings.count
                findings.append(
                    Finding(
                        signal: .surge, key: "surge|\(cell[1])|\(cell[2])|\(months[m])",
                        detail:
                            "\(cell[1])「\(cell[2])」\(months[m]) 共 \(k) 件，按本社区前几个月并考虑全区同类诉求的季节变化，约 \(Self.format(expected)) 件",
                        seqs: []))
            }
        }
        guard !found.isEmpty else { return findings }
        // Each surge's orders, from one pass over every order, in day order.
        var evidence = Array(repeating: [(day: Int, seq: Int)](), count: findings.count)
        try db.forEach(
            CellOrder.self,
            "SELECT seq, day, street, community, category, month FROM detect_orders WHERE community IS NOT NULL"
        ) { o in
            guard let i = found[o.cell] else { return }
            evidence[i].append((o.day, o.seq))
        }
        for i in findings.indices {
            findings[i].seqs = evidence[i].sorted { ($0.day, $0.seq) < ($1.day, $1.seq) }.map(\.seq)
        }
        return findings
    }

    /// An order and the cell it counts in.
    private struct CellOrder: FetchableRecord {
        enum Column: Int, ColumnSet { case seq, day, street, community, category, month }
        var seq: Int
        var day: Int
        var cell: Tallies.Cell

        init(_ row: RowReader<Column>) {
            seq = row.int(.seq)
            day = row.int(.day)
            cell = Tallies.Cell(
                street: row.text(.street) ?? "", community: row.string(.community), category: row.string(.category),
                month: row.string(.month))
        }
    }
}
