import VigilCore

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

    /// A field path as an error names it: its keys are the sender's, so a long one is cut at 128
    /// characters, and one with a control character (a line break into a log) is quoted and escaped.
    private static func named(_ field: String) -> String {
        let plain = field.unicodeScalars.count <= 128 && !field.unicodeScalars.contains(where: \.breaksALogLine)
        return plain ? field : quoted(field, cutAt: 128)
    }

    /// Decodes `body` in one pass (a webhook arrives thousands of times a second from a busy Alertmanager,
    /// and `JSONDecoder` was most of the receiver's time); the error says which field is wrong
    /// (`alerts[2].startsAt: not an RFC 3339 time`).
    public static func decode(_ body: [UInt8]) throws(Invalid) -> AlertmanagerWebhook {
        do {
            return try body.withUnsafeBufferPointer { (buffer) throws(JSONReadError) in
                var reader = WebhookReader(bytes: buffer)
                let webhook = try reader.payload()
                try reader.end()
                return webhook
            }
        } catch {
            let field = error.field == "(document)" ? "not JSON" : error.field
            throw Invalid(description: "\(Self.named(field)): \(error.message)")
        }
    }
}

/// The reader behind ``AlertmanagerWebhook/decode(_:)``: the fields Vigil uses, read straight into an
/// ``Alert``; fields Alertmanager adds later are skipped.
private struct WebhookReader: JSONReading {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func payload() throws(JSONReadError) -> AlertmanagerWebhook {
        var version: String?
        var receiver: String?
        var status: Alert.Status?
        var alerts: [Alert]?
        var groupKey = ""
        var truncatedAlerts = 0
        var externalURL = ""
        try object("") { (reader, key) throws(JSONReadError) in
            switch key {
            case "version": version = try reader.string(key)
            case "receiver": receiver = try reader.string(key)
            case "status": status = try reader.status(key)
            case "alerts":
                var list: [Alert] = []
                try reader.array(key) { (reader, index) throws(JSONReadError) in
                    list.append(try reader.alert("alerts[\(index)]"))
                }
                alerts = list
            case "groupKey": groupKey = try reader.string(key)
            case "truncatedAlerts": truncatedAlerts = try reader.integer(key)
            case "externalURL": externalURL = try reader.string(key)
            default: try reader.skipValue(key, depth: 0)
            }
        }
        let found = try (required(version, "version"), required(receiver, "receiver"), required(status, "status"))
        guard found.0 == "4" else {
            throw JSONReadError(
                offset: 0,
                field: "version",
                message: "expected \"4\" (Alertmanager's webhook payload), got \(Self.echoed(found.0))"
            )
        }
        return AlertmanagerWebhook(
            receiver: found.1,
            status: found.2,
            alerts: try required(alerts, "alerts"),
            groupKey: groupKey,
            truncatedAlerts: truncatedAlerts,
            externalURL: externalURL
        )
    }

    private mutating func alert(_ field: String) throws(JSONReadError) -> Alert {
        var status: Alert.Status?
        var labels: [String: String]?
        var annotations: [String: String] = [:]
        var startsAt: String?
        var endsAt: String?
        var fingerprint: String?
        // Field paths are spelled only when an error needs one (labels are read by the thousand).
        try object(field) { (reader, key) throws(JSONReadError) in
            switch key {
            case "status": status = try reader.status("\(field).status")
            case "labels": labels = try reader.strings("\(field).labels")
            case "annotations": if !reader.null() { annotations = try reader.strings("\(field).annotations") }
            case "startsAt": startsAt = try reader.string("\(field).startsAt")
            case "endsAt": if !reader.null() { endsAt = try reader.string("\(field).endsAt") }
            case "fingerprint": fingerprint = try reader.string("\(field).fingerprint")
            default: try reader.skipValue("\(field).\(key)", depth: 0)
            }
        }
        let starts = try required(startsAt, "\(field).startsAt")
        guard let startSeconds = Alert.start(starts) else {
            throw JSONReadError(
                offset: 0,
                field: "\(field).startsAt",
                message: "not an RFC 3339 time: \(Self.echoed(starts))"
            )
        }
        // Alertmanager's zero time (year 1) means "not ended"; a time that cannot be read is refused, not
        // taken for "not ended", which would keep a resolve of an earlier episode from being told apart.
        var ends: Double?
        if let endsAt {
            guard let seconds = Timestamp.seconds(endsAt) else {
                throw JSONReadError(
                    offset: 0,
                    field: "\(field).endsAt",
                    message: "not an RFC 3339 time: \(Self.echoed(endsAt))"
                )
            }
            ends = seconds > 0 ? seconds : nil
        }
        let print = try required(fingerprint, "\(field).fingerprint")
        guard !print.isEmpty, print.utf8.count <= 64 else {
            throw JSONReadError(
                offset: 0,
                field: "\(field).fingerprint",
                message: "expected Alertmanager's hex fingerprint"
            )
        }
        return Alert(
            fingerprint: print,
            status: try required(status, "\(field).status"),
            labels: try required(labels, "\(field).labels"),
            annotations: annotations,
            startsAt: startSeconds,
            endsAt: ends
        )
    }

    /// An object whose every value is a string (labels, annotations).
    private mutating func strings(_ field: String) throws(JSONReadError) -> [String: String] {
        var map: [String: String] = [:]
        try object(field) { (reader, key) throws(JSONReadError) in map[key] = try reader.string("\(field).\(key)") }
        return map
    }

    private mutating func status(_ field: @autoclosure () -> String) throws(JSONReadError) -> Alert.Status {
        let text = try string(field())
        guard let status = Alert.Status(rawValue: text) else {
            throw fail(field(), "expected \"firing\" or \"resolved\", got \(Self.echoed(text))")
        }
        return status
    }

    /// A value of the payload as an error quotes it, cut at 64 characters.
    private static func echoed(_ text: String) -> String { quoted(text, cutAt: 64) }

    private func required<T>(_ value: T?, _ field: String) throws(JSONReadError) -> T {
        guard let value else { throw JSONReadError(offset: position, field: field, message: "required") }
        return value
    }
}

/// `text` of the sender's as an error quotes it: escaped as Go quotes it, and cut at `limit` Unicode scalars
/// (not characters: one character may hold thousands), so that a hostile megabyte is not sent back, nor a
/// line break into a log.
private func quoted(_ text: String, cutAt limit: Int) -> String {
    let scalars = text.unicodeScalars
    var cut = String.UnicodeScalarView()
    cut.append(contentsOf: scalars.prefix(limit))
    return goQuoted(String(cut)) + (scalars.count > limit ? " (cut at \(limit) characters)" : "")
}
