import Foundation
import VigilYAML

/// A PersistentVolumeClaim: its class, what it asked for, what it has, and whether it is bound.
public struct VolumeClaimSummary: Sendable, Equatable {
    public var namespace: String
    public var name: String
    public var storageClass: String?
    /// `spec.resources.requests.storage` and `status.capacity.storage`, in bytes.
    public var requestedBytes: Double?
    public var capacityBytes: Double?
    /// Pending, Bound or Lost.
    public var phase: String

    init?(_ object: [String: Any]) {
        guard let identity = ObjectIdentity(object) else { return nil }
        namespace = identity.namespace
        name = identity.name
        let spec = object["spec"] as? [String: Any] ?? [:]
        storageClass = spec["storageClassName"] as? String
        let requests = (spec["resources"] as? [String: Any])?["requests"] as? [String: Any]
        requestedBytes = (requests?["storage"] as? String).flatMap(Quantity.value)
        let status = object["status"] as? [String: Any] ?? [:]
        capacityBytes = ((status["capacity"] as? [String: Any])?["storage"] as? String).flatMap(Quantity.value)
        phase = status["phase"] as? String ?? "Pending"
    }
}

/// A StorageClass: whether claims of its class may grow (`allowVolumeExpansion`).
public struct StorageClassSummary: Sendable, Equatable {
    public var name: String
    public var allowsExpansion: Bool

    init?(_ object: [String: Any]) {
        guard let name = ObjectIdentity(object)?.name else { return nil }
        self.name = name
        allowsExpansion = object["allowVolumeExpansion"] as? Bool ?? false
    }
}
