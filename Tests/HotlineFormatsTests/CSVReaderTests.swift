import Foundation
import HotlineCore
import TestSupport
import Testing

@testable import HotlineFormats

@Suite struct CSVReaderTests {
    func records(_ bytes: [UInt8], maxQuotedLines: Int = 1_000, maxRecordBytes: Int = 4 << 20) throws -> [(
        line: Int, fields: [String], malformed: String?
    )] {
        let dir = TemporaryDirectory()
        let path = dir.write("x.csv", Data(bytes))
        let reader = try CSVReader(path: path, maxQuotedLines: maxQuotedLines, maxRecordBytes: maxRecordBytes)
        var out: [(Int, [String], String?)] = []
        while let r = try reader.next() {
            out.append((r.line, (0..<r.fieldCount).map { String(decoding: r.field($0), as: UTF8.self) }, r.malformed))
        }
        return out
    }

    func records(_ text: String, maxQuotedLines: Int = 1_000) throws -> [(
        line: Int, fields: [String], malformed: String?
    )] {
        try records(Array(text.utf8), maxQuotedLines: maxQuotedLines)
    }

    @Test func readsRFC4180QuotingAcrossLines() throws {
        let r = try records("a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\nlast,,\r\n")
        #expect(r.map(\.line) == [1, 2, 4])
        #expect(r[0].fields == ["a", "b", "c"])
        #expect(r[1].fields == ["x,1", "say \"hi\"", "two\r\nlines"])
        #expect(r[2].fields == ["last", "", ""])
    }

    @Test func acceptsLFAndCRLineEndsAndNoFinalNewline() throws {
        #expect(try records("a\nb\rc\r\nd").map(\.fields) == [["a"], ["b"], ["c"], ["d"]])
        #expect(try records("a\nb\rc\r\nd").map(\.line) == [1, 2, 3, 4])
        #expect(try records("").isEmpty)
    }

    @Test func keepsAStrayQuoteInsideAFieldLiterally() throws {
        #expect(try records("ab\"c,d\n").map(\.fields) == [["ab\"c", "d"]])
    }

    @Test func anUnclosedQuoteCostsOneLineNotTheFile() throws {
        let r = try records("id,text\n1,\"never closed\n2,ok\n3,fine\n", maxQuotedLines: 1)
        #expect(r.map(\.line) == [1, 2, 3, 4])
        #expect(r[1].malformed != nil)
        #expect(r[1].fields == ["1,\"never closed"])
        #expect(r[2].fields == ["2", "ok"])
        #expect(r[3].fields == ["3", "fine"])
        // At the end of the file too.
        let tail = try records("id,text\n1,ok\n2,\"open to the end\n3,x\n")
        #expect(tail.map(\.line) == [1, 2, 3, 4])
        #expect(tail[2].malformed != nil)
        #expect(tail[3].fields == ["3", "x"])
    }

    @Test func anOverlongLineIsSkippedNotHeld() throws {
        let long = String(repeating: "x", count: 5_000)
        let r = try records(Array("a,b\n\(long)\r\nc,d\n".utf8), maxRecordBytes: 1_000)
        #expect(r.map(\.line) == [1, 2, 3])
        #expect(r[1].malformed?.contains("longer than") == true)
        #expect(r[1].fields == [""])
        #expect(r[2].fields == ["c", "d"])
    }

    @Test func detectsUTF8BeforeGB18030() throws {
        let dir = TemporaryDirectory()
        let utf8 = dir.write("u.csv", Data("工单编号\n".utf8))
        let bom = dir.write("b.csv", Data([0xEF, 0xBB, 0xBF] + Array("工单编号\n".utf8)))
        let gbk = dir.write("g.csv", Data([0xB9, 0xA4, 0xB5, 0xA5, 0x0A]))  // 工单 in GBK
        let utf16 = dir.write("w.csv", Data([0xFF, 0xFE, 0x41, 0x00]))
        #expect(try TextDecoder.detect(path: utf8) == (.utf8, 0))
        #expect(try TextDecoder.detect(path: bom) == (.utf8, 3))
        #expect(try TextDecoder.detect(path: gbk) == (.gb18030, 0))
        #expect {
            try TextDecoder.detect(path: utf16)
        } throws: { error in
            guard case HotlineError.input(let d) = error else { return false }
            return d.first?.file == utf16
        }
    }

    @Test func decodesGB18030AndRefusesInvalidBytes() {
        let gb = TextDecoder(encoding: .gb18030)
        #expect(gb.decode([0xB9, 0xA4, 0xB5, 0xA5][...]) == "工单")
        #expect(gb.decode([0x81, 0x30, 0x81, 0x30][...]) == "\u{80}")
        #expect(gb.decode([0xB9, 0xFF][...]) == nil)
        let u = TextDecoder(encoding: .utf8)
        #expect(u.decode([0xE5, 0xB7][...]) == nil)
        #expect(u.decode(Array("物业".utf8)[...]) == "物业")
    }
}

@Suite struct CSVMemoryTests {
    /// An unclosed quote on an 8 MiB line: the record kept is cut to the row cap, and reading goes on.
    @Test func anUnclosedQuoteOnAHugeLineKeepsOnlyTheRowCap() throws {
        let dir = TemporaryDirectory()
        var bytes = Array("a,\"".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 8 << 20)
        bytes += Array("\nb,c\n".utf8)
        let path = dir.write("q.csv", Data(bytes))
        let reader = try CSVReader(path: path, maxQuotedBytes: 1 << 16, maxRecordBytes: 1 << 20)
        let first = try #require(try reader.next())
        #expect(first.malformed != nil)
        #expect(first.bytes.count == 1 << 20)
        let next = try #require(try reader.next())
        #expect(next.line == 2 && next.fieldCount == 2)
    }
}
