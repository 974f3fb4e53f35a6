import Foundation
import Testing

@testable import VigilEngine

/// The webhook payload as a real Alertmanager 0.25 posted it, and every way a body can be wrong.
@Suite struct AlertmanagerWebhookTests {
    static let sample = try! Data(
        contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/alertmanager-webhook-sample.json")
    )

    @Test func readsWhatAlertmanagerSends() throws {
        let webhook = try AlertmanagerWebhook.decode(Array(Self.sample))
        #expect(webhook.receiver == "vigil")
        #expect(webhook.status == .firing)
        #expect(webhook.truncatedAlerts == 0)
        #expect(webhook.groupKey == #"{}:{alertname="VigilProbeHighLatency", namespace="default"}"#)
        let alert = try #require(webhook.alerts.first)
        #expect(alert.fingerprint == "2b77cdbdbd6c14a1")
        #expect(alert.labels["pod"] == "web-1")
        #expect(alert.endsAt == nil)  // 0001-01-01T00:00:00Z: not ended
        #expect(abs(alert.startsAt - 1_795_968_122.371) < 0.001)
        #expect(alert.message == "VigilProbeHighLatency firing: p99 latency anomaly (z=5.2)")
    }

    /// The sample with its first alert's `field` set to `value` (nil: left out).
    static func firstAlert(_ field: String, _ value: Any?) -> [UInt8] {
        body {
            var alerts = $0["alerts"] as! [[String: Any]]
            alerts[0][field] = value
            $0["alerts"] = alerts
        }
    }

    static func body(_ change: (inout [String: Any]) -> Void) -> [UInt8] {
        var payload = try! JSONSerialization.jsonObject(with: sample) as! [String: Any]
        change(&payload)
        return Array(try! JSONSerialization.data(withJSONObject: payload))
    }
}

extension [UInt8] {
    /// The body with its `"future":1` replaced by `depth` nested arrays.
    fileprivate func replacingFuture(with depth: Int) -> [UInt8] {
        let text = String(decoding: self, as: UTF8.self)
        let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        return Array(text.replacingOccurrences(of: "\"future\":1", with: "\"future\":\(nested)").utf8)
    }
}

extension AlertmanagerWebhookTests {

    /// Fields Vigil does not use are skipped by JSON's grammar, not by a guess: every literal and number
    /// form passes, and anything else is a bad body (400), not a delivery.
    @Test func unknownFieldsFollowJSONsGrammar() throws {
        func with(_ value: String) -> [UInt8] {
            let text = String(decoding: Self.body { $0["future"] = 1 }, as: UTF8.self)
            return Array(text.replacingOccurrences(of: "\"future\":1", with: "\"future\":\(value)").utf8)
        }
        #expect(throws: Never.self) {
            try AlertmanagerWebhook.decode(with("[true, false, null, -1.5e+3, 0, 0.25, 12E-2, {\"a\": [1]}]"))
        }
        for bad in ["tru", "hello", "1.2.3", "-01", "1.", ".5", "+1", "1e", "--1"] {
            #expect(throws: AlertmanagerWebhook.Invalid.self, "\(bad)") { try AlertmanagerWebhook.decode(with(bad)) }
        }
    }

    /// Optional maps may be null (Go's nil map), and an ended alert carries its end.
    @Test func nullAnnotationsAndAnEnd() throws {
        let webhook = try AlertmanagerWebhook.decode(
            Self.body {
                var alerts = $0["alerts"] as! [[String: Any]]
                alerts[0]["annotations"] = NSNull()
                alerts[0]["status"] = "resolved"
                alerts[0]["endsAt"] = "2026-11-29T16:12:02Z"
                $0["alerts"] = alerts
            }
        )
        let alert = try #require(webhook.alerts.first)
        #expect(alert.annotations.isEmpty)
        #expect(alert.status == .resolved)
        #expect(alert.endsAt == 1_795_968_722)
    }

    @Test(arguments: [
        ("truncated", Array("{\"receiver\": ".utf8), "receiver: truncated: expected a string"),
        ("not an object", Array("[1, 2]".utf8), "not JSON: expected an object"),
        (
            "text after the object", Array(sample) + Array(" x".utf8),
            "not JSON: unexpected text after the JSON document"
        ),
        (
            "an unknown field nested without end", body { $0["future"] = 1 }.replacingFuture(with: 100_000),
            "future: nested deeper than 64 levels"
        ),
        (
            "a status that is neither", body { $0["status"] = "pending" },
            #"status: expected "firing" or "resolved", got "pending""#
        ),
        ("a fractional count", body { $0["truncatedAlerts"] = 1.5 }, "truncatedAlerts: expected a whole number"),
        (
            "old payload", body { $0["version"] = "3" },
            #"version: expected "4" (Alertmanager's webhook payload), got "3""#
        ),
        ("no alerts", body { $0["alerts"] = nil }, "alerts: required"),
        (
            "a label that is not a string",
            firstAlert("labels", ["pod": 1]),
            "alerts[0].labels.pod: expected a string"
        ),
        (
            "a bad start",
            firstAlert("startsAt", "yesterday"),
            #"alerts[0].startsAt: not an RFC 3339 time: "yesterday""#
        ),
        (
            // Taken for "not ended" before, which let an earlier episode's resolve close a later firing.
            "a bad end",
            firstAlert("endsAt", "tomorrow"),
            #"alerts[0].endsAt: not an RFC 3339 time: "tomorrow""#
        ),
        (
            // A hostile value is sent back cut and escaped: no megabyte, no line break into a log.
            "a long status with a line break",
            body { $0["status"] = "firing\n" + String(repeating: "x", count: 4096) },
            #"status: expected "firing" or "resolved", got "firing\n"# + String(repeating: "x", count: 57)
                + #"" (cut at 64 characters)"#
        ),
        (
            // A key is the sender's too: quoted and escaped where it holds a line break.
            "a label key with a line break",
            firstAlert("labels", ["pod\nx": 1]),
            #""alerts[0].labels.pod\nx": expected a string"#
        ),
        (
            "a label key with a line separator",
            firstAlert("labels", ["pod\u{2028}x": 1]),
            #""alerts[0].labels.pod\u2028x": expected a string"#
        ),
        (
            "no fingerprint",
            firstAlert("fingerprint", nil),
            "alerts[0].fingerprint: required"
        ),
    ])
    func aBadBodyIsRefusedWithTheFieldNamed(_ why: String, _ body: [UInt8], _ message: String) {
        #expect(throws: AlertmanagerWebhook.Invalid(description: message), "\(why)") {
            try AlertmanagerWebhook.decode(body)
        }
    }
}
