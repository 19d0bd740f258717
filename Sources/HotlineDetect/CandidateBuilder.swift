import Foundation
import HotlineCore
import HotlineStore

/// One problem to lift out of case-by-case handling, from one or more signals' findings, before it
/// is given its id and written.
struct CandidateDraft {
    var findings: [Finding]
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
    /// The evidence orders' support (点赞数 or 附议数) where the export carries it.
    var support = 0
    var firstSeen = ""
    var lastSeen = ""
    var lastDay = 0
    var summary = ""
    var level = Level.community
    var levelReason = ""
    var departments = ""

    var signals: [Signal] { Array(Set(findings.map(\.signal))).sorted() }
    /// The finding that names the candidate: the one with the most orders.
    var primary: Finding { findings.max { ($0.seqs.count, $1.signal) < ($1.seqs.count, $0.signal) }! }
    var reason: String {
        signals.map { signal in
            let own = findings.filter { $0.signal == signal }.sorted { $0.seqs.count > $1.seqs.count }
            let more = own.count > 1 ? "（另有 \(own.count - 1) 处）" : ""
            return "\(signal.label)：\(own[0].detail)\(more)"
        }.joined(separator: "；")
    }
}

/// Merges findings into candidates and describes each from its evidence orders.
struct CandidateBuilder {
    let db: Database
    let settings: DetectSettings

    /// Merges findings that share at least half of the smaller one's orders, and describes each group.
    func build(from findings: [Finding]) throws -> [CandidateDraft] {
        var parent = Array(findings.indices)
        func find(_ i: Int) -> Int {
            var i = i
            while parent[i] != i {
                parent[i] = parent[parent[i]]
                i = parent[i]
            }
            return i
        }
        var bySeq: [Int: [Int]] = [:]
        for (i, finding) in findings.enumerated() {
            var shared: [Int: Int] = [:]
            for seq in finding.seqs {
                for other in bySeq[seq, default: []] { shared[other, default: 0] += 1 }
                bySeq[seq, default: []].append(i)
            }
            for (other, n) in shared where n * 2 >= min(finding.seqs.count, findings[other].seqs.count) {
                let a = find(i)
                let b = find(other)
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
        bySeq = [:]
        var groups: [Int: [Finding]] = [:]
        for (i, finding) in findings.enumerated() { groups[find(i), default: []].append(finding) }
        let detail = try db.prepare(
            """
            SELECT t, day, category, place_key, place_label, street, community, caller, unit,
                unsatisfied + reopened > 0 AS troubled, coalesce(support, 0) AS support
            FROM detect_orders WHERE seq = ?
            """)
        let row = try detail.reader(DetailColumn.self)
        var out: [CandidateDraft] = []
        for (_, group) in groups.sorted(by: { $0.key < $1.key }) {
            var c = CandidateDraft(findings: group, evidence: [:])
            for finding in group {
                for seq in finding.seqs { c.evidence[seq, default: []].insert(finding.signal) }
            }
            try describe(&c, detail: detail, row: row)
            out.append(c)
        }
        return out
    }

    /// What `describe` reads of each evidence order.
    enum DetailColumn: Int, ColumnSet {
        case t, day, category, placeKey, placeLabel, street, community, caller, unit, troubled, support
    }

    /// Counts, place, category, time span, departments, weight and level from the evidence orders.
    private func describe(_ c: inout CandidateDraft, detail: Statement, row: RowReader<DetailColumn>) throws {
        var categories: [String: Int] = [:]
        var places: [String: Int] = [:]
        var hotspotPlaces: [String: Int] = [:]
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
            first = min(first, row.int(.t))
            last = max(last, row.int(.t))
            c.lastDay = max(c.lastDay, row.int(.day))
            categories[row.string(.category), default: 0] += 1
            if let label = row.text(.placeLabel) ?? row.text(.community) {
                places[label, default: 0] += 1
                if c.evidence[seq]?.contains(.hotspot) == true { hotspotPlaces[label, default: 0] += 1 }
            }
            if let s = row.text(.street) { streets[s, default: 0] += 1 }
            if let s = row.text(.community) { communities[s, default: 0] += 1 }
            if let caller = row.text(.caller) { callers.insert(caller) } else { anonymous += 1 }
            if let unit = row.text(.unit), !unit.isEmpty { units[unit, default: 0] += 1 }
            if row.bool(.troubled) { c.unsatisfied += 1 }
            c.support += row.int(.support)
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
        } else if let subject = c.findings.compactMap(\.subject).first {
            c.place = subject
        } else {
            c.place = "（未注明地点）"
        }
        c.streets = ranked(streets).map(\.0)
        c.communities = ranked(communities).map(\.0)
        c.departments = ranked(units).prefix(3).map { "\($0.0)（\($0.1)）" }.joined(separator: "、")
        if units.count > 3 { c.departments += " 等 \(units.count) 个单位" }
        c.firstSeen = LocalDateTime(secondsSinceEpoch: first).description
        c.lastSeen = LocalDateTime(secondsSinceEpoch: last).description
        let signalCount = c.signals.count
        // Many people count above one loud one: a caller's further orders add a quarter each.
        let weight =
            Double(c.callers) + 0.25 * Double(c.orders - c.callers) + 0.5 * Double(c.unsatisfied)
            + 2 * Double(signalCount - 1) + Self.supportWeight(c.support)
        c.weight = (weight * 10).rounded() / 10
        (c.level, c.levelReason) = Self.level(c, units: units.count, settings: settings)
        c.summary = Self.summary(c, first: first, last: last)
    }

    /// The candidate in one sentence an official reads without the method: where, what, when, how
    /// many people, why it stands out, and to whom it goes.
    static func summary(_ c: CandidateDraft, first: Int, last: Int) -> String {
        let from = LocalDateTime(secondsSinceEpoch: first)
        let to = LocalDateTime(secondsSinceEpoch: last)
        var when = "\(from.year)年\(from.month)月\(from.day)日"
        if to.dayNumber != from.dayNumber {
            when += "至" + (to.year != from.year ? "\(to.year)年" : "") + "\(to.month)月\(to.day)日"
        }
        let why = c.signals.map { signal -> String in
            switch signal {
            case .hotspot: "同一地点集中反映"
            case .repeatCaller: "同一来电人反复反映"
            case .mass:
                c.findings.contains { $0.signal == .mass && $0.key.hasPrefix("campaign|") }
                    ? "多人反映同一对象" : "多人反映几乎相同的内容"
            case .surge: "社区当月明显增多"
            case .stuck: "办结后仍不满意或重新办理"
            }
        }.joined(separator: "、")
        let people = c.callers == 1 ? "1 位来电人反映 \(c.orders) 次" : "\(c.callers) 位来电人反映 \(c.orders) 件"
        let support = c.support > 0 ? "（获 \(c.support) 次点赞或附议）" : ""
        let handling = c.level == .community ? "建议社区跟进" : "建议提级到\(c.level.label)处理"
        return "\(c.place)的「\(c.category)」问题：\(when)，\(people)\(support)，\(why)；\(handling)。"
    }

    /// 社区, 街道 or 区: by how far the problem reaches, how many departments it needs, and its weight.
    static func level(_ c: CandidateDraft, units: Int, settings: DetectSettings) -> (Level, String) {
        // One caller repeating itself is a repeat caller, not a problem for the street, unless others join.
        if c.callers <= 1 { return (.community, "同一来电人反复反映") }
        var district: [String] = []
        var street: [String] = []
        if c.streets.count > 1 { district.append("涉及 \(c.streets.count) 个街道") }
        if units > 2 { district.append("涉及 \(units) 个承办单位") }
        if c.weight >= settings.districtLevel {
            district.append("权重 \(weightText(c.weight)) ≥ \(weightText(settings.districtLevel))")
        }
        if !district.isEmpty { return (.district, district.joined(separator: "，")) }
        if c.communities.count > 1 { street.append("涉及 \(c.communities.count) 个社区") }
        if units == 2 { street.append("涉及 2 个承办单位") }
        if c.signals.contains(.stuck) { street.append("办结后仍不满意") }
        if c.weight >= settings.streetLevel {
            street.append("权重 \(weightText(c.weight)) ≥ \(weightText(settings.streetLevel))")
        }
        if !street.isEmpty { return (.street, street.joined(separator: "，")) }
        return (.community, "范围在一个社区内，权重 \(weightText(c.weight))")
    }

    /// What support (点赞, 附议) adds to a candidate's weight: one for each doubling.
    static func supportWeight(_ support: Int) -> Double { support > 0 ? log2(1 + Double(support)) : 0 }

    static func weightText(_ w: Double) -> String {
        w == w.rounded() ? String(Int(w)) : String(format: "%.1f", w)
    }
}
