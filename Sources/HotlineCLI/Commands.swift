import CHotlineSystem
import Foundation
import HotlineAggregate
import HotlineClassify
import HotlineCore
import HotlineDetect
import HotlineIngest
import HotlineLearn
import HotlineRender
import HotlineStore

/// The subcommands and what each runs.
enum Commands {
    static let config = OptionSpec(name: "--config", value: "file", help: "The pipeline file (in Pipelines/).")
    static let store = OptionSpec(
        name: "--store", value: "path", help: "The SQLite store (default: the pipeline's, else hotline.sqlite).")
    static let out = OptionSpec(
        name: "--out", value: "dir", help: "Where the site goes (default: the pipeline's, else site).")
    static let full = OptionSpec(
        name: "--full", value: "", help: "Rebuild from scratch, not only what changed since the last run.")

    static let table: [Command] = [
        Command(
            name: "run", arguments: "[<file> ...]",
            summary: "Run every stage: ingest, classify, aggregate, detect, render.",
            discussion: """
                Ingests the files given, or the pipeline's 'inputs', then classifies, aggregates, finds the
                problems to escalate and publishes the site. Prints the path of the published index.html.
                Every setting and file is checked before the first stage changes the store. Each stage
                commits on its own; the site is replaced only when every stage has succeeded.
                A night costs what changed: exports read before and unchanged are not read again, only
                new and updated orders are classified (all of them when the taxonomy, the model or the
                classify settings changed), and a stage whose inputs did not change is not run.
                --full rebuilds everything; 'hotline status' says what the next run will do.
                """,
            options: [config, store, out, full], positionals: 0...Int.max, settings: StageGraph.settings, run: runAll),
        Command(
            name: "ingest", arguments: "[<file> ...]", summary: "Read exports (CSV, XLSX, XML) into the store.",
            discussion: """
                Without files, reads the pipeline's 'inputs'. Each file's kind is told by its first bytes:
                  CSV   UTF-8 (with or without a byte-order mark) or GBK/GB18030, told apart by the bytes
                        (UTF-8 first) unless [pipeline] encoding says; a title row above the header is
                        skipped; quoted fields with commas, quotes and line breaks.
                  XLSX  the sheet [xlsx] sheet names, else the first; shared and inline strings, numbers,
                        booleans, formula results, date cells (1900 or 1904 system), omitted cells.
                  XML   one element per order ([xml] record, else the root's first child), fields as child
                        elements or attributes, the encoding from the XML declaration.
                The header names the fields: the usual Chinese names are built in, any other (in any
                language) is mapped by the column file ([pipeline] columns: field<TAB>header|header); one
                column may feed several fields, and two columns claiming one field is an error naming both.
                Dates are read in the year-first forms (2021-03-05 14:22, 2021/3/5, 2021年3月5日) and by the
                patterns of [ingest] date_formats; a date two ways read differently is rejected as
                ambiguous. Status, callback, kind, channel and yes/no values are mapped by [map.status] and
                the like; values nothing maps are kept as written and reported.
                Orders are upserted by order id; bad rows are reported as file:line: error: reason and kept in
                the store's rejects table. Each file's mapping (field <- header, headers not used, values no
                map covers) is printed and kept for 'hotline status'. A file with no accepted row, or more
                rejected rows than [ingest] max_reject_share, fails the stage and changes nothing.
                Workbooks and XML from outside are read as hostile: DTDs and entities are refused, and
                archives that expand too far, are encrypted, corrupt or truncated are refused by name.
                """,
            options: [config, store, full], positionals: 0...Int.max, settings: IngestStage.settings,
            run: { try runStage(IngestStage.self, $0) }),
        Command(
            name: "classify", arguments: "", summary: "Classify every order in the store by the taxonomy.",
            discussion: "Replaces the previous classification; rerun it after editing the taxonomy.",
            options: [config, store, full], positionals: 0...0, settings: ClassifyStage.settings,
            run: { try runStage(ClassifyStage.self, $0) }),
        Command(
            name: "aggregate", arguments: "", summary: "Count orders by category, month, street and community.",
            discussion: "Uses the pipeline's 'communities' table, if set, for per-10,000-resident rates.",
            options: [config, store, full], positionals: 0...0, settings: AggregateStage.settings,
            run: { try runStage(AggregateStage.self, $0) }),
        Command(
            name: "detect", arguments: "",
            summary: "Find the problems that keep coming back, as escalation candidates (提级处理).",
            discussion: """
                Looks for hotspots (one category on one estate), repeat callers, mass complaints (near-identical
                texts), surges (a community's category far above its baseline) and stuck orders, with the
                thresholds under [detect]. Findings that share their orders are one candidate, whose id stays
                the same from night to night. Prints the ranked candidates as tab-separated lines; 'hotline
                explain ID' shows one candidate's evidence.
                """,
            options: [config, store, full], positionals: 0...0, settings: DetectStage.settings,
            run: {
                let setup = try Setup($0)
                try runStage(DetectStage.self, setup)
                print(try candidatesTSV(setup), terminator: "")
            }),
        Command(
            name: "render", arguments: "", summary: "Publish the static site (HTML, CSV, Excel) from the aggregates.",
            discussion: """
                The site is written beside the target folder and swapped in whole. When classify, aggregate or
                detect is older than what it reads (or its settings changed), render says so and runs it first,
                so a page never shows figures older than the store.
                """,
            options: [config, store, out], positionals: 0...0, settings: RenderStage.settings,
            run: {
                let setup = try Setup($0)
                let stage = try RenderStage(config: setup.config, paths: setup.paths)
                let store = try setup.openStore(create: false)
                try refreshStale(setup, in: store)
                try run(stage, in: store)
                print(stage.index)
            }),
        Command(
            name: "train", arguments: "",
            summary: "Learn the categories from the orders that carry an operator's label.",
            discussion: """
                Fits a character n-gram model on the labelled orders in the store and saves it beside the store
                (or where [model] file says). Prints the model's path. Deterministic for a given [model] seed.
                """,
            options: [config, store], positionals: 0...0, settings: TrainStage.settings,
            run: {
                let setup = try Setup($0)
                let stage = try TrainStage(config: setup.config, paths: setup.paths)
                try setup.openStore(create: false).run(stage)
                print(stage.modelPath)
            }),
        Command(
            name: "evaluate", arguments: "",
            summary: "Measure the learned classifier by cross-validation on the labelled orders.",
            discussion: """
                Prints accuracy and macro-F1 as the mean and spread over --repeats fold seeds, then for the
                first seed the per-class precision, recall and F1, the confusion matrix, and the coverage
                curve: for thresholds from 0.30 to 0.95, the share of orders the model would decide itself and
                its accuracy on them ([model] target_accuracy picks from it). With --split SHARE, one
                train/test split instead of --folds rounds; with --csv DIR, also as CSV files.
                """,
            options: [
                config, store, OptionSpec(name: "--folds", value: "n", help: "Rounds of cross-validation (default 5)."),
                OptionSpec(name: "--repeats", value: "n", help: "Fold seeds to average over (default 3)."),
                OptionSpec(name: "--split", value: "share", help: "Hold out this share (0–1) once instead."),
                OptionSpec(name: "--csv", value: "dir", help: "Also write metrics.csv and confusion.csv here."),
            ], positionals: 0...0, settings: TrainStage.settings, run: { try evaluate(Setup($0), options: $0.options) }),
        Command(
            name: "remove", arguments: "",
            summary: "Remove orders from the store, by id or by the export they came from.",
            discussion: """
                With --id, the orders with those ids (comma-separated); with --source, every order whose stored
                version came from that export, with the export's rejects and record. The removal is recorded in
                the runs table, and the stages after ingest are stale until the next run. To correct an order,
                remove it and ingest the corrected export.
                """,
            options: [
                config, store, OptionSpec(name: "--id", value: "ids", help: "Order ids, comma-separated."),
                OptionSpec(name: "--source", value: "file", help: "An export whose orders to remove."),
            ], positionals: 0...0, run: { try remove(Setup($0), options: $0.options) }),
        Command(
            name: "status", arguments: "",
            summary: "Show what the store holds, the last stage runs, and which stages are stale and why.",
            discussion: "Give the --out a nightly run publishes to, so that render's state is told for that folder.",
            options: [config, store, out], positionals: 0...0, run: { try status(Setup($0)) }),
        Command(
            name: "explain", arguments: "<order-id | candidate-id>",
            summary: "Show why an order landed in its category, or what a candidate rests on.",
            discussion: """
                For an order: its text with names and phone numbers masked, the rules that matched, and the
                operator's category. For an escalation candidate (TJ-…): its signals, level, and every order
                behind it.
                """,
            options: [config, store], positionals: 1...1,
            run: { try explain(Setup($0), id: $0.arguments[0]) }),
    ]

    /// The settings and paths one invocation works with.
    struct Setup {
        var config: PipelineConfig
        var paths: StagePaths

        init(_ invocation: Invocation) throws {
            let cwd = FileManager.default.currentDirectoryPath
            config =
                try invocation.options["--config"].map {
                    try PipelineConfig.load(path: $0, settings: StageGraph.settings)
                }
                ?? PipelineConfig(directory: cwd, settings: StageGraph.settings)
            paths = StagePaths(
                store: invocation.options["--store"] ?? config.path(PipelineConfig.store) ?? "hotline.sqlite",
                out: invocation.options["--out"] ?? config.path(PipelineConfig.out) ?? "site",
                inputs: invocation.command.name == "run" || invocation.command.name == "ingest"
                    ? invocation.arguments : [],
                full: invocation.options["--full"] != nil)
        }

        /// The store with every stage's migrations; opened for writing, it is locked for this process.
        func openStore(create: Bool = true, readOnly: Bool = false) throws -> Store {
            if !readOnly && (create || FileManager.default.fileExists(atPath: paths.store)) {
                try Locks.hold(paths.store)
            }
            return try Store(path: paths.store, migrations: StageGraph.migrations, create: create, readOnly: readOnly)
        }
    }

    /// The stores this process has locked, held until it ends.
    enum Locks {
        nonisolated(unsafe) private static var held: [String: StoreLock] = [:]

        static func hold(_ store: String) throws {
            let key = URL(fileURLWithPath: store).standardizedFileURL.path
            if held[key] == nil { held[key] = try StoreLock(store: key) }
        }
    }

    /// `hotline STAGE`: reads the stage's settings, then runs it on the store.
    static func runStage<S: Stage>(_ type: S.Type, _ invocation: Invocation) throws {
        try runStage(type, Setup(invocation))
    }

    static func runStage<S: Stage>(_ type: S.Type, _ setup: Setup) throws {
        let stage = try S(config: setup.config, paths: setup.paths)
        try run(stage, in: setup.openStore(create: S.name == .ingest))
    }

    /// Runs one stage and logs what it did.
    static func run<S: Stage>(_ stage: S, in store: Store) throws {
        if let classify = stage as? ClassifyStage, let model = classify.model {
            Log.info(
                "classify: with the model trained on \(model.trainedOn.grouped) orders (\(model.classes.count) classes)"
            )
        }
        let counts = try Log.timed(S.name.rawValue) { try store.run(stage) }
        // What ingest did is said once it has committed.
        if let ingest = stage as? IngestStage { for line in ingest.report { Log.info("ingest: \(line)") } }
        switch S.name {
        case .ingest, .train, .remove: break
        case .render: Log.info("render: site published at \(counts.message ?? "")")
        case .classify:
            let detail = counts.message.flatMap { $0.isEmpty ? nil : ": " + $0 } ?? ""
            Log.info("classify: \(counts.rowsOut.grouped) orders\(detail)")
        case .aggregate, .detect:
            Log.info("\(S.name.rawValue): \(counts.rowsIn.grouped) orders: \(counts.message ?? "")")
        }
    }

    /// `hotline run`: every stage is made (its settings and files checked) before the first one runs.
    static func runAll(_ invocation: Invocation) throws {
        let setup = try Setup(invocation)
        let config = setup.config
        let ingest = try IngestStage(config: config, paths: setup.paths)
        let classify = try ClassifyStage(config: config, paths: setup.paths)
        let aggregate = try AggregateStage(config: config, paths: setup.paths)
        let detect = try DetectStage(config: config, paths: setup.paths)
        let render = try RenderStage(config: config, paths: setup.paths)
        _ = try render.checkTarget()
        let store = try setup.openStore()
        try run(ingest, in: store)
        hotline_release_free_memory()
        // A stage whose inputs and settings are as they were at its last run is not run again.
        try runIfStale(classify, in: store, full: setup.paths.full)
        hotline_release_free_memory()
        try runIfStale(aggregate, in: store, full: setup.paths.full)
        hotline_release_free_memory()
        try runIfStale(detect, in: store, full: setup.paths.full)
        hotline_release_free_memory()
        try runIfStale(render, in: store, full: setup.paths.full || !render.published)
        print(render.index)
    }

    /// Before `render` alone: classify, aggregate and detect are run again, with a warning, when they
    /// are older than their inputs or settings (classify and detect only if they ran before).
    static func refreshStale(_ setup: Setup, in store: Store) throws {
        func refresh<S: Stage>(_ stage: S, always: Bool) throws {
            let staleness = try store.staleness(of: S.self, fingerprint: stage.fingerprint)
            guard let why = staleness.reason, always || staleness != .neverRan else { return }
            Log.warning("render: \(S.name.rawValue) is out of date (\(why)); running it first")
            try run(stage, in: store)
        }
        try refresh(ClassifyStage(config: setup.config, paths: setup.paths), always: false)
        try refresh(AggregateStage(config: setup.config, paths: setup.paths), always: true)
        try refresh(DetectStage(config: setup.config, paths: setup.paths), always: false)
    }

    /// Runs `stage` unless it is up to date with its inputs and settings (or `full` is asked).
    static func runIfStale<S: Stage>(_ stage: S, in store: Store, full: Bool) throws {
        if !full, try store.staleness(of: S.self, fingerprint: stage.fingerprint) == .current {
            Log.info("\(S.name.rawValue): up to date; nothing changed since its last run")
            return
        }
        try run(stage, in: store)
    }

    /// `hotline remove`: orders out of the store, by id or by export.
    static func remove(_ setup: Setup, options: [String: String]) throws {
        let ids = Setting.split(options["--id"] ?? "")
        let sources = options["--source"].map { [$0] } ?? []
        guard !ids.isEmpty || !sources.isEmpty else {
            throw HotlineError.usage("'hotline remove' needs --id or --source")
        }
        let store = try setup.openStore(create: false)
        let (removed, missing) = try IngestStage.remove(ids: ids, sources: sources, from: store)
        Log.info("remove: \(removed) order(s) removed; run 'hotline run' to bring the later stages up to date")
        if !missing.isEmpty { Log.warning("not in the store: \(missing.joined(separator: ", "))") }
    }

    /// The current candidates as tab-separated lines, for `hotline detect`.
    static func candidatesTSV(_ setup: Setup) throws -> String {
        let store = try setup.openStore(create: false, readOnly: true)
        var out = "rank\tid\tweight\tstatus\tlevel\tcategory\tplace\torders\tcallers\tfirst_seen\tlast_seen\tsignals\n"
        for c in try EscalationCandidates.current(store.db) {
            let cells = [
                String(c.rank ?? 0), c.id, Format.fixed(c.weight, places: 1), c.status.rawValue,
                PersonalData.mask(c.level.label), PersonalData.mask(c.category), PersonalData.mask(c.place),
                String(c.orders), String(c.callers), String(c.firstSeen.prefix(10)), String(c.lastSeen.prefix(10)),
                c.signals.map(\.rawValue).joined(separator: ","),
            ]
            out += cells.joined(separator: "\t") + "\n"
        }
        return out
    }
}
