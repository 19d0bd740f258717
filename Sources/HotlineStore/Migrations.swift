import HotlineCore

/// One named change to the store's schema, applied once and recorded by name.
///
/// Names are `module.n-what` (`ingest.1-orders`): the module owns the tables the migration makes or
/// changes. A migration that has shipped is never edited; a change is a new migration.
public struct Migration: Sendable {
    public let name: String
    let body: @Sendable (Database) throws -> Void

    /// A migration that runs SQL.
    public init(_ name: String, sql: String) {
        self.name = name
        body = { try $0.execute(sql) }
    }

    /// A migration that runs Swift code (to move data by a rule defined elsewhere, say).
    public init(_ name: String, _ body: @escaping @Sendable (Database) throws -> Void) {
        self.name = name
        self.body = body
    }

    /// The module that owns it: the part of the name before the first dot.
    public var module: String { String(name.prefix { $0 != "." }) }
}

/// Applies the migrations a store lacks, as GRDB's `DatabaseMigrator` does: each by name, once,
/// in the order given, all of one open in one transaction, so a failure leaves the store as it was.
///
/// The applied names are kept in the `migrations` table. Stores made before migrations had names
/// kept their schema version in `PRAGMA user_version` (1 to 4); `legacy` says which named
/// migrations each of those versions stands for, and they are recorded as applied on first open.
public struct Migrator {
    /// `PRAGMA user_version` of a store whose migrations are recorded by name; older builds
    /// (which know versions 1 to 4) refuse it as newer than themselves.
    static let namedVersion = 100

    /// What each old schema version held, as named migrations.
    static let legacy: [Int: [String]] = {
        let v1 = ["store.1-meta-runs", "ingest.1-orders", "classify.1-classified", "aggregate.1-counts"]
        let v2 = v1 + ["ingest.2-callback-history", "aggregate.2-handling"]
        let v3 = v2 + ["classify.2-model"]
        let v4 = v3 + ["detect.1-candidates"]
        return [1: v1, 2: v2, 3: v3, 4: v4]
    }()

    let migrations: [Migration]

    /// The named migrations an old store at `version` holds.
    public static func legacyNames(_ version: Int) -> [String] { legacy[version] ?? [] }

    /// The names applied to `db` so far.
    static func applied(_ db: Database) throws -> [String] {
        guard try db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'migrations'") > 0
        else {
            let version = try db.scalar("PRAGMA user_version")
            return legacy[version] ?? []
        }
        return try db.texts("SELECT name FROM migrations ORDER BY rowid")
    }

    /// Names applied to the store that this build does not know, in modules it does know.
    func unknown(in applied: [String]) -> [String] {
        let known = Set(migrations.map(\.name))
        let modules = Set(migrations.map(\.module))
        return applied.filter { !known.contains($0) && modules.contains(Migration(name: $0).module) }
    }

    /// This build's migrations the store lacks, in order.
    func pending(given applied: [String]) -> [Migration] {
        let done = Set(applied)
        return migrations.filter { !done.contains($0.name) }
    }

    /// Applies every pending migration in one transaction; rethrows the first failure after
    /// rolling all of them back.
    func migrate(_ db: Database, path: String) throws {
        let version = try db.scalar("PRAGMA user_version")
        if version > Self.namedVersion || (version > 4 && version != Self.namedVersion) {
            throw HotlineError.store(path: path, .newer(unknown: ["schema version \(version)"]))
        }
        let applied = try Self.applied(db)
        let unknown = unknown(in: applied)
        guard unknown.isEmpty else { throw HotlineError.store(path: path, .newer(unknown: unknown)) }
        let pending = pending(given: applied)
        let hasTable = try db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'migrations'") > 0
        guard !pending.isEmpty || !hasTable else { return }
        try db.transaction {
            if !hasTable {
                try db.execute("CREATE TABLE migrations(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
                for name in applied {
                    try db.execute("INSERT INTO migrations(name, applied_at) VALUES(?, 'before names')", [name])
                }
            }
            for migration in pending {
                do {
                    try migration.body(db)
                } catch {
                    throw HotlineError.store(path: path, .migration(name: migration.name, reason: "\(error)"))
                }
                try db.execute(
                    "INSERT INTO migrations(name, applied_at) VALUES(?, ?)",
                    [migration.name, LocalDateTime.now().description])
            }
            try db.execute("PRAGMA user_version = \(Self.namedVersion)")
        }
    }
}

extension Migration {
    /// A stand-in for an applied name, to read its module.
    fileprivate init(name: String) { self.init(name, sql: "") }
}
