import VigilEngine

/// What a diagnosis report shows: the incidents in the engine's rank order, the signals that fired in
/// each, and where and when the data came from. Text, Markdown and JSON are renderings of it.
struct DiagnosisReport {
    /// Where the data came from (`replay sample-metrics/scenarios/…`, `prometheus http://… · cluster ctx`).
    var source: String
    /// The end of the history read: "now" for the diagnosis.
    var now: Double
    /// The start of the history read (nil when there were no samples).
    var start: Double?
    var incidents: [Incident]
    /// Per incident id: its fired signals, in evidence order.
    var signals: [String: [FiredSignal]]

    init(source: String, now: Double, start: Double?, diagnosis: DiagnosisEngine.Diagnosis, incidents: [Incident]) {
        self.source = source
        self.now = now
        self.start = start
        self.incidents = incidents
        signals = Dictionary(
            incidents.map { ($0.id, diagnosis.firedSignals(of: $0)) },
            uniquingKeysWith: { first, _ in first }
        )
    }

    /// `1 incident`, `3 incidents`.
    var countLine: String {
        incidents.isEmpty ? "No incidents" : "\(incidents.count) incident\(incidents.count == 1 ? "" : "s")"
    }

    /// `HH:MM:SS` of a time, or `--:--:--`.
    static func clock(_ time: Double?) -> String {
        time.map { String(Timestamp.utc($0).dropFirst(11).prefix(8)) } ?? "--:--:--"
    }

    /// The range a sparkline spans: the history read, else the signal's own points.
    func drawnRange(_ fired: FiredSignal) -> (Double, Double) {
        let first = start ?? fired.signal.times.first ?? now
        return (min(first, fired.signal.times.first ?? first), max(now, fired.signal.times.last ?? now))
    }
}
