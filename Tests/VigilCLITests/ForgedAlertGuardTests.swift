import Foundation
import Testing
import VigilEngine
import VigilRules
import VigilServer
import VigilTestKit

@testable import VigilCLI

/// A playbook that applies on an alert needs an authenticated webhook: without one, anyone who reaches
/// the port could post the alert. Refused at start (and by `--check-config`) and at a reload of the rules.
struct ForgedAlertGuardTests {
    static func playbook(
        _ name: String,
        all: [Playbook.Condition] = [],
        any: [Playbook.Condition] = [],
        none: [Playbook.Condition] = [],
        autonomy: Playbook.Autonomy
    ) -> Playbook {
        Playbook(name: name, cause: name, summary: name, all: all, any: any, none: none, autonomy: autonomy)
    }

    static let onAlert = [Playbook.Condition(.alert, "WebDown")]
    static let onFinding = [Playbook.Condition(.finding, "OOMKilled")]

    func refusal(
        _ playbooks: [Playbook],
        allowApply: Bool = true,
        authenticated: Bool = false,
        autonomy: [String: Playbook.Autonomy] = [:]
    ) -> String? {
        var policy = RemediationPolicy()
        policy.allowApply = allowApply
        policy.autonomy = autonomy
        return ForgedAlertGuard.refusal(
            rules: RuleSet(playbooks: playbooks),
            policy: policy,
            authenticated: authenticated
        )
    }

    @Test func aPlaybookThatAppliesOnAnAlertNeedsAuthentication() {
        let applying = Self.playbook("restart-on-alert", all: Self.onFinding, any: Self.onAlert, autonomy: .apply)
        let refused = refusal([applying, Self.playbook("other", all: Self.onAlert, autonomy: .approve)])
        #expect(
            refused?.hasPrefix(
                "--allow-apply with playbooks that apply on an alert (restart-on-alert) needs authentication"
            ) == true,
            "\(refused ?? "nil")"
        )
        // Authenticated, or not applying at all: nothing to forge.
        #expect(refusal([applying], authenticated: true) == nil)
        #expect(refusal([applying], allowApply: false) == nil)
    }

    @Test func whatWaitsForAPersonOrIgnoresAlertsIsLeftAlone() {
        #expect(refusal([Self.playbook("approve", all: Self.onAlert, autonomy: .approve)]) == nil)
        #expect(refusal([Self.playbook("propose", all: Self.onAlert, autonomy: .propose)]) == nil)
        #expect(refusal([Self.playbook("findings", all: Self.onFinding, autonomy: .apply)]) == nil)
        // An alert that keeps a playbook from matching cannot be forged into a change.
        #expect(refusal([Self.playbook("unless", all: Self.onFinding, none: Self.onAlert, autonomy: .apply)]) == nil)
    }

    /// A namespace whose autonomy is `apply` makes every playbook apply there.
    @Test func aNamespaceThatAppliesExposesEveryPlaybookOnAnAlert() {
        let proposing = Self.playbook("propose", all: Self.onAlert, autonomy: .propose)
        #expect(refusal([proposing], autonomy: ["shop": .apply])?.contains("(propose)") == true)
        #expect(refusal([proposing], autonomy: ["shop": .approve]) == nil)
    }

    static let rules = """
        playbooks:
          - name: restart-on-alert
            cause: memory-alert
            summary: Memory alert; a restart frees the leaked memory
            when: {all: [{alert: WebMemoryHigh}]}
            then: [{action: restart}]
            autonomy: apply

        """

    @Test func theStartRefusesItUnlessTheServerAuthenticates() async throws {
        let directory = try TemporaryDirectory("forged")
        try Self.rules.write(to: directory.file("alerts.rules.yaml"), atomically: true, encoding: .utf8)
        try ConfigCheckTests.kubeconfig.write(to: directory.file("kubeconfig"), atomically: true, encoding: .utf8)
        try "a-token\n".write(to: directory.file("token"), atomically: true, encoding: .utf8)
        let arguments = [
            "run", "--check-config", "--allow-apply", "--rules", directory.file("alerts.rules.yaml").path,
            "--kubeconfig", directory.file("kubeconfig").path, "--state-dir", directory.file("state").path,
        ]
        let open = await vigil(arguments)
        #expect(open.status == 1)
        #expect(
            open.stderr.hasPrefix(
                "--allow-apply with playbooks that apply on an alert (restart-on-alert) needs authentication"
            ),
            "\(open.stderr)"
        )
        let authenticated = await vigil(arguments + ["--web.bearer-token-file", directory.file("token").path])
        #expect(authenticated.status == 0, "\(authenticated.stderr)")
    }

    @Test func aReloadThatBringsSuchAPlaybookIsRefused() async throws {
        let directory = try TemporaryDirectory("forged-reload")
        try "rule_files: ['*.rules.yaml']\n".write(to: directory.file("vigil.yaml"), atomically: true, encoding: .utf8)
        try "playbooks: []\n".write(to: directory.file("alerts.rules.yaml"), atomically: true, encoding: .utf8)
        let (reloader, _) = try testReloader(directory.file("vigil.yaml"), allowApply: true)
        try Self.rules.write(to: directory.file("alerts.rules.yaml"), atomically: true, encoding: .utf8)
        guard case .failure(let refusal) = await reloader.reload(trigger: "test") else {
            Issue.record("the reload was taken")
            return
        }
        #expect(refusal.message.contains("restart-on-alert) needs authentication"), "\(refusal.message)")
    }
}
