import VigilEngine
import VigilHTTP
import VigilRules
import VigilYAML
import Yams

extension DaemonConfig {
    /// `remediation:` — the guard rails (see `docs/REMEDIATION.md`). Applying itself is switched on only
    /// by the `--allow-apply` flag, never by the file: a configuration mistake cannot let Vigil act.
    static func readRemediation(_ node: Node, _ reader: ConfigReader) -> RemediationPolicy {
        var policy = RemediationPolicy()
        let fields = reader.fields(
            node,
            "remediation",
            allowed: [
                "namespaces", "autonomy", "cooldown", "rate_limit", "max_nodes_cordoned", "max_unschedulable_share",
                "rollback_interval",
            ]
        )
        if let namespaces = fields["namespaces"] {
            let lists = reader.fields(namespaces, "remediation.namespaces", allowed: ["allow", "deny"])
            if let allow = lists["allow"] {
                policy.allowNamespaces = reader.strings(allow, "remediation.namespaces.allow")
            }
            if let deny = lists["deny"] { policy.denyNamespaces = reader.strings(deny, "remediation.namespaces.deny") }
        }
        if let autonomy = fields["autonomy"] {
            for (namespace, level) in reader.stringMap(autonomy, "remediation.autonomy") {
                if let level = Playbook.Autonomy(rawValue: level) {
                    policy.autonomy[namespace] = level
                } else {
                    let choices = Playbook.Autonomy.allCases.map(\.rawValue).joined(separator: ", ")
                    reader.fail(
                        autonomy,
                        "remediation.autonomy.\(namespace)",
                        "expected one of \(choices), got \"\(level)\""
                    )
                }
            }
        }
        if let cooldown = fields["cooldown"].flatMap({ reader.seconds($0, "remediation.cooldown") }) {
            policy.cooldown = cooldown
        }
        if let rate = fields["rate_limit"] {
            let limit = reader.fields(rate, "remediation.rate_limit", allowed: ["actions", "per"])
            if let actions = limit["actions"].flatMap({ reader.count($0, "remediation.rate_limit.actions") }) {
                policy.maxActions = actions
            }
            if let per = limit["per"].flatMap({ reader.seconds($0, "remediation.rate_limit.per") }) {
                policy.actionWindow = per
            }
        }
        if let nodes = fields["max_nodes_cordoned"].flatMap({ reader.count($0, "remediation.max_nodes_cordoned") }) {
            policy.maxNodesCordoned = nodes
        }
        if let node = fields["max_unschedulable_share"] {
            if let share = node.float ?? node.int.map(Double.init), (0...1).contains(share) {
                policy.maxUnschedulableShare = share
            } else {
                reader.fail(node, "remediation.max_unschedulable_share", "expected a share from 0 to 1")
            }
        }
        if let interval = fields["rollback_interval"].flatMap({ reader.seconds($0, "remediation.rollback_interval") }) {
            policy.rollbackInterval = interval
        }
        return policy
    }
}

/// `alertmanager:` — where reconciliation asks for the active alerts routed to Vigil.
struct AlertmanagerSettings: Equatable {
    var url: String
    /// The receiver Vigil is in Alertmanager's configuration (`receivers[].name`).
    var receiver = "vigil"
    var reconcileInterval: Double = 300
    /// How to reach it where it asks for it (an authenticating proxy in front, a private CA): as a scrape
    /// job's `authorization`, `basic_auth` and `tls_config`.
    var authorization: Authorization?
    var tls = TLSConfiguration()

    static func read(_ node: Node, _ reader: ConfigReader) -> AlertmanagerSettings? {
        let fields = reader.fields(
            node,
            "alertmanager",
            allowed: ["url", "receiver", "reconcile_interval", "authorization", "basic_auth", "tls_config"]
        )
        guard let urlNode = fields["url"] else {
            reader.fail(node, "alertmanager", "url: required")
            return nil
        }
        guard let url = reader.string(urlNode, "alertmanager.url") else { return nil }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            reader.fail(urlNode, "alertmanager.url", "expected an http:// or https:// URL, got \"\(url)\"")
            return nil
        }
        var settings = AlertmanagerSettings(url: url)
        if let receiver = fields["receiver"].flatMap({ reader.string($0, "alertmanager.receiver") }) {
            settings.receiver = receiver
        }
        if let interval = fields["reconcile_interval"].flatMap({ reader.seconds($0, "alertmanager.reconcile_interval") }
        ) {
            settings.reconcileInterval = interval
        }
        settings.authorization = reader.authorization(fields, "alertmanager")
        if let tls = fields["tls_config"] { settings.tls = reader.tlsConfig(tls, "alertmanager.tls_config") }
        return settings
    }
}
