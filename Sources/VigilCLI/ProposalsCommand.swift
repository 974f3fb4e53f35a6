import ArgumentParser
import Foundation
import VigilHTTP

/// `vigil proposals`: the running daemon's proposals, through its API — list them, show one with its dry
/// run, approve or reject it.
struct ProposalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proposals",
        abstract: "List, show, approve or reject the running daemon's proposals.",
        discussion: """
            Talks to vigil run's API (--url, default http://127.0.0.1:9464). Approving and rejecting need \
            the daemon started with --web.enable-approvals and credentials it accepts (--bearer-token-file, \
            or --username with --password-file). An approved proposal is applied under every guard (the \
            daemon must run with --allow-apply); a refusal says which guard and why.

            Exit status: 0; 1 when the daemon refuses (an unknown or changed proposal, a guard, no \
            cluster watched: 404 or 409); 2 on errors (the daemon unreachable, the credentials refused, \
            approvals not enabled: 401 or 403).
            """,
        subcommands: [List.self, Show.self, Approve.self, Reject.self]
    )

    /// Where the daemon is and how to authenticate.
    struct Connection: ParsableArguments {
        @Option(help: "The daemon's base URL.")
        var url = "http://127.0.0.1:9464"

        @Option(name: .customLong("bearer-token-file"), help: "A file holding the API's bearer token.")
        var bearerTokenFile: String?

        @Option(help: "Basic auth user (with --password-file).")
        var username: String?

        @Option(name: .customLong("password-file"), help: "A file holding the basic auth password.")
        var passwordFile: String?

        @Option(name: .customLong("ca-file"), help: "CA certificates to trust for an https:// URL.")
        var caFile: String?

        func request(
            _ path: String,
            method: HTTPRequest.Method = .get,
            body: [String: String]? = nil
        ) throws
            -> HTTPRequest
        {
            var authorization: Authorization?
            if let bearerTokenFile { authorization = .bearerFile(bearerTokenFile) }
            if let username {
                guard let passwordFile,
                    let password = FileManager.default.contents(atPath: passwordFile).map({
                        String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .newlines)
                    })
                else {
                    Console.error("vigil proposals: --username needs a readable --password-file")
                    throw ExitCode(2)
                }
                authorization = .basic(username: username, password: password)
            }
            var tls = TLSConfiguration()
            tls.caFile = caFile
            return HTTPRequest(
                url: url.trimmingCharacters(in: ["/"]) + path,
                method: method,
                headers: body == nil ? [] : [("Content-Type", "application/json")],
                body: try body.map { Array(try JSONSerialization.data(withJSONObject: $0)) },
                timeout: 30,
                tls: tls,
                authorization: authorization
            )
        }

        /// The `data` of the API's envelope, or exit 1 with the API's error (2 when unreachable).
        func call(_ request: HTTPRequest) async throws -> Any {
            let response: HTTPResponse
            do {
                response = try await CurlHTTPClient().execute(request)
            } catch {
                Console.error("vigil proposals: \(url): \(error.message)")
                throw ExitCode(2)
            }
            let answer = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
            guard (200..<300).contains(response.status), let data = answer?["data"] else {
                let message = answer?["error"] as? String ?? String(decoding: response.body.prefix(512), as: UTF8.self)
                Console.error("vigil proposals: \(response.status): \(message)")
                throw ExitCode(response.status == 409 || response.status == 404 ? 1 : 2)
            }
            return data
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The proposals of the latest diagnosis round.")
        @OptionGroup var connection: Connection

        func run() async throws {
            let states = try await connection.call(connection.request("/api/v1/proposals")) as? [[String: Any]] ?? []
            guard let table = Self.table(states) else {
                Console.error("No proposals: the latest diagnosis round proposed no fix.")
                return
            }
            Console.current.writeOut(table)
        }

        /// The proposals as a table, nil for none (kubectl prints no header above no rows either).
        static func table(_ states: [[String: Any]]) -> String? {
            guard !states.isEmpty else { return nil }
            var table = ColumnTable(header: ["ID", "STATE", "ACTION", "TARGET", "NAMESPACE", "CAUSE"])
            for state in states {
                let proposal = state["proposal"] as? [String: Any] ?? [:]
                table.rows.append(
                    [proposal["id"], state["state"], proposal["action"], proposal["target"], proposal["namespace"]]
                        .map { "\($0 ?? "")" } + ["\(state["cause"] ?? "")"]
                )
            }
            return table.render()
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One proposal: what, why, the command, the dry run.")
        @OptionGroup var connection: Connection
        @Argument(help: "The proposal's id.") var id: String

        func run() async throws {
            let state =
                try await connection.call(connection.request("/api/v1/proposals/\(id)")) as? [String: Any] ?? [:]
            let proposal = state["proposal"] as? [String: Any] ?? [:]
            var lines = [
                "proposal \(id): \(proposal["action"] ?? "") \(proposal["target"] ?? "") -n \(proposal["namespace"] ?? "")",
                "incident \(state["incident"] ?? "") (\(state["subject"] ?? ""), \(state["cause"] ?? ""))",
                "state    \(state["state"] ?? "")\((state["reason"] as? String).map { " (\($0))" } ?? "")"
                    + ((state["message"] as? String).map { ": \($0)" } ?? ""),
                "why      \(proposal["rationale"] ?? "")", "autonomy \(proposal["autonomy"] ?? "")",
                "$ \(proposal["kubectl"] ?? "")",
            ]
            if let dryRun = proposal["dry_run"] as? [String: Any] {
                let refused = (dryRun["message"] as? String).map { ": \($0)" } ?? ""
                let outcome = dryRun["unanswered"] as? Bool == true ? "not answered" : "\(dryRun["outcome"] ?? "")"
                lines.append("server dry run: \(outcome)\(refused)")
                for change in dryRun["changes"] as? [[String: Any]] ?? [] {
                    lines.append(
                        "  \(change["path"] ?? ""): \(change["before"] ?? "(none)") → \(change["after"] ?? "(none)")"
                    )
                }
            } else {
                lines.append("server dry run: none")
            }
            Console.out(lines.joined(separator: "\n"))
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a proposal: applied now, under every guard.")
        @OptionGroup var connection: Connection
        @Argument(help: "The proposal's id.") var id: String
        @Option(
            help: """
                The command as `vigil proposals show` printed it (after `$ `): refused, nothing applied, if a \
                later diagnosis round has made the proposal afresh with other values since.
                """
        )
        var kubectl: String?

        func run() async throws {
            var body = ["by": ClusterRemediation.userName()]
            body["kubectl"] = kubectl
            let result = try await connection.call(
                connection.request("/api/v1/proposals/\(id)/approve", method: .post, body: body)
            )
            Console.out("\((result as? [String: Any])?["result"] ?? result)")
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a proposal: it is never applied.")
        @OptionGroup var connection: Connection
        @Argument(help: "The proposal's id.") var id: String
        @Option(help: "Why, for the audit log.") var reason: String?

        func run() async throws {
            var body = ["by": ClusterRemediation.userName()]
            body["reason"] = reason
            let result = try await connection.call(
                connection.request("/api/v1/proposals/\(id)/reject", method: .post, body: body)
            )
            Console.out("\((result as? [String: Any])?["result"] ?? result)")
        }
    }
}
