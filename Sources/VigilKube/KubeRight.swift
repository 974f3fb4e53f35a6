import Foundation

/// One right on the API, as a Role's rule grants it and `kubectl auth can-i` asks for it: a verb on a
/// resource of a group (or on its subresource: `deployments/scale`, `pods/eviction`), in a namespace or,
/// where `namespace` is empty, in every namespace (a cluster-scoped resource's only scope), on one object
/// where `name` is given.
public struct KubeRight: Sendable, Hashable, CustomStringConvertible {
    public var verb: String
    /// The API group, "" for the core group.
    public var group: String
    public var resource: String
    public var subresource: String?
    /// "" for every namespace: what only a ClusterRole's binding grants.
    public var namespace: String
    public var name: String?

    public init(
        _ verb: String,
        _ resource: String,
        group: String = "",
        subresource: String? = nil,
        in namespace: String,
        named name: String? = nil
    ) {
        self.verb = verb
        self.group = group
        self.resource = resource
        self.subresource = subresource
        self.namespace = namespace
        self.name = name
    }

    /// `kubectl auth can-i`'s arguments for it: `update leases.coordination.k8s.io/vigil-remediation -n vigil`,
    /// `patch deployments.apps --subresource=scale -n shop`, `create pods --subresource=eviction -A`.
    public var description: String {
        let resource = group.isEmpty ? resource : "\(resource).\(group)"
        let subresource = self.subresource.map { " --subresource=\($0)" } ?? ""
        let scope = namespace.isEmpty ? "-A" : "-n \(namespace)"
        return "\(verb) \(resource)\(name.map { "/\($0)" } ?? "")\(subresource) \(scope)"
    }

    /// The SelfSubjectAccessReview that asks for it: its resource attributes as kubectl fills them, the
    /// empty ones left out (as Go's `omitempty` leaves them).
    var review: KubeRequest {
        var attributes = ["namespace": namespace, "verb": verb, "group": group, "resource": resource]
        attributes["subresource"] = subresource
        attributes["name"] = name
        let review: [String: Any] = [
            "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": ["resourceAttributes": attributes.filter { !$0.value.isEmpty }],
        ]
        return KubeRequest(
            method: "POST",
            path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            contentType: "application/json",
            body: KubeAction.json(review)
        )
    }
}

extension KubeClient {
    /// Whether the server lets this client's user do `right`, as `kubectl auth can-i` asks it: a
    /// SelfSubjectAccessReview, which every authenticated user may create and which stores nothing.
    /// Sent only by a client that may write (it is a POST).
    public func canI(_ right: KubeRight) async throws(KubeError) -> Bool {
        let answer = Self.object(try await send(right.review))
        guard let allowed = (answer["status"] as? [String: Any])?["allowed"] as? Bool else {
            throw KubeError(code: 0, reason: nil, message: "the access review's answer has no status.allowed")
        }
        return allowed
    }
}
