import Foundation
import HotlineCore
import HotlineStore

/// One problem to lift out of case-by-case handling, from one or more signals' findings.
struct Candidate {
    var hits: [Hit]
    /// Every evidence order, with the signals that found it.
    var evidence: [Int: Set<Signal>]
    var id = ""
    var weight = 0.0
    var category = ""
    var place = ""
    var streets: [String] = []
    var communities: [String] = []
    var orders = 0
    var callers = 0
    var unsatisfied = 0
    var firstSeen = ""
    var lastSeen = ""
    var lastDay = 0
    var level = ""
    var levelReason = ""
    var departments = ""

    var signals: [Signal] { Array(Set(hits.map(\.signal))).sorted() }
    /// The finding that names the candidate: the one with the most orders.
    var primary: Hit { hits.max { ($0.seqs.count, $1.signal) < ($1.seqs.count, $0.signal) }! }
    var reason: String {
        signals.map { signal in
            let own = hits.filter { $0.signal == signal }.sorted { $0.seqs.count > $1.seqs.count }
            let more = own.count > 1 ? "（另有 \(own.count - 1) 处）" : ""
            return "\(signal.label)：\(own[0].detail)\(more)"
        }.joined(separator: "；")
    }
}

enum Candidates {
    /// Merges findings that share at least half of the smaller one's orders, and describes each group.
    static func build(from hits: [Hit], db: Database, settings: DetectSettings) throws -> [Candidate] {
        var parent = Array(hits.indices)
        func find(_ i: Int) -> Int {
            var i = i
            while parent[i] != i {
                parent[i] = parent[parent[i]]
                i = parent[i]
            }
            return i
        }
        var bySeq: [Int: [Int]] = [:]
        for (i, hit) in hits.enumerated() {
            var shared: [Int: Int] = [:]
            for seq in hit.seqs {
                for other in bySeq[seq, default: []] { shared[other, default: 0] += 1 }
                bySeq[seq, default: []].append(i)
            }
            for (other, n) in shared where n * 2 >= min(hit.seqs.count, hits[other].seqs.count) {
                let a = find(i)
                let b = find(other)
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
        bySeq = [:]
        var groups: [Int: [Hit]] = [:]
        for (i, hit) in hits.enumerated() { groups[find(i), default: []].append(hit) }
        let detail = try db.prepare(
            """
            SELECT t, day, category, place_key, place_label, street, community, caller, unit, unsatisfied + reopened > 0
            FROM detect_orders WHERE seq = ?
            """)
        var out: [Candidate] = []
        for (_, group) in groups.sorted(by: { $0.key < $1.key }) {
            var c = Candidate(hits: group, evidence: [:])
            for hit in group {
                for seq in hit.seqs { c.evidence[seq, default: []].insert(hit.signal) }
            }
            try describe(&c, detail: detail, settings: settings)
            out.append(c)
        }
        return out
    }

    /// Counts, place, category, time span, departments, weight and level from the evidence orders.
    private static func describe(_ c: inout Candidate, detail: Statement, settings: DetectSettings) throws {
        var categories: [String: Int] = [:]
        var places: [String: Int] = [:]
        var hotspotPlaces: [String: Int] = [:]
        var placeKeys = Set<String>()
        var streets: [String: Int] = [:]
        var communities: [String: Int] = [:]
        var units: [String: Int] = [:]
        var callers = Set<String>()
        var anonymous = 0
        var first = Int.max
        var last = Int.min
        for seq in c.evidence.keys {
            try detail.bind([seq])
            guard try detail.step() else { continue }
            defer { detail.reset() }
            c.orders += 1
            first = min(first, detail.int(0))
            last = max(last, detail.int(0))
            c.lastDay = max(c.lastDay, detail.int(1))
            categories[detail.text(2) ?? "", default: 0] += 1
            if let key = detail.text(3) { placeKeys.insert(key) }
            if let label = detail.text(4) ?? detail.text(6) {
                places[label, default: 0] += 1
                if c.evidence[seq]?.contains(.hotspot) == true { hotspotPlaces[label, default: 0] += 1 }
            }
            if let s = detail.text(5) { streets[s, default: 0] += 1 }
            if let s = detail.text(6) { communities[s, default: 0] += 1 }
            if let caller = detail.text(7) { callers.insert(caller) } else { anonymous += 1 }
            if let unit = detail.text(8), !unit.isEmpty { units[unit, default: 0] += 1 }
            if detail.int(9) != 0 { c.unsatisfied += 1 }
        }
        func ranked(_ counts: [String: Int]) -> [(String, Int)] {
            counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { ($0.key, $0.value) }
        }
        c.callers = callers.count + anonymous
        c.category = ranked(categories).first?.0 ?? ""
        // Where a hotspot was found, it names the place; a surge's other orders only add to the count.
        let topPlaces = ranked(hotspotPlaces.isEmpty ? places : hotspotPlaces)
        let spread = hotspotPlaces.isEmpty && topPlaces.count > 2 && (topPlaces.first?.1 ?? 0) * 2 < c.orders
        if spread {
            let names = ranked(communities).prefix(3).map(\.0).joined(separator: "、")
            c.place =
                "多处（\(topPlaces.count) 个地点\(names.isEmpty ? "" : "，" + names + (communities.count > 3 ? " 等" : ""))）"
        } else if let top = topPlaces.first {
            c.place = top.0 + (topPlaces.count > 1 ? " 等 \(topPlaces.count) 处" : "")
        } else {
            c.place = "（未注明地点）"
        }
        c.streets = ranked(streets).map(\.0)
        c.communities = ranked(communities).map(\.0)
        c.departments = ranked(units).prefix(3).map { "\($0.0)（\($0.1)）" }.joined(separator: "、")
        if units.count > 3 { c.departments += " 等 \(units.count) 个单位" }
        c.firstSeen = LocalDateTime(dayNumber: first / 86_400, seconds: first % 86_400).description
        c.lastSeen = LocalDateTime(dayNumber: last / 86_400, seconds: last % 86_400).description
        let signalCount = c.signals.count
        let weight =
            Double(c.callers) + 0.5 * Double(c.orders - c.callers) + 0.5 * Double(c.unsatisfied)
            + 2 * Double(signalCount - 1)
        c.weight = (weight * 10).rounded() / 10
        (c.level, c.levelReason) = level(c, units: units.count, settings: settings)
    }

    /// 社区, 街道 or 区: by how far the problem reaches, how many departments it needs, and its weight.
    static func level(_ c: Candidate, units: Int, settings: DetectSettings) -> (String, String) {
        var district: [String] = []
        var street: [String] = []
        if c.streets.count > 1 { district.append("涉及 \(c.streets.count) 个街道") }
        if units > 2 { district.append("涉及 \(units) 个承办单位") }
        if c.weight >= settings.districtLevel {
            district.append("权重 \(weightText(c.weight)) ≥ \(weightText(settings.districtLevel))")
        }
        if !district.isEmpty { return ("区", district.joined(separator: "，")) }
        if c.communities.count > 1 { street.append("涉及 \(c.communities.count) 个社区") }
        if units == 2 { street.append("涉及 2 个承办单位") }
        if c.signals.contains(.stuck) { street.append("办结后仍不满意") }
        if c.weight >= settings.streetLevel {
            street.append("权重 \(weightText(c.weight)) ≥ \(weightText(settings.streetLevel))")
        }
        if !street.isEmpty { return ("街道", street.joined(separator: "，")) }
        return ("社区", "范围在一个社区内，权重 \(weightText(c.weight))")
    }

    /// `TJ-` and eight letters from the key's hash, as `TJ-KXMR-PQAD`. Letters only, so no id is
    /// ever mistaken for a phone number and masked.
    static func newID(_ key: String) -> String {
        var hash = FNV1a()
        hash.update(key)
        let letters = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
        var v = hash.value
        var out = "TJ-"
        for i in 0..<8 {
            if i == 4 { out += "-" }
            out.append(letters[Int(v % UInt64(letters.count))])
            v /= UInt64(letters.count)
        }
        return out
    }

    static func weightText(_ w: Double) -> String {
        w == w.rounded() ? String(Int(w)) : String(format: "%.1f", w)
    }

    /// Gives each candidate its id, status and rank, and writes them with their evidence.
    ///
    /// A candidate keeps the id of an earlier one (detected in any run) that shares at least half of
    /// the smaller one's orders; else its id comes from its main finding's key. Earlier candidates not
    /// found again stay in the table, no longer ranked, with their evidence.
    static func write(
        _ candidates: [Candidate], db: Database, runID: Int, dataEnd: LocalDateTime, settings: DetectSettings
    ) throws -> (current: Int, new: Int, quiet: Int) {
        var previous: [Int: [String]] = [:]
        var previousSize: [String: Int] = [:]
        for r in try db.rows("SELECT candidate_id, order_seq FROM candidate_evidence") {
            let id = r[0].text ?? ""
            previous[r[1].int ?? 0, default: []].append(id)
            previousSize[id, default: 0] += 1
        }
        var known: [String: String] = [:]
        for r in try db.rows("SELECT id, first_detected FROM candidates") { known[r[0].text ?? ""] = r[1].text }
        var candidates = candidates
        // Biggest first, so a split problem's larger part keeps the earlier id.
        candidates.sort { ($0.orders, $1.primary.key) > ($1.orders, $0.primary.key) }
        var taken = Set<String>()
        for i in candidates.indices {
            var overlap: [String: Int] = [:]
            for seq in candidates[i].evidence.keys {
                for id in previous[seq, default: []] { overlap[id, default: 0] += 1 }
            }
            let match = overlap.filter { !taken.contains($0.key) }
                .filter { $0.value * 2 >= min(candidates[i].orders, previousSize[$0.key] ?? 0) }
                .max { ($0.value, $1.key) < ($1.value, $0.key) }
            var id = match?.key ?? newID(candidates[i].primary.key)
            if taken.contains(id) {
                var n = 2
                while taken.contains("\(id)-\(n)") { n += 1 }
                id = "\(id)-\(n)"
            }
            taken.insert(id)
            candidates[i].id = id
        }
        let today = dataEnd.description.prefix(10)
        let quietBefore = dataEnd.dayNumber - settings.quietDays
        try db.execute("UPDATE candidates SET detected = 0, rank = NULL, status = 'quiet'")
        let upsert = try db.prepare(
            """
            INSERT INTO candidates(id, detected, rank, weight, status, signals, reason, category, place, streets,
                communities, orders, callers, unsatisfied, first_seen, last_seen, level, level_reason, departments,
                first_detected, last_detected, first_run, last_run)
            VALUES(?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET detected = 1, rank = excluded.rank, weight = excluded.weight,
                status = excluded.status, signals = excluded.signals, reason = excluded.reason,
                category = excluded.category, place = excluded.place, streets = excluded.streets,
                communities = excluded.communities, orders = excluded.orders, callers = excluded.callers,
                unsatisfied = excluded.unsatisfied, first_seen = excluded.first_seen, last_seen = excluded.last_seen,
                level = excluded.level, level_reason = excluded.level_reason, departments = excluded.departments,
                last_detected = excluded.last_detected, last_run = excluded.last_run
            """)
        let clear = try db.prepare("DELETE FROM candidate_evidence WHERE candidate_id = ?")
        let evidence = try db.prepare(
            "INSERT INTO candidate_evidence(candidate_id, order_seq, signals) VALUES(?, ?, ?)")
        candidates.sort { ($0.weight, $1.lastSeen, $1.id) > ($1.weight, $0.lastSeen, $0.id) }
        var new = 0
        var quiet = 0
        for (rank, c) in candidates.enumerated() {
            let firstDetected = known[c.id] ?? String(today)
            var status = firstDetected == today ? "new" : "ongoing"
            if c.lastDay < quietBefore { status = "quiet" }
            if status == "new" { new += 1 }
            if status == "quiet" { quiet += 1 }
            try upsert.run([
                c.id, rank + 1, c.weight, status, c.signals.map(\.rawValue).joined(separator: ","), c.reason,
                c.category, c.place, c.streets.joined(separator: "、"), c.communities.joined(separator: "、"), c.orders,
                c.callers, c.unsatisfied, c.firstSeen, c.lastSeen, c.level, c.levelReason, c.departments,
                firstDetected, String(today), runID, runID,
            ])
            try clear.run([c.id])
            for (seq, signals) in c.evidence.sorted(by: { $0.key < $1.key }) {
                try evidence.run([c.id, seq, signals.sorted().map(\.rawValue).joined(separator: ",")])
            }
        }
        return (candidates.count, new, quiet)
    }
}
