import Testing
import VigilRules

@testable import VigilEngine

/// When a rollout is the cause (`crashloop-after-rollout`, the bundled playbook that proposes an undo):
/// only when the trouble began after it, none of it before, and some of what goes on now began within the
/// lead after it.
struct RolloutBlameTests {
    static let rollout = 1_800_000_000.0
    static let minute = 60.0

    static func rolloutFinding() -> Evidence {
        Evidence(
            kind: .finding,
            name: "RecentRollout",
            object: "deployment/web",
            message: "",
            at: rollout,
            severity: .info
        )
    }

    static func crash(at time: Double) -> Evidence {
        Evidence(
            kind: .finding,
            name: "CrashLoopBackOff",
            object: "pod/web-1",
            message: "",
            at: time,
            severity: .warning
        )
    }

    static func anomaly(from start: Double, ended: Double?) -> Evidence {
        Evidence(
            kind: .anomaly,
            name: "cpu_usage",
            object: "web",
            message: "",
            at: start,
            severity: .warning,
            ended: ended
        )
    }

    static func blamed(_ evidence: [Evidence]) throws -> Bool {
        let rules = try ScenarioReplayTests.rules.get()
        let playbook = try #require(rules.playbooks.first { $0.name == "crashloop-after-rollout" })
        return DiagnosisEngine(rules: rules).score(playbook, evidence) != nil
    }

    @Test func aCrashAfterTheRolloutIsItsFault() throws {
        #expect(try Self.blamed([Self.rolloutFinding(), Self.crash(at: Self.rollout + 5 * Self.minute)]))
    }

    /// A blip that came and went 45 minutes after a healthy rollout does not make the rollout the cause of
    /// a crash 85 minutes after it (the rollout is looked for two hours back).
    @Test func aBlipAfterAHealthyRolloutDoesNotMakeItTheCauseOfALaterCrash() throws {
        let blip = Self.anomaly(from: Self.rollout + 45 * Self.minute, ended: Self.rollout + 50 * Self.minute)
        #expect(try !Self.blamed([Self.rolloutFinding(), blip, Self.crash(at: Self.rollout + 85 * Self.minute)]))
    }

    /// Trouble going on since before the rollout is not its fault, though the new pods crash too.
    @Test func troubleFromBeforeTheRolloutIsNotItsFault() throws {
        let before = Self.anomaly(from: Self.rollout - 40 * Self.minute, ended: nil)
        #expect(try !Self.blamed([Self.rolloutFinding(), before, Self.crash(at: Self.rollout + 5 * Self.minute)]))
    }

    /// On doubt, no undo: a blip that ended before the rollout still keeps the rollout from being blamed
    /// (a rollback proposed for trouble that was already there would undo whatever the rollout changed).
    @Test func aBlipBeforeTheRolloutKeepsItFromBeingBlamed() throws {
        let blip = Self.anomaly(from: Self.rollout - 30 * Self.minute, ended: Self.rollout - 25 * Self.minute)
        #expect(try !Self.blamed([Self.rolloutFinding(), blip, Self.crash(at: Self.rollout + 5 * Self.minute)]))
    }

    /// A rollout's env change is shown without the secrets it may carry: a literal value under a name
    /// that reads as one is withheld, a URL's password replaced; other values and references stay.
    @Test(arguments: [
        ("DB_PASSWORD=hunter2", "DB_PASSWORD=<withheld>"),
        ("api_token=abc", "api_token=<withheld>"),
        ("DB_PASS=hunter2", "DB_PASS=<withheld>"), ("MYSQL_PWD=x", "MYSQL_PWD=<withheld>"),
        ("AWS_CREDS=x", "AWS_CREDS=<withheld>"),
        ("DATABASE_URL=postgres://orders:pw@db:5432/orders", "DATABASE_URL=postgres://orders:<secret>@db:5432/orders"),
        ("POOL_SIZE=20", "POOL_SIZE=20"),
        ("DB_PASSWORD from [secretKeyRef: …]", "DB_PASSWORD from [secretKeyRef: …]"),
    ])
    func anEnvChangeIsShownWithoutItsSecrets(variable: String, shown: String) {
        #expect(WorkloadAnalyzer.shown(variable) == shown)
    }
}
