import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import VigilCore
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
                let body = Array(buffer: try await request.body.collect(upTo: 64 * 1024))
                // No body is no claim; one that is not what it should be is refused, not read as none (an
                // approval would go on record without the name its caller gave, a rejection without why).
                var fields: [String: Any] = [:]
                if !body.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
                    guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
                        return error(
                            .badRequest,
                            type: "bad_data",
                            #"the body must be a JSON object, {"by": "NAME", "reason": "WHY", "kubectl": "AS SHOWN"} (each optional)"#
                        )
                    }
                    fields = object
                }
                for field in ["by", "reason", "kubectl"] where fields[field] != nil && !(fields[field] is String) {
                    return error(.badRequest, type: "bad_data", "\(field): expected a string")
                }
                if fields["kubectl"] as? String == "" {
                    return error(
                        .badRequest,
                        type: "bad_data",
                        "kubectl: expected the command as the proposal showed it"
                    )
                }
                let who = Self.decider(context.principal, claimed: fields["by"] as? String)
                let reason = (fields["reason"] as? String).flatMap { Self.plain($0, limit: Self.reasonLimit) }
                let result =
                    verb == "approve"
                    ? await proposals.approve(id, by: who, seen: fields["kubectl"] as? String)
                    : await proposals.reject(id, by: who, reason: reason)
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
        let claim = claimed.flatMap { plain($0, limit: 64) }
        switch principal {
        case .user(let name): return name
        case .bearerToken: return "bearer-token" + (claim.map { " (\($0))" } ?? "")
        case .clientCertificate: return "client-certificate" + (claim.map { " (\($0))" } ?? "")
        case nil: return claim ?? "anonymous"
        }
    }

    /// The most of a rejection's reason the audit log keeps, in Unicode scalars.
    static let reasonLimit = 1024

    /// A caller's words as the audit log keeps them: what would break a log line (a terminal's escapes, line
    /// breaks, separators) left out, then at most `limit` Unicode scalars — a count of characters would let
    /// one character of thousands of combining marks through. Nil when nothing is left: no words.
    static func plain(_ text: String, limit: Int) -> String? {
        var kept = String.UnicodeScalarView()
        var count = 0
        for scalar in text.unicodeScalars where !scalar.breaksALogLine {
            guard count < limit else { break }
            kept.append(scalar)
            count += 1
        }
        return kept.isEmpty ? nil : String(kept)
    }
}
