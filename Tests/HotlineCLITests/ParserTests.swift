import HotlineCore
import Testing

@testable import HotlineCLI

@Suite struct ParserTests {
    let commands = Commands.table

    func invocation(_ args: [String]) throws -> Invocation {
        guard case .run(let i) = try parse(args, commands: commands) else { throw HotlineError.usage("not a run") }
        return i
    }

    func usageError(_ args: [String]) -> String? {
        do {
            _ = try parse(args, commands: commands)
            return nil
        } catch HotlineError.usage(let m) {
            return m
        } catch {
            return nil
        }
    }

    @Test func optionsInBothFormsAndPositionals() throws {
        let i = try invocation(["ingest", "--config", "p.conf", "a.csv", "--store=x.sqlite", "b.csv"])
        #expect(i.command.name == "ingest")
        #expect(i.options == ["--config": "p.conf", "--store": "x.sqlite"])
        #expect(i.arguments == ["a.csv", "b.csv"])
    }

    @Test func doubleDashEndsOptions() throws {
        let i = try invocation(["ingest", "--", "--weird-name.csv", "-"])
        #expect(i.arguments == ["--weird-name.csv", "-"])
        #expect(i.options.isEmpty)
    }

    @Test func helpAndVersion() throws {
        guard case .help(nil) = try parse(["--help"], commands: commands) else { Issue.record("--help"); return }
        guard case .help(let c?) = try parse(["help", "explain"], commands: commands), c.name == "explain" else {
            Issue.record("help explain")
            return
        }
        guard case .help(let d?) = try parse(["render", "--help"], commands: commands), d.name == "render" else {
            Issue.record("render --help")
            return
        }
        guard case .version = try parse(["--version"], commands: commands) else { Issue.record("--version"); return }
        let text = helpText(for: nil, commands: commands)
        for name in ["run", "ingest", "classify", "aggregate", "detect", "render", "status", "explain"] {
            #expect(text.contains("  \(name) "))
        }
        #expect(
            helpText(for: c, commands: commands).contains("USAGE: hotline explain [options] <order-id | candidate-id>"))
    }

    @Test func usageErrors() {
        #expect(usageError([]) == "missing subcommand")
        #expect(usageError(["frobnicate"]) == "unknown subcommand 'frobnicate'")
        #expect(usageError(["--store", "x"]) == "unknown option '--store'")
        #expect(usageError(["classify", "--out", "x"]) == "unknown option '--out' for 'hotline classify'")
        #expect(usageError(["classify", "extra"])?.contains("takes no arguments") == true)
        #expect(usageError(["explain"]) == "'hotline explain' needs <order-id | candidate-id>")
        #expect(usageError(["explain", "a", "b"]) != nil)
        #expect(usageError(["render", "--out"]) == "option '--out' needs a value")
        #expect(usageError(["render", "--out", "a", "--out", "b"]) == "option '--out' given twice")
        #expect(usageError(["help", "nope"]) == "unknown subcommand 'nope'")
    }
}
