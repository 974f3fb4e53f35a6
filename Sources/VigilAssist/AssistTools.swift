import MCP

/// The MCP tools of Vigil: their names, descriptions and input schemas, and each call answered from an
/// ``AssistCatalog`` within an ``AnswerBudget``. Every tool is marked read-only: none can change anything,
/// because the catalog they call has no method that could.
public struct AssistTools: Sendable {
    public let catalog: any AssistCatalog
    public let budget: AnswerBudget
    /// Shared by every server these tools are on (the daemon's `/mcp` makes one per request).
    public let gate: CallGate

    public init(catalog: any AssistCatalog, budget: AnswerBudget = AnswerBudget(), gate: CallGate = CallGate()) {
        self.catalog = catalog
        self.budget = budget
        self.gate = gate
    }

    /// The tool names, as `tools/list` gives them.
    public enum Name: String, CaseIterable, Sendable {
        case listIncidents = "list_incidents"
        case getIncident = "get_incident"
        case readSeries = "read_series"
        case listAnomalies = "list_anomalies"
        case diagnose
        case propose
    }

    /// What `tools/list` answers.
    public var definitions: [Tool] {
        // Not marked closed-world: standalone, the tools read a live Prometheus and cluster.
        let readOnly = Tool.Annotations(readOnlyHint: true, destructiveHint: false, idempotentHint: true)
        func schema(_ properties: [String: Value], required: [String] = []) -> Value {
            .object([
                "type": "object",
                "properties": .object(properties),
                "required": .array(required.map { .string($0) }),
                "additionalProperties": false,
            ])
        }
        let string: (String) -> Value = { .object(["type": "string", "description": .string($0)]) }
        let integer: (String) -> Value = { .object(["type": "integer", "minimum": 1, "description": .string($0)]) }
        return [
            Tool(
                name: Name.listIncidents.rawValue,
                description: "Vigil's diagnosed incidents (id, workload, cause, summary, severity, onset), open first.",
                inputSchema: schema(["namespace": string("Only this namespace's incidents.")]),
                annotations: readOnly
            ),
            Tool(
                name: Name.getIncident.rawValue,
                description:
                    "One incident with its evidence (findings, anomalies, events, alerts), its deterministic explanation and its proposals.",
                inputSchema: schema(
                    [
                        "id": string("The incident id from list_incidents."),
                        "evidence_limit": integer(
                            "At most this many pieces of evidence, strongest first (default 20)."
                        ),
                    ],
                    required: ["id"]
                ),
                annotations: readOnly
            ),
            Tool(
                name: Name.readSeries.rawValue,
                description:
                    "The series behind an incident's anomalies around its onset, each with its expected value and range.",
                inputSchema: schema(
                    [
                        "incident": string("The incident id."),
                        "metric": string("Only the series of this signal rule (as named in the evidence)."),
                        "points": integer("At most this many points per series, evenly thinned (default 60)."),
                    ],
                    required: ["incident"]
                ),
                annotations: readOnly
            ),
            Tool(
                name: Name.listAnomalies.rawValue,
                description: "Anomalous series with their expected value, peak and onset.",
                inputSchema: schema([
                    "ongoing": .object(["type": "boolean", "description": "Only ongoing anomalies (default false)."])
                ]),
                annotations: readOnly
            ),
            Tool(
                name: Name.diagnose.rawValue,
                description: "Diagnose a namespace, or one workload in it: incidents with a ranked cause and evidence.",
                inputSchema: schema(
                    [
                        "namespace": string("The namespace."),
                        "workload": string(
                            "KIND/NAME, e.g. deployment/web, deploy/web, sts/db, ds/agent (optional)."
                        ),
                    ],
                    required: ["namespace"]
                ),
                annotations: readOnly
            ),
            Tool(
                name: Name.propose.rawValue,
                description:
                    "An incident's proposed fixes: action, target, parameters, the kubectl command and, with a cluster, the server-side dry run and the fields it would change. Nothing is applied: a person runs the command or approves it in Vigil.",
                inputSchema: schema(["incident": string("The incident id.")], required: ["incident"]),
                annotations: readOnly
            ),
        ]
    }

    /// Answers one `tools/call`: a bounded JSON text, or an error result (`isError`) saying what was wrong
    /// with the arguments or the answer, so the model can correct itself. A tool no one declared is
    /// JSON-RPC's invalid params (-32602), as the MCP specification (2025-11-25) files unknown tools under
    /// protocol errors and input validation under tool errors.
    public func call(_ name: String, arguments: [String: Value]?) async throws(MCPError) -> CallTool.Result {
        let arguments = arguments ?? [:]
        guard let tool = Name(rawValue: name) else {
            throw MCPError.invalidParams("unknown tool \(ScopeArgument.quoted(name)); tools/list names them")
        }
        // The schemas say `additionalProperties: false`, but a client need not check: a misspelt scope
        // (`namespce`) passed over would answer for everything instead of being refused.
        let accepted = Self.arguments(of: tool, in: definitions)
        let unknown = arguments.keys.filter { !accepted.contains($0) }.sorted()
        if !unknown.isEmpty {
            let names = unknown.map { ScopeArgument.quoted($0) }.joined(separator: ", ")
            let plural = unknown.count == 1 ? "" : "s"
            let takes = accepted.joined(separator: ", ")
            return Self.failure(AssistError("unknown argument\(plural) \(names); \(name) takes \(takes)"))
        }
        guard gate.enter() else {
            return Self.failure(
                AssistError("busy: \(gate.limit) calls are being answered; call again when one has come back")
            )
        }
        defer { gate.leave() }
        do {
            let text: String
            switch tool {
            case .listIncidents:
                let namespace = try Self.string(arguments, "namespace").map { text throws(AssistError) in
                    try ScopeArgument.namespace(text)
                }
                let items = try await catalog.incidents(namespace: namespace)
                text = budget.render(items, narrowing: "pass namespace, or read one with get_incident")
            case .getIncident:
                let id = try Self.required(arguments, "id")
                let limit = try Self.integer(arguments, "evidence_limit") ?? 20
                text = budget.render(
                    [try await catalog.incident(id: id, evidenceLimit: limit)],
                    narrowing: "lower evidence_limit"
                )
            case .readSeries:
                let incident = try Self.required(arguments, "incident")
                let items = try await catalog.series(
                    incident: incident,
                    metric: try Self.string(arguments, "metric"),
                    points: try Self.integer(arguments, "points") ?? 60
                )
                text = budget.render(items, narrowing: "pass metric, or fewer points")
            case .listAnomalies:
                let ongoing: Bool
                switch arguments["ongoing"] {
                case nil, .null: ongoing = false
                case .bool(let value): ongoing = value
                default: throw AssistError("ongoing: expected true or false")
                }
                text = budget.render(try await catalog.anomalies(ongoingOnly: ongoing), narrowing: "pass ongoing: true")
            case .diagnose:
                let namespace = try ScopeArgument.namespace(try Self.required(arguments, "namespace"))
                let workload = try Self.string(arguments, "workload").map { text throws(AssistError) in
                    try ScopeArgument.workload(text)
                }
                let items = try await catalog.diagnose(namespace: namespace, workload: workload)
                text = budget.render(items, narrowing: "pass workload, or read one incident with get_incident")
            case .propose:
                let items = try await catalog.proposals(incident: try Self.required(arguments, "incident"))
                text = budget.render(items, narrowing: "the first proposals are kept; each is also cut to fit")
            }
            return CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], isError: false)
        } catch let error as AssistError {
            return Self.failure(error)
        } catch {
            return Self.failure(AssistError("\(error)"))
        }
    }

    /// The argument names `tool`'s input schema declares, sorted: read from the schema, so the check and
    /// what `tools/list` promises cannot drift apart.
    private static func arguments(of tool: Name, in definitions: [Tool]) -> [String] {
        guard let definition = definitions.first(where: { $0.name == tool.rawValue }),
            case .object(let schema) = definition.inputSchema,
            case .object(let properties)? = schema["properties"]
        else { return [] }
        return properties.keys.sorted()
    }

    private static func failure(_ error: AssistError) -> CallTool.Result {
        CallTool.Result(content: [.text(text: error.description, annotations: nil, _meta: nil)], isError: true)
    }

    private static func string(_ arguments: [String: Value], _ key: String) throws(AssistError) -> String? {
        switch arguments[key] {
        case nil, .null: return nil
        case .string(let value) where !value.isEmpty: return value
        default: throw AssistError("\(key): expected a non-empty string")
        }
    }

    private static func required(_ arguments: [String: Value], _ key: String) throws(AssistError) -> String {
        guard let value = try string(arguments, key) else { throw AssistError("\(key): required") }
        return value
    }

    /// A positive integer, at most 10,000 (a bound on what an agent can make an adapter build).
    private static func integer(_ arguments: [String: Value], _ key: String) throws(AssistError) -> Int? {
        switch arguments[key] {
        case nil, .null: return nil
        case .int(let value) where (1...10_000).contains(value): return value
        case .double(let value) where value == value.rounded() && (1...10_000).contains(value): return Int(value)
        default: throw AssistError("\(key): expected an integer from 1 to 10000")
        }
    }
}
