import VigilEngine
import VigilRules

/// An alert posted to a webhook without authentication may be anyone's: a playbook that applies on one
/// would let whoever reaches the port change the cluster. So `--allow-apply` with such a playbook needs
/// authentication (which every path then requires, the webhook's included: Alertmanager sends it from its
/// receiver's `http_config`), at start and at every reload of the rules. A playbook that proposes, or
/// waits for an approval (an authenticated person's), acts on no forged alert by itself.
enum ForgedAlertGuard {
    /// Refuses, as a configuration error, what ``refusal(rules:policy:authenticated:)`` says may not run.
    static func check(rules: RuleSet?, policy: RemediationPolicy, authenticated: Bool) throws(DaemonConfig.Invalid) {
        guard let rules, let refusal = refusal(rules: rules, policy: policy, authenticated: authenticated) else {
            return
        }
        throw DaemonConfig.Invalid(errors: [refusal])
    }

    /// Why `rules` may not run under `policy` on a server that authenticates nobody, or nil.
    static func refusal(rules: RuleSet, policy: RemediationPolicy, authenticated: Bool) -> String? {
        guard policy.allowApply, !authenticated else { return nil }
        // A namespace's autonomy can make any playbook apply there.
        let anyApplies = policy.autonomy.values.contains(.apply)
        let exposed = rules.playbooks.filter { playbook in
            (playbook.autonomy == .apply || anyApplies) && (playbook.all + playbook.any).contains { $0.kind == .alert }
        }
        guard !exposed.isEmpty else { return nil }
        return "--allow-apply with playbooks that apply on an alert (\(exposed.map(\.name).joined(separator: ", "))) "
            + "needs authentication: without it anyone who reaches POST /webhook/alertmanager could post a forged "
            + "alert that Vigil acts on. Give --web.config.file with basic_auth_users (or client certificates) or "
            + "--web.bearer-token-file, and the same credentials in the Alertmanager receiver's http_config; or "
            + "make those playbooks approve"
            + (anyApplies ? " and set no namespace's remediation.autonomy to apply" : "")
    }
}
