import Foundation
import HTTPTypes
import Hummingbird
import MCP
import NIOCore
import VigilAssist
import VigilEngine

extension VigilServer {
    /// The largest JSON-RPC message `/mcp` reads: a tool call is a few hundred bytes.
    static let mcpBodyLimit = 256 * 1024

    /// `POST /mcp`: the MCP tools (``AssistTools``) over the Model Context Protocol's streamable HTTP,
    /// stateless — each POST is answered with one JSON response, no session, no server-sent events (GET
    /// and DELETE answer 405, as the specification allows). Behind the same authentication as every
    /// path (a 401 before routing); the SDK's checks refuse a browser `Origin` that is not loopback.
    ///
    /// A server per request: JSON-RPC ids are only unique per client, and a stateless server shares
    /// nothing between requests anyway.
    func addMCPRoute(to router: Router<VigilRequestContext>) {
        let preview = RecordedPreview { [proposals] id in await proposals?.proposalState(id: id) }
        let catalog = DaemonCatalog(status: status, preview: preview)
        let tools = AssistTools(catalog: catalog)
        let answerDeadline = mcpAnswerDeadline
        router.on("/mcp", method: .post) { request, _ in
            let body = try await request.body.collect(upTo: Self.mcpBodyLimit)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let data = Data(body.readableBytesView)
            // Refused as `vigil mcp` refuses it (``IncomingMessage``): what the SDK would answer under an
            // id of its own making, with the wrong error, or never — a message that is a request and a
            // response at once, its transport waiting for an answer its server never gives.
            let message = MCP.HTTPRequest(method: "POST", headers: headers, body: data, path: "/mcp")
            let incoming = IncomingMessage(data)
            if let refusal = incoming.refusal {
                // The transport's own checks first, as it makes them before it reads a message: a web
                // page's request is refused as such (403), whatever its body.
                let context = HTTPValidationContext(
                    httpMethod: "POST",
                    sessionID: nil,
                    isInitializationRequest: incoming.isInitializeRequest,
                    supportedProtocolVersions: Version.supported
                )
                if let refused = Self.mcpChecks.validate(message, context: context) { return Self.response(refused) }
                return Response(
                    status: incoming.refusalAnswersARequest ? .ok : .badRequest,
                    headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: refusal))
                )
            }
            let transport = StatelessHTTPServerTransport()
            let server = await AssistServer.make(tools: tools)
            try await server.start(transport: transport)
            // Closing the transport answers a request the server never will (500), so no POST waits
            // for ever whatever it holds.
            let deadline = Task {
                try await Task.sleep(for: answerDeadline)
                await transport.disconnect()
            }
            let answer = await transport.handleRequest(message)
            deadline.cancel()
            await server.stop()
            return Self.response(answer)
        }
    }

    /// The checks `StatelessHTTPServerTransport` makes by default (loopback `Origin`, `Accept`,
    /// `Content-Type`, `MCP-Protocol-Version`), for what Vigil answers without it.
    static let mcpChecks = StandardValidationPipeline(validators: [
        OriginValidator.localhost(), AcceptHeaderValidator(mode: .jsonOnly), ContentTypeValidator(),
        ProtocolVersionValidator(),
    ])

    private static func response(_ answer: MCP.HTTPResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let name = HTTPField.Name(name) { fields[name] = value }
        }
        return Response(
            status: HTTPTypes.HTTPResponse.Status(code: answer.statusCode),
            headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.bodyData ?? Data()))
        )
    }
}
