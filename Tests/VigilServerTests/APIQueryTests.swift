import Foundation
import Testing
import VigilHTTP
import VigilTestKit

/// The JSON API's query parameters on a real server over loopback: a value the API does not know is
/// refused with a 400 naming the parameter, never read as the default.
@Suite struct APIQueryTests {
    /// Room for a loaded machine (the whole suite in parallel on two cores), as the server tests have.
    func ask(_ url: String) async throws -> (status: Int, body: String) {
        let response = try await CurlHTTPClient().execute(HTTPRequest(url: url, timeout: hangTimeout))
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    /// `ongoing=1`, `TRUE` or `yes` were read as false and answered ended anomalies too, while `state` on
    /// incidents was refused 400 for anything but its values.
    @Test func anOngoingOtherThanTrueOrFalseIsRefused() async throws {
        let server = try await TestServer()
        let anomalies = server.base + "/api/v1/anomalies"
        for query in ["", "?ongoing=true", "?ongoing=false"] {
            let answer = try await ask(anomalies + query)
            #expect(answer.status == 200, "\(query)")
            #expect(answer.body == #"{"data":[],"status":"success"}"#, "\(query)")
        }
        for value in ["1", "TRUE", "yes", "True", "0", ""] {
            let answer = try await ask(anomalies + "?ongoing=\(value)")
            #expect(answer.status == 400, "\(value)")
            #expect(
                answer.body
                    == #"{"error":"ongoing: expected true or false, got \"\#(value)\"","errorType":"bad_data","status":"error"}"#
            )
        }
        await server.stop()
    }
}
