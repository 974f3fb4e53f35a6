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
        guard let raised = RaisedValue(request, current: object, podMemoryLimit: podMemoryLimit) else { return nil }
        guard let floor = raised.floor, let base = raised.base else { return raised.missing }
        // The most the builder writes from `base`: × factor, capped, as a quantity (whole Mi, rounded up) or a
        // count (rounded up, at most the template's count cap).
        let most =
            raised.inBytes
            ? Quantity.value(Quantity.bytes(min(base * template.factor, template.maximum ?? .infinity))) ?? 0
            : Double(min(ProposalBuilder.count(base * template.factor), ProposalBuilder.countCap(template)))
        guard raised.wanted > floor, raised.wanted <= most else {
            return "its \(raised.name) \(raised.shown(raised.wanted)) is no raise the playbook makes of the object's "
                + "\(raised.shown(floor)) (above it, to at most \(raised.shown(most)))"
        }
        return nil
    }
}
