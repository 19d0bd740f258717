import CHotlineSystem
import Foundation
import HotlineCore
import HotlineStore

/// The render stage: writes the static site from what the earlier stages stored.
///
/// The site is built in a temporary folder beside `out` and swapped in whole (an atomic exchange
/// where the file system allows it), so readers see the old site or the new one, never half of
/// each. A folder that exists and is not a hotline site is never replaced.
public struct RenderStage: Stage {
    public static let name = StageName.render
    public static let reads: [TableName] =
        TableName.aggregates + [.candidates, .candidateEvidence, .orders, .classified, .rejects]
    public static let owns: [TableName] = []
    public static let migrations: [Migration] = []
    public static let settings = [PipelineConfig.name, PipelineConfig.out] + ReportSettings.all
    public static let marker = ".hotline-site"

    let out: String
    let report: ReportSettings
    public let fingerprint: String

    public init(config: PipelineConfig, paths: StagePaths) throws {
        out = paths.out
        report = try ReportSettings(config: config)
        // Where it publishes is part of what it was run with: another folder is rendered anew.
        fingerprint = Self.fingerprint(of: config) + "|" + URL(fileURLWithPath: paths.out).standardizedFileURL.path
    }

    /// Where `index.html` is published.
    public var index: String {
        (URL(fileURLWithPath: out).standardizedFileURL.path as NSString).appendingPathComponent("index.html")
    }

    /// Whether a site is published at the target now (a run whose inputs did not change may then
    /// leave it as it is).
    public var published: Bool { FileManager.default.fileExists(atPath: index) }

    /// Renders the site; the run is recorded as failed, and the old site kept, if anything goes wrong.
    ///
    /// The long lists are written straight from the store on a second connection and thread, while
    /// the pages and the other tables are made on this one.
    public func run(in store: Store, runID: Int) throws -> StageCounts {
        let target = try checkTarget()
        try Report.checkReady(store.db)
        // Render reads a few small tables and long lists (the supervision list is stored in its
        // order; the others are sorted). SQLite sizes each sort by the cache, which for the
        // store's connection is 64 MB. At most 16 MB kept a year's render below 200 MB at the same
        // speed.
        let cacheSize = try store.db.limitCache(toKiB: 16384)
        defer { try? store.db.restoreCache(cacheSize) }
        let reader = UncheckedSendable(try store.readerConnection())
        return try publish(at: target) { folder in
            let lists = Background(label: "render.lists") {
                for list in LongList.all {
                    try Log.timed("render.\(list.file)") {
                        try list.write(
                            reader.value, to: (folder as NSString).appendingPathComponent(list.file),
                            sheet: String(list.file.dropLast(4)))
                    }
                }
            }
            let pages = Result { () throws -> StageCounts in
                var report = try Log.timed("render.load") { try Report.load(from: store, settings: self.report) }
                report.summary.values[.generatedAt] = LocalDateTime.now().description
                let files = Log.timed("render.pages") { report.files() }
                for (name, text) in files {
                    try Data(text.utf8).write(
                        to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent(name)))
                }
                try Log.timed("render.workbooks") {
                    for (name, table) in report.allTables() {
                        let sheet = String(name.dropLast(4))
                        try table.writeWorkbook(
                            to: (folder as NSString).appendingPathComponent(CSVTable.workbookName(name)), sheet: sheet)
                    }
                }
                return StageCounts(rowsIn: report.total, rowsOut: files.count + LongList.all.count, message: target)
            }
            try lists.value()
            return try pages.get()
        }
    }

    /// The absolute target folder, after checking it is absent, empty, or a site hotline wrote, and
    /// that its folder can be written. When `out` is a symbolic link, the target is what it points to:
    /// the site is published through the link, which stays.
    ///
    /// `run` calls this first of all, so a nightly job fails before any stage if it could not publish.
    public func checkTarget() throws -> String {
        var target = URL(fileURLWithPath: out).standardizedFileURL.path
        let fm = FileManager.default
        if let destination = try? fm.destinationOfSymbolicLink(atPath: target) {
            let base = (target as NSString).deletingLastPathComponent
            target =
                URL(fileURLWithPath: destination, relativeTo: URL(fileURLWithPath: base + "/"))
                .standardizedFileURL.path
        }
        // The folder the site is built beside must be writable (made if it is not there yet).
        var parent = (target as NSString).deletingLastPathComponent
        while !fm.fileExists(atPath: parent) && parent != "/" {
            parent = (parent as NSString).deletingLastPathComponent
        }
        var parentIsFolder: ObjCBool = false
        guard fm.fileExists(atPath: parent, isDirectory: &parentIsFolder), parentIsFolder.boolValue else {
            throw HotlineError.publish(path: target, problem: "\(parent) is not a folder")
        }
        guard access(parent, W_OK) == 0 else {
            throw HotlineError.publish(path: target, problem: "\(parent) cannot be written")
        }
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: target, isDirectory: &isDirectory) else { return target }
        guard isDirectory.boolValue else {
            throw HotlineError.publish(path: target, problem: "it exists and is not a folder")
        }
        let entries = try fm.contentsOfDirectory(atPath: target)
        guard entries.isEmpty || entries.contains(Self.marker) else {
            throw HotlineError.publish(
                path: target,
                problem: "refusing to replace it: it is not a site hotline wrote (no \(Self.marker) in it)")
        }
        return target
    }

    /// Lets `write` fill a temporary folder beside `target`, and swaps it in.
    private func publish<T>(at target: String, _ write: (String) throws -> T) throws -> T {
        let fm = FileManager.default
        let parent = (target as NSString).deletingLastPathComponent
        try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
        removeLeftovers(of: target)
        let temp = (parent as NSString).appendingPathComponent(
            ".\((target as NSString).lastPathComponent).tmp-\(getpid())")
        try? fm.removeItem(atPath: temp)
        try fm.createDirectory(atPath: temp, withIntermediateDirectories: false)
        do {
            let result = try write(temp)
            try Data().write(to: URL(fileURLWithPath: (temp as NSString).appendingPathComponent(Self.marker)))
            try swapIn(temp, at: target)
            return result
        } catch {
            try? fm.removeItem(atPath: temp)
            throw HotlineError.publish(path: target, problem: "\(error)")
        }
    }

    /// Removes what an interrupted render left beside `target`: its temporary folders and old sites
    /// whose process is gone.
    private func removeLeftovers(of target: String) {
        let fm = FileManager.default
        let parent = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        for entry in (try? fm.contentsOfDirectory(atPath: parent)) ?? [] {
            let pid: String
            if entry.hasPrefix(".\(name).tmp-") {
                pid = String(entry.dropFirst(name.count + 6))
            } else if entry.hasPrefix("\(name).old-") {
                pid = String(entry.dropFirst(name.count + 5))
            } else {
                continue
            }
            guard let p = Int32(pid), p != getpid(), kill(p, 0) != 0 && errno == ESRCH else { continue }
            try? fm.removeItem(atPath: (parent as NSString).appendingPathComponent(entry))
        }
    }

    private func swapIn(_ temp: String, at target: String) throws {
        let fm = FileManager.default
        if !fm.fileExists(atPath: target) {
            guard rename(temp, target) == 0 else { throw posixError("rename") }
            return
        }
        if hotline_exchange_paths(temp, target) == 0 {
            try fm.removeItem(atPath: temp)
            return
        }
        // No atomic exchange here: two renames, the old site kept until the new one is in place.
        let old = target + ".old-\(getpid())"
        guard rename(target, old) == 0 else { throw posixError("rename") }
        guard rename(temp, target) == 0 else {
            let error = posixError("rename")
            _ = rename(old, target)
            throw error
        }
        try fm.removeItem(atPath: old)
    }

    private func posixError(_ call: String) -> HotlineError {
        .publish(path: out, problem: "\(call): \(String(cString: strerror(errno)))")
    }
}
