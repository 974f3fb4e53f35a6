import Foundation
import VigilKube

/// What analyzers read: the cluster's state, the rules' signals, and the moment of the diagnosis.
/// Analyzers are pure functions of this — no I/O — so every scenario is a fast, deterministic test.
public struct AnalysisContext: Sendable {
    public var cluster: ClusterModel
    /// Signals by rule name.
    public var signals: [String: [Signal]]
    /// Seconds since the epoch.
    public var now: Double
    /// How far back evidence counts (a termination, an event).
    public var window: Double
    /// How far back a rollout counts: the window and then the lead within which trouble that began after
    /// it is blamed on it (``DiagnosisEngine/rolloutLead``). A rollout whose pods have crashed since stays
    /// the cause while they crash, not for an hour after it only.
    public var rolloutWindow: Double

    public init(
        cluster: ClusterModel,
        signals: [String: [Signal]] = [:],
        now: Double,
        window: Double = 3600,
        rolloutWindow: Double = 7200
    ) {
        self.cluster = cluster
        self.signals = signals
        self.now = now
        self.window = window
        self.rolloutWindow = rolloutWindow
    }

    /// Whether `date` falls in the window before now.
    func isRecent(_ date: Date?) -> Bool { isRecent(date, within: window) }

    /// Whether a rollout at `date` may still be the cause of trouble now (``rolloutWindow``).
    func isRecentRollout(_ date: Date?) -> Bool { isRecent(date, within: rolloutWindow) }

    private func isRecent(_ date: Date?, within span: Double) -> Bool {
        guard let date else { return false }
        return date.timeIntervalSince1970 >= now - span
    }
}

/// One analyzer per concern, behind one protocol, as k8sgpt's analyzers are: a pure function from the
/// cluster (and signals) to findings.
public protocol CauseAnalyzer: Sendable {
    func findings(in context: AnalysisContext) -> [Finding]
}
