import VigilCore

/// 16 hex digits of FNV-1a over a key: ids of incidents and proposals that do not change from run to run
/// or from replica to replica.
func stableID(_ key: String) -> String {
    let hex = String(FNV1a.hash(key.utf8), radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}
