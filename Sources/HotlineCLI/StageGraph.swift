import HotlineAggregate
import HotlineClassify
import HotlineCore
import HotlineDetect
import HotlineIngest
import HotlineLearn
import HotlineRender
import HotlineStore

/// The stages and how they connect: ingest → (train) → classify → {aggregate, detect} → render.
///
/// Everything the command line needs about stages comes from here: the order `run` executes them
/// in, the migrations a store gets, the settings a pipeline file may set, and what `status` checks.
enum StageGraph {
    /// The nightly job, in the order `run` executes it.
    static let nightly: [any Stage.Type] = [
        IngestStage.self, ClassifyStage.self, AggregateStage.self, DetectStage.self, RenderStage.self,
    ]

    /// Every stage, in dependency order (train learns from the orders; classify uses its model).
    static let all: [any Stage.Type] = [
        IngestStage.self, TrainStage.self, ClassifyStage.self, AggregateStage.self, DetectStage.self, RenderStage.self,
    ]

    /// Every stage's migrations, in dependency order.
    static let migrations: [Migration] = all.flatMap { $0.migrations }

    /// Every setting a pipeline file may carry, each once.
    static let settings: [Setting] = {
        var seen = Set<String>()
        return (PipelineConfig.settings + all.flatMap { $0.settings }).filter { seen.insert($0.id).inserted }
    }()

    /// Every table some stage owns, in dependency order.
    static let tables: [TableName] = all.flatMap { $0.owns }

    /// The stage that owns `table`.
    static func owner(of table: TableName) -> StageName? { all.first { $0.owns.contains(table) }?.name }
}
