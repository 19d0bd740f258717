import Foundation
import HotlineCLI

exit(HotlineCLI.main(CommandLine.arguments))
