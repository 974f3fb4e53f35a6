/// Kubernetes resource quantities (`512Mi`, `1.5Gi`, `250m`, `2`, `1e3`), read as plain numbers and
/// written back in the form kubectl users write: binary suffixes for bytes, millicores for CPU.
public enum Quantity {
    private static let suffixes: [(String, Double)] = [
        ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
        ("Pi", 1_125_899_906_842_624), ("Ei", 1_152_921_504_606_846_976),
        ("n", 1e-9), ("u", 1e-6), ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15),
        ("E", 1e18),
    ]

    /// The quantity's value in base units (bytes, cores), or nil when `text` is not a quantity.
    public static func value(_ text: String) -> Double? {
        let trimmed = Substring(text)
        for (suffix, scale) in suffixes where trimmed.hasSuffix(suffix) {
            guard let number = Double(trimmed.dropLast(suffix.count)), number.isFinite, number >= 0 else {
                return nil
            }
            return number * scale
        }
        guard let number = Double(trimmed), number.isFinite, number >= 0 else { return nil }
        return number
    }

    /// Bytes as the largest binary unit that keeps a whole number (`805306368` → `768Mi`), rounded up to
    /// a whole Mi first so a proposal never asks for an odd byte count.
    public static func bytes(_ value: Double) -> String {
        // Clamped to [0, 1 EiB]: a value from a hostile file must not trap the conversion to Int.
        let mebibytes = min(max((value / 1_048_576).rounded(.up), 0), 1_099_511_627_776)
        if mebibytes >= 1024, mebibytes.truncatingRemainder(dividingBy: 1024) == 0 {
            return "\(Int(mebibytes / 1024))Gi"
        }
        return "\(Int(mebibytes))Mi"
    }

    /// Cores as millicores (`1.5` → `1500m`), or whole cores when exact.
    public static func cores(_ value: Double) -> String {
        let millicores = min(max((value * 1000).rounded(.up), 0), 1e15)
        if millicores.truncatingRemainder(dividingBy: 1000) == 0 { return "\(Int(millicores / 1000))" }
        return "\(Int(millicores))m"
    }
}
