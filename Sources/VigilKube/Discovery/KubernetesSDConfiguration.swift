/// One `kubernetes_sd_configs` entry, with Prometheus's fields: the `role`, the `namespaces.names` to
/// watch (none: every namespace) and the `selectors` (a label and a field selector per role, passed to
/// the API server's list and watch).
public struct KubernetesSDConfiguration: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        case pod, endpoints
    }

    /// A `selectors` entry: which of the role's collections it narrows, and how.
    public struct Selector: Sendable, Equatable {
        public var role: Role
        public var label: String?
        public var field: String?

        public init(role: Role, label: String? = nil, field: String? = nil) {
            self.role = role
            self.label = label
            self.field = field
        }
    }

    public var role: Role
    public var namespaces: [String]
    public var selectors: [Selector]

    public init(role: Role, namespaces: [String] = [], selectors: [Selector] = []) {
        self.role = role
        self.namespaces = namespaces
        self.selectors = selectors
    }

    /// The collections the role watches (their plural names in the core group): a pod's targets come
    /// from pods; an endpoint's from endpoints, with labels from services and pods.
    var collections: [String] {
        switch role {
        case .pod: ["pods"]
        case .endpoints: ["endpoints", "services", "pods"]
        }
    }

    /// The list and watch query of `collection`: the selectors of the role that owns it (Prometheus
    /// applies a `pod` selector to the pods an endpoints role reads as well).
    func query(for collection: String) -> [KubeQueryItem] {
        let owner: Role = collection == "pods" ? .pod : .endpoints
        guard let selector = selectors.first(where: { $0.role == owner }) else { return [] }
        var query: [KubeQueryItem] = []
        if let label = selector.label, !label.isEmpty { query.append(KubeQueryItem("labelSelector", label)) }
        if let field = selector.field, !field.isEmpty { query.append(KubeQueryItem("fieldSelector", field)) }
        return query
    }
}
