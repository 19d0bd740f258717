import Foundation
import HotlineClassify
import HotlineCore
import HotlineIngest
import HotlineStore

/// The detect stage: finds recurring problems in the store and keeps them as escalation candidates.
///
/// Every order gets a place (from its address, else from its text) and a SimHash of its text once,
/// kept in `detect_prepared`: a night prepares only the orders ingest wrote since the last run, and
/// takes the categories classify changed; the settings changing, orders removed or `--full`
/// prepare everything again. The signals read `temp.detect_orders` on each of two connections: a
/// narrow copy for the text signals, a view of `detect_prepared` for the others, in which place
/// names found in texts are joined with their aliases over the whole store. Each signal reads it
/// sorted its own way (but for the mass-complaint linker, which reads the texts in time order from
/// an index of `detect_prepared`) and keeps only one group at a time in memory:
/// hotspots by place and category, repeat callers by caller and category, mass complaints by text
/// cluster, surges by community, category and month, stuck orders by place and category. Findings
/// that share most of their orders are merged into one candidate, which keeps the id of the earlier
/// run's candidate with the same orders.
public struct DetectStage: Stage {
    public static let name = StageName.detect
    public static let reads: [TableName] = [.orders, .classified]
    public static let owns: [TableName] = [.candidates, .candidateEvidence, .detectPrepared, .detectSubjects]
    public static let migrations = DetectSchema.migrations
    public static let settings = DetectSettings.all

    public let settings: DetectSettings
    public let fingerprint: String
    /// Prepare every order again, not only those written since the last run.
    public var full = false
    let batchSize = 2_048

    public init(config: PipelineConfig, paths: StagePaths) throws {
        self.init(settings: DetectSettings(config: config), fingerprint: Self.fingerprint(of: config))
        full = paths.full
    }

    /// A stage with these settings, for tests that set them directly.
    public init(settings: DetectSettings, fingerprint: String = "", full: Bool = false) {
        self.settings = settings
        self.fingerprint = fingerprint
        self.full = full
    }

    /// Brings `detect_prepared` up to date, committed before the run so that the second
    /// connection `run` reads it with sees it.
    public func prepare(in store: Store) throws {
        guard try Orders.count(store.db, upTo: 1) > 0 else { return }
        try Log.timed("detect.prepare") { try refresh(store) }
    }

    /// Finds the signals in the prepared orders, on two connections and threads: hotspots and stuck
    /// orders on this one, repeat callers, mass complaints and surges on a reader's.
    public func run(in store: Store, runID: Int) throws -> StageCounts {
        let db = store.db
        guard try Orders.count(db, upTo: 1) > 0 else {
            try db.execute("DELETE FROM detect_prepared; DELETE FROM detect_subjects")
            try CandidateWriter.retireAll(db)
            return StageCounts(rowsIn: 0, rowsOut: 0, message: "no orders, so no candidates")
        }
        var prepared = ""
        if case .changedSince(let run) = try store.scope(of: Self.name, fingerprint: fingerprint, full: full) {
            prepared = "\(try Orders.count(db, writtenAfter: run).grouped) orders new or updated since the last run; "
        }
        let span = try db.rows("SELECT min(day), max(day) FROM detect_prepared")[0]
        // The copies shrink each connection's cache (`copyPrepared`); this one's is given back for
        // what runs after detect in the same process.
        let cacheSize = try db.scalar("PRAGMA main.cache_size")
        defer { try? db.restoreCache(cacheSize) }
        let (firstDay, lastDay) = (span[0].int ?? 0, span[1].int ?? 0)
        let settings = self.settings
        /// Each thread's own copy, tallies and baselines: `BaselinePeriod` caches as it is asked.
        @Sendable func scan(_ db: Database, _ needs: Tallies.Needs, _ label: String, columns: [DetectColumn]) throws
            -> (SignalScan, Int?)
        {
            let total = try Log.timed("detect.copy\(label)") { try Self.copyPrepared(db, columns: columns) }
            let tallies = try Log.timed("detect.tally\(label)") {
                try Tallies(db: db, firstDay: firstDay, lastDay: lastDay, needs: needs)
            }
            let period = BaselinePeriod(
                firstDay: firstDay, lastDay: lastDay, days: settings.baselineDays, minDays: settings.baselineMinDays,
                volume: tallies.volume)
            let district = DistrictRates(period: period, byCategory: tallies.byCategory)
            return (SignalScan(db: db, settings: settings, period: period, district: district, tallies: tallies), total)
        }
        let reader = UncheckedSendable(try store.readerConnection())
        let other = Background(label: "detect.signals") {
            let db = reader.value
            // One read transaction: one snapshot, and the temporary tables written without a
            // commit per row.
            try db.execute("BEGIN")
            defer { try? db.execute("ROLLBACK") }
            // These signals judge by no category's or place's rate: the district's orders per day will do.
            // Its copy of every order is counted cheaply; this thread's view is not.
            let (s, total) = try scan(db, [], " (second)", columns: Self.textColumns)
            return (
                total ?? 0,
                try Self.find([
                    (1, .repeatCaller, s.repeatCallers), (2, .mass, s.massComplaints), (3, .mass, s.campaigns),
                ])
            )
        }
        let mine = Result {
            let (s, _) = try scan(db, [.district, .hotspot, .stuck, .surge], "", columns: DetectColumn.allCases)
            let (hotspots, stuck) = try Log.timed("detect.0.hotspot+5.stuck") { try s.placeSignals() }
            return [(0, hotspots), (5, stuck)] + (try Self.find([(4, .surge, s.surges)]))
        }
        let (total, theirs) = try other.value()
        // In the signals' own order, so candidates are built the same way whichever thread ends first.
        let findings = (try mine.get() + theirs).sorted { $0.index < $1.index }.flatMap(\.findings)
        Log.endProgress()
        var counts: [Signal: Int] = [:]
        for finding in findings { counts[finding.signal, default: 0] += 1 }
        let drafts = try Log.timed("detect.build") {
            try CandidateBuilder(db: db, settings: settings).build(from: findings)
        }
        let written = try Log.timed("detect.write") {
            try CandidateWriter(db: db, runID: runID, dataEnd: LocalDateTime(dayNumber: lastDay), settings: settings)
                .write(drafts)
        }
        try Self.dropOrders(db)
        try db.execute("DROP TABLE IF EXISTS temp.detect_text")
        try db.execute("DELETE FROM meta WHERE key LIKE 'detect.%'")
        try store.setMeta(DetectMeta.dataEnd, String(LocalDateTime(dayNumber: lastDay).description.prefix(10)))
        for (i, (name, text)) in settings.description.enumerated() {
            try store.setMeta("\(DetectMeta.settingPrefix)\(i < 10 ? "0" : "")\(i).\(name)", text)
        }
        let found = Signal.allCases.map { "\($0.label) \(counts[$0, default: 0])" }.joined(separator: ", ")
        return StageCounts(
            rowsIn: total, rowsOut: written.current,
            message: prepared
                + "\(written.current) candidates (\(written.new) new, \(written.quiet) quiet) from \(found)")
    }

    /// Runs each signal of `signals` (numbered in the signals' order), keeping its findings apart.
    private static func find(
        _ signals: [(index: Int, signal: Signal, find: () throws -> [Finding])]
    ) throws -> [(index: Int, findings: [Finding])] {
        try signals.map { s in
            Log.progress("detect: \(s.signal.label)")
            return (s.index, try Log.timed("detect.\(s.index).\(s.signal.rawValue)") { try s.find() })
        }
    }

    /// The order columns detect reads.
    static let columns: [OrderColumn] = [
        .seq, .receivedAt, .district, .street, .community, .address, .title, .content, .callerKey, .unit, .status,
        .satisfaction, .reopened, .support,
    ]

    /// Brings `detect_prepared` and `detect_subjects` up to date with the orders and their
    /// categories.
    private func refresh(_ store: Store) throws {
        let db = store.db
        var since: Int?
        switch try store.scope(of: Self.name, fingerprint: fingerprint, full: full) {
        case .changedSince(let run): since = run
        case .everything(let reason):
            if try store.lastSuccessfulRun(of: Self.name) != nil { Log.info("detect: every order, as \(reason)") }
            // Indexed after the bulk insert: one sort, not a B-tree insert per order.
            try db.execute(
                "DROP INDEX IF EXISTS detect_prepared_by_time; DELETE FROM detect_prepared; DELETE FROM detect_subjects"
            )
        }
        if let since {
            // Categories classify changed since; the orders ingest wrote are prepared whole below.
            try db.execute(
                """
                UPDATE detect_prepared SET category = coalesce(c.\(ClassifiedColumn.category.name), ?2)
                FROM \(TableName.classified) c
                WHERE detect_prepared.seq IN (\(Classifications.classifiedAfter))
                    AND c.\(ClassifiedColumn.orderSeq.name) = detect_prepared.seq
                """, [since, Values.unclassified])
        }
        _ = try prepareOrders(store, writtenAfter: since)
        if since == nil { try db.execute(Self.timeIndex) }
    }

    /// `detect_prepared`'s index of the texts in time order, as migration `detect.5-time-index`
    /// made it (see `SignalScan.massComplaints`).
    static let timeIndex = """
        CREATE INDEX detect_prepared_by_time ON detect_prepared(t, seq, day, caller, simhash)
            WHERE simhash IS NOT NULL
        """

    /// Makes the temporary `detect_orders` the signals read, with `columns` of every order of
    /// `detect_prepared`; returns its row count when it is a copy, else nil.
    ///
    /// With the place among them (every column), it is a view of `detect_prepared` in which the
    /// orders whose place came from a text (copied to `detect_text_places`) have their place names
    /// joined to their aliases: a copy of every column of every order was a second store of
    /// them (2 GB on ten years of orders, 15 s to write). A few columns are copied.
    private static func copyPrepared(_ db: Database, columns: [DetectColumn]) throws -> Int? {
        let list = DetectColumn.list(columns)
        // The signals sort and join these: a cache of their own, not SQLite's 2 MB default for
        // temporary tables.
        try db.execute("PRAGMA temp.cache_size = -16384")
        try dropOrders(db)
        if columns.contains(.placeKey) {
            try createOrdersTable(db, columns: columns, name: textPlaces)
            try db.execute(
                """
                INSERT INTO temp.\(textPlaces)(\(list))
                    SELECT \(list) FROM detect_prepared WHERE from_text = 1 ORDER BY seq;
                CREATE TEMP VIEW detect_orders AS
                    SELECT \(list) FROM main.detect_prepared WHERE from_text IS NOT 1
                    UNION ALL SELECT \(list) FROM temp.\(textPlaces);
                """)
        } else {
            try createOrdersTable(db, columns: columns)
            try db.execute("INSERT INTO temp.detect_orders(\(list)) SELECT \(list) FROM detect_prepared ORDER BY seq")
        }
        // The signals read little of the store's pages but sort much, and SQLite sizes each sort's
        // memory by this cache. The store's own connection has 64 MB, which on ten years of orders
        // filled with their pages beside sorts as large: detect peaked 90 MB above its peak on one
        // year. At most 16 MB cost no time on a year of orders.
        try db.limitCache(toKiB: 16384)
        if columns.contains(.placeKey) {
            try Log.timed("detect.aliases") { try Places.joinAliases(db, table: textPlaces) }
            return nil
        }
        return try db.scalar("SELECT count(*) FROM temp.detect_orders")
    }

    /// The orders whose place came from a text, with their place names joined to their aliases.
    static let textPlaces = "detect_text_places"

    /// Drops the temporary `detect_orders`, a table or a view, and the orders with places from texts.
    static func dropOrders(_ db: Database) throws {
        let kind = try db.scalarText("SELECT type FROM sqlite_temp_master WHERE name = 'detect_orders'")
        if kind == "view" { try db.execute("DROP VIEW temp.detect_orders") }
        if kind == "table" { try db.execute("DROP TABLE temp.detect_orders") }
        try db.execute("DROP TABLE IF EXISTS temp.\(textPlaces)")
    }

    /// The columns the signals of the second thread read from its copy: no place, street or
    /// community, and no time or text fingerprint (the linker reads those from `timeIndex`).
    static let textColumns: [DetectColumn] = [.seq, .day, .category, .caller]

    /// Creates the empty temporary table `name` (`detect_orders` unless given) with `columns` (see
    /// `DetectColumn`), dropping any table before.
    static func createOrdersTable(
        _ db: Database, columns: [DetectColumn] = DetectColumn.allCases, name: String = "detect_orders"
    ) throws {
        try db.execute(
            """
            DROP TABLE IF EXISTS temp.\(name);
            CREATE TEMP TABLE \(name)(\(columns.map(\.declaration).joined(separator: ", ")));
            """)
    }

    /// Prepares every order, or those an ingest run after `run` wrote, into `detect_prepared`;
    /// returns how many it read.
    private func prepareOrders(_ store: Store, writtenAfter run: Int?) throws -> Int {
        let db = store.db
        struct Prepared: Sendable {
            var row: ClassifiedOrder
            var time: LocalDateTime?
            var place: Place?
            var simhash: UInt64?
            var subjects: [String]
        }
        let reader = UncheckedSendable(try store.readerConnection())
        let batchSize = self.batchSize
        let minChars = settings.massMinChars
        let insert = try db.insert(into: "detect_prepared", DetectColumn.allCases, replace: true)
        let subject = try db.prepare("INSERT INTO detect_subjects(seq, name) VALUES(?, ?)")
        let forget = try db.prepare("DELETE FROM detect_prepared WHERE seq = ?")
        let forgetSubjects = try db.prepare("DELETE FROM detect_subjects WHERE seq = ?")
        var count = 0
        let total = try run.map { try Orders.count(db, writtenAfter: $0) } ?? Orders.count(db)
        let progress = Progress()
        try Pipeline.run(
            label: "detect", depth: 8,
            produce: { send in
                try Classifications.batches(
                    reader.value, columns: Self.columns, size: batchSize, writtenAfter: run, send: send)
            },
            transform: {
                let finder = PlaceFinder()
                return { batch in
                    batch.map { row -> Prepared in
                        let o = row.order
                        guard let time = LocalDateTime.stored(o.receivedAt) else {
                            return Prepared(row: row, time: nil, place: nil, simhash: nil, subjects: [])
                        }
                        let place = finder.place(
                            address: o.address, district: o.district, street: o.street, community: o.community,
                            title: o.title, content: o.content)
                        let text = [o.title, o.content].compactMap { $0 }.joined(separator: "。")
                        return Prepared(
                            row: row, time: time, place: place, simhash: SimHash.of(text, minChars: minChars),
                            subjects: Subjects.names(in: text))
                    }
                }
            },
            consume: { prepared in
                for p in prepared {
                    let o = p.row.order
                    if run != nil {
                        try forget.run([o.seq])
                        try forgetSubjects.run([o.seq])
                    }
                    count += 1
                    guard let time = p.time else { continue }
                    try insert.set(.seq, o.seq)
                    try insert.set(.t, time.secondsSinceEpoch)
                    try insert.set(.day, time.dayNumber)
                    try insert.set(.month, time.monthKey)
                    try insert.set(.category, p.row.categoryOrUnclassified)
                    try insert.set(.placeKey, p.place?.key)
                    try insert.set(.placeName, p.place?.name)
                    try insert.set(.placeLabel, p.place?.label)
                    try insert.set(.fromText, p.place.map(\.fromText))
                    try insert.set(.street, o.street.flatMap { $0.isEmpty ? nil : $0 })
                    try insert.set(.community, o.community.flatMap { $0.isEmpty ? nil : $0 })
                    try insert.set(.caller, o.callerKey)
                    try insert.set(.unit, o.unit)
                    try insert.set(.unsatisfied, Rules.isClosed(o.status) && Rules.isDissatisfied(o.satisfaction))
                    try insert.set(.reopened, o.reopened)
                    try insert.set(.simhash, p.simhash.map { Int(Int64(bitPattern: $0)) })
                    try insert.set(.support, o.support)
                    try insert.run()
                    for name in p.subjects { try subject.run([o.seq, name]) }
                }
                Log.progress(every: progress, "detect: reading " + Log.count(count, of: total, "orders"))
            })
        Log.endProgress()
        return count
    }
}

/// The columns of the temporary `detect_orders` table: one row per order, as the signals read it.
enum DetectColumn: Int, ColumnSet {
    case seq, t, day, month, category, placeKey, placeName, placeLabel, fromText, street, community, caller, unit
    case unsatisfied, reopened, simhash, support

    /// The column in `CREATE TABLE`.
    var declaration: String {
        let type: String
        switch self {
        case .seq: return "seq INTEGER PRIMARY KEY"
        case .t, .day, .unsatisfied, .reopened: type = "INTEGER NOT NULL"
        case .month, .category: type = "TEXT NOT NULL"
        case .fromText, .simhash, .support: type = "INTEGER"
        case .placeKey, .placeName, .placeLabel, .street, .community, .caller, .unit: type = "TEXT"
        }
        return "\(name) \(type)"
    }
}
