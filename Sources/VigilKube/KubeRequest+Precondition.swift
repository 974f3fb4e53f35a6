import Foundation

extension KubeRequest {
    /// This change, applied only to the object as it was read: the API server compares `resourceVersion`
    /// with the stored object's and refuses a change made on a stale read (409 Conflict for a merge
    /// patch or a delete's preconditions; 422 with "Testing value … failed" for a JSON patch's `test`),
    /// so a change made meanwhile is never overwritten. kubectl sends none of this (it is the only field
    /// Vigil's requests add to kubectl's).
    public func preconditioned(onResourceVersion resourceVersion: String) -> KubeRequest {
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
