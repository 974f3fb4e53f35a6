import Foundation

/// What a ``KubeClient`` may send, checked on every request before it leaves the process: the part of
/// Vigil that only watches, diagnoses or previews cannot change the cluster, whatever its code calls.
public enum KubeAccess: Sendable, Equatable {
    /// Reads only (GET): watching, discovery, `vigil kube events`, a diagnosis's evidence.
    case read
    /// Reads and server-side dry runs, which the API server answers and stores nothing of: the MCP tools'
    /// previews.
    case dryRun
    /// Anything: remediation, `vigil kube act`, leader election's Lease.
    case write

    /// Whether `request` may be sent.
    public func permits(_ request: KubeRequest) -> Bool {
        switch self {
        case .write: true
        case .dryRun: request.isRead || request.isServerDryRun
        case .read: request.isRead
        }
    }

    /// Why `request` was refused, before it was sent.
    func refusal(of request: KubeRequest) -> KubeError {
        KubeError(
            code: 0,
            reason: nil,
            message: "refused before sending: \(request.method) \(request.path) could change the cluster, "
                + (self == .read ? "and this client only reads" : "and this client only reads and dry-runs")
        )
    }
}

extension KubeRequest {
    /// A GET (a read, a list, a watch).
    var isRead: Bool { method == "GET" }

    /// A server-side dry run as kubectl sends it: `dryRun=All` in the query, or, for a delete and an
    /// eviction, whose dry run travels in their DeleteOptions, in the body. Only those two read the body:
    /// a patch whose own fields happen to say `dryRun` is a change.
    var isServerDryRun: Bool {
        if query.contains(KubeQueryItem("dryRun", "All")) { return true }
        let options: Any?
        switch method {
        case "DELETE": options = body.flatMap(Self.jsonObject)
        case "POST" where path.hasSuffix("/eviction"):
            options = body.flatMap(Self.jsonObject)?["deleteOptions"]
        default: return false
        }
        return ((options as? [String: Any])?["dryRun"] as? [String]) == ["All"]
    }

    private static func jsonObject(_ bytes: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    }
}
