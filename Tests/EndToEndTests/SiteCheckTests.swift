import Foundation
import TestSupport
import Testing

/// The demo site opened in headless Chromium (`scripts/site-check`): no page wider than the screen
/// at 1280 or 390 px, no broken internal link, no external URL.
@Suite struct SiteCheckTests {
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @Test(.enabled(if: chromium != nil, "needs Debian's chromium (.ci/install-deps installs it)"))
    func everyDemoPageFitsAPhoneAndEveryLinkResolves() throws {
        let dir = TemporaryDirectory()
        let site = dir.file("site")
        let run = try HotlineBinary.run([
            "run", "--config", Fixtures.path("Pipelines/demo.conf"), "--store", dir.file("demo.sqlite"), "--out", site,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let check = Process()
        check.executableURL = URL(fileURLWithPath: Fixtures.path("scripts/site-check"))
        check.arguments = [site]
        let out = Pipe()
        check.standardOutput = out
        check.standardError = out
        try check.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        #expect(check.terminationStatus == 0, "\(text)")
        #expect(text.contains("no problem"))
    }
}
