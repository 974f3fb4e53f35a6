import Foundation

/// A change a leader claimed on the Lease just before making it: the proposal, what it does to which
/// object, and when. The Lease keeps the recent ones (annotation ``annotation``), so that every leader
/// counts the guards that span the cluster (the hourly rate limit, an object's cooldown) from what any
/// leader did, not from its own audit log alone.
public struct LeaseClaim: Sendable, Equatable, Codable {
    public var proposal: String
    /// `restart`, `set-resources`, …
    public var action: String
    public var namespace: String
    /// `deployment/web`, `node/node-1`.
    public var target: String
    /// Seconds since the epoch, on the claiming leader's clock.
    public var at: Double
    /// The incident subject the change was for (`deployment/web`, for a pod deleted): the next leader's
    /// cooldown of the subject counts it. Absent from claims written before it was recorded.
    public var subject: String?

    public init(proposal: String, action: String, namespace: String, target: String, at: Double, subject: String?) {
        self.proposal = proposal
        self.action = action
        self.namespace = namespace
        self.target = target
        self.at = at
        self.subject = subject
    }

    /// The Lease annotation holding the recent claims, as a JSON list, oldest first.
    public static var annotation: String { "vigil.dev/recent-changes" }
    /// How long a claim is kept: longer than any cooldown or rate-limit window in practice.
    public static var horizon: Double { 86_400 }

    /// The claims an annotation's text holds; none when it is absent or not such a list (a hand-edited
    /// Lease costs the guards their memory, never the election).
    static func list(_ text: String?) -> [LeaseClaim] {
        guard let text, let data = text.data(using: .utf8) else { return [] }
        return (try? JSONDecoder().decode([LeaseClaim].self, from: data)) ?? []
    }

    /// The annotation's text for `claims`: those within ``horizon`` of the newest, at most `limit`.
    static func text(_ claims: [LeaseClaim], limit: Int) -> String {
        let newest = claims.map(\.at).max() ?? 0
        let kept = Array(claims.filter { newest - $0.at <= horizon }.suffix(limit))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(kept)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }
}
