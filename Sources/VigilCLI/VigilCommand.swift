import ArgumentParser
import VigilHTTP

/// `vigil`: the root command.
public struct VigilCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Anomaly detection and remediation for Kubernetes workloads, from their Prometheus metrics.",
        discussion: """
            Exit status: 0 on success, 1 when an input is invalid or a check fails, 2 on usage errors.
            """,
        version: VigilRelease.version,
        subcommands: [
            DemoCommand.self, RunCommand.self, DiagnoseCommand.self, ProposalsCommand.self, AuditCommand.self,
            RulesCommand.self, KubeCommand.self, MCPCommand.self,
            LintCommand.self,
            ParseCommand.self, DetectCommand.self,
            EvalCommand.self,
            GenerateCommand.self,
            BenchCommand.self,
        ]
    )

    public init() {}

    /// Runs `vigil` with `arguments` (without the program name) and returns the process exit status.
    /// Help goes to stdout with status 0; usage errors go to stderr with status 2.
    public static func run(_ arguments: [String]) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            do {
                if var asyncCommand = command as? any AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
            } catch let error as ValidationError {
                // A value only the run could judge: the usage to show is the subcommand's, not the root's
                // `vigil <subcommand>` that ArgumentParser gives an error it did not see parsed.
                let usage = usageString(for: type(of: command))
                let name = usage.split(separator: " ").prefix { $0.first?.isLetter == true }.joined(separator: " ")
                Console.error("Error: \(error.message)\nUsage: \(usage)\n  See '\(name) --help' for more information.")
                return 2
            }
            return 0
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { Console.out(message) }
                return 0
            }
            if !message.isEmpty { Console.error(message) }
            return code == .validationFailure ? 2 : code.rawValue
        }
    }
}
