/// What every object's summary starts from: its metadata, namespace (`default` when absent, as kubectl
/// reads it) and name; nil for an object without a name.
struct ObjectIdentity {
    var metadata: [String: Any]
    var namespace: String
    var name: String

    init?(_ object: [String: Any]) {
        guard let metadata = object["metadata"] as? [String: Any], let name = metadata["name"] as? String else {
            return nil
        }
        self.metadata = metadata
        namespace = metadata["namespace"] as? String ?? "default"
        self.name = name
    }
}
