import Foundation
import HotlineStore
import TestSupport
import Testing

/// What a cron job relies on: one hotline per store, everything checked before the store changes,
/// the site published through a link, nothing left behind.
@Suite struct NightSafetyTests {
    let dir = TemporaryDirectory("hotline-night")
    var store: String { dir.file("h.sqlite") }

    func run(_ extra: [String] = [], out: String? = nil, config: String = Fixtures.smallConfig) throws -> ProcessResult
    {
        try HotlineBinary.run(["run", "--config", config, "--store", store, "--out", out ?? dir.file("site")] + extra)
    }

    @Test func aSecondHotlineOnTheSameStoreIsToldWhoHoldsIt() throws {
        var lock: StoreLock? = try StoreLock(store: store)
        let r = try run()
        #expect(r.status == 75)
        #expect(r.stderr.contains("is in use by another hotline (process \(getpid()))"))
        #expect(lock != nil)
        lock = nil
        #expect(try run().status == 0)
    }

    @Test func badSettingsAndAnUnwritableSiteFailBeforeTheStoreChanges() throws {
        let conf = dir.write(
            "p.conf", "inputs = \(Fixtures.exportA)\ntaxonomy = \(Fixtures.taxonomy)\n[detect]\nalpha = 2\n")
        let bad = try run(config: conf)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("p.conf:4: error: detect.alpha"))
        #expect(!FileManager.default.fileExists(atPath: store))
        let file = dir.write("plain-file", "x")
        let unwritable = try run(out: file + "/site")
        #expect(unwritable.status == 1)
        #expect(unwritable.stderr.contains("is not a folder"))
        #expect(!FileManager.default.fileExists(atPath: store))
    }

    @Test func theSiteIsPublishedThroughALinkAndLeftoversAreCleared() throws {
        let real = dir.file("real-site")
        try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.file("site"), withDestinationPath: real)
        // What an interrupted render of a process long gone left behind.
        dir.write(".real-site.tmp-2147483000/index.html", "half")
        dir.write("real-site.old-2147483001/index.html", "old")
        #expect(try run().status == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir.file("site")) == real)
        #expect(FileManager.default.fileExists(atPath: real + "/index.html"))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter {
            $0.contains(".tmp-") || $0.contains(".old-")
        }
        #expect(left == [])
        #expect(try run().status == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir.file("site")) == real)
    }

    @Test func removingOrdersMakesTheLaterStagesStale() throws {
        #expect(try run().status == 0)
        let r = try HotlineBinary.run(["remove", "--id", "GD001,GD999", "--store", store])
        #expect(r.status == 0)
        #expect(r.stderr.contains("1 order(s) removed"))
        #expect(r.stderr.contains("not in the store: GD999"))
        let status = try HotlineBinary.run(["status", "--store", store])
        #expect(status.stdout.contains("stale: orders changed since; run 'hotline classify'"))
        #expect(try HotlineBinary.run(["remove", "--store", store]).status == 64)
    }
}
