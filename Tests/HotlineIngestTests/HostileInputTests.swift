import Foundation
import HotlineCore
import HotlineStore
import TestSupport
import Testing

@testable import HotlineIngest

/// Broken and hostile exports: each a fixture (Fixtures/make_fixtures.py), each with what it must
/// give: a reject naming the row and the cell, or a refusal naming the file and the part.
@Suite struct HostileInputTests {
    let dir = TemporaryDirectory()

    func ingest(_ name: String) throws -> (Store, [FileSummary]) {
        let store = try Store(path: dir.file("\(name).sqlite"), stages: [IngestStage.self])
        let config = try PipelineConfig.load(
            path: dir.write("h.conf", "[xlsx]\nsheet = 工单明细\n[ingest]\nmax_reject_share = 1\n"),
            stages: [IngestStage.self])
        return (store, try IngestStage.ingest([Fixtures.path("Fixtures/hostile/\(name)")], into: store, config: config))
    }

    func rejects(_ store: Store) throws -> [(line: Int, message: String)] {
        try Rejects.first(store.db, limit: 100).map { ($0.line, $0.message) }
    }

    @Test func rowAndColumnNumbersPastTheLimitsAreRejectsNotTraps() throws {
        let (store, s) = try ingest("huge-row-number.xlsx")
        #expect((s[0].inserted, s[0].rejected) == (8, 2))
        let r = try rejects(store)
        #expect(r.map(\.line) == [9, 10])
        #expect(r[0].message.contains("xl/worksheets/sheet2.xml") && r[0].message.contains("r=\"9223372036854775807\""))
        #expect(r[1].message.contains("r=\"XFE10\""))
    }

    @Test func sharedStringsThatAreNotThereAreRejectsNamingTheCell() throws {
        let (store, s) = try ingest("bad-shared-string.xlsx")
        #expect(s[0].rejected == 4)
        let r = try rejects(store)
        #expect(r.map(\.line) == [3, 4, 5, 6])
        for (i, index) in ["999999", "-1", "100000000000000000000", "abc"].enumerated() {
            #expect(r[i].message.contains("cell A\(i + 3)") && r[i].message.contains("'\(index)'"))
        }
    }

    @Test(arguments: [
        ("bad-attribute.xlsx", "xl/workbook.xml"), ("declared-bomb.xlsx", "xl/worksheets/sheet2.xml"),
    ])
    func brokenOrBombedPartsAreRefusedNamingTheFileAndThePart(name: String, part: String) throws {
        #expect {
            try ingest(name)
        } throws: { error in
            guard case HotlineError.input(let d) = error else { return false }
            return d.first?.file == Fixtures.path("Fixtures/hostile/\(name)") && d.first?.part == part
        }
    }

    @Test func aQuoteThatNeverClosesCostsOneRow() throws {
        let (store, s) = try ingest("unclosed-quote.csv")
        #expect((s[0].read, s[0].inserted, s[0].rejected) == (2, 1, 1))
        let raw = try #require(try Rejects.first(store.db, limit: 1).first?.raw)
        #expect(raw.count <= RowNormalizer.rawLimit + 1)
    }
}
