import HotlineCore

/// An option a subcommand accepts: `--name VALUE`, or `--name=VALUE`; a flag (`--full`) when
/// `value` is empty.
struct OptionSpec: Sendable {
    var name: String
    var value: String
    var help: String

    var isFlag: Bool { value.isEmpty }
}

/// One subcommand: what it is called, what it takes, and what it does.
struct Command: Sendable {
    var name: String
    var arguments: String
    var summary: String
    var discussion: String
    var options: [OptionSpec]
    var positionals: ClosedRange<Int>
    /// The pipeline-file settings the subcommand reads, for its help.
    var settings: [Setting] = []
    var run: @Sendable (Invocation) throws -> Void
}

/// A parsed command line for one subcommand.
struct Invocation {
    var command: Command
    var options: [String: String]
    var arguments: [String]
}

/// What the command line asks for.
enum Parsed {
    case help(Command?)
    /// `hotline help settings`: every setting a pipeline file may carry.
    case settingsHelp
    case version
    case run(Invocation)
}

/// Parses `hotline SUB [--option value]... [--] [ARG]...` against the command table.
///
/// Throws `HotlineError.usage` for anything the table does not allow.
func parse(_ args: [String], commands: [Command]) throws -> Parsed {
    guard let first = args.first else { throw HotlineError.usage("missing subcommand") }
    switch first {
    case "--help", "-h": return .help(nil)
    case "--version": return .version
    case "help":
        guard args.count <= 2 else { throw HotlineError.usage("'help' takes at most one subcommand") }
        guard args.count == 2 else { return .help(nil) }
        if args[1] == "settings" { return .settingsHelp }
        guard let c = commands.first(where: { $0.name == args[1] }) else {
            throw HotlineError.usage("unknown subcommand '\(args[1])'")
        }
        return .help(c)
    default: break
    }
    if first.hasPrefix("-") { throw HotlineError.usage("unknown option '\(first)'") }
    guard let command = commands.first(where: { $0.name == first }) else {
        throw HotlineError.usage("unknown subcommand '\(first)'")
    }
    var options: [String: String] = [:]
    var positional: [String] = []
    var i = 1
    var optionsEnded = false
    while i < args.count {
        let arg = args[i]
        i += 1
        if optionsEnded || !arg.hasPrefix("-") || arg == "-" {
            positional.append(arg)
            continue
        }
        if arg == "--" {
            optionsEnded = true
            continue
        }
        if arg == "--help" || arg == "-h" { return .help(command) }
        var name = arg
        var value: String?
        if let eq = arg.firstIndex(of: "=") {
            name = String(arg[..<eq])
            value = String(arg[arg.index(after: eq)...])
        }
        guard let spec = command.options.first(where: { $0.name == name }) else {
            throw HotlineError.usage("unknown option '\(name)' for 'hotline \(command.name)'")
        }
        if spec.isFlag {
            guard value == nil else { throw HotlineError.usage("option '\(name)' takes no value") }
            value = ""
        } else if value == nil {
            guard i < args.count else { throw HotlineError.usage("option '\(name)' needs a value") }
            value = args[i]
            i += 1
        }
        guard options[name] == nil else { throw HotlineError.usage("option '\(name)' given twice") }
        options[name] = value
    }
    guard command.positionals.contains(positional.count) else {
        if positional.count < command.positionals.lowerBound {
            throw HotlineError.usage("'hotline \(command.name)' needs \(command.arguments)")
        }
        throw HotlineError.usage(
            "'hotline \(command.name)' takes \(command.arguments.isEmpty ? "no arguments" : command.arguments), got '\(positional.joined(separator: " "))'"
        )
    }
    return .run(Invocation(command: command, options: options, arguments: positional))
}

/// Help in swift-argument-parser's layout: overview, usage, options, subcommands.
func helpText(for command: Command?, commands: [Command]) -> String {
    guard let command else {
        var text = """
            OVERVIEW: Analyse 12345 hotline work orders: ingest exports, classify, aggregate, publish a report.

            USAGE: hotline <subcommand> [options] [arguments]

            OPTIONS:
              --version               Show the version.
              -h, --help              Show help information.

            SUBCOMMANDS:

            """
        for c in commands { text += "  " + c.name.padding(toLength: 22) + "  " + c.summary + "\n" }
        return text
            + "\n  See 'hotline help <subcommand>' for detailed help, 'hotline help settings' for every setting.\n"
    }
    var text = "OVERVIEW: \(command.summary)\n\n"
    if !command.discussion.isEmpty { text += command.discussion + "\n\n" }
    let usage = ["hotline", command.name, command.options.isEmpty ? "" : "[options]", command.arguments]
    text += "USAGE: " + usage.filter { !$0.isEmpty }.joined(separator: " ") + "\n\nOPTIONS:\n"
    for o in command.options {
        let usage = o.isFlag ? o.name : "\(o.name) <\(o.value)>"
        text += "  " + usage.padding(toLength: 22) + "  " + o.help + "\n"
    }
    text += "  " + "-h, --help".padding(toLength: 22) + "  Show help information.\n"
    if !command.settings.isEmpty {
        text += "\nSETTINGS (in the pipeline file given by --config):\n" + settingsText(command.settings)
    }
    return text
}

/// Settings by section, each with its type, default and meaning.
func settingsText(_ settings: [Setting]) -> String {
    var text = ""
    var section = ""
    for s in settings.sorted(by: { ($0.section, $0.key) < ($1.section, $1.key) }) {
        if s.section != section {
            section = s.section
            text += "  [\(section)]\n"
        }
        let name = s.isSection ? "value = stored value" : s.key
        let facts = s.kindDescription + (s.defaultValue.map { "; default \($0)" } ?? "")
        text += "    \(name) (\(facts))\n      \(s.help)\n"
    }
    return text
}

extension String {
    fileprivate func padding(toLength n: Int) -> String {
        count >= n ? self : self + String(repeating: " ", count: n - count)
    }
}
