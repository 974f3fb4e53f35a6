import MCP
import VigilHTTP

/// Vigil's MCP server: the tools of ``AssistTools`` on a server of the Model Context Protocol's Swift
/// SDK, over any of its transports — stdio for `vigil mcp`, stateless streamable HTTP for the daemon's
/// `/mcp`.
public enum AssistServer {
    /// The name the server gives in `initialize`, beside ``VigilRelease/version``.
    public static let name = "vigil"

    /// A server answering `tools/list` and `tools/call` from `tools`, not yet started.
    public static func make(tools: AssistTools) async -> Server {
        // The SDK's default configuration, not `.strict`: strict, it answers nothing to a request that
        // comes before `initialize`, and `vigil mcp`'s transport counts every request as owed an answer.
        let server = Server(
            name: name,
            version: VigilRelease.version,
            instructions:
                "Vigil diagnoses Kubernetes workloads from metrics and events. These tools only read: list incidents, read their evidence and series, diagnose a namespace, and see the proposed fix with its kubectl command and dry run. Nothing here changes the cluster.",
            capabilities: .init(tools: .init(listChanged: false))
        )
        await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: tools.definitions) }
        await server.withMethodHandler(CallTool.self) { params in try await answer(params, with: tools) }
        return server
    }

    /// A tool call's result, or `CancellationError` once the client cancelled the call
    /// (`notifications/cancelled`): the SDK then answers nothing, as the specification asks. A tool's
    /// failures are its result's `isError`, so a cancelled call was answered all the same.
    static func answer(_ params: CallTool.Parameters, with tools: AssistTools) async throws -> CallTool.Result {
        let result = try await tools.call(params.name, arguments: params.arguments)
        try Task.checkCancellation()
        return result
    }
}
