import ArgumentParser
import Foundation
import VigilHTTP
import VigilKube

/// `vigil kube events`: the namespace's events, listed, then followed with `--watch`.
struct KubeEventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "List a namespace's events (core/v1), and follow them with --watch.",
        discussion: """
            The table shows LAST SEEN, TYPE, REASON, OBJECT and MESSAGE, as kubectl get events does; \
            -o json prints one event object per line. --watch keeps following as a client-go reflector \
            does: resumes after a dropped connection, relists after a 410, backs off on errors.
            """
    )

    enum Output: String, ExpressibleByArgument, CaseIterable { case table, json }

    @OptionGroup var cluster: KubeConnectionOptions

    @Flag(name: [.short, .long], help: "Keep printing events as they happen.")
    var watch = false

    @Option(name: [.short, .long], help: "table, or json (one object per line).")
    var output: Output = .table

    func run() async throws {
        let connection = try cluster.connectionOrExit()
        let client = KubeClient(connection: connection, transport: CurlHTTPClient(), access: .read)
        let collection = "/api/v1/namespaces/\(connection.namespace)/events"
        let output = self.output
        // The header comes with the first answer, as kubectl's does: an error or no events prints none.
        let header = HeaderOnce(output == .table ? Self.header : nil)
        guard watch else {
            let items: [[String: Any]]
            do {
                items = try await client.list(collection, query: [.init("limit", "500")]).items
            } catch {
                Console.error(error.description)
                throw ExitCode(1)
            }
            guard !items.isEmpty else {
                Console.error("No resources found in \(connection.namespace) namespace.")
                return
            }
            await header.print()
            for event in items { Console.out(Self.render(event, output)) }
            return
        }
        await Reflector(client: client, collection: collection).run { event in
            let items: [[UInt8]] =
                switch event {
                case .listed(let items): items
                case .added(let item), .modified(let item): [item]
                case .deleted: []
                }
            for item in items {
                await header.print()
                Console.out(Self.render(KubeClient.object(item), output))
            }
        }
    }

    /// The table's header, printed before the first row and never again.
    private actor HeaderOnce {
        private var header: String?

        init(_ header: String?) { self.header = header }

        func print() {
            if let header { Console.out(header) }
            header = nil
        }
    }

    static let header = row("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE")

    static func row(_ seen: String, _ type: String, _ reason: String, _ object: String, _ message: String) -> String {
        func pad(_ text: String, _ width: Int) -> String {
            text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0)
        }
        return "\(pad(seen, 22)) \(pad(type, 8)) \(pad(reason, 20)) \(pad(object, 32)) \(message)"
    }

    /// One event as a table row, or as its JSON.
    static func render(_ event: [String: Any], _ output: Output) -> String {
        if output == .json { return String(decoding: KubeAction.json(event), as: UTF8.self) }
        let involved = event["involvedObject"] as? [String: Any] ?? [:]
        let object = "\((involved["kind"] as? String ?? "").lowercased())/\(involved["name"] as? String ?? "")"
        let seen = event["lastTimestamp"] as? String ?? event["eventTime"] as? String ?? ""
        let message = (event["message"] as? String ?? "").replacingOccurrences(of: "\n", with: " ")
        return row(seen, event["type"] as? String ?? "", event["reason"] as? String ?? "", object, message)
    }
}
