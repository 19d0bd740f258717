import Foundation
import HotlineCore
import HotlineStore

/// What ingesting one file did. `read == inserted + updated + unchanged + rejected` always.
public struct FileSummary: Sendable, Equatable {
    public var file: String
    public var encoding: String
    public var read = 0
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0
    public var rejected = 0

    public var line: String {
        "\(file) (\(encoding)): \(read.grouped) rows read = \(inserted.grouped) inserted + \(updated.grouped) updated + "
            + "\(unchanged.grouped) unchanged + \(rejected.grouped) rejected"
    }
}

/// The ingest stage: reads exports into the store in one transaction.
///
/// Each file flows through three Dispatch work items joined by bounded queues: a reader that
/// cuts records into batches, a decoder that turns them into orders or rejects, and the writer
/// (the calling thread) that upserts them. At most a few batches are in flight, whatever the
/// file's size. Orders are upserted by id: the same content again is `unchanged`, a later row
/// with the same id replaces the earlier one. A file that cannot be read or has no recognisable
/// header fails the whole stage, leaving the store as it was.
public final class Ingester {
    let store: Store
    let config: PipelineConfig
    public var batchSize = 256
    public var queueDepth = 8
    /// Rejects printed per file; all of them are stored.
    public var printedRejectsPerFile = 50
    /// How many rows above the header may be a title.
    public var headerSearchRows = 20
    /// How far a workbook may expand.
    public var zipLimits = ZipLimits()

    public init(store: Store, config: PipelineConfig) {
        self.store = store
        self.config = config
    }

    @discardableResult
    public func run(files: [String]) throws -> [FileSummary] {
        let extra = try config.columnSynonyms()
        let salt = try store.salt()
        var summaries: [FileSummary] = []
        try store.runStage("ingest", configHash: config.hash) { runID in
            let writer = try OrderWriter(db: store.db, runID: runID)
            for file in files {
                let summary = try ingest(file: file, extra: extra, salt: salt, writer: writer, runID: runID)
                Log.endProgress()
                Log.info("ingest: \(summary.line)")
                summaries.append(summary)
            }
            let read = summaries.reduce(0) { $0 + $1.read }
            let rejected = summaries.reduce(0) { $0 + $1.rejected }
            return StageCounts(
                rowsIn: read, rowsOut: read - rejected, rejected: rejected,
                message: "\(files.count) file(s)")
        }
        return summaries
    }

    private enum Outcome: Sendable {
        case order(Order)
        case reject(Reject)
        case blank
    }

    private func ingest(file: String, extra: [Field: [String]], salt: String, writer: OrderWriter, runID: Int) throws
        -> FileSummary
    {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw HotlineError.failed("\(file): no such file")
        }
        let key = URL(fileURLWithPath: file).standardizedFileURL.path
        if (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) == 0 {
            throw HotlineError.invalid([Diagnostic(file: file, "the file is empty; was the export cut short?")])
        }
        let source: RowSource
        let map: HeaderMap
        var encoding = PipelineConfig.Encoding.utf8
        var dateSystem: ExcelDateSystem?
        var described: String
        switch try ExportFormat.detect(path: file) {
        case .csv:
            let (detected, bom) = try TextDecoder.detect(path: file)
            encoding = config.encoding == .auto ? detected : config.encoding
            let reader = try CSVReader(path: file)
            try reader.skipPrefix(encoding == detected ? bom : 0)
            source = CSVRowSource(reader: reader)
            map = try findHeader(in: source, file: file, decoder: TextDecoder(encoding: encoding), extra: extra)
            described = encoding.rawValue
        case .xlsx:
            let reader = try XLSXReader(path: file, display: file, sheet: config.sheet, limits: zipLimits)
            source = reader
            dateSystem = reader.dateSystem
            map = try findHeader(in: source, file: file, decoder: TextDecoder(encoding: .utf8), extra: extra)
            described = "xlsx, sheet \(reader.sheetName)" + (reader.dateSystem == .from1904 ? ", 1904 dates" : "")
        case .xml:
            source = try XMLRecordReader(path: file, display: file, record: config.xmlRecord, extra: extra)
            map = XMLRecordReader.map
            described = "xml"
        }
        let normalizer = RowNormalizer(map: map, file: key, salt: salt, dateSystem: dateSystem)
        try writer.forget(file: key)

        let batchSize = self.batchSize
        var summary = FileSummary(file: file, encoding: described)
        try Pipeline.run(
            label: "ingest", depth: queueDepth,
            produce: { [source = UncheckedSendable(source)] send in
                var batch: [SourceRow] = []
                batch.reserveCapacity(batchSize)
                while let row = try source.value.next() {
                    batch.append(row)
                    if batch.count == batchSize {
                        guard send(batch) else { return }
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if !batch.isEmpty { _ = send(batch) }
            },
            transform: { [encoding] in
                let decoder = TextDecoder(encoding: encoding)
                return { batch in batch.map { Self.outcome(of: $0, decoder: decoder, normalizer: normalizer) } }
            },
            consume: { batch in
                for outcome in batch {
                    switch outcome {
                    case .blank: continue
                    case .order(let order):
                        summary.read += 1
                        switch try writer.upsert(order) {
                        case .inserted: summary.inserted += 1
                        case .updated: summary.updated += 1
                        case .unchanged: summary.unchanged += 1
                        }
                    case .reject(let reject):
                        summary.read += 1
                        summary.rejected += 1
                        try writer.insert(reject, file: key)
                        if summary.rejected <= printedRejectsPerFile {
                            Log.endProgress()
                            Log.diagnostic(Diagnostic(file: file, line: reject.line, reject.message))
                        }
                    }
                }
                if summary.read % 50_000 < batch.count { Log.progress("ingest: \(file): \(summary.read.grouped) rows") }
            })
        if summary.rejected > printedRejectsPerFile {
            Log.write(
                "\(file): note: \(summary.rejected - printedRejectsPerFile) more rejected rows not shown; all are in the store's rejects table\n"
            )
        }
        try writer.record(summary, key: key)
        return summary
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
                let raw = normalizer.maskedRaw([decoder.decodeLossy(record.bytes[...])])
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
                throw HotlineError.invalid([Diagnostic(file: file, line: at, message)])
            }
            searched += 1
            let map = HeaderMap(headers: cells, extra: extra)
            if map.isUsable {
                if line > 1 { Log.info("ingest: \(file): header on line \(line), rows above it skipped as a title") }
                return map
            }
            if map.mappedCount > (best?.map.mappedCount ?? 1) { best = (map, line) }
        }
        if let best {
            let missing = best.map.missingRequired.map(\.label).joined(separator: ", ")
            throw HotlineError.invalid([
                Diagnostic(
                    file: file, line: best.line,
                    "the header has no column for \(missing); map it in the pipeline's column file")
            ])
        }
        throw HotlineError.invalid([
            Diagnostic(
                file: file, line: 1,
                "no header row naming \(Field.id.label) and \(Field.receivedAt.label) in the first \(headerSearchRows) rows"
            )
        ])
    }
}

/// The ingest stage's writes, with its statements prepared once.
final class OrderWriter {
    enum Change { case inserted, updated, unchanged }

    private let db: Database
    private let runID: Int
    private let insertStatement: Statement
    private let updateStatement: Statement
    private let rejectStatement: Statement
    private let previousStatement: Statement
    private let historyStatement: Statement

    /// Parameter N of both statements is column N of this list.
    private static let columns = [
        "id", "received_at", "month", "channel", "kind", "district", "street", "community", "address",
        "operator_category", "title", "content", "unit", "deadline_days", "deadline_at", "closed_at", "status",
        "satisfaction", "caller_key", "source_file", "source_line", "fingerprint", "run_id", "contacted", "resolved",
        "satisfied_flag",
    ]

    init(db: Database, runID: Int) throws {
        self.db = db
        self.runID = runID
        let columns = Self.columns
        let placeholders = (1...columns.count).map { "?\($0)" }.joined(separator: ", ")
        insertStatement = try db.prepare(
            "INSERT INTO orders(\(columns.joined(separator: ", "))) VALUES(\(placeholders)) ON CONFLICT(id) DO NOTHING")
        let assignments = columns.enumerated().dropFirst().map { "\($0.element) = ?\($0.offset + 1)" }
        updateStatement = try db.prepare(
            "UPDATE orders SET \(assignments.joined(separator: ", ")) WHERE id = ?1 AND fingerprint <> ?22")
        rejectStatement = try db.prepare(
            "INSERT INTO rejects(run_id, file, line, reason_code, reason, raw) VALUES(?, ?, ?, ?, ?, ?)")
        previousStatement = try db.prepare(
            "SELECT seq, fingerprint, coalesce(status, ''), coalesce(satisfaction, ''), coalesce(closed_at, '') FROM orders WHERE id = ?"
        )
        historyStatement = try db.prepare(
            """
            INSERT OR IGNORE INTO order_history(order_seq, status, satisfaction, closed_at, run_id)
            VALUES(?, ?, ?, ?, ?)
            """)
    }

    /// Inserts a new order; replaces a stored one whose content differs; leaves an identical one.
    func upsert(_ order: Order) throws -> Change {
        let fingerprint = order.fingerprint
        try bind(order, fingerprint: fingerprint, to: insertStatement)
        try insertStatement.execute()
        if db.changes == 1 { return .inserted }
        // An order seen before: keep the version it replaces, to tell later that it was reopened.
        try previousStatement.bind([order.id])
        guard try previousStatement.step(), previousStatement.text(1) != fingerprint else {
            previousStatement.reset()
            return .unchanged
        }
        try historyStatement.run([
            previousStatement.int(0), previousStatement.text(2) ?? "", previousStatement.text(3) ?? "",
            previousStatement.text(4) ?? "", runID,
        ])
        previousStatement.reset()
        try bind(order, fingerprint: fingerprint, to: updateStatement)
        try updateStatement.execute()
        return db.changes == 1 ? .updated : .unchanged
    }

    private func bind(_ order: Order, fingerprint: String, to s: Statement) throws {
        try s.bind(1, order.id)
        try s.bind(2, order.receivedAt.description)
        try s.bind(3, order.receivedAt.monthKey)
        try s.bind(4, order.channel)
        try s.bind(5, order.kind)
        try s.bind(6, order.district)
        try s.bind(7, order.street)
        try s.bind(8, order.community)
        try s.bind(9, order.address)
        try s.bind(10, order.operatorCategory)
        try s.bind(11, order.title)
        try s.bind(12, order.content)
        try s.bind(13, order.unit)
        try s.bind(14, order.deadlineDays)
        try s.bind(15, order.deadlineAt?.description)
        try s.bind(16, order.closedAt?.description)
        try s.bind(17, order.status)
        try s.bind(18, order.satisfaction)
        try s.bind(19, order.callerKey)
        try s.bind(20, order.sourceFile)
        try s.bind(21, order.sourceLine)
        try s.bind(22, fingerprint)
        try s.bind(23, runID)
        try s.bind(24, order.contacted.map { $0 ? 1 : 0 })
        try s.bind(25, order.resolved.map { $0 ? 1 : 0 })
        try s.bind(26, order.satisfiedFlag.map { $0 ? 1 : 0 })
    }

    func insert(_ reject: Reject, file: String) throws {
        try rejectStatement.run([runID, file, reject.line, reject.reason.rawValue, reject.message, reject.raw])
    }

    /// Drops a file's rejects from an earlier ingest: ingesting it again replaces them.
    func forget(file: String) throws {
        try db.execute("DELETE FROM rejects WHERE file = ?", [file])
    }

    func record(_ summary: FileSummary, key: String) throws {
        try db.execute(
            """
            INSERT OR REPLACE INTO sources(file, run_id, encoding, rows_read, inserted, updated, unchanged, rejected)
            VALUES(?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                key, runID, summary.encoding, summary.read, summary.inserted, summary.updated, summary.unchanged,
                summary.rejected,
            ])
    }
}

/// Where rows come from: a CSV file, a worksheet, or an XML export.
protocol RowSource: AnyObject {
    /// The next row, or nil at the end.
    func next() throws -> SourceRow?
}

extension XLSXReader: RowSource {}
extension XMLRecordReader: RowSource {}

/// CSV records as rows; decoding waits for the transformer's thread.
final class CSVRowSource: RowSource {
    let reader: CSVReader

    init(reader: CSVReader) { self.reader = reader }

    func next() throws -> SourceRow? { try reader.next().map { .bytes($0) } }
}

/// The kind of an export, told by its first bytes rather than its name.
enum ExportFormat {
    case csv, xlsx, xml

    static func detect(path: String) throws -> ExportFormat {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw HotlineError.failed("cannot open \(path)") }
        defer { try? handle.close() }
        let head = [UInt8](handle.readData(ofLength: 512))
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return .xlsx }
        if head.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            throw HotlineError.failed(
                "\(path): a password-protected workbook or an old .xls file; save it as .xlsx without a password")
        }
        let lower = path.lowercased()
        if lower.hasSuffix(".xlsx") || lower.hasSuffix(".xlsm") {
            throw HotlineError.failed(
                "\(path): not a ZIP archive, so not a readable .xlsx file (truncated or corrupt?)")
        }
        let text = head.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(head.dropFirst(3)) : head
        if text.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == 0x3C { return .xml }
        return .csv
    }
}
