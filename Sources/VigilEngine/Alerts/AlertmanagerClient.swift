import Foundation
import VigilHTTP

/// Alertmanager's API v2 as reconciliation reads it: the active alerts routed to Vigil's receiver
/// (`GET /api/v2/alerts?receiver=…`) that Alertmanager would notify it of — neither silenced nor
/// inhibited, as the webhook never delivers those: a person's silence keeps Vigil from diagnosing, and
/// from acting on, what it holds, and a held alert silenced since is resolved.
public struct AlertmanagerClient: Sendable {
    public var url: String
    public var receiver: String
    public var authorization: Authorization?
    public var tls: TLSConfiguration
    private let transport: any HTTPTransport

    public init(
        url: String,
        receiver: String,
        authorization: Authorization? = nil,
        tls: TLSConfiguration = TLSConfiguration(),
        transport: any HTTPTransport
    ) {
        self.url = url
        self.receiver = receiver
        self.authorization = authorization
        self.tls = tls
        self.transport = transport
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The active alerts; throws when Alertmanager cannot be asked or answers something else.
    public func activeAlerts() async throws(Failure) -> [Alert] {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+")
        let receiver = "^(?:\(NSRegularExpression.escapedPattern(for: self.receiver)))$"
        let query =
            "active=true&silenced=false&inhibited=false&unprocessed=true&receiver="
            + (receiver.addingPercentEncoding(withAllowedCharacters: allowed) ?? receiver)
        let request = HTTPRequest(
            url: url.trimmingCharacters(in: ["/"]) + "/api/v2/alerts?" + query,
            timeout: 10,
            tls: tls,
            authorization: authorization
        )
        let response: HTTPResponse
        do {
            response = try await transport.execute(request)
        } catch {
            throw Failure(description: "\(url): \(error.message)")
        }
        guard response.status == 200,
            let items = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [[String: Any]]
        else {
            throw Failure(description: "\(url)/api/v2/alerts answered \(response.status), not a list of alerts")
        }
        // An alert left out would read as resolved: one that cannot be read fails the whole list.
        return try items.enumerated().map { (index, item) throws(Failure) in
            guard let fingerprint = item["fingerprint"] as? String,
                let labels = item["labels"] as? [String: String],
                let startsAt = (item["startsAt"] as? String).flatMap(Alert.start)
            else {
                throw Failure(
                    description:
                        "\(url)/api/v2/alerts: alert \(index) has no fingerprint, labels or RFC 3339 startsAt; the list is not used"
                )
            }
            return Alert(
                fingerprint: fingerprint,
                status: .firing,
                labels: labels,
                annotations: item["annotations"] as? [String: String] ?? [:],
                startsAt: startsAt
            )
        }
    }
}
