// hotline-bench: generates synthetic orders, runs each stage of the built `hotline` as a child
// process, and prints rows/s and peak memory per stage. A benchmark, not a test: build it with
// `swift build -c release` and run `.build/release/hotline-bench --rows 1000000`.
import Foundation
import HotlineCore

let usage = """
    USAGE: hotline-bench [--rows N] [--input FILE] [--work DIR] [--taxonomy FILE] [--keep]

      --rows N          Synthetic orders to generate (default 100000).
      --input FILE      Benchmark this CSV export instead of generating one.
      --work DIR        Where the export, store and site go (default: a temporary folder).
      --taxonomy FILE   The taxonomy to classify with (default: Pipelines/taxonomy.tsv).
      --keep            Keep the work folder.

    """

var rows = 100_000
var input: String?
var work: String?
var taxonomy = "Pipelines/taxonomy.tsv"
var keep = false
var args = CommandLine.arguments.dropFirst()
while let arg = args.popFirst() {
    switch arg {
    case "--rows": rows = args.popFirst().flatMap(Int.init) ?? -1
    case "--input": input = args.popFirst()
    case "--work": work = args.popFirst()
    case "--taxonomy": taxonomy = args.popFirst() ?? ""
    case "--keep": keep = true
    case "--help", "-h":
        print(usage, terminator: "")
        exit(0)
    default:
        FileHandle.standardError.write(Data("Error: unknown argument '\(arg)'\n\(usage)".utf8))
        exit(64)
    }
}
guard rows > 0 else {
    FileHandle.standardError.write(Data("Error: --rows needs a positive whole number\n".utf8))
    exit(64)
}

let fm = FileManager.default
let dir = work ?? NSTemporaryDirectory() + "hotline-bench-\(getpid())"
try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
let hotline = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    .appendingPathComponent("hotline").path
guard fm.isExecutableFile(atPath: hotline) else {
    FileHandle.standardError.write(
        Data("Error: no hotline binary beside this one at \(hotline); run swift build -c release\n".utf8))
    exit(1)
}
let taxonomyPath = URL(fileURLWithPath: taxonomy).standardizedFileURL.path
let csv = input ?? dir + "/orders.csv"
if input == nil {
    let started = Date()
    var generator = SyntheticExport(seed: 12_345)
    try generator.write(rows: rows, to: csv)
    Log.info(
        "bench: generated \(rows.grouped) orders in \(String(format: "%.1f", Date().timeIntervalSince(started))) s: \(csv)"
    )
}
let config = dir + "/bench.conf"
try "[pipeline]\nname = 基准测试\ntaxonomy = \(taxonomyPath)\nstore = \(dir)/bench.sqlite\nout = \(dir)/site\n"
    .write(toFile: config, atomically: true, encoding: .utf8)
try? fm.removeItem(atPath: dir + "/bench.sqlite")

/// Runs `hotline` with `arguments`, returning wall seconds and the child's peak RSS in bytes.
func measure(_ arguments: [String]) -> (seconds: Double, peak: Int, status: Int32) {
    var pid: pid_t = 0
    let argv = ([hotline] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    defer { posix_spawn_file_actions_destroy(&actions) }
    let start = Date()
    guard posix_spawn(&pid, hotline, &actions, nil, argv, environ) == 0 else { return (0, 0, -1) }
    var status: Int32 = 0
    var usage = rusage()
    wait4(pid, &status, 0, &usage)
    return (Date().timeIntervalSince(start), usage.ru_maxrss * 1024, (status >> 8) & 0xff)
}

let stages: [(String, [String])] = [
    ("ingest", ["ingest", "--config", config, csv]),
    ("classify", ["classify", "--config", config]),
    ("aggregate", ["aggregate", "--config", config]),
    ("render", ["render", "--config", config]),
]
func column(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}
var lines = [column("stage", 12) + column("rows", 12) + column("seconds", 10) + column("rows/s", 12) + "peak RSS"]
var total = 0.0
var peak = 0
for (name, arguments) in stages {
    let r = measure(arguments)
    guard r.status == 0 else {
        FileHandle.standardError.write(Data("Error: hotline \(name) failed with status \(r.status)\n".utf8))
        exit(1)
    }
    let rowsIn = stageRows(name)
    total += r.seconds
    peak = max(peak, r.peak)
    let rate = rowsIn > 0 ? Int(Double(rowsIn) / r.seconds).grouped : "—"
    lines.append(
        column(name, 12) + column(rowsIn.grouped, 12) + column(String(format: "%.2f", r.seconds), 10) + column(rate, 12)
            + "\(r.peak / 1_048_576) MB")
}
lines.append(column("all stages", 24) + column(String(format: "%.2f", total), 22) + "\(peak / 1_048_576) MB")
print(lines.joined(separator: "\n"))
if !keep && work == nil { try? fm.removeItem(atPath: dir) }

/// Rows the last run of `stage` read, from `hotline status`'s store.
func stageRows(_ stage: String) -> Int {
    let pipe = Pipe()
    let p = Process()
    p.executableURL = URL(fileURLWithPath: hotline)
    p.arguments = ["status", "--config", config]
    p.standardOutput = pipe
    p.standardError = FileHandle.nullDevice
    try? p.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    for line in text.split(separator: "\n") {
        let cells = line.split(separator: " ", omittingEmptySubsequences: true)
        if cells.count > 5, cells[1] == stage, Int(cells[0]) != nil {
            return Int(cells[6].replacingOccurrences(of: ",", with: "")) ?? 0
        }
    }
    return 0
}
