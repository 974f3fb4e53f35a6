import Foundation
import Testing
import VigilHTTP
import VigilTestKit

@testable import VigilKube

/// Vigil asks the API server what it may do as `kubectl auth can-i` asks: a SelfSubjectAccessReview of the
/// same resource attributes (kubectl sends protobuf, Vigil JSON; the fake reads both), and it reads the
/// answer as kubectl does — shown by the real kubectl asking the same fake the same question.
struct AccessReviewTests {
    let server: FakeAPIServer
    let client: KubeClient

    init() throws {
        server = try FakeAPIServer()
        client = KubeClient(
            connection: KubeConnection(server: server.url, namespace: "shop", credential: .token("t")),
            transport: CurlHTTPClient(),
            access: .write
        )
    }

    static let rights = [
        KubeRight("update", "leases", group: "coordination.k8s.io", in: "vigil", named: "vigil-remediation"),
        KubeRight("create", "configmaps", in: "shop"),
        KubeRight("patch", "deployments", group: "apps", in: "shop", named: "web"),
        // A subresource, and rights in every namespace (a drain's): remediation's.
        KubeRight("patch", "deployments", group: "apps", subresource: "scale", in: "shop"),
        KubeRight("create", "pods", subresource: "eviction", in: ""),
        KubeRight("patch", "nodes", in: ""),
    ]

    /// The review kubectl sent and what it concluded, then Vigil's: each with no other request to the server
    /// (discovery aside).
    func ask(_ right: KubeRight) async throws -> (kubectl: Verdict, vigil: Verdict) {
        let before = try await server.log().count
        let kubectl = try await server.kubectl(
            ["auth", "can-i"] + right.description.split(separator: " ").map(String.init)
        )
        #expect(kubectl.output.hasPrefix(kubectl.status == 0 ? "yes" : "no"), "\(kubectl.output)")
        let asked = try await server.log().dropFirst(before)
        let allowed = try await client.canI(right)
        let vigil = try await server.log().dropFirst(before + asked.count)
        #expect(asked.count == 1 && vigil.count == 1, "one review each, no other request: \(asked) \(vigil)")
        return (
            Verdict(review: asked.last?.review, allowed: kubectl.status == 0),
            Verdict(review: vigil.last?.review, allowed: allowed)
        )
    }

    struct Verdict {
        var review: [String: String]?
        var allowed: Bool
    }

    @Test(arguments: rights) func vigilAsksAndReadsTheAnswerAsKubectlDoes(_ right: KubeRight) async throws {
        let allowed = try await ask(right)
        #expect(allowed.kubectl.review != nil)
        #expect(allowed.vigil.review == allowed.kubectl.review)
        #expect(allowed.kubectl.allowed && allowed.vigil.allowed)

        try await server.control("/__deny", #"{"verb": "\#(right.verb)", "resource": "\#(right.resource)"}"#)
        let denied = try await ask(right)
        #expect(denied.vigil.review == denied.kubectl.review)
        #expect(!denied.kubectl.allowed && !denied.vigil.allowed)
    }

    /// Of the election's rights, those the server denies, each with what it is for, in the listed order.
    @Test func theElectionsMissingRightsAreThoseDenied() async throws {
        let configuration = LeaderElectionConfiguration(namespace: "vigil", identity: "vigil-0")
        #expect(try await client.missing(configuration.neededRights).isEmpty)
        try await server.control("/__deny", #"{"verb": "create", "resource": "configmaps", "namespace": "vigil"}"#)
        try await server.control(
            "/__deny",
            #"{"verb": "update", "resource": "leases", "name": "vigil-remediation", "namespace": "vigil"}"#
        )
        let missing = try await client.missing(configuration.neededRights)
        #expect(
            missing.map(\.description) == [
                "update leases.coordination.k8s.io/vigil-remediation -n vigil (to take the lead when the leader is gone, and to renew it)",
                "create configmaps -n vigil (to make the proposal board where there is none yet)",
            ]
        )
        // Asked of the server each time, as a Role granted later is to be seen.
        try await server.reset()
        #expect(try await client.missing(configuration.neededRights).isEmpty)
    }

    /// A client that may only read or dry-run asks nothing: an access review is a POST.
    @Test func aClientThatMayNotWriteDoesNotAsk() async throws {
        await #expect(throws: KubeError.self) { try await client.narrowed(to: .dryRun).canI(Self.rights[0]) }
        #expect(try await server.log().isEmpty)
    }
}
