import Foundation
import HotlineCore
import TestSupport
import Testing

@testable import HotlineFormats

/// The workbook writer, read back by the project's own reader and by hand.
@Suite struct XLSXWriterTests {
    let dir = TemporaryDirectory()

    @Test func cellsKeepTheirTypesThroughTheReader() throws {
        let path = dir.file("t.xlsx")
        let book = try XLSXWriter(path: path, sheet: "工单[1]", header: ["编号", "受理时间", "件数", "说明"])
        try book.append([
            .text("1234567890123456789"), .date("2021-05-01 08:00:00"), .number(5), .text("<物业&\u{1}> =1+1"),
        ])
        try book.append([.text("A2"), .date("not a date"), .number(2.5), .empty])
        try book.finish()
        let rows = try workbookRows(path)
        #expect(rows[0] == ["编号", "受理时间", "件数", "说明"])
        // The reader gives cells as stored: the date as its day number.
        #expect(rows[1] == ["1234567890123456789", "44317.33333333", "5", "<物业&> =1+1"])
        #expect(rows[2].prefix(3) == ["A2", "not a date", "2.5"])
        let parts = try ZipContents.texts(of: path)
        #expect(
            Set(parts.keys) == [
                "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                "xl/worksheets/sheet1.xml",
            ])
        let sheet = try #require(parts["xl/worksheets/sheet1.xml"])
        #expect(sheet.contains("state=\"frozen\""))
        // The id is text, the date a day number with the date style, the count a number.
        #expect(sheet.contains("<c r=\"A2\" t=\"inlineStr\"><is><t>1234567890123456789</t></is></c>"))
        #expect(sheet.contains("<c r=\"B2\" s=\"2\"><v>44317.33333333</v></c>"))
        #expect(sheet.contains("<c r=\"C2\"><v>5</v></c>"))
        #expect(parts["xl/workbook.xml"]?.contains("name=\"工单1\"") == true)
    }

    /// Excel opens no sheet of more than 1,048,576 rows: a longer table goes on over numbered
    /// sheets, each with the header, every row once and in order.
    @Test func aTableLongerThanASheetHoldsGoesOnOverFurtherSheets() throws {
        let header = ["n", "text"]
        func rows(_ range: Range<Int>) -> [[String]] { range.map { ["\($0)", "第\($0)行"] } }
        // Four rows a sheet with the header: three of the table.
        for (n, sheets) in [(7, 3), (6, 2), (3, 1), (0, 1)] {
            let path = dir.file("split\(n).xlsx")
            let book = try XLSXWriter(path: path, sheet: "督办清单", header: header, maxRows: 4)
            for i in 0..<n { try book.append([.number(Double(i)), .text("第\(i)行")]) }
            try book.finish()
            let names = ["督办清单", "督办清单 (2)", "督办清单 (3)"].prefix(sheets)
            var read: [[String]] = []
            for name in names {
                let sheet = try workbookRows(path, sheet: name)
                #expect(sheet.first == header && sheet.count <= 4, "\(n) rows, \(name)")
                read += sheet.dropFirst()
            }
            #expect(read == rows(0..<n))
            let parts = try ZipContents.texts(of: path)
            #expect(Set(parts.keys.filter { $0.hasPrefix("xl/worksheets/") }).count == sheets)
            #expect(parts["[Content_Types].xml"]?.components(separatedBy: "worksheet+xml").count == sheets + 1)
        }
        #expect(XLSXWriter.excelRows == 1_048_576)
    }

    @Test func aNumberedSheetNameStaysWithinExcelsLimit() throws {
        let path = dir.file("names.xlsx")
        let long = String(repeating: "长", count: 40)
        let book = try XLSXWriter(path: path, sheet: long, header: ["n"], maxRows: 2)
        for i in 0..<12 { try book.append([.number(Double(i))]) }
        try book.finish()
        let names = book.sheetNames
        #expect(names.count == 12 && Set(names).count == 12)
        #expect(names.allSatisfy { $0.count <= 31 } && names[11].hasSuffix(" (12)"))
        #expect(try workbookRows(path, sheet: names[11]) == [["n"], ["11"]])
    }

    @Test func aLongStreamedSheetStaysWhole() throws {
        let path = dir.file("long.xlsx")
        let book = try XLSXWriter(path: path, sheet: "s", header: ["n", "text"])
        for i in 0..<20_000 { try book.append([.number(Double(i)), .text("第\(i)行")]) }
        try book.finish()
        let rows = try workbookRows(path)
        #expect(rows.count == 20_001)
        #expect(rows.last == ["19999", "第19999行"])
    }

    @Test func columnNamesAndDayNumbers() {
        #expect(XLSXWriter.column(0) == "A" && XLSXWriter.column(25) == "Z" && XLSXWriter.column(26) == "AA")
        #expect(XLSXWriter.column(701) == "ZZ" && XLSXWriter.column(702) == "AAA")
        #expect(XLSXWriter.serial("1900-03-01") == 61)
        #expect(XLSXWriter.serial("2024-03-31 12:00:00") == 45382.5)
        #expect(XLSXWriter.serial("2024-03") == nil)
    }
}
