import Foundation
import HotlineCore
import TestSupport
import Testing

@testable import HotlineFormats

/// Workbooks from outside: refused with the file named, and every descriptor closed exactly once.
@Suite struct ArchiveTests {
    /// Each refusal's kind and the file it names, and no descriptor of the file left open;
    /// `OwnedDescriptor` closes once (a second close of
    /// the same number fails its assertion in debug builds, so a double close stops this test).
    @Test(arguments: ["truncated", "not-a-workbook", "bad-crc", "bomb", "encrypted", "broken-sheet"])
    func hostileWorkbooksAreRefusedWithoutLeakingOrDoubleClosing(name: String) throws {
        // A copy of its own, so that no test running beside this one opens the same path.
        let dir = TemporaryDirectory()
        let path = dir.write(
            "\(name).xlsx", try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("Fixtures/hostile/\(name).xlsx"))))
        var limits = ZipLimits()
        limits.ratioFloor = 1 << 16
        do {
            let reader = try XLSXReader(path: path, display: path, sheet: nil, limits: limits)
            while let row = try reader.next() {
                if case .broken = row { break }
            }
        } catch HotlineError.input(let diagnostics) {
            #expect(diagnostics.first?.file == path)
        }
        #expect(OwnedDescriptor.openCount(path) == 0)
    }

    @Test func aMissingFileIsAFileError() {
        #expect {
            try XLSXReader(path: "/nonexistent/x.xlsx", display: "x.xlsx", sheet: nil, limits: ZipLimits())
        } throws: { error in
            guard case HotlineError.file(let path, _) = error else { return false }
            return path == "/nonexistent/x.xlsx"
        }
    }
}
