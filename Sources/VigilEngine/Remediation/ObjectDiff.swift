import Foundation

/// The fields that differ between an object as read and as the server would store it after a change
/// (a dry run's answer): leaves as dotted paths, list items named by their `name` where they have one
/// (`spec.template.spec.containers[app].resources.limits.memory`), bookkeeping the server changes on
/// every write (resourceVersion, generation, managedFields, status) left out.
enum ObjectDiff {
    static func changes(before: [String: Any], after: [String: Any]) -> [AuditRecord.Change] {
        var old: [String: String] = [:]
        var new: [String: String] = [:]
        flatten(before, "", into: &old)
        flatten(after, "", into: &new)
        return Set(old.keys).union(new.keys).sorted().compactMap { path in
            old[path] == new[path] ? nil : AuditRecord.Change(path: path, before: old[path], after: new[path])
        }
    }

    /// The fields among `changes` that no longer hold the value the change gave them in `object`: each
    /// with that value as `before` and the one it holds now as `after` (nil when it is gone). None: the
    /// object still holds every change.
    static func departures(from changes: [AuditRecord.Change], in object: [String: Any]) -> [AuditRecord.Change] {
        var now: [String: String] = [:]
        flatten(object, "", into: &now)
        return changes.compactMap { change in
            now[change.path] == change.after
                ? nil : AuditRecord.Change(path: change.path, before: change.after, after: now[change.path])
        }
    }

    private static let bookkeeping: Set<String> = [
        "metadata.resourceVersion", "metadata.generation", "metadata.managedFields", "metadata.creationTimestamp",
        "metadata.uid", "status",
    ]

    private static func flatten(_ value: Any, _ path: String, into leaves: inout [String: String]) {
        guard !bookkeeping.contains(path) else { return }
        switch value {
        case let object as [String: Any] where !object.isEmpty:
            for (key, child) in object { flatten(child, path.isEmpty ? key : "\(path).\(key)", into: &leaves) }
        case let list as [Any] where !list.isEmpty:
            for (index, child) in list.enumerated() {
                let name = (child as? [String: Any])?["name"] as? String
                flatten(child, "\(path)[\(name ?? String(index))]", into: &leaves)
            }
        default:
            leaves[path] = leaf(value)
        }
    }

    private static func leaf(_ value: Any) -> String {
        switch value {
        case let text as String: text
        case is NSNull: "null"
        // JSON's booleans arrive as NSNumbers whose type is C's `char`.
        case let number as NSNumber:
            String(cString: number.objCType) == "c" ? (number.boolValue ? "true" : "false") : number.stringValue
        case is [String: Any]: "{}"
        case is [Any]: "[]"
        default: String(describing: value)
        }
    }
}
