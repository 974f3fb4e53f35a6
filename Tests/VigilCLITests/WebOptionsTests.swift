import Foundation
import Testing

/// The `--web.*` flags of `vigil run`: refused with the flag's name when malformed, explained by `--help`.
struct WebOptionsTests {
    @Test func malformedLimitsAreRefusedWithEveryError() async {
        let result = await vigil(
            "run",
            "--listen",
            "127.0.0.1:0",
            "--web.read-header-timeout",
            "soon",
            "--web.read-timeout",
            "never",
            "--web.idle-timeout",
            "0s",
            "--web.max-connections",
            "0"
        )
        #expect(result.status == 1)
        #expect(
            result.stderr == """
                --web.read-header-timeout: expected a duration like 10s or 5m, at most 100y, got "soon"
                --web.read-timeout: expected a duration like 10s or 5m, at most 100y, got "never"
                --web.idle-timeout: expected a duration like 10s or 5m, at most 100y, got "0s"
                --web.max-connections: expected at least 1, got 0

                """
        )
    }

    @Test func aBadWebConfigFileStopsTheStartWithItsErrors() async throws {
        let file = try temporaryFile("basic_auth_users:\n  alice: hunter2\nrate_limit: {burst: 1}\n", suffix: ".yml")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = await vigil("run", "--listen", "127.0.0.1:0", "--web.config.file", file.path)
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 2, "\(result.stderr)")
        #expect(lines.first?.hasPrefix("\(file.path):2:10: basic_auth_users.alice: expected a bcrypt hash") == true)
        #expect(
            lines.last == "\(file.path):3:13: rate_limit: not supported (use --web.max-connections to bound the load)"
        )
        // The secret is never echoed, even a malformed one.
        #expect(!result.stderr.contains("hunter2"))
    }

    @Test func helpExplainsEveryWebFlag() async {
        let result = await vigil("run", "--help")
        #expect(result.status == 0)
        for flag in [
            "--web.config.file", "--web.bearer-token-file", "--web.enable-lifecycle", "--web.enable-approvals",
            "--web.read-header-timeout", "--web.read-timeout", "--web.idle-timeout", "--web.max-connections",
        ] {
            #expect(result.stdout.contains("  \(flag)"), "\(flag)")
        }
        #expect(result.stdout.contains("(default 10s)") && result.stdout.contains("(default 512)"))
    }
}
