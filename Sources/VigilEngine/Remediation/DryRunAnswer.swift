import Foundation
import VigilKube

/// A proposal's action sent as a server-side dry run (`?dryRun=All`), exactly as
/// ``KubeClient/perform(_:dryRun:now:precondition:protectedNamespace:)`` sends it with `dryRun: true`, and
/// what the server said: for a report (``dryRun``) and for the record. `vigil mcp`'s preview and
/// remediation's dry run both send it so.
struct DryRunAnswer {
    var dryRun: DryRun
    /// The server's answer to an accepted run; nil for a refused or unanswered one.
    var outcome: ActionOutcome?
    /// The fields that would change (empty when refused).
    var changes: [AuditRecord.Change] = []
    /// Why it was refused or not answered; nil when accepted.
    var error: KubeError?

    init(
        _ action: KubeAction,
        kube: KubeClient,
        now: Date,
        protectedNamespace: @escaping @Sendable (String) -> String?
    ) async {
        do throws(KubeError) {
            let answer = try await kube.perform(
                action,
                dryRun: true,
                now: now,
                protectedNamespace: protectedNamespace
            )
            outcome = answer
            changes = Self.changes(of: answer, for: action)
            dryRun = DryRun(
                outcome: .accepted,
                changes: changes.map { DryRun.Change(path: $0.path, before: $0.before, after: $0.after) }
            )
        } catch {
            self.error = error
            dryRun = DryRun(failure: error)
        }
    }

    /// The server's summary of an accepted run (`deployment.apps/web scaled (server dry run)`), or the
    /// refusal in its words.
    var message: String { outcome?.summary ?? error?.description ?? "" }

    /// The fields a dry run's answer says would change: the object read before against the server's
    /// answer, or, for a node action whose answer is not the object (a drain), what the action sets.
    static func changes(of answer: ActionOutcome, for action: KubeAction) -> [AuditRecord.Change] {
        if case .scale = action, !answer.after.isEmpty {
            // The answer is the Scale subresource, not the object read: only their replica counts compare
            // (the rest of the object would all read as removed).
            func replicas(_ body: [UInt8]) -> [String: Any] {
                ["spec": ["replicas": (KubeClient.object(body)["spec"] as? [String: Any])?["replicas"] ?? NSNull()]]
            }
            return ObjectDiff.changes(before: replicas(answer.before), after: replicas(answer.after))
        }
        guard answer.after.isEmpty else {
            return ObjectDiff.changes(before: KubeClient.object(answer.before), after: KubeClient.object(answer.after))
        }
        switch action {
        case .drain, .cordon: return [AuditRecord.Change(path: "spec.unschedulable", before: nil, after: "true")]
        default: return []
        }
    }
}
