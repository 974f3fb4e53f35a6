/// One `kubernetes_sd_configs` entry, with Prometheus's fields: the `role`, the `namespaces.names` to
/// watch (none: every namespace) and the `selectors` (a label and a field selector per role, passed to
/// the API server's list and watch).
public struct KubernetesSDConfiguration: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        case pod, endpoints
    }

    /// A `selectors` entry: which of the role's collections it narrows, and how.
    public struct Selector: Sendable, Equatable {
        /// The collection a selector narrows (Prometheus's selector roles that Vigil's roles read).
        public enum Role: String, Sendable, CaseIterable {
            case pod, service, endpoints

            var collection: String {
                switch self {
                case .pod: "pods"
                case .service: "services"
                case .endpoints: "endpoints"
                }
            }
        }

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

    /// The selector roles each role takes, as Prometheus's configuration check has them: a role's own,
    /// and for endpoints the pods and services it reads as well.
    public var allowedSelectorRoles: [Selector.Role] {
        switch role {
        case .pod: [.pod]
        case .endpoints: [.pod, .service, .endpoints]
        }
    }

    /// The list and watch query of `collection`: the selector of the same role (Prometheus lists an
    /// endpoints role's services with its `service` selector, its pods with its `pod` selector).
    func query(for collection: String) -> [KubeQueryItem] {
        guard let selector = selectors.first(where: { $0.role.collection == collection }) else { return [] }
        var query: [KubeQueryItem] = []
        if let label = selector.label, !label.isEmpty { query.append(KubeQueryItem("labelSelector", label)) }
        if let field = selector.field, !field.isEmpty { query.append(KubeQueryItem("fieldSelector", field)) }
        return query
    }
}
