import HotlineCore

/// What ingesting one file did. `read == inserted + updated + unchanged + rejected` always.
public struct FileSummary: Sendable, Equatable {
    public var file: String
    public var encoding: String
    public var read = 0
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0
    public var rejected = 0
    /// Which header fed which field, and what no map covered.
    public var mapping = MappingReport()
    /// The first rejects, as `file:line: error: reason`, for a refusal's message.
    public var firstRejects: [String] = []

    public init(file: String, encoding: String) {
        self.file = file
        self.encoding = encoding
    }

    public var accepted: Int { inserted + updated + unchanged }

    public var line: String {
        "\(file) (\(encoding)): \(read.grouped) rows read = \(inserted.grouped) inserted + \(updated.grouped) updated + "
            + "\(unchanged.grouped) unchanged + \(rejected.grouped) rejected"
    }

    /// Why the night must not go on with this file, or nil: no row accepted, or more rejected than
    /// `maxShare` of the rows read.
    public func refusal(maxShare: Double) -> String? {
        let shown = firstRejects.isEmpty ? "" : "; the first rejects:\n" + firstRejects.joined(separator: "\n")
        if accepted == 0 {
            return (read == 0 ? "no order rows in the file" : "none of its \(read.grouped) rows was accepted") + shown
        }
        let share = Double(rejected) / Double(max(read, 1))
        guard share > maxShare else { return nil }
        return "\(rejected.grouped) of \(read.grouped) rows rejected (\(Format.percent(share))), more than the "
            + "\(Format.percent(maxShare)) [ingest] max_reject_share allows" + shown
    }
}

/// How an export's columns were read: each field and the header that fed it, the headers no field
/// took, and the coded values no map covered, with their counts.
public struct MappingReport: Sendable, Equatable {
    /// Each field with the header that fed it, or nil when the export has none, in `Field` order.
    public var fields: [Field: String] = [:]
    public var unusedHeaders: [String] = []
    public var unknownValues: [Field: [String: Int]] = [:]

    public init() {}

    /// From a header row's map.
    public init(map: HeaderMap) {
        for field in Field.allCases { if let c = map[field] { fields[field] = map.headers[c] } }
        unusedHeaders = map.unusedColumns.map { map.headers[$0] }
    }

    mutating func count(_ unknown: [(field: Field, value: String)]) {
        for u in unknown { unknownValues[u.field, default: [:]][u.value, default: 0] += 1 }
    }

    /// The report in lines, as stderr and `status` show it.
    public var lines: [String] {
        var out: [String] = []
        let found = Field.allCases.compactMap { f in fields[f].map { "\(f.label) ← \($0)" } }
        out.append("fields: " + found.joined(separator: "; "))
        let missing = Field.allCases.filter { fields[$0] == nil }.map(\.label)
        if !missing.isEmpty { out.append("not in this export: " + missing.joined(separator: ", ")) }
        if !unusedHeaders.isEmpty { out.append("headers not used: " + unusedHeaders.joined(separator: ", ")) }
        for field in Field.allCases {
            guard let values = unknownValues[field], !values.isEmpty else { continue }
            let listed = values.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(20)
                .map { "'\($0.key)' ×\($0.value.grouped)" }.joined(separator: ", ")
            out.append(
                "\(field.label) values no map covers (kept as written; add them under [map.\(field.mapName)]): \(listed)"
            )
        }
        return out
    }
}

extension Field {
    /// The value-map section's name for this field (`[map.status]`).
    var mapName: String {
        switch self {
        case .satisfiedFlag: "satisfied"
        default: key
        }
    }
}
