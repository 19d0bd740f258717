// hotline-bench: builds a store from synthetic (or given) exports, runs each stage of the built
// `hotline` as a child process, and prints wall time, CPU time and peak memory per stage, for a
// full rebuild and, with --scenario night, for the next night's export and a night with nothing
// new. A benchmark, not a test: build with `swift build -c release`, then e.g.
// `.build/release/hotline-bench --scenario night --rows 1000000`.
import Foundation
import HotlineCore

let usage = """
    USAGE: hotline-bench [--scenario full|night] [--rows N] [--years Y] [--night-rows N]
                         [--input FILE]... [--night-input FILE] [--communities FILE]
                         [--work DIR] [--taxonomy FILE] [--keep]

      --scenario full     Every stage from an empty store (the default).
      --scenario night    That, then a night's export onto the store (ingest, classify, aggregate,
                          detect and render each on what changed), then a night with nothing new.
      --rows N            Synthetic orders in the store (default 100000), spread over the years.
      --years Y           Years the store's orders span, ending in 2021 (default 1): one export each.
      --night-rows N      Synthetic orders in the night's export, all of 2022 (default 30000).
      --input FILE        Build the store from this export instead (repeatable), e.g. from
                          ../shared/bench/gen_orders.py.
      --night-input FILE  The night's export instead of a synthetic one.
      --communities FILE  The community table for the pipeline (per-10,000 rates).
      --work DIR          Where the exports, store and site go (default: a temporary folder).
      --taxonomy FILE     The taxonomy to classify with (default: Pipelines/taxonomy.tsv).
      --keep              Keep the work folder.

    """

var scenario = "full"
var rows = 100_000
var years = 1
var nightRows = 30_000
var inputs: [String] = []
var nightInput: String?
var communities: String?
var work: String?
var taxonomy = "Pipelines/taxonomy.tsv"
var keep = false

/// Exits 64 with `Error: message` and the usage, as every hotline command does for a usage error.
func usageError(_ message: String) -> Never {
    FileHandle.standardError.write(Data("Error: \(message)\n\(usage)".utf8))
    exit(64)
}

var args = CommandLine.arguments.dropFirst()
@MainActor func value(_ option: String) -> String {
    guard let v = args.popFirst() else { usageError("\(option) needs a value") }
    return v
}
@MainActor func count(_ option: String) -> Int {
    guard let n = Int(value(option)), n > 0 else { usageError("\(option) needs a positive whole number") }
    return n
}
while let arg = args.popFirst() {
    switch arg {
    case "--scenario":
        scenario = value(arg)
        guard ["full", "night"].contains(scenario) else { usageError("--scenario is full or night") }
    case "--rows": rows = count(arg)
    case "--years": years = count(arg)
    case "--night-rows": nightRows = count(arg)
    case "--input": inputs.append(value(arg))
    case "--night-input": nightInput = value(arg)
    case "--communities": communities = value(arg)
    case "--work": work = value(arg)
    case "--taxonomy": taxonomy = value(arg)
    case "--keep": keep = true
    case "--help", "-h":
        print(usage, terminator: "")
        exit(0)
    default: usageError("unknown argument '\(arg)'")
    }
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

/// Writes `rows` synthetic orders of `year` to `path`, unless a file is already there.
func generate(rows: Int, year: Int, seed: UInt64, to path: String) throws {
    if fm.fileExists(atPath: path) { return }
    let started = Date()
    var generator = SyntheticExport(seed: seed)
    try generator.write(rows: rows, year: year, to: path)
    Log.info("bench: generated \(rows.grouped) orders of \(year) in \(seconds(since: started)) s: \(path)")
}

func seconds(since start: Date) -> String { String(format: "%.1f", Date().timeIntervalSince(start)) }

if inputs.isEmpty {
    for (i, year) in ((2021 - years + 1)...2021).enumerated() {
        let n = rows / years + (i < rows % years ? 1 : 0)
        let path = dir + "/orders-\(year)-\(n).csv"
        try generate(rows: n, year: year, seed: 12_345 &+ UInt64(i), to: path)
        inputs.append(path)
    }
}
let night = nightInput ?? dir + "/night-2022-\(nightRows).csv"
if scenario == "night" && nightInput == nil { try generate(rows: nightRows, year: 2022, seed: 5, to: night) }

let taxonomyPath = URL(fileURLWithPath: taxonomy).standardizedFileURL.path
let config = dir + "/bench.conf"
let store = dir + "/bench.sqlite"
var pipeline = "[pipeline]\nname = 基准测试\ntaxonomy = \(taxonomyPath)\nstore = \(store)\nout = \(dir)/site\n"
if let communities { pipeline += "communities = \(URL(fileURLWithPath: communities).standardizedFileURL.path)\n" }
try pipeline.write(toFile: config, atomically: true, encoding: .utf8)
for suffix in ["", "-wal", "-shm", ".lock", ".model"] { try? fm.removeItem(atPath: store + suffix) }

/// One child run: wall and CPU seconds, peak RSS in bytes, exit status.
struct Measure {
    var wall: Double
    var cpu: Double
    var peak: Int
    var status: Int32
}

/// Where the children's messages go (rejected rows, stage summaries, HOTLINE_TIMINGS steps).
let logPath = dir + "/hotline.log"

/// Runs `hotline` with `arguments` (standard output discarded, standard error to `logPath`), measuring it.
func measure(_ arguments: [String]) -> Measure {
    var pid: pid_t = 0
    let argv = ([hotline] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    defer { posix_spawn_file_actions_destroy(&actions) }
    let start = Date()
    guard posix_spawn(&pid, hotline, &actions, nil, argv, environ) == 0 else {
        return Measure(wall: 0, cpu: 0, peak: 0, status: -1)
    }
    var status: Int32 = 0
    var usage = rusage()
    wait4(pid, &status, 0, &usage)
    func secs(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return Measure(
        wall: Date().timeIntervalSince(start), cpu: secs(usage.ru_utime) + secs(usage.ru_stime),
        peak: usage.ru_maxrss * 1024, status: (status >> 8) & 0xff)
}

func column(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

/// Runs the stages one by one and prints a table: rows each read, wall, CPU, peak RSS.
func bench(_ title: String, _ stages: [(String, [String])]) {
    print("\n\(title)")
    print(
        column("stage", 12) + column("rows", 12) + column("wall s", 9) + column("CPU s", 9) + column("rows/s", 12)
            + "peak RSS")
    var wall = 0.0
    var cpu = 0.0
    var peak = 0
    for (name, arguments) in stages {
        let r = measure(arguments)
        guard r.status == 0 else {
            FileHandle.standardError.write(
                Data("Error: hotline \(name) failed with status \(r.status); see \(logPath)\n".utf8))
            exit(1)
        }
        let rowsIn = stageRows(name)
        (wall, cpu, peak) = (wall + r.wall, cpu + r.cpu, max(peak, r.peak))
        let rate = rowsIn > 0 && r.wall > 0 ? Int(Double(rowsIn) / r.wall).grouped : "—"
        print(
            column(name, 12) + column(rowsIn.grouped, 12) + column(String(format: "%.2f", r.wall), 9)
                + column(String(format: "%.2f", r.cpu), 9) + column(rate, 12) + "\(r.peak / 1_048_576) MB")
    }
    print(
        column("all", 24) + column(String(format: "%.2f", wall), 9) + column(String(format: "%.2f", cpu), 21)
            + "\(peak / 1_048_576) MB")
}

/// The five stages, ingest reading `files`.
func stages(reading files: [String]) -> [(String, [String])] {
    [
        ("ingest", ["ingest", "--config", config] + files),
        ("classify", ["classify", "--config", config]),
        ("aggregate", ["aggregate", "--config", config]),
        ("detect", ["detect", "--config", config]),
        ("render", ["render", "--config", config]),
    ]
}

let total = inputs.count == 1 ? "" : " (\(inputs.count) exports)"
bench("full rebuild from an empty store\(total)", stages(reading: inputs))
if scenario == "night" {
    bench("the night: \((night as NSString).lastPathComponent) onto that store", stages(reading: inputs + [night]))
    bench("a night with nothing new", [("run", ["run", "--config", config] + inputs + [night])])
}
print("\nThe stages' messages: \(logPath)" + (keep || work != nil ? "" : " (removed; --keep keeps it)"))
if !keep && work == nil { try? fm.removeItem(atPath: dir) }

/// Rows the last run of `stage` read, from `hotline status`'s list of runs; 0 when it did not run.
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
