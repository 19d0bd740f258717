import Foundation
import HotlineCore
import HotlineLearn
import HotlineRender
import HotlineStore

extension Commands {
    /// `hotline evaluate`: cross-validates and prints the report.
    static func evaluate(_ setup: Setup, options: [String: String]) throws {
        let settings = ModelSettings(config: setup.config)
        let folds =
            try options["--folds"].map { v -> Int in
                guard let n = Int(v), n >= 2, n <= 20 else {
                    throw HotlineError.usage("--folds takes a whole number from 2 to 20")
                }
                return n
            } ?? 5
        let split = try options["--split"].map { v -> Double in
            guard let s = Double(v), s > 0, s < 1 else {
                throw HotlineError.usage("--split takes a share between 0 and 1")
            }
            return s
        }
        let repeats =
            try options["--repeats"].map { v -> Int in
                guard let n = Int(v), n >= 1, n <= 20 else {
                    throw HotlineError.usage("--repeats takes a whole number from 1 to 20")
                }
                return n
            } ?? 3
        let store = try setup.openStore(create: false, readOnly: true)
        let (examples, _) = try settings.examples(store.db)
        guard Set(examples.map(\.label)).count >= 2 else {
            throw HotlineError.notReady("too few labelled orders to evaluate: \(examples.count)")
        }
        let runs =
            split == nil
            ? Evaluation.repeated(examples, folds: folds, repeats: repeats, options: settings.options)
            : [Evaluation.crossValidate(examples, folds: folds, testShare: split, options: settings.options)]
        let e = runs[0]
        var out = split.map { "Held out \(Format.percent($0, places: 0)) once" } ?? "\(folds)-fold cross-validation"
        out += " on \(examples.count.grouped) labelled orders, \(e.classes.count) classes"
        if runs.count > 1 {
            let seeds = "\(settings.options.seed)–\(settings.options.seed + UInt64(runs.count - 1))"
            out += ", \(runs.count) fold seeds (\(seeds))"
        }
        out += "\n\n"
        func line(_ name: String, _ values: [Double]) -> String {
            let (mean, deviation) = Evaluation.spread(values)
            let each =
                values.count > 1 ? "  (\(values.map { Format.fixed($0, places: 4) }.joined(separator: ", ")))" : ""
            return "\(name)  \(Format.fixed(mean, places: 4))"
                + (values.count > 1 ? " ± \(Format.fixed(deviation, places: 4))" : "") + each + "\n"
        }
        out += line("accuracy", runs.map(\.accuracy)) + line("macro-F1", runs.map(\.macroF1)) + "\n"
        if runs.count > 1 { out += "The tables below are for the first seed.\n\n" }
        out += table(
            ["CLASS", "PRECISION", "RECALL", "F1", "SUPPORT"],
            e.perClass.map {
                [
                    $0.label, Format.fixed($0.precision, places: 3), Format.fixed($0.recall, places: 3),
                    Format.fixed($0.f1, places: 3),
                    String($0.support),
                ]
            })
        out += "\nConfusion (rows: label, columns: predicted, in the order above):\n"
        out += table(
            ["LABEL"] + e.classes.indices.map { String($0 + 1) },
            e.classes.indices.map { [e.classes[$0]] + e.confusion[$0].map(String.init) })
        out += "\nCoverage (the model decides an order itself when its top probability reaches the threshold):\n"
        out += table(
            ["THRESHOLD", "DECIDED", "ACCURACY"],
            e.coverage(thresholds: Evaluation.curve).map {
                [
                    Format.fixed($0.threshold, places: 2), Format.percent($0.share),
                    $0.accuracy.map { Format.percent($0) } ?? "—",
                ]
            })
        print(out, terminator: "")
        if let dir = options["--csv"] {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            var metrics = CSVTable(header: ["类别", "精确率", "召回率", "F1", "样本数"])
            for c in e.perClass {
                metrics.append([
                    .text(c.label), .decimal(c.precision, places: 4), .decimal(c.recall, places: 4),
                    .decimal(c.f1, places: 4), .int(c.support),
                ])
            }
            metrics.append([.text("准确率"), .empty, .empty, .decimal(e.accuracy, places: 4), .int(e.total)])
            metrics.append([.text("宏平均F1"), .empty, .empty, .decimal(e.macroF1, places: 4), .int(e.total)])
            var confusion = CSVTable(header: ["真实\\预测"] + e.classes)
            for (i, row) in e.confusion.enumerated() { confusion.append([.text(e.classes[i])] + row.map { .int($0) }) }
            try Data(metrics.text.utf8).write(
                to: URL(fileURLWithPath: (dir as NSString).appendingPathComponent("metrics.csv")))
            try Data(confusion.text.utf8).write(
                to: URL(fileURLWithPath: (dir as NSString).appendingPathComponent("confusion.csv")))
        }
    }
}
