import Foundation
import HTTPTypes
import Hummingbird

/// The endpoints that change what the daemon does, in groups each off unless its flag turns it on, as
/// Prometheus keeps `POST /-/reload` and `/-/quit` behind `--web.enable-lifecycle`.
///
/// Turning a group on without any authentication configured refuses the start (``WebSecurity``); a
/// request to a group that is off is answered 403 with Prometheus's sentence ("Lifecycle API is not
/// enabled."), so a caller learns which flag is missing.
public enum MutatingAPI: String, Sendable, CaseIterable, Comparable {
    /// `POST /-/reload` (or `PUT`), turned on by `--web.enable-lifecycle`.
    case lifecycle
    /// `POST /api/v1/proposals/{id}/approve|reject`, turned on by `--web.enable-approvals`.
    case approvals

    /// The `vigil run` flag that turns the group on.
    public var flag: String { "--web.enable-\(rawValue)" }

    /// The 403 body when the group is off.
    var disabledMessage: String { "\(rawValue.prefix(1).uppercased() + rawValue.dropFirst()) API is not enabled.\n" }

    public static func < (lhs: MutatingAPI, rhs: MutatingAPI) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension Router where Context == VigilRequestContext {
    /// Registers a mutating endpoint of `api`: served only when `enabled` holds `api` and the request
    /// was authenticated; else 403 with the reason. Use it for every endpoint that changes state:
    ///
    ///     router.mutating(.post, "/api/v1/proposals/:id/approve", api: .approvals, enabled: enabled) {
    ///         request, context in … context.principal … }
    ///
    /// The authentication check is here too, not only at startup: the web configuration is re-read at
    /// every request, and a file edited to drop its users must not open these endpoints.
    @discardableResult
    public func mutating(
        _ method: HTTPRequest.Method,
        _ path: RouterPath,
        api: MutatingAPI,
        enabled: Set<MutatingAPI>,
        use handler: @escaping @Sendable (Request, Context) async throws -> Response
    ) -> Self {
        on(path, method: method) { request, context in
            guard enabled.contains(api) else { return Self.forbidden(api.disabledMessage) }
            guard context.principal != nil else {
                return Self.forbidden(
                    "\(api.flag) needs an authenticated request, and no authentication is configured.\n"
                )
            }
            guard !Self.isCrossOrigin(request) else {
                return Self.forbidden("cross-origin request refused: a web page cannot \(api.rawValue) here\n")
            }
            return try await handler(request, context)
        }
    }

    /// Whether a browser sent the request for a page of another origin, as Go's
    /// `http.CrossOriginProtection` judges it: a browser's basic-auth credentials or client certificate
    /// ride along with a form a foreign page posts, and an approval changes a cluster. `Sec-Fetch-Site`
    /// where the browser sends it (only `same-origin` and `none`, a person's own navigation, pass); else an
    /// `Origin` that names another host than the request's; a request with neither (curl, `vigil
    /// proposals`, Alertmanager) is no browser's.
    static func isCrossOrigin(_ request: Request) -> Bool {
        // An empty header is none, as Go reads it.
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], !site.isEmpty {
            return site != "same-origin" && site != "none"
        }
        guard let origin = request.headers[.origin], !origin.isEmpty else { return false }
        let host = request.head.authority ?? ""
        guard let separator = origin.range(of: "://") else { return true }
        return origin[separator.upperBound...] != host[...]
    }

    private static func forbidden(_ message: String) -> Response {
        Response(
            status: .forbidden,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: message))
        )
    }
}
