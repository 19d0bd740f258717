import Foundation
import HotlineCore
import HotlineFormats
import HotlineStore

/// The ingest stage: reads exports into the store in one transaction.
///
/// Each file flows through three Dispatch work items joined by bounded queues: a reader that
/// cuts records into batches, a decoder that turns them into orders or rejects, and the writer
/// (the calling thread) that upserts them. At most a few batches are in flight, whatever the
/// file's size. Orders are upserted by id: the same content again is `unchanged`, a later row
/// with the same id replaces the earlier one. A file that cannot be read or has no recognisable
/// header fails the whole stage, leaving the store as it was.
public final class IngestStage: Stage {
    public static let name = StageName.ingest
    public static let reads: [TableName] = []
    public static let owns: [TableName] = [.orders, .orderHistory, .sources, .rejects]
    public static let migrations = IngestSchema.migrations
    public static let settings = IngestSettings.all + [CallerKey.setting]

    public let settings: IngestSettings
    /// The files this run reads, in order.
    public let files: [String]
    public let fingerprint: String
    /// Where the caller key is.
    public let keyPath: String
    public var batchSize = 256
    /// A batch is sent early when its rows hold this many bytes, so that a file of long rows (or
    /// of lines a never-closed quote turned into rows) keeps memory at depth × this.
    public var batchBytes = 1 << 20
    public var queueDepth = 8
    /// Rejects printed per file; all of them are stored.
    public var printedRejectsPerFile = 50
    /// How many rows above the header may be a title.
    public var headerSearchRows = 20
    /// How far a workbook may expand.
    public var zipLimits = ZipLimits()
    /// What each file's ingest did, once `run` has returned.
    public private(set) var summaries: [FileSummary] = []
    /// Files skipped as no export at all, once `run` has returned.
    public private(set) var skipped: [Diagnostic] = []
    /// Files skipped because they are as they were when last read, once `run` has returned.
    public private(set) var unchangedFiles: [String] = []
    /// Read every file again, changed or not.
    public let full: Bool

    /// A file in which no row names any field: no export, perhaps a stray file among them.
    struct NotAnExport: Error { var diagnostic: Diagnostic }

    /// What each file did, and how its columns were read, for the log once the run has committed.
    public var report: [String] {
        summaries.flatMap { s in [s.line] + s.mapping.lines.map { "\(s.file): \($0)" } }
            + unchangedFiles.map { "\($0): unchanged since it was read; not read again (--full reads it)" }
    }

    /// The files named on the command line, else the pipeline's `inputs`.
    public init(config: PipelineConfig, paths: StagePaths) throws {
        settings = try IngestSettings(config: config)
        fingerprint = Self.fingerprint(of: config)
        full = paths.full
        keyPath = paths.key ?? CallerKey.path(config: config)
        if !paths.inputs.isEmpty {
            files = paths.inputs
        } else if config.inputs.isEmpty {
            throw HotlineError.usage("no input files: name them, or set 'inputs' in the pipeline file")
        } else {
            files = expandInputs(config.inputs)
            guard !files.isEmpty else {
                throw HotlineError.settings([
                    config.problem(PipelineConfig.inputs, "matches no file: \(config.inputs.joined(separator: ", "))")
                ])
            }
        }
    }

    /// Ingests every file in one transaction. A file whose rows are all rejected, or more of them than
    /// `[ingest] max_reject_share`, fails the run (and so nothing is written or published).
    public func run(in store: Store, runID: Int) throws -> StageCounts {
        let key = try CallerKey.load(path: keyPath, for: store)
        summaries = []
        skipped = []
        unchangedFiles = []
        let writer = try OrderWriter(db: store.db, runID: runID)
        var forgotten = 0
        for file in files {
            let summary: FileSummary
            // An export read before and not changed since is not read again (unless --full).
            let stamp = Self.stamp(file, fingerprint: fingerprint)
            if !full, let stamp, try Sources.stamp(store.db, file: Self.sourceKey(file)) == stamp {
                unchangedFiles.append(file)
                continue
            }
            do {
                let (read, dropped) = try ingest(file: file, key: key, writer: writer, stamp: stamp)
                summary = read
                forgotten += dropped
            } catch let stray as NotAnExport where !settings.strict {
                // A stray file among the exports is reported and skipped, unless nothing else is read.
                Log.endProgress()
                Log.warning("\(stray.diagnostic); skipped: it is no export ([ingest] strict = true fails the run)")
                skipped.append(stray.diagnostic)
                continue
            } catch let stray as NotAnExport {
                throw HotlineError.input([stray.diagnostic])
            }
            Log.endProgress()
            summaries.append(summary)
            if let reason = summary.refusal(maxShare: settings.maxRejectShare) {
                throw HotlineError.refused(file: file, reason: reason)
            }
        }
        if summaries.isEmpty && unchangedFiles.isEmpty && !skipped.isEmpty { throw HotlineError.input(skipped) }
        let read = summaries.reduce(0) { $0 + $1.read }
        let rejected = summaries.reduce(0) { $0 + $1.rejected }
        var changed: Set<TableName> = summaries.isEmpty ? [] : [.sources]
        if summaries.contains(where: { $0.inserted + $0.updated > 0 }) { changed.insert(.orders) }
        if summaries.contains(where: { $0.updated > 0 }) { changed.insert(.orderHistory) }
        if rejected + forgotten > 0 { changed.insert(.rejects) }
        let unchanged = unchangedFiles.isEmpty ? "" : ", \(unchangedFiles.count) unchanged since read"
        return StageCounts(
            rowsIn: read, rowsOut: read - rejected, rejected: rejected,
            message: "\(files.count) file(s)\(unchanged)", changed: changed)
    }

    /// Where `sources` keeps a file: its standardized path.
    static func sourceKey(_ file: String) -> String { URL(fileURLWithPath: file).standardizedFileURL.path }

    /// What a file is now, for telling whether it changed since it was read: size, modification
    /// time to the nanosecond, and the settings it is read with; nil when it cannot be told.
    static func stamp(_ file: String, fingerprint: String) -> String? {
        var info = stat()
        guard stat(file, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return "\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(fingerprint)"
    }

    /// Ingests `files` into `store` as one run with `config`'s settings, the caller key beside the
    /// store unless `key` names one; returns what each file read (none for a file unchanged since
    /// it was last read, unless `full`).
    @discardableResult
    public static func ingest(
        _ files: [String], into store: Store, config: PipelineConfig, key: String? = nil, full: Bool = false
    ) throws -> [FileSummary] {
        let paths = StagePaths(store: store.path, inputs: files, key: key ?? store.path + ".key", full: full)
        let stage = try IngestStage(config: config, paths: paths)
        try store.run(stage)
        return stage.summaries
    }

    /// Removes orders from the store, by id or by the export their stored version came from (that
    /// export's rejects and record go too), as a run of its own; the stages after ingest are then
    /// stale. Returns how many orders went, and the ids that were not there.
    public static func remove(ids: [String], sources: [String], from store: Store) throws -> (
        orders: Int, missing: [String]
    ) {
        var removed = 0
        var missing: [String] = []
        try store.runStage(.remove, fingerprint: "", owns: owns) { _ in
            let db = store.db
            let history = try db.prepare(
                "DELETE FROM order_history WHERE order_seq = (SELECT seq FROM orders WHERE id = ?)")
            let order = try db.prepare("DELETE FROM orders WHERE id = ?")
            for id in ids {
                try history.run([id])
                try order.run([id])
                if db.changes == 0 { missing.append(id) } else { removed += 1 }
            }
            for source in sources {
                let key = URL(fileURLWithPath: source).standardizedFileURL.path
                try db.execute(
                    "DELETE FROM order_history WHERE order_seq IN (SELECT seq FROM orders WHERE source_file = ?)", [key]
                )
                try db.execute("DELETE FROM orders WHERE source_file = ?", [key])
                removed += db.changes
                try db.execute("DELETE FROM rejects WHERE file = ?", [key])
                try db.execute("DELETE FROM sources WHERE file = ?", [key])
            }
            return StageCounts(
                rowsIn: ids.count + sources.count, rowsOut: removed,
                message: "removed \(removed) order(s)"
                    + (missing.isEmpty ? "" : "; not in the store: \(missing.joined(separator: ", "))"))
        }
        return (removed, missing)
    }

    /// Stores orders given as values, as one ingest run, upserted as an export's rows would be:
    /// for tests and tools that build a store's state without files.
    @discardableResult
    public static func insert(_ orders: [Order], into store: Store) throws -> FileSummary {
        var summary = FileSummary(file: "(given)", encoding: "")
        try store.runStage(name, fingerprint: "", owns: owns) { runID in
            let writer = try OrderWriter(db: store.db, runID: runID)
            for var order in orders {
                summary.read += 1
                // Each call is one export: orders given without a file come from this run's.
                if order.sourceFile.isEmpty { order.sourceFile = "(given in run \(runID))" }
                switch try writer.upsert(order) {
                case .inserted: summary.inserted += 1
                case .updated: summary.updated += 1
                case .unchanged: summary.unchanged += 1
                }
            }
            try writer.record(summary, key: "(given in run \(runID))", stamp: nil)
            return StageCounts(
                rowsIn: orders.count, rowsOut: orders.count, changed: [.orders, .orderHistory, .sources])
        }
        return summary
    }

    private enum Outcome: Sendable {
        case order(Normalized)
        case reject(Reject)
        case blank
    }

    /// Ingests one file; returns what it did and how many of the file's earlier rejects it dropped.
    private func ingest(file: String, key callerKey: CallerKey, writer: OrderWriter, stamp: String?) throws -> (
        FileSummary, Int
    ) {
        let extra = settings.extraHeaders
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw HotlineError.file(path: file, problem: "no such file")
        }
        let key = URL(fileURLWithPath: file).standardizedFileURL.path
        if (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) == 0 {
            throw HotlineError.input([Diagnostic(file: file, "the file is empty; was the export cut short?")])
        }
        let source: RowSource
        let map: HeaderMap
        var encoding = TextEncoding.utf8
        var dateSystem: ExcelDateSystem?
        var described: String
        switch try ExportFormat.detect(path: file) {
        case .csv:
            let (detected, bom) = try TextDecoder.detect(path: file)
            encoding = settings.encoding == .auto ? detected : settings.encoding
            let reader = try CSVReader(path: file)
            try reader.skipPrefix(encoding == detected ? bom : 0)
            source = CSVRowSource(reader: reader)
            map = try findHeader(in: source, file: file, decoder: TextDecoder(encoding: encoding), extra: extra)
            described = encoding.rawValue
        case .xlsx:
            let reader = try XLSXReader(path: file, display: file, sheet: settings.sheet, limits: zipLimits)
            source = reader
            dateSystem = reader.dateSystem
            map = try findHeader(in: source, file: file, decoder: TextDecoder(encoding: .utf8), extra: extra)
            described = "xlsx, sheet \(reader.sheetName)" + (reader.dateSystem == .from1904 ? ", 1904 dates" : "")
        case .xml:
            source = try XMLRecordReader(path: file, display: file, record: settings.record, extra: extra)
            map = XMLRecordReader.map
            described = "xml"
        }
        let normalizer = RowNormalizer(
            map: map, file: key, key: callerKey, settings: settings, dateSystem: dateSystem)
        let forgotten = try writer.forget(file: key)

        let (batchSize, batchBytes) = (self.batchSize, self.batchBytes)
        var summary = FileSummary(file: file, encoding: described)
        let progress = Progress()
        try Pipeline.run(
            label: "ingest", depth: queueDepth,
            produce: { [source = UncheckedSendable(source)] send in
                var batch: [SourceRow] = []
                var bytes = 0
                batch.reserveCapacity(batchSize)
                while let row = try source.value.next() {
                    batch.append(row)
                    bytes += row.byteCount
                    if batch.count == batchSize || bytes >= batchBytes {
                        guard send((batch, source.value.position)) else { return }
                        batch.removeAll(keepingCapacity: true)
                        bytes = 0
                    }
                }
                if !batch.isEmpty { _ = send((batch, source.value.position)) }
            },
            transform: { [encoding] in
                let decoder = TextDecoder(encoding: encoding)
                return { batch in
                    (batch.0.map { Self.outcome(of: $0, decoder: decoder, normalizer: normalizer) }, batch.1)
                }
            },
            consume: { batch in
                for outcome in batch.0 {
                    switch outcome {
                    case .blank: continue
                    case .order(let normalized):
                        summary.read += 1
                        summary.mapping.count(normalized.unknown)
                        switch try writer.upsert(normalized.order) {
                        case .inserted: summary.inserted += 1
                        case .updated: summary.updated += 1
                        case .unchanged: summary.unchanged += 1
                        }
                    case .reject(let reject):
                        summary.read += 1
                        summary.rejected += 1
                        try writer.insert(reject, file: key)
                        let diagnostic = Diagnostic(file: file, line: reject.line, reject.message)
                        if summary.firstRejects.count < 5 { summary.firstRejects.append(diagnostic.description) }
                        if summary.rejected <= printedRejectsPerFile {
                            Log.endProgress()
                            Log.diagnostic(diagnostic)
                        }
                    }
                }
                Log.progress(
                    every: progress,
                    "ingest: \(file): \(summary.read.grouped) rows"
                        + (batch.1.map { Log.share($0.done, of: $0.total) } ?? ""))
            })
        if let xml = source as? XMLRecordReader {
            summary.mapping.fields = xml.fieldNames
            summary.mapping.unusedHeaders = xml.unusedNames
        } else {
            let counted = summary.mapping.unknownValues
            summary.mapping = MappingReport(map: map)
            summary.mapping.unknownValues = counted
        }
        if summary.rejected > printedRejectsPerFile {
            Log.write(
                "\(file): note: \(summary.rejected - printedRejectsPerFile) more rejected rows not shown; all are in the store's rejects table\n"
            )
        }
        try writer.record(summary, key: key, stamp: stamp)
        return (summary, forgotten)
    }

    private static func outcome(of row: SourceRow, decoder: TextDecoder, normalizer: RowNormalizer) -> Outcome {
        let line: Int
        var fields: [String]
        switch row {
        case .broken(let at, let message):
            return .reject(Reject(line: at, reason: .malformed, message: message, raw: ""))
        case .cells(let at, let cells):
            guard cells.contains(where: { !$0.trimmed.isEmpty }) else { return .blank }
            // Cells are placed by reference: pad the short rows, and cells past the header have no name.
            let width = normalizer.map.headers.count
            fields =
                cells.count >= width
                ? Array(cells.prefix(width)) : cells + Array(repeating: "", count: width - cells.count)
            line = at
        case .bytes(let record):
            if let problem = record.malformed {
                let raw = normalizer.maskedRaw(line: decoder.decodeLossy(record.bytes[...]))
                return .reject(Reject(line: record.line, reason: .malformed, message: problem, raw: raw))
            }
            if record.isBlank { return .blank }
            fields = []
            fields.reserveCapacity(record.fieldCount)
            for i in 0..<record.fieldCount {
                guard let text = decoder.decode(record.field(i)) else {
                    let lossy = (0..<record.fieldCount).map { decoder.decodeLossy(record.field($0)) }
                    return .reject(
                        Reject(
                            line: record.line, reason: .encoding,
                            message: "field \(i + 1) has bytes that are not valid \(decoder.encoding.rawValue)",
                            raw: normalizer.maskedRaw(lossy)))
                }
                fields.append(text)
            }
            line = record.line
        }
        switch normalizer.normalize(fields, line: line) {
        case .success(let order): return .order(order)
        case .failure(let reject): return .reject(reject)
        }
    }

    /// Reads rows until one names the order id and the received time; rows above it are titles.
    private func findHeader(in source: RowSource, file: String, decoder: TextDecoder, extra: [Field: [String]]) throws
        -> HeaderMap
    {
        var best: (map: HeaderMap, line: Int)?
        var searched = 0
        while searched < headerSearchRows, let row = try source.next() {
            let line: Int
            let cells: [String]
            switch row {
            case .bytes(let record):
                if record.isBlank { continue }
                (line, cells) = (record.line, (0..<record.fieldCount).map { decoder.decodeLossy(record.field($0)) })
            case .cells(let at, let fields):
                if fields.allSatisfy({ $0.trimmed.isEmpty }) { continue }
                (line, cells) = (at, fields)
            case .broken(let at, let message):
                throw HotlineError.input([Diagnostic(file: file, line: at, message)])
            }
            searched += 1
            let map = HeaderMap(headers: cells, extra: extra)
            if map.isUsable, let conflict = map.conflicts.first {
                let names = conflict.columns.map { "'\(map.headers[$0])'" }.joined(separator: " and ")
                throw HotlineError.input([
                    Diagnostic(
                        file: file, line: line,
                        "\(names) both give \(conflict.field.label); name the one to use in the pipeline's column file")
                ])
            }
            if map.isUsable {
                if line > 1 { Log.info("ingest: \(file): header on line \(line), rows above it skipped as a title") }
                return map
            }
            if map.mappedCount > (best?.map.mappedCount ?? 1) { best = (map, line) }
        }
        if let best {
            let missing = best.map.missingRequired.map(\.label).joined(separator: ", ")
            throw HotlineError.input([
                Diagnostic(
                    file: file, line: best.line,
                    "the header has no column for \(missing); map it in the pipeline's column file")
            ])
        }
        let diagnostic = Diagnostic(
            file: file, line: 1,
            "no header row naming \(Field.id.label) and \(Field.receivedAt.label) in the first \(headerSearchRows) rows"
        )
        throw NotAnExport(diagnostic: diagnostic)
    }
}
