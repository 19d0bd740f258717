import HotlineCore

/// The stages of the nightly job, as the runs table records them.
public enum StageName: String, StoredCode {
    case ingest, classify, train, aggregate, detect, render
    /// Not a stage: an analyst's removal of orders (`hotline remove`), recorded as a run.
    case remove

    public var label: String {
        switch self {
        case .remove: "删除"
        case .ingest: "导入"
        case .classify: "分类"
        case .train: "训练"
        case .aggregate: "汇总"
        case .detect: "检测"
        case .render: "发布"
        }
    }
}

/// A table of the store, named by the module that owns it (`TableName.orders` is declared in
/// HotlineIngest), so stages declare what they read and write with names the compiler checks.
public struct TableName: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ name: String) { rawValue = name }
    public var description: String { rawValue }
    public static func < (a: TableName, b: TableName) -> Bool { a.rawValue < b.rawValue }
}

/// Where a stage finds what is not in the pipeline file: the store and the site, and the files
/// named on the command line.
public struct StagePaths: Sendable {
    public var store: String
    public var out: String
    /// Exports named on the command line; empty when the pipeline's `inputs` are meant.
    public var inputs: [String]
    /// The caller key file, when not the pipeline's (tests and tools name one beside the store).
    public var key: String?
    /// Rebuild from scratch (`--full`): read every export again, classify every order.
    public var full: Bool

    public init(store: String, out: String = "site", inputs: [String] = [], key: String? = nil, full: Bool = false) {
        self.store = store
        self.out = out
        self.inputs = inputs
        self.key = key
        self.full = full
    }
}

/// What every stage is: a name, the tables it reads and the tables it owns, the migrations that
/// make its tables, its settings, and `run`.
///
/// The runner executes the stages in the order of the graph they declare, and `status` derives
/// which are stale from the same declarations: a stage is stale when a table it reads changed
/// after its last successful run, or when what it was run with (its `fingerprint`) changed.
public protocol Stage {
    static var name: StageName { get }
    /// Tables of other stages this stage reads.
    static var reads: [TableName] { get }
    /// Tables only this stage writes.
    static var owns: [TableName] { get }
    /// The migrations that make and change the tables it owns.
    static var migrations: [Migration] { get }
    /// The settings it reads from the pipeline file.
    static var settings: [Setting] { get }

    /// Reads and checks the stage's settings and files; throws before anything is written.
    init(config: PipelineConfig, paths: StagePaths) throws

    /// What the stage's output depends on besides the tables it reads: its settings and the files
    /// they name (the taxonomy, a model), as a fingerprint recorded with each run.
    var fingerprint: String { get }

    /// Work `Store.run` commits in a transaction of its own before the run's: only what a run that
    /// then fails may leave done, such as a cache of the stage's inputs that later runs refresh.
    /// Readers on other connections see it during `run`. Does nothing unless a stage says so.
    func prepare(in store: Store) throws

    /// Does the stage's work inside the transaction `Store.run` opens, as run `runID`.
    func run(in store: Store, runID: Int) throws -> StageCounts
}

extension Stage {
    public func prepare(in store: Store) throws {}

    /// The settings' values, the contents of the input files they name, and the stage's migrations
    /// (a stage whose tables gained a migration since its last run reruns over everything).
    public static func fingerprint(of config: PipelineConfig, files: [String] = []) -> String {
        let named = settings.compactMap { s -> String? in
            if case .inputFile = s.kind { return config.path(s) }
            return nil
        }
        let schema = migrations.isEmpty ? "" : "|" + migrations.map(\.name).joined(separator: ",")
        return config.fingerprint(settings, files: named + files) + schema
    }
}

/// What a stage did, for the runs table and the log.
public struct StageCounts: Sendable, Equatable {
    public var rowsIn: Int
    public var rowsOut: Int
    public var rejected: Int
    public var message: String?
    /// The owned tables whose content changed; nil means all of them.
    public var changed: Set<TableName>?

    public init(
        rowsIn: Int, rowsOut: Int, rejected: Int = 0, message: String? = nil, changed: Set<TableName>? = nil
    ) {
        self.rowsIn = rowsIn
        self.rowsOut = rowsOut
        self.rejected = rejected
        self.message = message
        self.changed = changed
    }
}

/// Whether a stage's output is up to date with its inputs.
public enum Staleness: Sendable, Equatable {
    case current
    case neverRan
    /// These tables it reads changed after its last successful run.
    case inputsChanged([TableName])
    /// Its settings, the files they name or its tables' layout (its migrations, which a new version
    /// may add) changed since its last successful run.
    case settingsChanged

    /// Why the stage is not current, in words (`orders changed since`); nil when it is current.
    public var reason: String? {
        switch self {
        case .current: nil
        case .neverRan: "never run"
        case .inputsChanged(let tables): "\(tables.map(\.rawValue).joined(separator: ", ")) changed since"
        case .settingsChanged: "its settings, files or table layout changed since"
        }
    }
}

extension Store {
    /// Opens the store with the migrations of `stages`.
    public convenience init(path: String, stages: [any Stage.Type], create: Bool = true, readOnly: Bool = false) throws
    {
        try self.init(path: path, migrations: stages.flatMap { $0.migrations }, create: create, readOnly: readOnly)
    }
}

extension PipelineConfig {
    /// Reads a pipeline file, checking the settings of `stages` (and the pipeline's own); with
    /// `others` ignored, settings of other stages are skipped.
    public static func load(path: String, stages: [any Stage.Type], others: Others = .ignored) throws -> PipelineConfig
    {
        var seen = Set<String>()
        let settings = (PipelineConfig.settings + stages.flatMap { $0.settings }).filter { seen.insert($0.id).inserted }
        return try load(path: path, settings: settings, others: others)
    }
}
