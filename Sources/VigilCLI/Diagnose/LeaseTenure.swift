import Foundation
import VigilKube

/// `vigil diagnose --apply`'s time as the remediation leader, where the daemon's replicas elect one: the
/// Lease taken as a short-lived candidate of its own identity (``identity(host:pid:)``), renewed while the
/// person at the terminal answers, released at the end so that a replica takes over at once.
struct LeaseTenure {
    let elector: LeaderElector<ContinuousClock>
    private let renewing: Task<Void, Never>

    /// Why `--apply` does not go ahead: a live leader holds the Lease, or it cannot be read.
    struct Refused: Error, CustomStringConvertible {
        var description: String
    }

    /// Takes the Lease `configuration` names under this process's own identity, or refuses (nothing sent).
    static func take(_ configuration: LeaderElectionConfiguration, kube: KubeClient) async throws -> LeaseTenure {
        var configuration = configuration
        configuration.identity = identity(host: ProcessInfo.processInfo.hostName, pid: getpid())
        let elector = LeaderElector(configuration: configuration, client: kube, clock: ContinuousClock())
        switch await elector.campaignOnce() {
        case .acquired:
            return LeaseTenure(elector: elector, renewing: Task { await elector.run() })
        case .held(let record):
            throw Refused(description: refusal(configuration, held: record, now: Date()))
        case .unavailable:
            throw Refused(
                description: "--apply refused: cannot read or take the remediation lease "
                    + "\(configuration.namespace)/\(configuration.name) (RBAC: get/update on leases); nothing was "
                    + "sent. Run without --apply to propose only."
            )
        }
    }

    /// `vigil-diagnose@<host>/<pid>`: never a replica's name, so the daemon's replicas see another candidate.
    static func identity(host: String, pid: Int32) -> String {
        "\(LeaderElectionConfiguration.diagnoseSessionPrefix)\(host)/\(pid)"
    }

    /// What the person is told when a live holder has the Lease: who, when it last renewed, how to proceed.
    static func refusal(_ configuration: LeaderElectionConfiguration, held record: LeaseRecord, now: Date) -> String {
        let renewed =
            record.renewTime.map { time in
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = [.withInternetDateTime]
                let ago = Int(now.timeIntervalSince(time).rounded())
                return "last renewed \(formatter.string(from: time)) (\(ago)s ago, for \(record.leaseDurationSeconds)s)"
            } ?? "never renewed"
        return "--apply refused: the remediation lease \(configuration.namespace)/\(configuration.name) is held by "
            + "\(record.holderIdentity), \(renewed); only its holder applies fixes. Nothing was sent. Approve the "
            + "proposal on the leader (vigil proposals approve ID --url <leader>, or POST "
            + "/api/v1/proposals/ID/approve), or run without --apply to propose only."
    }

    /// Stops renewing and gives the Lease back (a no-op if it was lost meanwhile).
    func end() async {
        renewing.cancel()
        await renewing.value
        await elector.release()
    }
}
