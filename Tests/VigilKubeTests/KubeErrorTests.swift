import Testing
import VigilHTTP

@testable import VigilKube

/// A request the transport could not carry to an answer: the cluster was not reached where the connection,
/// TLS, the timeout or the transfer failed — not where the answer was too large, the request unusable, or
/// the caller stopped it. `DiagnoseReportTests.dryRunsTheClusterDoesNotAnswerAreAnError` sends one.
struct KubeErrorTests {
    @Test(arguments: [
        (HTTPClientError.Kind.connection, true), (.tls, true), (.timeout, true), (.transfer, true),
        (.bodyTooLarge, false), (.invalidRequest, false), (.cancelled, false),
    ])
    func aTransportFailureIsUnreachedOnlyWhereNoAnswerCouldCome(_ kind: HTTPClientError.Kind, _ unreached: Bool) {
        let error = KubeError(transport: HTTPClientError(kind, "libcurl's words"))
        #expect(error.unreached == unreached)
        #expect(error.code == 0 && error.reason == nil && error.message == "libcurl's words")
    }

    @Test func whatTheClientRefusesItselfIsNotUnreached() {
        #expect(!KubeError(code: 0, reason: nil, message: "no rollout history found").unreached)
    }
}
