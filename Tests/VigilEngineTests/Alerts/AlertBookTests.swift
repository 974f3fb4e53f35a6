import Testing

@testable import VigilEngine

/// Duplicates from HA pairs and retries never open a second incident; resolved closes; the book is bounded.
@Suite struct AlertBookTests {
    static func alert(_ fingerprint: String, _ status: Alert.Status = .firing, startsAt: Double = 100) -> Alert {
        Alert(fingerprint: fingerprint, status: status, labels: ["alertname": "A", "pod": "web-1"], startsAt: startsAt)
    }

    @Test func duplicatesAreCountedNotOpenedAgain() {
        var book = AlertBook()
        #expect(book.receive([Self.alert("a"), Self.alert("b")]).opened.count == 2)
        // The other Alertmanager of the pair, and a repeat notification: the same alerts again.
        let again = book.receive([Self.alert("a"), Self.alert("b")])
        #expect(again.duplicates == 2)
        #expect(!again.changed)
        let resolved = book.receive([Self.alert("a", .resolved)])
        #expect(resolved.resolved.map(\.fingerprint) == ["a"])
        #expect(book.receive([Self.alert("a", .resolved)]).duplicates == 1)  // resolved twice
        #expect(book.receive([Self.alert("a")]).duplicates == 1)  // the pair's late firing re-send
        #expect(book.receive([Self.alert("a", startsAt: 500)]).opened.count == 1)  // fires again, later
        #expect(Set(book.firing.keys) == ["a", "b"])
    }

    /// The webhook's start (nanoseconds) and Alertmanager's API v2 start (milliseconds) of one alert are
    /// one alert: a reconciliation neither reopens it nor diagnoses it again.
    @Test func theWebhooksStartAndTheAPIsStartAreOneAlert() throws {
        var book = AlertBook()
        let webhook = try #require(Timestamp.seconds("2026-11-29T16:02:02.371269876Z"))
        let api = try #require(Timestamp.seconds("2026-11-29T16:02:02.371Z"))
        #expect(webhook != api)
        let delivered = Alert(fingerprint: "f1", status: .firing, labels: ["alertname": "A"], startsAt: webhook)
        #expect(book.receive([delivered]).opened.count == 1)
        let listed = Alert(fingerprint: "f1", status: .firing, labels: ["alertname": "A"], startsAt: api)
        let receipt = book.reconcile(active: [listed])
        #expect(receipt.opened.isEmpty && receipt.resolved.isEmpty)
    }

    /// Alertmanager's list is asked for, an alert is delivered meanwhile, then the list (which predates
    /// it) is applied: the new alert stays firing; one held from before the question is resolved.
    @Test func aListOlderThanADeliveryDoesNotResolveIt() {
        var book = AlertBook()
        _ = book.receive([Self.alert("old")])
        let asked = book.deliveries
        _ = book.receive([Self.alert("new")])
        let receipt = book.reconcile(active: [], asOf: asked)
        #expect(receipt.resolved.map(\.fingerprint) == ["old"])
        #expect(Set(book.firing.keys) == ["new"])
    }

    @Test func aResolvedAlertFromAnEarlierFiringDoesNotCloseALaterOne() {
        var book = AlertBook()
        _ = book.receive([Self.alert("a", startsAt: 500)])
        #expect(book.receive([Self.alert("a", .resolved, startsAt: 100)]).duplicates == 1)
        #expect(book.firing["a"] != nil)
    }

    @Test func newAlertsBeyondTheCapacityAreRefused() {
        var book = AlertBook(capacity: 2)
        let receipt = book.receive([Self.alert("a"), Self.alert("b"), Self.alert("c")])
        #expect(receipt.opened.count == 2)
        #expect(receipt.refused == 1)
    }

    @Test func reconcilingResolvesWhatAlertmanagerNoLongerHasAndOpensWhatItHas() {
        var book = AlertBook()
        _ = book.receive([Self.alert("a"), Self.alert("b")])
        let receipt = book.reconcile(active: [Self.alert("b"), Self.alert("c")])
        #expect(receipt.resolved.map(\.fingerprint) == ["a"])
        #expect(receipt.opened.map(\.fingerprint) == ["c"])
        #expect(Set(book.firing.keys) == ["b", "c"])
    }
}
