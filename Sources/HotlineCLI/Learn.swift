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
        let store = try setup.openStore(create: false, readOnly: true)
        let (examples, _) = try settings.examples(store.db)
        guard Set(examples.map(\.label)).count >= 2 else {
            throw HotlineError.notReady("too few labelled orders to evaluate: \(examples.count)")
        }
        let e = Evaluation.crossValidate(examples, folds: folds, testShare: split, options: settings.options)
        var out = split.map { "Held out \(Format.percent($0, places: 0)) once" } ?? "\(folds)-fold cross-validation"
        out += " on \(examples.count.grouped) labelled orders, \(e.classes.count) classes\n\n"
        out += "accuracy  \(Format.fixed(e.accuracy, places: 4))\nmacro-F1  \(Format.fixed(e.macroF1, places: 4))\n\n"
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
