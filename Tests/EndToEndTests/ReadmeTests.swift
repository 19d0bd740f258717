import Foundation
import TestSupport
import Testing

/// What the README promises about the built binary.
@Suite struct ReadmeTests {
    let readme = (try? String(contentsOfFile: Fixtures.path("README.md"), encoding: .utf8)) ?? ""

    @Test func everySettingIsInTheReference() throws {
        let help = try HotlineBinary.run(["help", "settings"])
        #expect(help.status == 0)
        let reference =
            readme.components(separatedBy: "<!-- settings:begin -->").last?
            .components(separatedBy: "<!-- settings:end -->").first ?? ""
        var section = ""
        var missing: [String] = []
        for line in help.stdout.split(separator: "\n") {
            if line.hasPrefix("  [") {
                section = String(line.dropFirst(2))
            } else if line.hasPrefix("    ") && !line.hasPrefix("      ") {
                let key = String(line.dropFirst(4).prefix { $0 != "(" }).trimmingCharacters(in: .whitespaces)
                let part =
                    reference.components(separatedBy: "### \(section)").dropFirst().first?
                    .components(separatedBy: "### ").first ?? ""
                if !part.contains("`\(key)`") { missing.append("\(section) \(key)") }
            }
        }
        #expect(missing == [], "run scripts/settings-reference and paste it into the README")
        #expect(!section.isEmpty)
    }

    @Test func theExplainExamplesExistInTheDemo() throws {
        let dir = TemporaryDirectory("hotline-readme")
        let conf = Fixtures.path("Pipelines/demo.conf")
        let run = try HotlineBinary.run([
            "run", "--config", conf, "--store", dir.file("d.sqlite"), "--out", dir.file("site"),
        ])
        #expect(run.status == 0)
        let ids = readme.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("hotline explain ") else { return nil }
            return String(line.dropFirst("hotline explain ".count).prefix { $0 != " " })
        }
        #expect(ids.count == 2)
        for id in ids {
            let r = try HotlineBinary.run(["explain", id, "--config", conf, "--store", dir.file("d.sqlite")])
            #expect(r.status == 0, "README's example \(id): \(r.stderr)")
        }
    }
}
