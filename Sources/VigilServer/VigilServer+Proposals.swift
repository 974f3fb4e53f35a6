import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import VigilEngine

extension VigilServer {
    /// `GET /api/v1/proposals[/{id}]`, and approving or rejecting one (``MutatingAPI/approvals``): the
    /// decision is recorded under the authenticated principal — a basic-auth user by name; with a bearer
    /// token or a client certificate, the body's `by` is recorded beside how the caller proved itself.
    func addProposalRoutes(to router: Router<VigilRequestContext>) {
        router.get("/api/v1/proposals") { _, _ in
            json(await proposals?.proposalStates() ?? [], escapingSlashes: false)
        }
        router.get("/api/v1/proposals/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let state = await proposals?.proposalState(id: id) else {
                return error(.notFound, type: "not_found", "no current proposal with id \"\(id)\"")
            }
            return json(state, escapingSlashes: false)
        }
        for verb in ["approve", "reject"] {
            router.mutating(.post, "/api/v1/proposals/:id/\(verb)", api: .approvals, enabled: security.enabled) {
                request,
                context in
                let id = context.parameters.get("id") ?? ""
                guard let proposals else {
                    return error(.notFound, type: "not_found", "no remediation: the daemon watches no cluster")
                }
                let body = try await request.body.collect(upTo: 64 * 1024)
                let fields =
                    (try? JSONSerialization.jsonObject(with: Data(Array(buffer: body)))) as? [String: Any] ?? [:]
                let who = Self.decider(context.principal, claimed: fields["by"] as? String)
                let result =
                    verb == "approve"
                    ? await proposals.approve(id, by: who)
                    : await proposals.reject(id, by: who, reason: fields["reason"] as? String)
                switch result {
                case .success(let summary):
                    return json(["result": summary], escapingSlashes: false)
                case .failure(let refusal) where refusal.reason == "unknown-proposal":
                    return error(.notFound, type: "not_found", refusal.message)
                case .failure(let refusal):
                    return error(.conflict, type: "refused", refusal.description)
                }
            }
        }
    }

    /// Who decided, for the audit log: the authenticated user; otherwise the claim, marked with how the
    /// caller authenticated (a token proves possession, not a name).
    static func decider(_ principal: Authenticator.Principal?, claimed: String?) -> String {
        let claim = claimed.map { String($0.prefix(64)).filter { !$0.isNewline } }
        switch principal {
        case .user(let name): return name
        case .bearerToken: return "bearer-token" + (claim.map { " (\($0))" } ?? "")
        case .clientCertificate: return "client-certificate" + (claim.map { " (\($0))" } ?? "")
        case nil: return claim ?? "anonymous"
        }
    }
}
