/// A target found by Kubernetes service discovery, before relabelling: `__address__` and the
/// `__meta_kubernetes_*` labels Prometheus's `kubernetes_sd_configs` gives the same object, so the same
/// relabelling rules select the same targets.
public struct DiscoveredTarget: Sendable, Hashable {
    public var labels: [String: String]

    public init(labels: [String: String]) {
        self.labels = labels
    }

    public var address: String { labels["__address__"] ?? "" }
}

/// How Kubernetes names become label names: every character that is not `[a-zA-Z0-9_]` becomes `_`
/// (`app.kubernetes.io/name` → `app_kubernetes_io_name`), as Prometheus's `strutil.SanitizeLabelName`.
public enum LabelNameSanitizer {
    public static func sanitize(_ name: String) -> String {
        String(
            String.UnicodeScalarView(
                name.unicodeScalars.map { scalar in
                    switch scalar {
                    case "a"..."z", "A"..."Z", "0"..."9", "_": scalar
                    default: "_"
                    }
                }
            )
        )
    }

    /// `<prefix>label_<name>` and `<prefix>labelpresent_<name>` for every label (and likewise for
    /// annotations) of an object's metadata.
    static func metadataLabels(_ metadata: [String: Any], prefix: String) -> [String: String] {
        var labels: [String: String] = [:]
        for (field, kind) in [("labels", "label"), ("annotations", "annotation")] {
            for (name, value) in metadata[field] as? [String: Any] ?? [:] {
                let sanitized = sanitize(name)
                labels["\(prefix)\(kind)_\(sanitized)"] = value as? String ?? ""
                labels["\(prefix)\(kind)present_\(sanitized)"] = "true"
            }
        }
        return labels
    }
}
