import HotlineCore
import HotlineStore

/// The classify stage: classifies every order in the store again, replacing the last output.
///
/// A reader on its own read-only connection pages through the orders in batches, a worker
/// classifies them, and the calling thread writes the results, joined by bounded queues.
public struct ClassifyStage {
    let store: Store
    let classifier: Classifier
    let configHash: String
    public var batchSize = 512

    public init(store: Store, classifier: Classifier, configHash: String) {
        self.store = store
        self.classifier = classifier
        self.configHash = configHash
    }

    private struct Row: Sendable {
        var seq: Int
        var text: String
    }

    @discardableResult
    public func run() throws -> StageCounts {
        try store.runStage("classify", configHash: configHash) { runID in
            try store.db.execute("DELETE FROM classified")
            let reader = UncheckedSendable(try store.readerConnection())
            let batchSize = self.batchSize
            let classifier = self.classifier
            let insert = try store.db.prepare(
                "INSERT INTO classified(order_seq, category, parent, rule, keywords, run_id) VALUES(?, ?, ?, ?, ?, ?)")
            var count = 0
            try Pipeline.run(
                label: "classify", depth: 8,
                produce: { send in
                    let select = try reader.value.prepare(
                        "SELECT seq, coalesce(title, ''), coalesce(content, '') FROM orders WHERE seq > ? ORDER BY seq LIMIT ?"
                    )
                    var last = 0
                    while true {
                        try select.bind([last, batchSize])
                        var batch: [Row] = []
                        while try select.step() {
                            last = select.int(0)
                            batch.append(Row(seq: last, text: (select.text(1) ?? "") + "\n" + (select.text(2) ?? "")))
                        }
                        if batch.isEmpty || !send(batch) { return }
                    }
                },
                transform: { { batch in batch.map { ($0.seq, classifier.classify($0.text)) } } },
                consume: { batch in
                    for (seq, c) in batch {
                        try insert.bind(1, seq)
                        try insert.bind(2, c.category)
                        try insert.bind(3, c.parent)
                        try insert.bind(4, c.rule)
                        try insert.bind(5, c.keywords.joined(separator: "、"))
                        try insert.bind(6, runID)
                        try insert.execute()
                    }
                    count += batch.count
                    Log.progress("classify: \(count.grouped) orders")
                })
            Log.endProgress()
            let fallback = try store.db.scalar("SELECT count(*) FROM classified WHERE rule = 'fallback'")
            return StageCounts(
                rowsIn: count, rowsOut: count,
                message: "\(count - fallback) by rule, \(fallback) to \(classifier.fallback)")
        }
    }
}
