import HotlineCore
import HotlineFormats

/// One community of the reference table: where it is and how many live there.
public struct CommunityInfo: Sendable, Equatable {
    public var street: String
    public var community: String
    public var population: Int?
    public var gridWorkers: Int?
}

/// Reads the community reference table: a CSV with 所属街道, 所属社区, 常住人口 and optionally 网格员.
///
/// A bad row is reported with its line and skipped; the rest are used.
public enum CommunityTable {
    static let streetNames = ["所属街道", "街道", "镇街"]
    static let communityNames = ["所属社区", "社区", "村居"]
    static let populationNames = ["常住人口", "人口", "人口数"]
    static let gridNames = ["网格员", "网格员数", "网格员人数"]

    public static func load(path: String) throws -> (rows: [CommunityInfo], problems: [Diagnostic]) {
        let (encoding, bom) = try TextDecoder.detect(path: path)
        let reader = try CSVReader(path: path)
        try reader.skipPrefix(bom)
        let decoder = TextDecoder(encoding: encoding)
        func cells(_ r: RawRecord) -> [String] { (0..<r.fieldCount).map { decoder.decodeLossy(r.field($0)).trimmed } }
        guard let headerRecord = try reader.next() else {
            throw HotlineError.input([Diagnostic(file: path, line: 1, "the community table is empty")])
        }
        let header = cells(headerRecord).map(Field.headerKey)
        func column(_ names: [String]) -> Int? { header.firstIndex { names.map(Field.headerKey).contains($0) } }
        guard let s = column(streetNames), let c = column(communityNames), let p = column(populationNames) else {
            throw HotlineError.input([
                Diagnostic(file: path, line: headerRecord.line, "the community table needs columns 所属街道, 所属社区 and 常住人口")
            ])
        }
        let g = column(gridNames)
        var rows: [CommunityInfo] = []
        var problems: [Diagnostic] = []
        var seen = Set<[String]>()
        while let record = try reader.next() {
            if record.isBlank { continue }
            let f = cells(record)
            guard f.count > max(s, c, p) else {
                problems.append(
                    Diagnostic(file: path, line: record.line, "expected \(header.count) fields, found \(f.count)"))
                continue
            }
            guard !f[s].isEmpty, !f[c].isEmpty else {
                problems.append(Diagnostic(file: path, line: record.line, "no street or community name"))
                continue
            }
            let population = Int(f[p].replacingAll(",", with: ""))
            guard population != nil || f[p].isEmpty, (population ?? 1) > 0 else {
                problems.append(
                    Diagnostic(
                        file: path, line: record.line, "population must be a positive whole number, not '\(f[p])'"))
                continue
            }
            guard seen.insert([f[s], f[c]]).inserted else {
                problems.append(
                    Diagnostic(file: path, line: record.line, "\(f[s]) \(f[c]) is listed twice; the first is used"))
                continue
            }
            let grid = g.flatMap { $0 < f.count ? Int(f[$0]) : nil }
            rows.append(
                CommunityInfo(
                    street: f[s], community: f[c], population: population,
                    gridWorkers: grid.flatMap { $0 > 0 ? $0 : nil }))
        }
        return (rows, problems)
    }
}
