import Foundation
import Logging
import VigilEngine
import VigilHTTP
import VigilKube
import VigilRules

/// What `vigil diagnose` does with a connected cluster: every proposal sent as a server-side dry run
/// (its outcome and diff then show in the report), and with `--apply`, each proposal offered to the
/// person at the terminal (`Apply? [y/N]`, or `--yes`) and applied under the daemon's guards, every step in
/// the audit log of the state directory first. What it applies is not verified afterwards (a one-shot
/// command does not watch, and may see one namespace, one workload or a recording): a daemon sharing the
/// state directory verifies it, undoes and escalates, and this does none of them. It does settle an apply a
/// crash left unanswered, in the state directory's remediation turn (``RemediationTurn``), waiting for the
/// daemon's round to end.
///
/// With leader election (`cluster.leader_election` in `--config`, or `--lease`), `--apply` takes part in
/// the daemon's election as a short-lived candidate of its own identity: it applies only while it holds
/// the Lease, claims each change on it as a leader does (so no fix a leader applied is applied again, and
/// the cluster-wide guards count it), and releases it when done; a live holder makes it refuse before
/// anything is sent. Given neither, it looks for the replicas' Lease under its default name in every
/// namespace (``LeaseSearch``) unless told there is none (`--no-lease`).
struct ClusterRemediation {
    let connection: KubeConnection
    /// The daemon's guards (`--config`), or the defaults: its namespace lists judge every dry run (a drain
    /// may not evict from a denied namespace), and with `--apply` every guard holds.
    var policy = RemediationPolicy()
    /// Present with `--apply`: where the audit log is, and whether to ask.
    var apply: Apply?

    struct Apply {
        var auditLog: String
        var assumeYes: Bool
        /// The daemon's Lease, when its replicas elect a leader: applying needs it.
        var election: LeaderElectionConfiguration?
        /// Without `election`: look for the replicas' Lease in the cluster (``LeaseSearch``); false with
        /// `--no-lease`.
        var searchLease = true
        /// Asks the question and answers it (the terminal's line; tests answer for it).
        var ask: @Sendable (String) -> Bool = { question in
            Console.current.writeOut(question)
            let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            // A terminal echoes the answer and its newline; a pipe does not.
            if isatty(STDIN_FILENO) == 0 { Console.current.writeOut(answer + "\n") }
            return ["y", "yes"].contains(answer)
        }
    }

    /// The incidents with their proposals' dry runs filled in, after any applying.
    func run(_ incidents: [Incident], cluster: ClusterModel) async throws -> [Incident] {
        // Without --apply, a client that cannot write: dry runs are all it sends.
        let kube = KubeClient(
            connection: connection,
            transport: CurlHTTPClient(),
            access: apply == nil ? .dryRun : .write
        )
        guard let apply else {
            // Proposals only: dry runs, nothing on record (nothing can be applied without a log).
            let quiet = Logger(label: "vigil.diagnose") { _ in SwiftLogNoOpLogHandler() }
            var dryRunsOnly = policy
            dryRunsOnly.allowApply = false
            let remediator = try Remediator(policy: dryRunsOnly, audit: nil, kube: kube, logger: quiet)
            return await remediator.round(incidents, cluster: cluster)
        }
        // The Lease first: refused, nothing is sent, not even a dry run.
        var lease: LeaseTenure?
        var election = apply.election
        if election == nil, apply.searchLease { election = try await LeaseSearch.election(kube: kube) }
        if let election { lease = try await LeaseTenure.take(election, kube: kube) }
        do {
            let answered = try await offer(
                incidents,
                cluster: cluster,
                apply: apply,
                leadership: lease?.elector,
                kube: kube
            )
            await lease?.end()
            return answered
        } catch {
            await lease?.end()
            throw error
        }
    }

    private func offer(
        _ incidents: [Incident],
        cluster: ClusterModel,
        apply: Apply,
        leadership: (any RemediationLeadership)?,
        kube: KubeClient
    ) async throws -> [Incident] {
        let audit = try AuditLog(path: apply.auditLog)
        var policy = policy
        policy.allowApply = true  // implied by --apply alone
        // The person at the terminal approves every change here: a namespace that `remediation.autonomy`
        // lets the daemon change on its own is offered like any other, not changed unasked.
        policy.autonomy = policy.autonomy.mapValues { $0 == .apply ? .approve : $0 }
        // Its warnings on standard error: why nothing was applied (another process's turn, a lost lease, a
        // failed change) is the person's to see.
        let logger = Logger(label: "vigil.diagnose") { label in
            VigilLogging(label: label, json: false, console: Console.current, logLevel: .warning)
        }
        let remediator = try Remediator(
            policy: policy,
            audit: audit,
            kube: kube,
            leadership: leadership,
            logger: logger,
            verifying: false
        )
        for line in remediator.skippedLines { Console.error("vigil diagnose: audit log: \(line)") }
        // Every proposal a playbook lets go further than an explanation waits for the person here.
        var offered = incidents
        for index in offered.indices {
            for slot in offered[index].proposals.indices where offered[index].proposals[slot].autonomy != .explain {
                offered[index].proposals[slot].autonomy = .approve
            }
        }
        let answered = await remediator.round(offered, cluster: cluster)
        let user = Self.userName()
        for incident in answered {
            for proposal in incident.proposals where proposal.autonomy == .approve {
                Console.out(Self.offer(proposal, incident))
                guard proposal.dryRun?.isAccepted == true else {
                    let why =
                        switch proposal.dryRun {
                        case nil: "no dry run was made"
                        case let dryRun? where dryRun.isUnanswered: "the dry run was not answered"
                        case _?: "the dry run was refused"
                        }
                    Console.out("  not offered: " + why)
                    continue
                }
                guard apply.assumeYes || apply.ask("Apply? [y/N] ") else {
                    Console.out("  skipped")
                    continue
                }
                switch await remediator.approve(proposal.id, by: user, seen: proposal.kubectl) {
                case .success(let summary): Console.out("  \(summary)")
                case .failure(let refusal): Console.out("  not applied: \(refusal)")
                }
            }
        }
        Console.out("audit log: \(audit.path) (read it with: vigil audit --audit-log \(audit.path))")
        return answered
    }

    /// Who runs the command, for the audit log: $USER, else the account's name.
    static func userName(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let user = environment["USER"], !user.isEmpty { return user }
        guard let account = getpwuid(getuid()), let name = account.pointee.pw_name else { return "uid \(getuid())" }
        return String(cString: name)
    }

    /// The proposal as the prompt shows it: what, why, the command, the dry run's diff.
    static func offer(_ proposal: Proposal, _ incident: Incident) -> String {
        var lines = [
            "", "\(incident.subject) — \(incident.cause): \(proposal.action) \(proposal.target) [\(proposal.id)]",
            "  \(proposal.rationale)", "  $ \(proposal.kubectl)",
        ]
        switch proposal.dryRun?.outcome {
        case .accepted?:
            lines.append("  server dry run: accepted")
            lines +=
                proposal.dryRun?.changes.map { "    \($0.path): \($0.before ?? "(none)") → \($0.after ?? "(none)")" }
                ?? []
        case .refused(_, let message)?:
            lines.append("  server dry run: \(proposal.dryRun?.refusalLabel ?? ""): \(message)")
        case nil:
            lines.append("  server dry run: none")
        }
        return lines.joined(separator: "\n")
    }
}
