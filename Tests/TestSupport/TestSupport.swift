import Foundation
import HotlineFormats

/// Paths of the package and its fixtures, found from this file's place in the tree.
public enum Fixtures {
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func path(_ relative: String) -> String { packageRoot.appendingPathComponent(relative).path }

    /// The hand-counted fixture: two overlapping exports; see Fixtures/small/EXPECTED.md.
    public static var smallConfig: String { path("Fixtures/small/small.conf") }
    public static var exportA: String { path("Fixtures/small/export-a.csv") }
    public static var exportB: String { path("Fixtures/small/export-b-gbk.csv") }
    public static var taxonomy: String { path("Pipelines/taxonomy.tsv") }

    /// Every phone number and caller name in the small fixture: none may reach a published file.
    public static let personalData = [
        "13800001111", "13900002222", "13700003333", "13812345678", "13600004444", "13500005555", "13400006666",
        "13100009999", "15000001010", "28881234", "18600001212", "18700001313", "18800001414", "18900001515",
        "张三", "李女士", "王先生", "赵先生", "陈女士", "周女士", "吴先生", "冯女士", "林先生", "何女士", "高先生", "罗女士", "胡先生",
    ]
}

/// A fresh folder under the system's temporary folder, removed when this value is deinitialized.
/// What a published file says: the text of a page or CSV, or for a workbook the XML of all its parts,
/// so checks for personal data see every file.
public func publishedText(_ path: String) throws -> String {
    if path.hasSuffix(".xlsx") {
        return try ZipContents.texts(of: path).sorted { $0.key < $1.key }.map(\.value).joined()
    }
    return try String(contentsOfFile: path, encoding: .utf8)
}

/// The rows of a workbook's sheet (the first when `sheet` is nil), read by hotline's own reader.
public func workbookRows(_ path: String, sheet: String? = nil) throws -> [[String]] {
    let reader = try XLSXReader(path: path, display: path, sheet: sheet, limits: ZipLimits())
    var rows: [[String]] = []
    while let row = try reader.next() {
        if case .cells(_, let fields) = row { rows.append(fields) }
    }
    return rows
}

public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init(_ label: String = "hotline-test") {
        path = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Writes `text` as UTF-8 and returns the path.
    @discardableResult
    public func write(_ name: String, _ text: String) -> String {
        write(name, Data(text.utf8))
    }

    @discardableResult
    public func write(_ name: String, _ data: Data) -> String {
        let p = file(name)
        try! FileManager.default.createDirectory(
            atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! data.write(to: URL(fileURLWithPath: p))
        return p
    }

    /// The file's text exactly as written, a byte-order mark included.
    public func read(_ name: String) -> String? {
        FileManager.default.contents(atPath: file(name)).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// What a run of the built `hotline` binary did.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs the `hotline` executable built beside the test bundle.
public enum HotlineBinary {
    public static var url: URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // On Linux the test runner is `.build/<config>/<name>PackageTests.xctest`.
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("hotline").path) && dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("hotline")
    }

    /// One caller key for every run of the binary in this test process, outside the repository.
    public static let keyFile = NSTemporaryDirectory() + "hotline-test-\(getpid()).key"

    public static func run(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:])
        throws -> ProcessResult
    {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["HOTLINE_KEY_FILE"] = keyFile
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes while the process runs, so a full pipe never blocks it.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}
