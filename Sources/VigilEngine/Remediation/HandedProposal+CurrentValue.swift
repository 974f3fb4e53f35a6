import VigilKube
import VigilRules
import VigilYAML

extension HandedProposal {
    /// Why the leader does not apply a vouched entry's value to the object as its dry run read it
    /// (`current`), or nil. A playbook only raises: ``ProposalBuilder`` proposes a memory limit, a replica
    /// count, an HPA maximum or a claim's size above the current one and no higher than the current one ×
    /// the template's factor, as it writes it, capped. An entry outside that — one that would lower a
    /// value, set a memory limit where none was, or raise further than the playbook would from today's value
    /// — is none a playbook makes from this object, whoever wrote it. A memory limit is raised from the one
    /// the workload's pods run with (`podMemoryLimit`, the highest the leader's model shows for the
    /// container), which can differ from the template's (a LimitRange's default, a rollout under way): it
    /// must rise above the template's (the pods' where the template has none), to at most the higher of
    /// the two × the factor. One made from a read older than the object's last change can fall outside
    /// too: refused and taken off the board, it errs towards doing less, and its proposer hands over a
    /// fresh one.
    static func currentValueRefusal(
        _ request: KubeAction,
        current object: [String: Any],
        podMemoryLimit: Double? = nil,
        template: Playbook.ActionTemplate
    ) -> String? {
        let spec = object["spec"] as? [String: Any] ?? [:]
        switch request {
        case .setResources(_, let container, let limits, _):
            guard let wanted = limits["memory"].flatMap(Quantity.value) else { return nil }
            let named = KubeAction.containers(of: object).first {
                container == nil || $0["name"] as? String == container
            }
            let resources = named?["resources"] as? [String: Any]
            let limit = ((resources?["limits"] as? [String: Any])?["memory"] as? String).flatMap(Quantity.value)
            guard let floor = limit ?? podMemoryLimit else {
                return "neither its container nor the workload's pods have a memory limit to raise"
            }
            let base = max(limit ?? 0, podMemoryLimit ?? 0)
            return bytesRefusal("memory limit", wanted, above: floor, raising: base, template)
        case .expandPVC(_, let size):
            guard let wanted = Quantity.value(size) else { return nil }
            let capacity = ((object["status"] as? [String: Any])?["capacity"] as? [String: Any])?["storage"]
            let requested = ((spec["resources"] as? [String: Any])?["requests"] as? [String: Any])?["storage"]
            guard let now = ((capacity ?? requested) as? String).flatMap(Quantity.value) else {
                return "its claim has no size to grow"
            }
            return bytesRefusal("size", wanted, above: now, raising: now, template)
        case .scale(_, let wanted):
            return countRefusal("replica count", wanted, spec["replicas"] as? Int, template)
        case .setHPAMax(_, let wanted):
            return countRefusal("maxReplicas", wanted, spec["maxReplicas"] as? Int, template)
        default:
            return nil
        }
    }

    /// `wanted` bytes above `floor`, and at most what the builder makes from `base`: `base × factor` as a
    /// quantity it writes (whole Mi, rounded up), capped at the template's maximum as it writes that.
    private static func bytesRefusal(
        _ what: String,
        _ wanted: Double,
        above floor: Double,
        raising base: Double,
        _ template: Playbook.ActionTemplate
    ) -> String? {
        let most = Quantity.value(Quantity.bytes(min(base * template.factor, template.maximum ?? .infinity))) ?? 0
        guard wanted > floor, wanted <= most else {
            return "its \(what) \(Quantity.bytes(wanted)) is no raise the playbook makes of the object's "
                + "\(Quantity.bytes(floor)) (above it, to at most \(Quantity.bytes(most)))"
        }
        return nil
    }

    private static func countRefusal(
        _ what: String,
        _ wanted: Int,
        _ now: Int?,
        _ template: Playbook.ActionTemplate
    ) -> String? {
        guard let now else { return "the object has no \(what) to raise" }
        let most = min(ProposalBuilder.count(Double(now) * template.factor), ProposalBuilder.countCap(template))
        guard wanted > now, wanted <= most else {
            return "its \(what) \(wanted) is no raise the playbook makes of the object's \(now) "
                + "(above it, to at most \(most))"
        }
        return nil
    }
}
