import Foundation
import HotlineCore
import HotlineStore

/// The `hotline` command line.
public enum HotlineCLI {
    public static let version = "0.1.0"
    /// The exit code when another hotline holds the store (EX_TEMPFAIL: try again later).
    public static let locked: Int32 = 75

    /// Runs the command line and returns the exit code: 0 done, 1 failed, 64 usage error, 75 the
    /// store is in use by another hotline.
    public static func main(_ arguments: [String]) -> Int32 {
        let commands = Commands.table
        do {
            switch try parse(Array(arguments.dropFirst()), commands: commands) {
            case .help(let command):
                print(helpText(for: command, commands: commands), terminator: "")
            case .settingsHelp:
                print(
                    "Every setting a pipeline file may carry, by section:\n\n" + settingsText(StageGraph.settings),
                    terminator: "")
            case .version:
                print(version)
            case .run(let invocation):
                try invocation.command.run(invocation)
            }
            return 0
        } catch HotlineError.store(let path, .locked(let holder)) {
            Log.write("Error: \(HotlineError.store(path: path, .locked(holder: holder)))\n")
            return locked
        } catch HotlineError.usage(let message) {
            Log.write("Error: \(message)\nUsage: hotline <subcommand> [options]; see 'hotline --help'.\n")
            return 64
        } catch HotlineError.input(let diagnostics) {
            Log.endProgress()
            for d in diagnostics { Log.diagnostic(d) }
            Log.write(
                "Error: \(diagnostics.count) problem\(diagnostics.count == 1 ? "" : "s") in the input; nothing was changed by the failing stage.\n"
            )
            return 1
        } catch HotlineError.settings(let diagnostics) {
            Log.endProgress()
            for d in diagnostics { Log.diagnostic(d) }
            Log.write(
                "Error: \(diagnostics.count) problem\(diagnostics.count == 1 ? "" : "s") in the settings; nothing was changed.\n"
            )
            return 1
        } catch {
            Log.endProgress()
            Log.write("Error: \(error)\n")
            return 1
        }
    }
}
