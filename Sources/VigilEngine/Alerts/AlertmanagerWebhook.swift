import Foundation

/// Alertmanager's webhook payload, version 4, exactly as Alertmanager sends it (fields it adds later
/// are ignored; a field Vigil needs that is missing or of the wrong type is an error that names it).
public struct AlertmanagerWebhook: Sendable, Equatable {
    public var receiver: String
    public var status: Alert.Status
    public var alerts: [Alert]
    public var groupKey: String
    /// Alerts of the group left out by the receiver's `max_alerts`: the payload is not the whole group.
    public var truncatedAlerts: Int
    public var externalURL: String

    public struct Invalid: Error, CustomStringConvertible, Equatable, Sendable {
        public let description: String
    }

    /// Decodes `body`; the error says which field is wrong (`alerts[2].startsAt: not an RFC 3339 time`).
    public static func decode(_ body: [UInt8]) throws(Invalid) -> AlertmanagerWebhook {
        let payload: Payload
        do {
            payload = try JSONDecoder().decode(Payload.self, from: Data(body))
        } catch let error as DecodingError {
            throw Invalid(description: Self.describe(error))
        } catch {
            throw Invalid(description: "not JSON: \(error)")
        }
        guard payload.version == "4" else {
            throw Invalid(
                description: "version: expected \"4\" (Alertmanager's webhook payload), got \"\(payload.version)\""
            )
        }
        var alerts: [Alert] = []
        for (index, alert) in payload.alerts.enumerated() {
            guard let startsAt = Timestamp.seconds(alert.startsAt) else {
                throw Invalid(description: "alerts[\(index)].startsAt: not an RFC 3339 time: \"\(alert.startsAt)\"")
            }
            guard !alert.fingerprint.isEmpty, alert.fingerprint.count <= 64 else {
                throw Invalid(description: "alerts[\(index)].fingerprint: expected Alertmanager's hex fingerprint")
            }
            // Alertmanager's zero time (year 1) means "not ended".
            let endsAt = alert.endsAt.flatMap(Timestamp.seconds).flatMap { $0 > 0 ? $0 : nil }
            alerts.append(
                Alert(
                    fingerprint: alert.fingerprint,
                    status: alert.status,
                    labels: alert.labels,
                    annotations: alert.annotations ?? [:],
                    startsAt: startsAt,
                    endsAt: endsAt
                )
            )
        }
        return AlertmanagerWebhook(
            receiver: payload.receiver,
            status: payload.status,
            alerts: alerts,
            groupKey: payload.groupKey ?? "",
            truncatedAlerts: payload.truncatedAlerts ?? 0,
            externalURL: payload.externalURL ?? ""
        )
    }

    private struct Payload: Decodable {
        var version: String
        var receiver: String
        var status: Alert.Status
        var alerts: [Item]
        var groupKey: String?
        var truncatedAlerts: Int?
        var externalURL: String?

        struct Item: Decodable {
            var status: Alert.Status
            var labels: [String: String]
            var annotations: [String: String]?
            var startsAt: String
            var endsAt: String?
            var fingerprint: String
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.reduce("") { text, key in
                if let index = key.intValue { return text + "[\(index)]" }
                return text.isEmpty ? key.stringValue : "\(text).\(key.stringValue)"
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "\(parent.isEmpty ? "" : parent + ".")\(key.stringValue): required"
        case .typeMismatch(let type, let context):
            return "\(path(context)): expected \(Self.name(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context)): expected \(Self.name(type)), got null"
        case .dataCorrupted(let context):
            let where_ = path(context)
            return where_.isEmpty ? "not JSON" : "\(where_): \(context.debugDescription)"
        @unknown default:
            return "not an Alertmanager webhook payload"
        }
    }

    private static func name(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "a number"
        case is [String: String].Type: "an object of strings"
        default: "\(type)".lowercased()
        }
    }
}
