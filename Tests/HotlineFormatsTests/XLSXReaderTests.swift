import Foundation
import HotlineCore
import TestSupport
import Testing

@testable import HotlineFormats

/// The workbook and XML readers, below the ingest stage.
@Suite struct XLSXReaderTests {
    @Test func declarationsAreFoundAcrossReadBoundaries() throws {
        final class Trickle: ByteSource {
            var bytes: [UInt8]
            init(_ text: String) { bytes = Array(text.utf8) }
            func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
                let n = min(3, bytes.count, buffer.count)
                for i in 0..<n { buffer[i] = bytes[i] }
                bytes.removeFirst(n)
                return n
            }
        }
        let stream = try XMLStream(
            source: Trickle("<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY b \"c\">]><a>&b;</a>"), file: "t.xml")
        #expect {
            while try stream.read() {}
        } throws: { error in
            guard case HotlineError.input(let d) = error else { return false }
            return d.first?.file == "t.xml"
        }
        let fine = try XMLStream(source: Trickle("<a><b x=\"1\">text &amp; more</b></a>"), file: "ok.xml")
        var text = ""
        while try fine.read() { if fine.nodeType == .text { text += fine.value } }
        #expect(text == "text & more")
    }

    @Test func everyCellTypeLandsInItsColumn() throws {
        let reader = try XLSXReader(
            path: Fixtures.path("Fixtures/xlsx/cell-types.xlsx"), display: "cell-types.xlsx", sheet: nil,
            limits: ZipLimits())
        var rows: [(Int, [String])] = []
        while let row = try reader.next() {
            guard case .cells(let line, let fields) = row else {
                Issue.record("unexpected \(row)")
                continue
            }
            rows.append((line, fields))
        }
        #expect(rows.map(\.0) == [1, 2, 4])
        #expect(rows[1].1 == ["T1", "2021-05-01 08:00:00", "路灯坏了", "5", "TRUE", "#DIV/0!"])
        #expect(rows[2].1 == ["T2", "44317.5", "", "", "", "市政"])
    }

    @Test func cellHelpers() {
        #expect(XLSXReader.column("A1") == 0)
        #expect(XLSXReader.column("C7") == 2)
        #expect(XLSXReader.column("AA10") == 26)
        #expect(XLSXReader.column("XFD1") == 16_383)
        #expect(XLSXReader.column("7") == nil)
        #expect(XLSXReader.number("13800001111") == "13800001111")
        #expect(XLSXReader.number("15.0") == "15")
        #expect(XLSXReader.number("44260.598622685185") == "44260.598622685185")
        #expect(unescapeExcel("a_x000D_b_x0009_c_xZZZZ_") == "a\rb\tc_xZZZZ_")
    }
}
