import VigilRules

/// The incident schema of `vigil diagnose --output json` and `GET /api/v1/incidents` (documented in
/// `docs/DIAGNOSIS.md`): stable field names, times in RFC 3339 UTC.
extension Incident: Encodable {
    enum CodingKeys: String, CodingKey {
        case id, namespace, workload
        case startedAt = "started_at"
        case cause, summary, playbook, confidence, severity
        case evidence, proposals, explanation
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        // Cluster-scoped subjects (nodes) have no namespace: null, not "".
        try container.encode(subject.namespace.isEmpty ? nil : subject.namespace, forKey: .namespace)
        try container.encode(subject.description, forKey: .workload)
        try container.encode(Timestamp.utc(startedAt), forKey: .startedAt)
        try container.encode(cause, forKey: .cause)
        try container.encode(summary, forKey: .summary)
        try container.encodeIfPresent(playbook, forKey: .playbook)
        try container.encode(confidence, forKey: .confidence)
        try container.encode(severity.description, forKey: .severity)
        try container.encode(evidence, forKey: .evidence)
        try container.encode(proposals, forKey: .proposals)
        try container.encode(explanation, forKey: .explanation)
    }
}

extension Evidence: Encodable {
    enum CodingKeys: String, CodingKey {
        case kind, name, object, message, at, severity, count
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind.rawValue, forKey: .kind)
        try container.encode(name, forKey: .name)
        try container.encode(object, forKey: .object)
        try container.encode(message, forKey: .message)
        try container.encodeIfPresent(at.map(Timestamp.utc), forKey: .at)
        try container.encode(severity.description, forKey: .severity)
        try container.encode(count, forKey: .count)
    }
}

extension Proposal: Encodable {
    enum CodingKeys: String, CodingKey {
        case id, action, target, namespace, parameters, kubectl, rule, confidence, rationale, autonomy
        case dryRun = "dry_run"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(action, forKey: .action)
        try container.encode(target, forKey: .target)
        try container.encode(namespace, forKey: .namespace)
        try container.encode(parameters, forKey: .parameters)
        try container.encode(kubectl, forKey: .kubectl)
        try container.encode(rule, forKey: .rule)
        try container.encode(confidence, forKey: .confidence)
        try container.encode(rationale, forKey: .rationale)
        try container.encode(autonomy.rawValue, forKey: .autonomy)
        try container.encodeIfPresent(dryRun, forKey: .dryRun)
    }
}

extension DryRun: Encodable {
    enum CodingKeys: String, CodingKey {
        case outcome, status, message, unanswered, changes
    }

    enum ChangeKeys: String, CodingKey {
        case path, before, after
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch outcome {
        case .accepted:
            try container.encode("accepted", forKey: .outcome)
        case .refused(let status, let message):
            try container.encode("refused", forKey: .outcome)
            try container.encode(status, forKey: .status)
            try container.encode(message, forKey: .message)
            // Status 0 is no answer from the server: the client's own refusal, or (this) none at all.
            if isUnanswered { try container.encode(true, forKey: .unanswered) }
        }
        var list = container.nestedUnkeyedContainer(forKey: .changes)
        for change in changes {
            var item = list.nestedContainer(keyedBy: ChangeKeys.self)
            try item.encode(change.path, forKey: .path)
            try item.encodeIfPresent(change.before, forKey: .before)
            try item.encodeIfPresent(change.after, forKey: .after)
        }
    }
}
