import Testing

@testable import VigilEngine

/// Duplicates from HA pairs and retries never open a second incident; resolved closes; the book is bounded.
@Suite struct AlertBookTests {
    static func alert(_ fingerprint: String, _ status: Alert.Status = .firing, startsAt: Double = 100) -> Alert {
        Alert(fingerprint: fingerprint, status: status, labels: ["alertname": "A", "pod": "web-1"], startsAt: startsAt)
    }

    @Test func duplicatesAreCountedNotOpenedAgain() {
        var book = AlertBook()
        #expect(book.receive([Self.alert("a"), Self.alert("b")], at: 0).opened.count == 2)
        // The other Alertmanager of the pair, and a repeat notification: the same alerts again.
        let again = book.receive([Self.alert("a"), Self.alert("b")], at: 0)
        #expect(again.duplicates == 2)
        #expect(!again.changed)
        let resolved = book.receive([Self.alert("a", .resolved)], at: 0)
        #expect(resolved.resolved.map(\.fingerprint) == ["a"])
        #expect(book.receive([Self.alert("a", .resolved)], at: 0).duplicates == 1)  // resolved twice
        #expect(book.receive([Self.alert("a")], at: 0).duplicates == 1)  // the pair's late firing re-send
        #expect(book.receive([Self.alert("a", startsAt: 500)], at: 0).opened.count == 1)  // fires again, later
        #expect(Set(book.firing.keys) == ["a", "b"])
    }

    /// The webhook's start (nanoseconds) and Alertmanager's API v2 start (milliseconds, truncated as Go's
    /// `RFC3339Millis` writes them) of one alert are one alert: a reconciliation neither reopens it nor
    /// diagnoses it again — also where the nanoseconds would round up.
    @Test(arguments: ["02.371269876Z", "02.371769Z", "02.371999999Z", "02.371Z"])
    func theWebhooksStartAndTheAPIsStartAreOneAlert(webhookSeconds: String) throws {
        var book = AlertBook()
        let webhook = try #require(Alert.start("2026-11-29T16:02:" + webhookSeconds))
        let api = try #require(Alert.start("2026-11-29T16:02:02.371Z"))
        let delivered = Alert(fingerprint: "f1", status: .firing, labels: ["alertname": "A"], startsAt: webhook)
        #expect(book.receive([delivered], at: 0).opened.count == 1)
        let listed = Alert(fingerprint: "f1", status: .firing, labels: ["alertname": "A"], startsAt: api)
        let receipt = book.reconcile(active: [listed], at: 0)
        #expect(receipt.opened.isEmpty && receipt.resolved.isEmpty)
    }

    /// A late firing of an earlier start than the one held (the other Alertmanager of a pair, behind) is
    /// a duplicate: it neither replaces the later start nor opens anything.
    @Test func aLateFiringOfAnEarlierStartIsADuplicate() {
        var book = AlertBook()
        _ = book.receive([Self.alert("a", startsAt: 500)], at: 0)
        let late = book.receive([Self.alert("a", startsAt: 100)], at: 10)
        #expect(late.duplicates == 1 && !late.changed)
        #expect(book.firing["a"]?.startsAt == 500)
    }

    /// Alertmanager keeps the earliest start it has seen for an alert: with two Prometheus replicas the
    /// firing Vigil held can carry a later start (500) than the resolve (100). The resolve was taken for
    /// an earlier episode's and ignored, and the incident stayed open. One that ended before the held
    /// start is an earlier episode's and still changes nothing; a late firing re-send of either start
    /// after the resolve is a duplicate.
    @Test func aResolveWithAnEarlierStartThatEndedAfterTheHeldStartResolves() {
        var book = AlertBook()
        _ = book.receive([Self.alert("a", startsAt: 500)], at: 0)
        var stale = Self.alert("a", .resolved, startsAt: 100)
        stale.endsAt = 400
        #expect(book.receive([stale], at: 5).duplicates == 1)
        #expect(book.firing["a"] != nil)
        var resolve = Self.alert("a", .resolved, startsAt: 100)
        resolve.endsAt = 900
        #expect(book.receive([resolve], at: 10).resolved.map(\.fingerprint) == ["a"])
        #expect(book.firing.isEmpty)
        #expect(book.receive([Self.alert("a", startsAt: 100), Self.alert("a", startsAt: 500)], at: 20).duplicates == 2)
        #expect(book.firing.isEmpty)
    }

    /// The same start firing again after its resolve is a late re-send for ``AlertBook/lateResend``, and
    /// the alert firing again after it (Alertmanager resolved it when Prometheus went quiet, and Prometheus
    /// came back with the start it had).
    @Test func theSameStartFiringLongAfterItResolvedIsOpened() {
        var book = AlertBook()
        _ = book.receive([Self.alert("a")], at: 0)
        _ = book.receive([Self.alert("a", .resolved)], at: 1_000)
        #expect(book.receive([Self.alert("a")], at: 1_000 + AlertBook.lateResend - 1).duplicates == 1)
        #expect(book.receive([Self.alert("a")], at: 1_000 + AlertBook.lateResend).opened.count == 1)
    }

    /// Alertmanager's list, asked for after an alert resolved, shows it firing with the same start (an
    /// Alertmanager restarted and Prometheus sent it again): it is opened, at once. A list asked for before
    /// the resolve does not reopen it.
    @Test func alertmanagersListAskedAfterAResolveReopensTheSameStart() {
        var book = AlertBook()
        _ = book.receive([Self.alert("a")], at: 0)
        let asked = book.deliveries
        _ = book.receive([Self.alert("a", .resolved)], at: 10)
        #expect(book.reconcile(active: [Self.alert("a")], asOf: asked, at: 20).opened.isEmpty)
        // The restarted Alertmanager's empty list resolves what is held; its next list has it again.
        _ = book.receive([Self.alert("b")], at: 30)
        #expect(book.reconcile(active: [], asOf: book.deliveries, at: 40).resolved.map(\.fingerprint) == ["b"])
        let again = book.reconcile(active: [Self.alert("a"), Self.alert("b")], asOf: book.deliveries, at: 100)
        #expect(Set(again.opened.map(\.fingerprint)) == ["a", "b"])
    }

    /// Alertmanager's list is asked for, an alert is delivered meanwhile, then the list (which predates
    /// it) is applied: the new alert stays firing; one held from before the question is resolved.
    @Test func aListOlderThanADeliveryDoesNotResolveIt() {
        var book = AlertBook()
        _ = book.receive([Self.alert("old")], at: 0)
        let asked = book.deliveries
        _ = book.receive([Self.alert("new")], at: 0)
        let receipt = book.reconcile(active: [], asOf: asked, at: 0)
        #expect(receipt.resolved.map(\.fingerprint) == ["old"])
        #expect(Set(book.firing.keys) == ["new"])
    }

    /// A resolve of an alert not held (another replica took its firing, or it fired before a restart) is
    /// remembered: the other Alertmanager's late firing of it opens nothing, as no second resolve would
    /// come to close it. Long after, the same start firing is the alert firing again.
    @Test func aLateFiringAfterTheResolveOfAnAlertNotHeldIsADuplicate() {
        var book = AlertBook()
        #expect(book.receive([Self.alert("a", .resolved)], at: 0).duplicates == 1)
        #expect(book.receive([Self.alert("a")], at: 60).duplicates == 1)
        #expect(book.firing.isEmpty)
        #expect(book.receive([Self.alert("a")], at: AlertBook.lateResend).opened.count == 1)
    }

    @Test func aResolvedAlertFromAnEarlierFiringDoesNotCloseALaterOne() {
        var book = AlertBook()
        _ = book.receive([Self.alert("a", startsAt: 500)], at: 0)
        #expect(book.receive([Self.alert("a", .resolved, startsAt: 100)], at: 0).duplicates == 1)
        #expect(book.firing["a"] != nil)
    }

    @Test func newAlertsBeyondTheCapacityAreRefused() {
        var book = AlertBook(capacity: 2)
        let receipt = book.receive([Self.alert("a"), Self.alert("b"), Self.alert("c")], at: 0)
        #expect(receipt.opened.count == 2)
        #expect(receipt.refused == 1)
    }

    @Test func reconcilingResolvesWhatAlertmanagerNoLongerHasAndOpensWhatItHas() {
        var book = AlertBook()
        _ = book.receive([Self.alert("a"), Self.alert("b")], at: 0)
        let receipt = book.reconcile(active: [Self.alert("b"), Self.alert("c")], at: 0)
        #expect(receipt.resolved.map(\.fingerprint) == ["a"])
        #expect(receipt.opened.map(\.fingerprint) == ["c"])
        #expect(Set(book.firing.keys) == ["b", "c"])
    }
}
