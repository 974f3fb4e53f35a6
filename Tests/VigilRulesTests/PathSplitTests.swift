import Foundation
import Testing
import VigilYAML

@testable import VigilRules

/// A path split at its last `/` as NSString splits it, without Foundation's trap on a one-character path
/// (`vigil rules check q` crashed: `NSString.deletingLastPathComponent` of "q", Swift 6.3.1 on Linux).
struct PathSplitTests {
    @Test(arguments: [
        ("a/b", "a", "b"), ("/b", "/", "b"), ("b", "", "b"), ("a/b/", "a", "b"), ("/", "/", "/"), ("", "", ""),
        ("a//b", "a", "b"), ("rules/*.yaml", "rules", "*.yaml"), ("/etc/vigil/rules", "/etc/vigil", "rules"),
    ])
    func aPathSplitsAsNSStringSplitsIt(_ path: String, _ directory: String, _ last: String) {
        #expect(PathSplit.directory(of: path) == directory)
        #expect(PathSplit.lastComponent(of: path) == last)
    }

    @Test func aOneCharacterRulePathIsAnErrorNotACrash() {
        var errors: [String] = []
        let name = "q-\(UUID())".prefix(1)
        #expect(RuleSet.expand([String(name)], relativeTo: nil, errors: &errors).isEmpty)
        #expect(errors == ["q: no such file or directory"])
    }
}
