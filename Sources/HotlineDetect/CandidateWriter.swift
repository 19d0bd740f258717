import HotlineCore
import HotlineStore

/// Gives each candidate its id, status and rank, and writes them with their evidence.
///
/// A candidate keeps the id of an earlier one (detected in any run) that shares at least half of
/// the smaller one's orders; else its id comes from its main finding's key. Earlier candidates not
/// found again stay in the table, no longer ranked, with their evidence.
struct CandidateWriter {
    let db: Database
    let runID: Int
    let dataEnd: LocalDateTime
    let settings: DetectSettings

    /// Marks every stored candidate as not found by this run.
    static func retireAll(_ db: Database) throws {
        try db.execute(
            "UPDATE candidates SET detected = 0, rank = NULL, status = ?", [CandidateStatus.quiet.rawValue])
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

    /// Writes the candidates; returns how many were found, how many are new and how many quiet.
    func write(_ drafts: [CandidateDraft]) throws -> (current: Int, new: Int, quiet: Int) {
        var candidates = try assignIDs(drafts)
        let today = String(dataEnd.description.prefix(10))
        let quietBefore = dataEnd.dayNumber - settings.quietDays
        var known: [String: String] = [:]
        try db.forEach(KeyValue.self, "SELECT id AS key, first_detected AS value FROM candidates") {
            known[$0.key] = $0.value
        }
        try Self.retireAll(db)
        typealias C = CandidateRecord.Column
        let kept: Set<C> = [.id, .firstDetected, .firstRun]
        let updates = C.allCases.filter { !kept.contains($0) }.map { "\($0.name) = excluded.\($0.name)" }
        let upsert = try db.insert(
            into: "candidates", C.allCases, conflict: "ON CONFLICT(id) DO UPDATE SET \(updates.joined(separator: ", "))"
        )
        let clear = try db.prepare("DELETE FROM candidate_evidence WHERE candidate_id = ?")
        let evidence = try db.prepare(
            "INSERT INTO candidate_evidence(candidate_id, order_seq, signals) VALUES(?, ?, ?)")
        candidates.sort { ($0.weight, $1.lastSeen, $1.id) > ($1.weight, $0.lastSeen, $0.id) }
        var new = 0
        var quiet = 0
        for (rank, c) in candidates.enumerated() {
            let firstDetected = known[c.id] ?? today
            var status: CandidateStatus = firstDetected == today ? .new : .ongoing
            if c.lastDay < quietBefore { status = .quiet }
            if status == .new { new += 1 }
            if status == .quiet { quiet += 1 }
            try upsert.set(.id, c.id)
            try upsert.set(.detected, true)
            try upsert.set(.rank, rank + 1)
            try upsert.set(.weight, c.weight)
            try upsert.set(.status, status.rawValue)
            try upsert.set(.signals, Signal.stored(c.signals))
            try upsert.set(.reason, c.reason)
            try upsert.set(.category, c.category)
            try upsert.set(.place, c.place)
            try upsert.set(.streets, c.streets.joined(separator: "、"))
            try upsert.set(.communities, c.communities.joined(separator: "、"))
            try upsert.set(.orders, c.orders)
            try upsert.set(.callers, c.callers)
            try upsert.set(.unsatisfied, c.unsatisfied)
            try upsert.set(.firstSeen, c.firstSeen)
            try upsert.set(.lastSeen, c.lastSeen)
            try upsert.set(.level, c.level.rawValue)
            try upsert.set(.levelReason, c.levelReason)
            try upsert.set(.departments, c.departments)
            try upsert.set(.firstDetected, firstDetected)
            try upsert.set(.lastDetected, today)
            try upsert.set(.firstRun, runID)
            try upsert.set(.lastRun, runID)
            try upsert.set(.summary, c.summary)
            try upsert.set(.support, c.support)
            try upsert.run()
            try clear.run([c.id])
            for (seq, signals) in c.evidence.sorted(by: { $0.key < $1.key }) {
                try evidence.run([c.id, seq, Signal.stored(signals)])
            }
        }
        return (candidates.count, new, quiet)
    }

    /// Matches each draft to an earlier candidate with most of the same orders, biggest first, so a
    /// split problem's larger part keeps the earlier id.
    private func assignIDs(_ drafts: [CandidateDraft]) throws -> [CandidateDraft] {
        var previous: [Int: [String]] = [:]
        var previousSize: [String: Int] = [:]
        try db.forEach(Tally.self, "SELECT candidate_id AS key, order_seq AS n FROM candidate_evidence") { r in
            previous[r.n, default: []].append(r.key)
            previousSize[r.key, default: 0] += 1
        }
        var candidates = drafts
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
            var id = match?.key ?? Self.newID(candidates[i].primary.key)
            if taken.contains(id) {
                var n = 2
                while taken.contains("\(id)-\(n)") { n += 1 }
                id = "\(id)-\(n)"
            }
            taken.insert(id)
            candidates[i].id = id
        }
        return candidates
    }
}
