import HotlineClassify
import HotlineCore
import HotlineIngest
import HotlineStore

/// Where the community reference table is.
public enum AggregateSettings {
    public static let communities = Setting(
        "pipeline", "communities", .inputFile,
        "The community table: CSV with 所属街道, 所属社区, 常住人口 and optionally 网格员, for counts per 10,000 residents.")
    public static let all = [communities] + HandlingSettings.all
}

/// The aggregate stage: rebuilds every `agg_*` table from the orders and their categories.
///
/// Orders with no street or community are counted under 未注明. An order whose community the
/// reference table places in exactly one street gets that street when the export left it out.
/// Months between the first and the last with no orders are kept with a count of 0.
///
/// Each month's share of every figure is kept, so a night reads only the orders of the months that
/// the orders ingest wrote or classify reclassified since the last run belong (or belonged) to;
/// the reported tables are then made from every month's share. Its settings changing, orders
/// removed or `--full` count every month again.
public struct AggregateStage: Stage {
    public static let name = StageName.aggregate
    public static let reads: [TableName] = [.orders, .classified, .sources, .rejects]
    public static let owns = TableName.aggregates
    public static let migrations = AggregateSchema.migrations
    public static let settings = AggregateSettings.all
    public static let unknownPlace = "（未注明）"
    public static let unclassified = Values.unclassified

    public let name: String
    public let handling: HandlingSettings
    public let reference: [CommunityInfo]
    public let fallback: String
    public let fingerprint: String
    /// Count every month again, not only those with orders written since the last run.
    public var full = false

    /// Reads the settings, the holiday list and the community table; a bad community row is
    /// reported and skipped.
    public init(config: PipelineConfig, paths: StagePaths) throws {
        name = config.name
        handling = try HandlingSettings(config: config)
        fallback = config.text(ClassifySettings.fallback) ?? "其他"
        var reference: [CommunityInfo] = []
        if let path = config.path(AggregateSettings.communities) {
            let (rows, problems) = try CommunityTable.load(path: path)
            for p in problems { Log.diagnostic(p) }
            reference = rows
        }
        self.reference = reference
        fingerprint = Self.fingerprint(of: config)
        full = paths.full
    }

    public func run(in store: Store, runID: Int) throws -> StageCounts {
        let db = store.db
        let (months, since) = try Log.timed("aggregate.months") { try touchedMonths(store) }
        try db.execute(
            """
            DELETE FROM communities; DELETE FROM agg_summary; DELETE FROM agg_category; DELETE FROM agg_month;
            DELETE FROM agg_month_category; DELETE FROM agg_street; DELETE FROM agg_area;
            DELETE FROM agg_area_category; DELETE FROM agg_month_area_category;
            """)
        let insertCommunity = try db.insert(into: "communities", CommunityColumn.allCases)
        for r in reference {
            try insertCommunity.set(.street, r.street)
            try insertCommunity.set(.community, r.community)
            try insertCommunity.set(.population, r.population)
            try insertCommunity.set(.gridWorkers, r.gridWorkers)
            try insertCommunity.run()
        }

        var recounted = Cube()
        try Log.timed("aggregate.forget") {
            try Handling.forget(months: months, in: db)
            try Cube.forget(months: months, in: db)
        }
        try Handling(db: db, settings: handling).run(months: months, since: since) { recounted.add($0) }
        try recounted.save(in: db)
        let cube = try Log.timed("aggregate.cube") { try Cube(db) }
        let total = cube.total
        if cube.unclassified > 0 {
            Log.warning(
                "\(cube.unclassified.grouped) orders are not classified yet; run 'hotline classify' (counted as \(Self.unclassified))"
            )
        }
        let insertCategory = try db.insert(into: "agg_category", CategoryCount.Column.allCases)
        for (category, n) in cube.sum({ $0.category }) {
            try insertCategory.set(.category, category)
            try insertCategory.set(.parent, cube.parents[category])
            try insertCategory.set(.n, n)
            try insertCategory.set(.share, Double(n) / Double(max(total, 1)))
            try insertCategory.run()
        }
        let insertMonthCategory = try db.insert(into: "agg_month_category", MonthCategoryCount.Column.allCases)
        for (key, n) in cube.sum({ [$0.month, $0.category] }) {
            try insertMonthCategory.set(.month, key[0])
            try insertMonthCategory.set(.category, key[1])
            try insertMonthCategory.set(.n, n)
            try insertMonthCategory.run()
        }
        try fillMonths(db, counts: cube.sum { $0.month })
        let areas = areaCounts(cube)
        try Log.timed("aggregate.areas") {
            try writeAreas(db, areas: areas)
            try writeMonthAreas(db, cube: cube)
        }
        try Log.timed("aggregate.summary") {
            try writeSummary(
                db, total: total, unclassified: cube.unclassified, manualReason: try Classifications.manualReason(store)
            )
        }
        let scope = months.map { "\(recounted.total.grouped) orders of \($0.count) months recounted; " } ?? ""
        return StageCounts(
            rowsIn: recounted.total, rowsOut: total,
            message: scope + "\(cube.categoryCount) categories, \(areas.count) street/community pairs")
    }

    /// The months to count again: nil for every month (first run, settings changed, orders removed,
    /// `--full`), else those of the orders written or reclassified since the last run, old and new.
    /// Brings `agg_order_month` up to date, and lists in `temp.agg_touched_callers` the callers the
    /// changed orders had or have. Returns the months and the run the changes are counted from.
    private func touchedMonths(_ store: Store) throws -> (months: [String]?, since: Int?) {
        let db = store.db
        func everyMonth(_ reason: String) throws -> (months: [String]?, since: Int?) {
            if try store.lastSuccessfulRun(of: Self.name) != nil { Log.info("aggregate: every month, as \(reason)") }
            // Index after the bulk insert: one sort, not a B-tree insert per order at a random key.
            try db.execute(
                """
                DROP INDEX IF EXISTS agg_order_month_by_caller; DELETE FROM agg_order_month;
                \(Self.keepOrderMonths(where: ""));
                \(Self.callerIndex);
                """)
            return (nil, nil)
        }
        switch try store.scope(of: Self.name, fingerprint: fingerprint, full: full) {
        case .everything(let reason): return try everyMonth(reason)
        case .changedSince(let run):
            let n = try Classifications.changedCount(db, since: run)
            if try Self.recountsEverything(db, changed: n) {
                return try everyMonth("\(n.grouped) orders were written or reclassified since its last run")
            }
            // The months the changed orders were counted in, then the months they are in now.
            let changed = "seq IN (\(Classifications.changedAfter))"
            let callers = """
                INSERT OR IGNORE INTO temp.agg_touched_callers
                SELECT caller_key FROM agg_order_month WHERE \(changed) AND caller_key IS NOT NULL
                """
            try db.execute(
                """
                CREATE TEMP TABLE IF NOT EXISTS agg_touched_callers(caller_key TEXT PRIMARY KEY);
                DELETE FROM temp.agg_touched_callers;
                """)
            try db.execute(callers, [run])
            let before = Set(try db.texts("SELECT DISTINCT month FROM agg_order_month WHERE \(changed)", [run]))
            try db.execute(Self.keepOrderMonths(where: "WHERE seq IN (\(Orders.writtenAfter))"), [run])
            try db.execute(callers, [run])
            let now = try db.texts("SELECT DISTINCT month FROM agg_order_month WHERE \(changed)", [run])
            return (before.union(now).sorted(), run)
        }
    }

    /// Whether a run after `changed` of `total` orders were written or reclassified counts every
    /// month afresh: from half of them on, a rebuild is faster than forgetting and recounting
    /// (the figures are the same either way). `total` need be counted only up to `2 × changed + 1`.
    public static func recountsEverything(changed: Int, of total: Int) -> Bool { changed * 2 >= total && changed > 0 }

    /// `recountsEverything(changed:of:)` against the store's orders, counted only as far as needed:
    /// what a run decides and what `status` says it will do.
    public static func recountsEverything(_ db: Database, changed: Int) throws -> Bool {
        recountsEverything(changed: changed, of: try Orders.count(db, upTo: 2 * changed + 1))
    }

    /// `agg_order_month`'s index by caller, as migration `aggregate.5-month-state` made it.
    static let callerIndex = """
        CREATE INDEX agg_order_month_by_caller ON agg_order_month(caller_key, unsatisfied_close)
            WHERE caller_key IS NOT NULL
        """

    /// Keeps each order's month, caller and what makes it a possible escalation, for the orders
    /// `condition` selects.
    static func keepOrderMonths(where condition: String) -> String {
        """
        INSERT OR REPLACE INTO agg_order_month(seq, month, caller_key, unsatisfied_close, reopened)
        SELECT \(Orders.columns([.seq, .month, .callerKey], alias: "o")), coalesce(\(Orders.isUnsatisfiedClose), 0),
            coalesce(\(Orders.column(.reopened)), 0) = 1
        FROM \(TableName.orders) o \(condition)
        """
    }

    /// Orders counted by month, place and category, fed row by row by the handling scan.
    ///
    /// Its size is bounded by months × communities × categories, whatever the number of orders.
    /// `agg_cube` keeps it (places left out as ''), `agg_parent` the first parent seen per month.
    struct Cube {
        struct Key: Hashable {
            var month: String
            var street: String?
            var community: String?
            var category: String
        }

        var counts: [Key: Int] = [:]
        var parents: [String: String] = [:]
        /// Per month and category: the first order (by seq) with a parent, and that parent.
        var firstParents: [String: [String: (seq: Int, parent: String)]] = [:]
        var total = 0
        var unclassified = 0

        init() {}

        /// Every month's counts as `agg_cube` and `agg_parent` keep them.
        init(_ db: Database) throws {
            try db.forEach(
                CubeRow.self, "SELECT month, street, community, category, n FROM agg_cube ORDER BY 1, 2, 3, 4"
            ) { r in
                let key = Key(
                    month: r.month, street: r.street.isEmpty ? nil : r.street,
                    community: r.community.isEmpty ? nil : r.community, category: r.category)
                counts[key, default: 0] += r.n
                total += r.n
                if r.category == AggregateStage.unclassified { unclassified += r.n }
            }
            var first: [String: Int] = [:]
            try db.forEach(
                ParentRow.self, "SELECT category, seq, parent FROM agg_parent ORDER BY category, seq"
            ) { r in
                guard first[r.category] == nil else { return }
                first[r.category] = r.seq
                parents[r.category] = r.parent
            }
        }

        /// Removes the counts of `months` (of every month when nil) before they are counted again.
        static func forget(months: [String]?, in db: Database) throws {
            guard let months else { return try db.execute("DELETE FROM agg_cube; DELETE FROM agg_parent") }
            let list = Handling.placeholders(months.count)
            try db.execute("DELETE FROM agg_cube WHERE month IN (\(list))", months)
            try db.execute("DELETE FROM agg_parent WHERE month IN (\(list))", months)
        }

        /// Adds these counts to `agg_cube` and `agg_parent`.
        func save(in db: Database) throws {
            let insert = try db.prepare(
                "INSERT INTO agg_cube(month, street, community, category, n) VALUES(?, ?, ?, ?, ?)")
            for (key, n) in counts {
                try insert.run([key.month, key.street ?? "", key.community ?? "", key.category, n])
            }
            let parent = try db.prepare("INSERT INTO agg_parent(month, category, seq, parent) VALUES(?, ?, ?, ?)")
            for (month, categories) in firstParents {
                for (category, p) in categories { try parent.run([month, category, p.seq, p.parent]) }
            }
        }

        /// Counts one order of the handling scan.
        mutating func add(_ row: ClassifiedOrder) {
            if row.category == nil { unclassified += 1 }
            let street = row.order.street.flatMap { $0.isEmpty ? nil : $0 }
            let community = row.order.community.flatMap { $0.isEmpty ? nil : $0 }
            let key = Key(
                month: row.order.month, street: street, community: community, category: row.categoryOrUnclassified)
            counts[key, default: 0] += 1
            total += 1
            if let category = row.category, let parent = row.parent,
                firstParents[row.order.month]?[category] == nil
            {
                firstParents[row.order.month, default: [:]][category] = (row.order.seq, parent)
            }
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
        let insert = try db.insert(into: "agg_month", MonthCount.Column.allCases)
        while true {
            let key = LocalDateTime(year: year, month: month, day: 1).monthKey
            try insert.set(.month, key)
            try insert.set(.n, counts[key] ?? 0)
            try insert.run()
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
    private func areaCounts(_ cube: Cube) -> [Area: [String: Int]] {
        let place = placer()
        var out: [Area: [String: Int]] = [:]
        for (key, n) in cube.counts {
            out[place(key), default: [:]][key.category, default: 0] += n
        }
        return out
    }

    /// The place a cube key is counted under: a missing street filled in when the reference table
    /// knows the community in one street only, a missing name as 未注明.
    private func placer() -> (Cube.Key) -> Area {
        var streetsOf: [String: Set<String>] = [:]
        for r in reference { streetsOf[r.community, default: []].insert(r.street) }
        return { key in
            let community = key.community ?? Self.unknownPlace
            var street = key.street
            if street == nil, let only = streetsOf[community], only.count == 1 { street = only.first }
            return Area(street: street ?? Self.unknownPlace, community: community)
        }
    }

    /// `agg_month_area_category`: the cube by month with places as `agg_area` names them.
    private func writeMonthAreas(_ db: Database, cube: Cube) throws {
        let place = placer()
        var rows: [MonthAreaCategoryCount: Int] = [:]
        for (key, n) in cube.counts {
            let area = place(key)
            let row = MonthAreaCategoryCount(
                month: key.month, street: area.street, community: area.community, category: key.category, n: 0)
            rows[row, default: 0] += n
        }
        let insert = try db.insert(into: "agg_month_area_category", MonthAreaCategoryCount.Column.allCases)
        for (row, n) in rows {
            try insert.set(.month, row.month)
            try insert.set(.street, row.street)
            try insert.set(.community, row.community)
            try insert.set(.category, row.category)
            try insert.set(.n, n)
            try insert.run()
        }
    }

    private func writeAreas(_ db: Database, areas: [Area: [String: Int]]) throws {
        var info: [Area: CommunityInfo] = [:]
        for r in reference { info[Area(street: r.street, community: r.community)] = r }
        let insertCategory = try db.insert(into: "agg_area_category", AreaCategoryCount.Column.allCases)
        let insertArea = try db.insert(into: "agg_area", AreaFigures.Column.allCases)
        /// One row of `agg_area` (with a community) or `agg_street` (without).
        func write(
            _ insert: Insert<AreaFigures.Column>, street: String, community: String?, n: Int, population: Int?,
            grid: Int?, top: (category: String, n: Int)?
        ) throws {
            try insert.set(.street, street)
            if let community { try insert.set(.community, community) }
            try insert.set(.n, n)
            try insert.set(.population, population)
            try insert.set(.gridWorkers, grid)
            try insert.set(.per10k, population.map { Double(n) * 10_000 / Double($0) })
            try insert.set(.perGrid, grid.map { Double(n) / Double($0) })
            try insert.set(.topCategory, top?.category)
            try insert.set(.topN, top?.n)
            try insert.run()
        }
        var streets: [String: (n: Int, population: Int?, grid: Int?, categories: [String: Int])] = [:]
        for area in Set(areas.keys).union(info.keys) {
            let categories = areas[area] ?? [:]
            for (category, n) in categories {
                try insertCategory.set(.street, area.street)
                try insertCategory.set(.community, area.community)
                try insertCategory.set(.category, category)
                try insertCategory.set(.n, n)
                try insertCategory.run()
            }
            let n = categories.values.reduce(0, +)
            let population = info[area]?.population
            let grid = info[area]?.gridWorkers
            try write(
                insertArea, street: area.street, community: area.community, n: n, population: population, grid: grid,
                top: Self.top(categories))
            var s = streets[area.street] ?? (0, 0, 0, [:])
            s.n += n
            // A street's rate needs every community's population; one unknown makes it unknown.
            s.population = population.flatMap { p in s.population.map { $0 + p } }
            s.grid = grid.flatMap { g in s.grid.map { $0 + g } }
            for (category, k) in categories { s.categories[category, default: 0] += k }
            streets[area.street] = s
        }
        let insertStreet = try db.insert(
            into: "agg_street", AreaFigures.Column.allCases.filter { $0 != .community })
        for (street, s) in streets {
            try write(
                insertStreet, street: street, community: nil, n: s.n, population: s.population, grid: s.grid,
                top: Self.top(s.categories))
        }
    }

    /// The largest category; ties go to the name that sorts first, so reruns agree.
    static func top(_ counts: [String: Int]) -> (category: String, n: Int)? {
        counts.min { ($1.value, $0.key) < ($0.value, $1.key) }.map { ($0.key, $0.value) }
    }

    private func writeSummary(_ db: Database, total: Int, unclassified: Int, manualReason: String?) throws {
        let insert = try db.insert(into: "agg_summary", KeyValue.Column.allCases)
        func put(_ key: String, _ value: String?) throws {
            try insert.set(.key, key)
            try insert.set(.value, value ?? "")
            try insert.run()
        }
        let span = try Handling.span(db)
        let values: [(SummaryKey, String?)] = [
            (.pipeline, name),
            (.orders, String(total)),
            (.unclassified, String(unclassified)),
            (.firstReceived, span.first),
            (.lastReceived, span.last),
            (.rowsRead, String(try Sources.rowsRead(db))),
            (.rejected, String(try Rejects.count(db))),
            // Every order is counted once in the cube, with its category or as unclassified.
            (.byRule, String(try Classifications.decidedCount(db, classified: total - unclassified))),
            (.fallback, fallback),
            (.population, String(try db.scalar("SELECT coalesce(sum(population), 0) FROM communities"))),
            (.generatedAt, LocalDateTime.now().description),
            (.manual, String(try Classifications.count(db, source: .manual))),
            (.manualReason, manualReason),
        ]
        for (key, value) in values { try put(key.rawValue, value) }
        for (i, (name, text)) in handling.description.enumerated() {
            try put("\(Aggregates.handlingPrefix)\(i).\(name)", text)
        }
    }
}

/// The columns of `communities`.
enum CommunityColumn: Int, ColumnSet {
    case street, community, population, gridWorkers
}

/// One row of `agg_cube`.
struct CubeRow: FetchableRecord {
    enum Column: Int, ColumnSet { case month, street, community, category, n }
    var month: String
    var street: String
    var community: String
    var category: String
    var n: Int

    init(_ row: RowReader<Column>) {
        month = row.string(.month)
        street = row.string(.street)
        community = row.string(.community)
        category = row.string(.category)
        n = row.int(.n)
    }
}

/// One row of `agg_parent`.
struct ParentRow: FetchableRecord {
    enum Column: Int, ColumnSet { case category, seq, parent }
    var category: String
    var seq: Int
    var parent: String

    init(_ row: RowReader<Column>) {
        category = row.string(.category)
        seq = row.int(.seq)
        parent = row.string(.parent)
    }
}
