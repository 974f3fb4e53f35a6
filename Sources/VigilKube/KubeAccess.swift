import Foundation

/// What a ``KubeClient`` may send, checked on every request before it leaves the process: the parts of
/// Vigil that only watch, diagnose or preview hold a client that cannot change the cluster. Ordered from
/// least to most (``KubeClient/narrowed(to:)``).
public enum KubeAccess: Sendable, Comparable {
    /// Reads only (GET, no body): watching, discovery, `vigil kube events`, a diagnosis's evidence.
    case read
    /// Reads and server-side dry runs, which the API server answers and stores nothing of: `vigil mcp`'s
    /// previews, `vigil diagnose` without `--apply`, `vigil kube act --dry-run=server`.
    case dryRun
    /// Anything: remediation, `vigil kube act`, leader election's Lease.
    case write

    /// Whether `request` may be sent.
    public func permits(_ request: KubeRequest) -> Bool {
        guard request.hasPlainPath else { return false }
        switch self {
        case .write: return true
        case .dryRun: return request.isRead || request.isServerDryRun
        case .read: return request.isRead
        }
    }

    /// Why `request` may not be sent, or nil when it may.
    func refusal(of request: KubeRequest) -> KubeError? {
        guard !permits(request) else { return nil }
        let why =
            request.hasPlainPath
            ? "it could change the cluster, and this client only " + (self == .read ? "reads" : "reads and dry-runs")
            : "its path holds a character no object name can ('?', '#', a space…), which would move the query"
        return KubeError(
            code: 0,
            reason: nil,
            message: "refused before sending: \(request.method) \(request.path): \(why)"
        )
    }
}

extension KubeRequest {
    /// A path of letters, digits and `-._~/:@` only, as every API path Vigil builds is: an object name
    /// with `?` or `#` in it would otherwise end the path early, and with it the `dryRun=All` after it.
    var hasPlainPath: Bool {
        path.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "-._~/:@".utf8.contains(byte)
        }
    }

    /// A GET without a body (with one, libcurl would send a POST).
    var isRead: Bool { method == "GET" && (body ?? []).isEmpty }

    /// A server-side dry run as the API server reads it. A delete or an eviction carries DeleteOptions,
    /// and when it has a body the server takes `dryRun` from the body alone, so the body decides (`All`);
    /// anything else is a dry run by `dryRun=All` in its query. A patch whose own fields say `dryRun` is a
    /// change.
    var isServerDryRun: Bool {
        let options: Any?
        switch method {
        case "DELETE" where !(body ?? []).isEmpty: options = body.flatMap(Self.jsonObject)
        case "POST" where path.hasSuffix("/eviction") && !(body ?? []).isEmpty:
            options = body.flatMap(Self.jsonObject)?["deleteOptions"]
        default: return query.contains(KubeQueryItem("dryRun", "All"))
        }
        return ((options as? [String: Any])?["dryRun"] as? [String]) == ["All"]
    }

    private static func jsonObject(_ bytes: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    }
}
