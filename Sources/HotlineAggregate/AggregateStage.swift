import HotlineCore
import HotlineStore

/// The aggregate stage: rebuilds every `agg_*` table from the orders and their categories.
///
/// Orders with no street or community are counted under 未注明. An order whose community the
/// reference table places in exactly one street gets that street when the export left it out.
/// Months between the first and the last with no orders are kept with a count of 0.
public struct AggregateStage {
    public static let unknownPlace = "（未注明）"
    public static let unclassified = Values.unclassified

    let store: Store
    let config: PipelineConfig

    public init(store: Store, config: PipelineConfig) {
        self.store = store
        self.config = config
    }

    @discardableResult
    public func run() throws -> StageCounts {
        let handling = try HandlingSettings(config: config)
        var reference: [CommunityInfo] = []
        if let path = config.communities {
            let (rows, problems) = try CommunityTable.load(path: path)
            for p in problems { Log.diagnostic(p) }
            reference = rows
        }
        return try store.runStage("aggregate", configHash: config.hash) { _ in
            let db = store.db
            try db.execute(
                """
                DELETE FROM communities; DELETE FROM agg_summary; DELETE FROM agg_category; DELETE FROM agg_month;
                DELETE FROM agg_month_category; DELETE FROM agg_street; DELETE FROM agg_area;
                DELETE FROM agg_area_category;
                """)
            let insertCommunity = try db.prepare(
                "INSERT INTO communities(street, community, population, grid_workers) VALUES(?, ?, ?, ?)")
            for r in reference { try insertCommunity.run([r.street, r.community, r.population, r.gridWorkers]) }

            var cube = Cube()
            try Handling(db: db, settings: handling).run { cube.add($0) }
            let total = cube.total
            if cube.unclassified > 0 {
                Log.warning(
                    "\(cube.unclassified.grouped) orders are not classified yet; run 'hotline classify' (counted as \(Self.unclassified))"
                )
            }
            let insertCategory = try db.prepare(
                "INSERT INTO agg_category(category, parent, n, share) VALUES(?, ?, ?, ?)")
            for (category, n) in cube.sum({ $0.category }) {
                try insertCategory.run([category, cube.parents[category], n, Double(n) / Double(max(total, 1))])
            }
            let insertMonthCategory = try db.prepare(
                "INSERT INTO agg_month_category(month, category, n) VALUES(?, ?, ?)")
            for (key, n) in cube.sum({ [$0.month, $0.category] }) { try insertMonthCategory.run([key[0], key[1], n]) }
            try fillMonths(db, counts: cube.sum { $0.month })
            let areas = areaCounts(cube, reference: reference)
            try writeAreas(db, areas: areas, reference: reference)
            try writeSummary(db, total: total, unclassified: cube.unclassified)
            let insertSetting = try db.prepare("INSERT INTO agg_summary(key, value) VALUES(?, ?)")
            for (i, (name, text)) in handling.description.enumerated() {
                try insertSetting.run(["handling.\(i).\(name)", text])
            }
            return StageCounts(
                rowsIn: total, rowsOut: total,
                message: "\(cube.categoryCount) categories, \(areas.count) street/community pairs")
        }
    }

    /// Orders counted by month, place and category, fed row by row by the handling scan.
    ///
    /// Its size is bounded by months × communities × categories, whatever the number of orders.
    struct Cube {
        struct Key: Hashable {
            var month: String
            var street: String?
            var community: String?
            var category: String
        }

        var counts: [Key: Int] = [:]
        var parents: [String: String] = [:]
        var total = 0
        var unclassified = 0

        /// Counts one row of the handling scan (see `Handling.run` for its columns).
        mutating func add(_ row: Statement) {
            let category = row.text(14)
            if category == nil { unclassified += 1 }
            let street = row.text(2).flatMap { $0.isEmpty ? nil : $0 }
            let community = row.text(3).flatMap { $0.isEmpty ? nil : $0 }
            let key = Key(
                month: row.text(15) ?? "", street: street, community: community,
                category: category ?? AggregateStage.unclassified)
            counts[key, default: 0] += 1
            total += 1
            if let category, parents[category] == nil, let parent = row.text(16) { parents[category] = parent }
        }

        /// Counts summed over every key that `group` maps to the same value.
        func sum<G: Hashable>(_ group: (Key) -> G) -> [G: Int] {
            var out: [G: Int] = [:]
            for (key, n) in counts { out[group(key), default: 0] += n }
            return out
        }

        var categoryCount: Int { Set(counts.keys.map(\.category)).count }
    }

    private func fillMonths(_ db: Database, counts: [String: Int]) throws {
        guard let first = counts.keys.min(), let last = counts.keys.max(),
            var year = Int(first.prefix(4)), var month = Int(first.suffix(2))
        else { return }
        let insert = try db.prepare("INSERT INTO agg_month(month, n) VALUES(?, ?)")
        while true {
            let key = LocalDateTime(year: year, month: month, day: 1).monthKey
            try insert.run([key, counts[key] ?? 0])
            if key >= last { break }
            month += 1
            if month > 12 { (year, month) = (year + 1, 1) }
        }
    }

    private struct Area: Hashable {
        var street: String
        var community: String
    }

    /// Orders per (street, community, category), with streets filled in from the reference table.
    private func areaCounts(_ cube: Cube, reference: [CommunityInfo]) -> [Area: [String: Int]] {
        var streetsOf: [String: Set<String>] = [:]
        for r in reference { streetsOf[r.community, default: []].insert(r.street) }
        var out: [Area: [String: Int]] = [:]
        for (key, n) in cube.counts {
            let community = key.community ?? Self.unknownPlace
            var street = key.street
            if street == nil, let only = streetsOf[community], only.count == 1 { street = only.first }
            out[Area(street: street ?? Self.unknownPlace, community: community), default: [:]][
                key.category, default: 0] += n
        }
        return out
    }

    private func writeAreas(_ db: Database, areas: [Area: [String: Int]], reference: [CommunityInfo]) throws {
        var info: [Area: CommunityInfo] = [:]
        for r in reference { info[Area(street: r.street, community: r.community)] = r }
        let insertCategory = try db.prepare(
            "INSERT INTO agg_area_category(street, community, category, n) VALUES(?, ?, ?, ?)")
        let insertArea = try db.prepare(
            """
            INSERT INTO agg_area(street, community, n, population, grid_workers, per_10k, per_grid, top_category, top_n)
            VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var streets: [String: (n: Int, population: Int?, grid: Int?, categories: [String: Int])] = [:]
        for area in Set(areas.keys).union(info.keys) {
            let categories = areas[area] ?? [:]
            for (category, n) in categories { try insertCategory.run([area.street, area.community, category, n]) }
            let n = categories.values.reduce(0, +)
            let top = Self.top(categories)
            let population = info[area]?.population
            let grid = info[area]?.gridWorkers
            try insertArea.run([
                area.street, area.community, n, population, grid, population.map { Double(n) * 10_000 / Double($0) },
                grid.map { Double(n) / Double($0) }, top?.category, top?.n,
            ])
            var s = streets[area.street] ?? (0, 0, 0, [:])
            s.n += n
            // A street's rate needs every community's population; one unknown makes it unknown.
            s.population = population.flatMap { p in s.population.map { $0 + p } }
            s.grid = grid.flatMap { g in s.grid.map { $0 + g } }
            for (category, k) in categories { s.categories[category, default: 0] += k }
            streets[area.street] = s
        }
        let insertStreet = try db.prepare(
            """
            INSERT INTO agg_street(street, n, population, grid_workers, per_10k, per_grid, top_category, top_n)
            VALUES(?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (street, s) in streets {
            let top = Self.top(s.categories)
            try insertStreet.run([
                street, s.n, s.population, s.grid, s.population.map { Double(s.n) * 10_000 / Double($0) },
                s.grid.map { Double(s.n) / Double($0) }, top?.category, top?.n,
            ])
        }
    }

    /// The largest category; ties go to the name that sorts first, so reruns agree.
    static func top(_ counts: [String: Int]) -> (category: String, n: Int)? {
        counts.min { ($1.value, $0.key) < ($0.value, $1.key) }.map { ($0.key, $0.value) }
    }

    private func writeSummary(_ db: Database, total: Int, unclassified: Int) throws {
        let insert = try db.prepare("INSERT INTO agg_summary(key, value) VALUES(?, ?)")
        let values: [(String, String?)] = [
            ("pipeline", config.name),
            ("orders", String(total)),
            ("unclassified", String(unclassified)),
            ("first_received", try db.scalarText("SELECT min(received_at) FROM orders")),
            ("last_received", try db.scalarText("SELECT max(received_at) FROM orders")),
            ("rows_read", String(try db.scalar("SELECT coalesce(sum(rows_read), 0) FROM sources"))),
            ("rejected", String(try db.scalar("SELECT count(*) FROM rejects"))),
            ("by_rule", String(try db.scalar("SELECT count(*) FROM classified WHERE rule <> 'fallback'"))),
            ("fallback", config.fallbackCategory),
            ("population", String(try db.scalar("SELECT coalesce(sum(population), 0) FROM communities"))),
            ("generated_at", LocalDateTime.now().description),
        ]
        for (key, value) in values { try insert.run([key, value ?? ""]) }
    }
}
