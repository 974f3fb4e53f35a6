/// Opened once, when the diagnosis's history from Prometheus is in (or its read has ended otherwise): a
/// diagnosis round waits for it, so none, whether set off by the interval, a webhook delivery or
/// Alertmanager's list, judges a recorder still being filled.
actor HistoryGate {
    private var isOpen = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func open() {
        isOpen = true
        for continuation in waiting { continuation.resume() }
        waiting = []
    }

    /// The rounds waiting for it.
    var waitingCount: Int { waiting.count }

    /// Returns once the gate is open.
    func wait() async {
        guard !isOpen else { return }
        await withCheckedContinuation { waiting.append($0) }
    }
}
