import Foundation
import VigilHTTP
import VigilTestKit

/// A Prometheus answering every query_range from `answer(query, start, end, step)` (which may wait,
/// or fail as a transfer fails), and `GET /api/v1/targets` with `targets`.
struct ScriptedPrometheus: WholeAnswerTransport {
    var targets = #"{"status":"success","data":{"activeTargets":[]}}"#
    var answer: @Sendable (String, Double, Double, Double) async throws(HTTPClientError) -> (status: Int, body: String)

    func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
        if request.url.contains("/api/v1/targets?state=active") {
            return HTTPResponse(status: 200, headers: [], body: Array(targets.utf8), bytesOnWire: targets.utf8.count)
        }
        let form = request.formFields
        let (status, body) = try await answer(
            form["query"] ?? "",
            Double(form["start"] ?? "") ?? 0,
            Double(form["end"] ?? "") ?? 0,
            Double(form["step"] ?? "") ?? 1
        )
        return HTTPResponse(status: status, headers: [], body: Array(body.utf8), bytesOnWire: body.utf8.count)
    }
}

/// A Prometheus that never answers: each request sleeps on the test's clock until cancelled.
struct SilentPrometheus: WholeAnswerTransport {
    let clock: ManualClock

    func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
        do {
            try await clock.sleep(for: .seconds(86_400))
        } catch {
            throw HTTPClientError(.cancelled, "cancelled")
        }
        throw HTTPClientError(.timeout, "no answer in a day")
    }
}
