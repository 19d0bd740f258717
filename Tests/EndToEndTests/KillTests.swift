import Foundation
import HotlineStore
import TestSupport
import Testing

/// `kill -9` at moments inside every stage: the store stays sound, the site is the old one or the
/// new one and never half of either, and the next run publishes what a run that was never killed does.
@Suite(.serialized) struct KillTests {
    let dir = TemporaryDirectory("hotline-kill")
    static let conf = Fixtures.path("Pipelines/demo.conf")

    func arguments(_ store: String, _ site: String) -> [String] {
        ["run", "--config", Self.conf, "--store", store, "--out", site]
    }

    /// Every published file with its text, the generation time blanked.
    func site(_ folder: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            let text = (try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)) ?? ""
            out[name] = text.replacingOccurrences(
                of: "生成于 [0-9: -]+", with: "生成于 T", options: .regularExpression)
        }
        return out
    }

    /// Starts a run and kills it `delay` seconds after the first stderr line starting with `after`
    /// (or after the start, when `after` is empty); returns whether it was still running then.
    func kill(store: String, site: String, after: String, delay: Double) throws -> Bool {
        let process = Process()
        process.executableURL = HotlineBinary.url
        process.arguments = arguments(store, site)
        var env = ProcessInfo.processInfo.environment
        env["HOTLINE_KEY_FILE"] = HotlineBinary.keyFile
        process.environment = env
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        if !after.isEmpty {
            var seen = ""
            while !seen.contains(after) {
                let chunk = err.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                seen += String(decoding: chunk, as: UTF8.self)
            }
        }
        Thread.sleep(forTimeInterval: delay)
        let running = process.isRunning
        if running { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return running
    }

    func integrity(_ store: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [
            "python3", "-c",
            "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])",
            store,
        ]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func killedAtMomentsInEveryStageTheStoreStaysSoundAndARerunEqualsACleanRun() throws {
        let clean = try HotlineBinary.run(arguments(dir.file("clean.sqlite"), dir.file("clean-site")))
        #expect(clean.status == 0)
        let expected = try site(dir.file("clean-site"))
        // Moments: into ingest, and just after each stage's line says the one before it committed.
        let moments: [(after: String, delay: Double)] = [
            ("", 0.3), ("", 0.8), ("hotline: ingest:", 0.0), ("hotline: classify:", 0.02),
            ("hotline: aggregate:", 0.05),
            ("hotline: aggregate:", 0.25), ("hotline: detect:", 0.03), ("hotline: detect:", 0.12),
        ]
        var killed = 0
        var failedRuns = 0
        var unfinished = 0
        for (i, moment) in moments.enumerated() {
            let store = dir.file("k\(i).sqlite")
            let out = dir.file("k\(i)-site")
            // A night that published before, then one killed part way.
            if i % 2 == 1 { #expect(try HotlineBinary.run(arguments(store, out)).status == 0) }
            let before = FileManager.default.fileExists(atPath: out) ? try site(out) : nil
            if try kill(store: store, site: out, after: moment.after, delay: moment.delay) { killed += 1 }
            if FileManager.default.fileExists(atPath: store) { #expect(try integrity(store) == "ok", "kill \(i)") }
            // The site is whole: the one before, or the new one.
            if FileManager.default.fileExists(atPath: out) {
                let now = try site(out)
                #expect(now == before || now == expected, "kill \(i): a half-written site")
            }
            // Until the next writer records it as failed, `status` says the killed run did not finish.
            if FileManager.default.fileExists(atPath: store),
                try Database(path: store, readOnly: true).scalar(
                    "SELECT count(*) FROM runs WHERE status = ?", [RunStatus.running.rawValue]) > 0
            {
                let status = try HotlineBinary.run(["status", "--config", Self.conf, "--store", store])
                #expect(status.stdout.contains("did not finish"), "kill \(i)")
                unfinished += 1
            }
            let rerun = try HotlineBinary.run(arguments(store, out))
            #expect(rerun.status == 0, "kill \(i): \(rerun.stderr)")
            #expect(try site(out) == expected, "kill \(i): the rerun publishes something else")
            // The killed run is kept as failed, not as running, nor lost with its transaction.
            let runs = try Database(path: store, readOnly: true)
            #expect(try runs.scalar("SELECT count(*) FROM runs WHERE status = ?", [RunStatus.running.rawValue]) == 0)
            failedRuns += try runs.scalar("SELECT count(*) FROM runs WHERE status = ?", [RunStatus.failed.rawValue])
            let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter {
                $0.hasPrefix(".k\(i)-site.tmp-") || $0.hasPrefix("k\(i)-site.old-")
            }
            #expect(left == [], "kill \(i)")
        }
        #expect(killed >= moments.count / 2, "too few kills landed while running")
        #expect(failedRuns >= killed / 2 && unfinished == failedRuns, "kills inside a stage left no failed run")
    }
}
