import HotlineClassify
import HotlineCore
import HotlineIngest
import HotlineStore

extension TableName {
    /// Escalation candidates (提级处理), kept across runs with stable ids.
    public static let candidates = TableName("candidates")
    /// The orders behind each candidate, with the signals that found each.
    public static let candidateEvidence = TableName("candidate_evidence")
    /// Each order as the signals read it (time, category, place, caller, text fingerprint), kept so
    /// that a night prepares only the orders written or reclassified since the last run.
    public static let detectPrepared = TableName("detect_prepared")
    /// The companies, platforms and schools each order's text names.
    public static let detectSubjects = TableName("detect_subjects")
}

enum DetectSchema {
    static let migrations = [
        Migration(
            "detect.1-candidates",
            sql: """
                CREATE TABLE candidates(
                    id TEXT PRIMARY KEY,
                    detected INTEGER NOT NULL,
                    rank INTEGER,
                    weight REAL NOT NULL,
                    status TEXT NOT NULL,
                    signals TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    category TEXT NOT NULL,
                    place TEXT NOT NULL,
                    streets TEXT NOT NULL,
                    communities TEXT NOT NULL,
                    orders INTEGER NOT NULL,
                    callers INTEGER NOT NULL,
                    unsatisfied INTEGER NOT NULL,
                    first_seen TEXT NOT NULL,
                    last_seen TEXT NOT NULL,
                    level TEXT NOT NULL,
                    level_reason TEXT NOT NULL,
                    departments TEXT NOT NULL,
                    first_detected TEXT NOT NULL,
                    last_detected TEXT NOT NULL,
                    first_run INTEGER NOT NULL,
                    last_run INTEGER NOT NULL);

                CREATE TABLE candidate_evidence(
                    candidate_id TEXT NOT NULL,
                    order_seq INTEGER NOT NULL,
                    signals TEXT NOT NULL,
                    PRIMARY KEY(candidate_id, order_seq));
                CREATE INDEX candidate_evidence_by_order ON candidate_evidence(order_seq);
                """),
        // Levels stored as codes rather than the words the page shows.
        Migration(
            "detect.2-level-codes",
            sql: """
                UPDATE candidates SET level = CASE level WHEN '区' THEN 'district' WHEN '街道' THEN 'street'
                    WHEN '社区' THEN 'community' ELSE level END;
                """),
        // One plain sentence per candidate for the page, and the support its messages had.
        Migration(
            "detect.3-summary-support",
            sql: """
                ALTER TABLE candidates ADD COLUMN summary TEXT NOT NULL DEFAULT '';
                ALTER TABLE candidates ADD COLUMN support INTEGER NOT NULL DEFAULT 0;
                """),
        // Each order's place, text fingerprint and subjects, found once and kept between runs.
        Migration(
            "detect.4-prepared",
            sql: """
                CREATE TABLE detect_prepared(
                    seq INTEGER PRIMARY KEY, t INTEGER NOT NULL, day INTEGER NOT NULL, month TEXT NOT NULL,
                    category TEXT NOT NULL, place_key TEXT, place_name TEXT, place_label TEXT, from_text INTEGER,
                    street TEXT, community TEXT, caller TEXT, unit TEXT, unsatisfied INTEGER NOT NULL,
                    reopened INTEGER NOT NULL, simhash INTEGER, support INTEGER);
                CREATE TABLE detect_subjects(seq INTEGER NOT NULL, name TEXT NOT NULL, PRIMARY KEY(seq, name))
                    WITHOUT ROWID;
                """),
        // The texts the mass-complaint linker reads, in time order, with every column it reads: a
        // scan of this index instead of a sort of every text. A night's orders are its latest, so
        // they are added at the index's end.
        Migration(
            "detect.5-time-index",
            sql: """
                CREATE INDEX detect_prepared_by_time ON detect_prepared(t, seq, day, caller, simhash)
                    WHERE simhash IS NOT NULL;
                """),
    ]
}

// MARK: Codes

/// The five ways a recurring problem shows itself.
public enum Signal: String, StoredCode, Comparable {
    case hotspot, repeatCaller = "repeat", mass, surge, stuck

    public var label: String {
        switch self {
        case .hotspot: "地点集中"
        case .repeatCaller: "反复来电"
        case .mass: "群体诉求"
        case .surge: "社区激增"
        case .stuck: "久拖未决"
        }
    }

    public static func < (a: Signal, b: Signal) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Signals stored as `hotspot,mass`.
    static func list(_ stored: String) -> [Signal] {
        stored.split(separator: ",").compactMap { Signal(rawValue: String($0)) }
    }

    static func stored(_ signals: some Sequence<Signal>) -> String {
        signals.sorted().map(\.rawValue).joined(separator: ",")
    }
}

/// Where a candidate stands against earlier runs.
public enum CandidateStatus: String, StoredCode {
    /// First found with the latest data.
    case new
    /// Found before and again now.
    case ongoing
    /// No order in the last `quiet_days` of the data, or no longer found.
    case quiet

    public var label: String {
        switch self {
        case .new: "新发现"
        case .ongoing: "持续"
        case .quiet: "已平息"
        }
    }
}

/// The level a candidate is suggested for.
public enum Level: String, StoredCode, Comparable {
    case community, street, district

    public var label: String {
        switch self {
        case .community: "社区"
        case .street: "街道"
        case .district: "区"
        }
    }

    public static func < (a: Level, b: Level) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

// MARK: Records

/// One escalation candidate as stored.
public struct CandidateRecord: FetchableRecord, Sendable, Equatable {
    public enum Column: Int, ColumnSet {
        case id, detected, rank, weight, status, signals, reason, category, place, streets, communities, orders
        case callers, unsatisfied, firstSeen, lastSeen, level, levelReason, departments, firstDetected, lastDetected
        case firstRun, lastRun, summary, support
    }

    public var id: String
    /// Found by the last detect run.
    public var detected: Bool
    public var rank: Int?
    public var weight: Double
    public var status: CandidateStatus
    public var signals: [Signal]
    public var reason: String
    public var category: String
    public var place: String
    public var streets: String
    public var communities: String
    public var orders: Int
    public var callers: Int
    public var unsatisfied: Int
    public var firstSeen: String
    public var lastSeen: String
    public var level: Level
    public var levelReason: String
    public var departments: String
    public var firstDetected: String
    public var lastDetected: String
    /// The candidate in one sentence, for the page.
    public var summary: String
    /// Support (点赞数, 附议数) of its orders, where the export carries it.
    public var support: Int

    public init(_ row: RowReader<Column>) {
        id = row.string(.id)
        detected = row.bool(.detected)
        rank = row.optionalInt(.rank)
        weight = row.double(.weight)
        status = CandidateStatus(stored: row.text(.status)) ?? .quiet
        signals = Signal.list(row.string(.signals))
        reason = row.string(.reason)
        category = row.string(.category)
        place = row.string(.place)
        streets = row.string(.streets)
        communities = row.string(.communities)
        orders = row.int(.orders)
        callers = row.int(.callers)
        unsatisfied = row.int(.unsatisfied)
        firstSeen = row.string(.firstSeen)
        lastSeen = row.string(.lastSeen)
        level = Level(stored: row.text(.level)) ?? .community
        levelReason = row.string(.levelReason)
        departments = row.string(.departments)
        firstDetected = row.string(.firstDetected)
        lastDetected = row.string(.lastDetected)
        summary = row.string(.summary)
        support = row.int(.support)
    }
}

/// One order behind a candidate, with what the pages show of it.
public struct EvidenceOrder: Sendable {
    public var candidateID: String
    public var signals: [Signal]
    public var order: StoredOrder
    public var category: String?
}

/// Reads the candidates and their evidence, for the pages and the command line.
public enum EscalationCandidates {
    static let select = "SELECT \(CandidateRecord.Column.list()) FROM candidates"

    /// Whether a detect run has ever finished on this store.
    public static func detectRan(_ store: Store) throws -> Bool { try store.lastSuccessfulRun(of: .detect) != nil }

    /// The last day of the data the last detect run saw (`YYYY-MM-DD`).
    public static func dataEnd(_ store: Store) throws -> String? { try store.meta(DetectMeta.dataEnd) }

    /// The settings in words that the last detect run used: (name, text).
    public static func definitions(_ store: Store) throws -> [(String, String)] {
        try store.db.fetch(
            KeyValue.self, "SELECT key, value FROM meta WHERE key LIKE ? ORDER BY key",
            [DetectMeta.settingPrefix + "%"]
        ).map { (String($0.key.split(separator: ".").last ?? ""), $0.value) }
    }

    /// Candidates the last run found, in rank order.
    public static func current(_ db: Database, limit: Int? = nil) throws -> [CandidateRecord] {
        try db.fetch(
            CandidateRecord.self, select + " WHERE detected = 1 ORDER BY rank" + (limit.map { " LIMIT \($0)" } ?? ""))
    }

    /// Candidates found before but not by the last run, most recent first.
    public static func gone(_ db: Database, limit: Int? = nil) throws -> [CandidateRecord] {
        try db.fetch(
            CandidateRecord.self,
            select + " WHERE detected = 0 ORDER BY last_seen DESC, id" + (limit.map { " LIMIT \($0)" } ?? ""))
    }

    /// Every candidate: the current ones by rank, then the others, most recent first.
    public static func forEach(_ db: Database, _ body: (CandidateRecord) throws -> Void) throws {
        try db.forEach(CandidateRecord.self, select + " ORDER BY detected DESC, rank, last_seen DESC, id", [], body)
    }

    public static func find(_ db: Database, id: String) throws -> CandidateRecord? {
        try db.fetchOne(CandidateRecord.self, select + " WHERE id = ?", [id])
    }

    public static func count(_ db: Database, detected: Bool) throws -> Int {
        try db.scalar("SELECT count(*) FROM candidates WHERE detected = ?", [detected ? 1 : 0])
    }

    /// The evidence orders of one candidate (or, with nil, of every candidate in the candidates' order),
    /// oldest first, with `columns` of each order and its category.
    public static func forEachEvidence(
        _ db: Database, candidate: String? = nil, columns: [OrderColumn], _ body: (EvidenceOrder) throws -> Void
    ) throws {
        let all = columns.contains(.id) ? columns : columns + [.id]
        let filter = candidate == nil ? "" : "WHERE e.candidate_id = ?"
        let order = candidate == nil ? "k.detected DESC, k.rank, e.candidate_id, " : ""
        let statement = try db.prepare(
            """
            SELECT e.candidate_id, e.signals, \(Orders.columns(all)), c.category
            FROM candidate_evidence e JOIN orders o ON o.seq = e.order_seq
            LEFT JOIN classified c ON c.order_seq = o.seq JOIN candidates k ON k.id = e.candidate_id
            \(filter) ORDER BY \(order)o.received_at, o.id
            """)
        try statement.bind(candidate.map { [$0] } ?? [])
        let evidence = try statement.reader(EvidenceColumn.self)
        let orders = try statement.reader(OrderColumn.self, only: all)
        let classes = try statement.reader(ClassifiedColumn.self, only: [.category])
        let set = Set(all)
        while try statement.step() {
            try body(
                EvidenceOrder(
                    candidateID: evidence.string(.candidateID), signals: Signal.list(evidence.string(.signals)),
                    order: StoredOrder(orders, columns: set), category: classes.text(.category)))
        }
    }

    enum EvidenceColumn: Int, ColumnSet { case candidateID, signals }
}

/// Keys detect keeps in `meta`.
enum DetectMeta {
    static let dataEnd = "detect.data_end"
    static let settingPrefix = "detect.setting."
}
