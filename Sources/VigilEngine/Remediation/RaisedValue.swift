import VigilKube
import VigilYAML

/// What a fix that raises a value — a container's memory limit, a replica count, an HPA's maximum, a
/// claim's size — asks for, read beside the object as its dry run read it. A playbook only raises, so
/// every such proposal is judged against the object before its change (``lowering``): the model it was
/// made from can lag the object (a watch, a snapshot a person answered minutes later, a recording), and a
/// "raise" made from a count of 3 would scale down a workload someone has scaled to 10 since. A board entry
/// is held to the playbook's factor as well, and refused as an untrusted handover first
/// (``HandedProposal/currentValueRefusal(_:current:podMemoryLimit:template:)``).
struct RaisedValue {
    /// `memory limit`, `size`, `replica count`, `maxReplicas`.
    let name: String
    let wanted: Double
    /// What the value must rise above: the object's, and for a memory limit the container's in the
    /// template, or the one the workload's pods run with where the template has none. Nil where the object
    /// shows none.
    let floor: Double?
    /// What a playbook raises from: the floor, or for a memory limit the higher of the template's and the
    /// pods' (a LimitRange's default, a rollout under way).
    let base: Double?
    /// What the object lacks when it shows no value (`floor` nil), in words.
    let missing: String
    let inBytes: Bool

    /// Nil for a request that raises nothing (or whose value does not parse: the server refuses it).
    /// - Parameter podMemoryLimit: the highest memory limit the workload's pods run with for the
    ///   container, as the round's model shows them.
    init?(_ request: KubeAction, current object: [String: Any], podMemoryLimit: Double?) {
        let spec = object["spec"] as? [String: Any] ?? [:]
        switch request {
        case .setResources(_, let container, let limits, _):
            guard let wanted = limits["memory"].flatMap(Quantity.value) else { return nil }
            let named = KubeAction.containers(of: object).first {
                container == nil || $0["name"] as? String == container
            }
            let resources = named?["resources"] as? [String: Any]
            let limit = ((resources?["limits"] as? [String: Any])?["memory"] as? String).flatMap(Quantity.value)
            self.init(
                "memory limit",
                wanted,
                floor: limit ?? podMemoryLimit,
                base: limit.map { max($0, podMemoryLimit ?? 0) } ?? podMemoryLimit,
                missing: "neither its container nor the workload's pods have a memory limit to raise",
                inBytes: true
            )
        case .expandPVC(_, let size):
            guard let wanted = Quantity.value(size) else { return nil }
            let capacity = ((object["status"] as? [String: Any])?["capacity"] as? [String: Any])?["storage"]
            let requested = ((spec["resources"] as? [String: Any])?["requests"] as? [String: Any])?["storage"]
            // The larger: an expansion under way has its request above its capacity, and a size between
            // the two would shrink the request.
            let now = [capacity, requested].compactMap { ($0 as? String).flatMap(Quantity.value) }.max()
            self.init("size", wanted, floor: now, base: now, missing: "its claim has no size to grow", inBytes: true)
        case .scale(_, let wanted):
            self.init(count: "replica count", wanted, now: spec["replicas"] as? Int)
        case .setHPAMax(_, let wanted):
            self.init(count: "maxReplicas", wanted, now: spec["maxReplicas"] as? Int)
        default:
            return nil
        }
    }

    private init(count name: String, _ wanted: Int, now: Int?) {
        let now = now.map(Double.init)
        self.init(
            name,
            Double(wanted),
            floor: now,
            base: now,
            missing: "the object has no \(name) to raise",
            inBytes: false
        )
    }

    private init(
        _ name: String,
        _ wanted: Double,
        floor: Double?,
        base: Double?,
        missing: String,
        inBytes: Bool
    ) {
        self.name = name
        self.wanted = wanted
        self.floor = floor
        self.base = base
        self.missing = missing
        self.inBytes = inBytes
    }

    /// Why the request would not raise the value the object shows now, or nil; nil too where it shows none
    /// (a memory limit neither the template nor the pods have): there is nothing to lower.
    var lowering: String? {
        guard let floor, wanted <= floor else { return nil }
        return "its \(name) \(shown(wanted)) is not above the object's \(shown(floor))"
    }

    /// A value as the builder writes it: a quantity of bytes, or a count.
    func shown(_ value: Double) -> String {
        inBytes ? Quantity.bytes(value) : "\(Int(value))"
    }
}
