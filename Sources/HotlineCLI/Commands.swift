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

    static let table: [Command] = [
        Command(
            name: "run", arguments: "[<file> ...]",
            summary: "Run every stage: ingest, classify, aggregate, detect, render.",
            discussion: """
                Ingests the files given, or the pipeline's 'inputs', then classifies, aggregates, finds the
                problems to escalate and publishes the site. Prints the path of the published index.html. Each stage commits on its own; the site
                is replaced only when every stage has succeeded.
                """,
            options: [config, store, out], positionals: 0...Int.max, run: runAll),
        Command(
            name: "ingest", arguments: "[<file> ...]", summary: "Read CSV exports into the store.",
            discussion: """
                Orders are upserted by order id; bad rows are reported as file:line: error: reason and kept in
                the store's rejects table. Without files, reads the pipeline's 'inputs'.
                """,
            options: [config, store], positionals: 0...Int.max, run: { try ingest(context($0), files: $0.arguments) }),
        Command(
            name: "classify", arguments: "", summary: "Classify every order in the store by the taxonomy.",
            discussion: "Replaces the previous classification; rerun it after editing the taxonomy.",
            options: [config, store], positionals: 0...0, run: { try classify(context($0)) }),
        Command(
            name: "aggregate", arguments: "", summary: "Count orders by category, month, street and community.",
            discussion: "Uses the pipeline's 'communities' table, if set, for per-10,000-resident rates.",
            options: [config, store], positionals: 0...0, run: { try aggregate(context($0)) }),
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
            options: [config, store], positionals: 0...0, run: { try detect(context($0), print: true) }),
        Command(
            name: "render", arguments: "", summary: "Publish the static site (HTML and CSV) from the aggregates.",
            discussion: "The site is written beside the target folder and swapped in whole.",
            options: [config, store, out], positionals: 0...0,
            run: { print(try render(context($0))) }),
        Command(
            name: "train", arguments: "",
            summary: "Learn the categories from the orders that carry an operator's label.",
            discussion: """
                Fits a character n-gram model on the labelled orders in the store and saves it beside the store
                (or where [model] file says). Prints the model's path. Deterministic for a given [model] seed.
                """,
            options: [config, store], positionals: 0...0, run: { print(try train(context($0))) }),
        Command(
            name: "evaluate", arguments: "",
            summary: "Measure the learned classifier by cross-validation on the labelled orders.",
            discussion: """
                Prints accuracy, macro-F1, per-class precision, recall and F1, and the confusion matrix. With
                --split SHARE, one train/test split instead of --folds rounds; with --csv DIR, also as CSV files.
                """,
            options: [
                config, store, OptionSpec(name: "--folds", value: "n", help: "Rounds of cross-validation (default 5)."),
                OptionSpec(name: "--split", value: "share", help: "Hold out this share (0–1) once instead."),
                OptionSpec(name: "--csv", value: "dir", help: "Also write metrics.csv and confusion.csv here."),
            ], positionals: 0...0, run: { try evaluate(context($0), options: $0.options) }),
        Command(
            name: "status", arguments: "", summary: "Show what the store holds and the last stage runs.",
            discussion: "", options: [config, store], positionals: 0...0, run: { try status(context($0)) }),
        Command(
            name: "explain", arguments: "<order-id | candidate-id>",
            summary: "Show why an order landed in its category, or what a candidate rests on.",
            discussion: """
                For an order: its text with names and phone numbers masked, the rules that matched, and the
                operator's category. For an escalation candidate (TJ-…): its signals, level, and every order
                behind it.
                """,
            options: [config, store], positionals: 1...1,
            run: { try explain(context($0), id: $0.arguments[0]) }),
    ]

    /// The settings and paths one invocation works with.
    struct Context {
        var config: PipelineConfig
        var storePath: String
        var outPath: String
    }

    static func context(_ invocation: Invocation) throws -> Context {
        let cwd = FileManager.default.currentDirectoryPath
        let config = try invocation.options["--config"].map(PipelineConfig.load) ?? PipelineConfig(directory: cwd)
        return Context(
            config: config,
            storePath: invocation.options["--store"] ?? config.store ?? "hotline.sqlite",
            outPath: invocation.options["--out"] ?? config.out ?? "site")
    }

    static func runAll(_ invocation: Invocation) throws {
        let ctx = try context(invocation)
        // Check what could stop the run at the end before anything is written.
        let classifier = try loadClassifier(ctx.config)
        let store = try Store(path: ctx.storePath)
        _ = try SiteWriter(store: store, config: ctx.config, out: ctx.outPath).checkTarget()
        try ingest(ctx, files: invocation.arguments)
        hotline_release_free_memory()
        try classify(ctx, classifier: classifier)
        hotline_release_free_memory()
        try aggregate(ctx)
        hotline_release_free_memory()
        try detect(ctx, print: false)
        hotline_release_free_memory()
        print(try render(ctx))
    }

    static func ingest(_ ctx: Context, files: [String]) throws {
        let inputs = files.isEmpty ? expandInputs(ctx.config.inputs) : files
        guard !inputs.isEmpty else {
            if files.isEmpty && !ctx.config.inputs.isEmpty {
                throw HotlineError.failed(
                    "the pipeline's inputs match no file: \(ctx.config.inputs.joined(separator: ", "))")
            }
            throw HotlineError.usage("no input files: name them, or set 'inputs' in the pipeline file")
        }
        let store = try Store(path: ctx.storePath)
        try Ingester(store: store, config: ctx.config).run(files: inputs)
    }

    static func loadClassifier(_ config: PipelineConfig) throws -> Classifier {
        Classifier(taxonomy: try Taxonomy.load(path: config.taxonomy), fallback: config.fallbackCategory)
    }

    /// The trained model beside the store, if there is one.
    static func loadModel(_ ctx: Context, settings: ModelSettings) throws -> LinearModel? {
        let path = settings.path(store: ctx.storePath)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try LinearModel.read(from: path)
    }

    static func classify(_ ctx: Context, classifier: Classifier? = nil) throws {
        let classifier = try classifier ?? loadClassifier(ctx.config)
        let settings = try ModelSettings(config: ctx.config)
        let model = try loadModel(ctx, settings: settings)
        if let model {
            Log.info(
                "classify: with the model trained on \(model.trainedOn.grouped) orders (\(model.classes.count) classes)"
            )
        }
        let store = try Store(path: ctx.storePath, create: false)
        let counts = try ClassifyStage(
            store: store, classifier: classifier, configHash: ctx.config.hash, model: model, settings: settings
        ).run()
        let detail = counts.message.flatMap { $0.isEmpty ? nil : ": " + $0 } ?? ""
        Log.info("classify: \(counts.rowsOut.grouped) orders\(detail)")
    }

    static func aggregate(_ ctx: Context) throws {
        let store = try Store(path: ctx.storePath, create: false)
        let counts = try AggregateStage(store: store, config: ctx.config).run()
        Log.info("aggregate: \(counts.rowsIn.grouped) orders: \(counts.message ?? "")")
    }

    static func detect(_ ctx: Context, print printing: Bool) throws {
        let settings = try DetectSettings(config: ctx.config)
        let store = try Store(path: ctx.storePath, create: false)
        let counts = try DetectStage(store: store, config: ctx.config, settings: settings).run()
        Log.info("detect: \(counts.rowsIn.grouped) orders: \(counts.message ?? "")")
        guard printing else { return }
        let rows = try store.db.rows(
            """
            SELECT rank, id, weight, status, level, category, place, orders, callers, substr(first_seen, 1, 10),
                substr(last_seen, 1, 10), signals
            FROM candidates WHERE detected = 1 ORDER BY rank
            """)
        var out = "rank\tid\tweight\tstatus\tlevel\tcategory\tplace\torders\tcallers\tfirst_seen\tlast_seen\tsignals\n"
        for r in rows {
            out +=
                r.map { v -> String in
                    switch v {
                    case .int(let n): String(n)
                    case .real(let d): Format.fixed(d, places: 1)
                    default: PersonalData.mask(v.text ?? "")
                    }
                }.joined(separator: "\t") + "\n"
        }
        print(out, terminator: "")
    }

    static func render(_ ctx: Context) throws -> String {
        let store = try Store(path: ctx.storePath, create: false)
        let index = try SiteWriter(store: store, config: ctx.config, out: ctx.outPath).run()
        Log.info("render: site published at \((index as NSString).deletingLastPathComponent)")
        return index
    }
}
