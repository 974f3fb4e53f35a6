import Foundation

/// What a change requires of the object it changes, or the server refuses it (409 Conflict).
public enum KubePrecondition: Sendable, Equatable {
    /// The object as it was read: a change made meanwhile is never overwritten.
    case resourceVersion(String)
    /// The object itself, whatever its changes since: a pod made again under the same name (a
    /// StatefulSet's `db-0`) is another object. For a delete, which reads nothing first; a pod's status
    /// changes at every probe, so its resourceVersion would refuse most deletes for no reason.
    case uid(String)
}

extension KubeRequest {
    /// This change with `precondition`: a resourceVersion rides in a merge patch's metadata, a JSON
    /// patch's `test` or a delete's `preconditions`; a UID in a delete's `preconditions` (it conditions
    /// nothing else). The API server refuses a change made on a stale read or on another object (409
    /// Conflict; 422 with "Testing value … failed" for a JSON patch's `test`). kubectl sends none of this
    /// (it is the only field Vigil's requests add to kubectl's).
    public func preconditioned(_ precondition: KubePrecondition) -> KubeRequest {
        guard case .resourceVersion(let resourceVersion) = precondition else {
            guard case .uid(let uid) = precondition, method == "DELETE", let body,
                var options = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
            else { return self }
            var request = self
            options["preconditions"] = ["uid": uid]
            request.body = KubeAction.json(options) + [UInt8(ascii: "\n")]
            return request
        }
        var request = self
        guard let body, let decoded = try? JSONSerialization.jsonObject(with: Data(body)) else { return request }
        switch (decoded, method) {
        case (var operations as [Any], _):
            operations.insert(["op": "test", "path": "/metadata/resourceVersion", "value": resourceVersion], at: 0)
            request.body = KubeAction.json(operations)
        case (var options as [String: Any], "DELETE"):
            options["preconditions"] = ["resourceVersion": resourceVersion]
            request.body = KubeAction.json(options) + [UInt8(ascii: "\n")]
        case (var patch as [String: Any], _):
            var metadata = patch["metadata"] as? [String: Any] ?? [:]
            metadata["resourceVersion"] = resourceVersion
            patch["metadata"] = metadata
            request.body = KubeAction.json(patch)
        default:
            break
        }
        return request
    }
}

extension KubeError {
    /// The object changed since it was read (a failed precondition): re-read and re-decide, never force.
    public var isConflict: Bool {
        code == 409 || (code == 422 && message.hasPrefix("Testing value"))
    }
}
