import Foundation
import Testing
import VigilTestKit

/// `vigil rules check`, as `promtool check rules`: each file with what it holds, and nothing checked is
/// no success.
struct RulesCommandTests {
    @Test func theBundledPackChecksClean() async {
        let pack = repositoryRoot.appendingPathComponent("rules").path
        let result = await vigil("rules", "check", pack)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("Checking \(pack)/default.yaml\n  SUCCESS: "), "\(result.stdout)")
    }

    /// One path that names no file fails the check, even beside paths that do.
    @Test func aPathThatNamesNoRuleFileFailsBesideOnesThatDo() async throws {
        let pack = repositoryRoot.appendingPathComponent("rules").path
        let typo = "\(pack)/*.yml"
        let result = await vigil("rules", "check", pack, typo)
        #expect(result.status == 1)
        #expect(result.stderr == "\(typo): no rule file (*.yaml or *.yml, tests left out)\nFAILED: 1 error\n")
        let diagnose = await vigil(
            "diagnose",
            "--replay",
            "\(pack)/../sample-metrics/scenarios/memory-limit-1",
            "--rules",
            typo
        )
        #expect(diagnose.status == 2)
        #expect(diagnose.stdout.isEmpty)
        #expect(diagnose.stderr == "\(typo): no rule file (*.yaml or *.yml, tests left out)\n")
    }

    @Test func pathsThatNameNoRuleFileFail() async throws {
        let empty = try TemporaryDirectory("rules-empty")
        for path in [empty.url.path, empty.file("*.yml").path] {
            let result = await vigil("rules", "check", path)
            #expect(result.status == 1)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr == "\(path): no rule file (*.yaml or *.yml, tests left out)\nFAILED: 1 error\n")
        }
    }
}
