import Foundation
import MCP
import VigilHTTP

/// A JSON-RPC text as the MCP server's transports receive it — a line of `vigil mcp`'s input, the body of
/// a POST to the daemon's `/mcp` — read once: refused outright (with the answer the transport writes
/// itself), or a message or batch for the SDK, with the requests in it that are owed an answer and those it
/// cancels (the SDK answers a cancelled request with nothing). The requests owed bound how much the server
/// is asked at once on stdio (`StdioBacklog`), and the end of its input waits for their answers. A refused
/// batch is answered with a batch, as JSON-RPC answers one, unless it is no JSON or empty.
public struct IncomingMessage: Sendable {
    /// The transport's own answer, when the SDK is not to see the message.
    public private(set) var refusal: Data?
    /// The refusal answers a request under its id: an answer, not a refusal of the text (HTTP 200, not 400).
    public private(set) var refusalAnswersARequest = false
    /// The requests in the message, each keyed by its id as ``Message`` reads it.
    public private(set) var requestIDs: [String] = []
    /// The requests a `notifications/cancelled` in the message cancels.
    public private(set) var cancelledIDs: [String] = []

    /// The most messages in one batch. The SDK answers a batch's requests one after another inside its
    /// read loop (past ``CallGate``), and their answers as one line: a 256-KiB line of 5,000 requests
    /// would be tens of megabytes of answer. MCP 2025-06-18 dropped batches; an agent of an earlier
    /// version batches a few calls.
    public static let maxBatch = 16

    /// It is one `initialize` request (the SDK's transport checks no protocol version header for one).
    public private(set) var isInitializeRequest = false

    public init(_ text: Data) {
        read(text)
        // A refused batch is answered with a batch (JSON-RPC 2.0, "Batch"): one error for the whole of it.
        if let refusal, answersAsBatch { self.refusal = Data("[".utf8) + refusal + Data("]".utf8) }
    }

    /// The text is a batch that is JSON and not empty: JSON-RPC answers it with a batch.
    private var answersAsBatch = false

    /// Refuses the text; `id`: the request the refusal answers, under its id.
    private mutating func refuse(_ code: Int, _ message: String, id: String? = nil) {
        refusal = Self.error(code, message, id: id)
        refusalAnswersARequest = id != nil
    }

    private mutating func read(_ line: Data) {
        let decoder = JSONDecoder()
        let messages: [Message]
        var isBatch = false
        if let batch = try? decoder.decode([Message].self, from: line) {
            isBatch = true
            answersAsBatch = !batch.isEmpty
            guard batch.count <= Self.maxBatch else {
                refuse(
                    -32600,
                    "Invalid Request: a batch of \(batch.count) messages; at most \(Self.maxBatch) are answered in one"
                )
                return
            }
            messages = batch
        } else if let message = try? decoder.decode(Message.self, from: line) {
            messages = [message]
        } else if let json = try? JSONSerialization.jsonObject(with: line, options: .fragmentsAllowed) {
            answersAsBatch = (json as? [Any])?.isEmpty == false
            // JSON that is no message (`1`, `"a"`), or a batch holding one: the null id JSON-RPC asks for
            // (the SDK answered with an id of its own making, which no request had).
            refuse(-32600, "Invalid Request")
            return
        } else {
            refuse(-32700, "Parse error")
            return
        }
        isInitializeRequest = !isBatch && messages.first?.method == "initialize" && messages.first?.id != nil
        // Its params readable, as the SDK reads them: a lone surrogate (`"\\ud800"`), a byte that is no
        // UTF-8 or `1e400` in them passed the fields read above, and the SDK answered it with an id of its
        // own making, so its request stayed owed an answer for ever and held its place in the backlog. A
        // request is answered under its id; a response (no method) never is, so its refusal has none.
        // A batch's items the SDK reads whole (`[Value]`); a single message, its params.
        let readable =
            isBatch
            ? (try? decoder.decode([Value].self, from: line)) != nil
            : (try? decoder.decode(ReadableParams.self, from: line)) != nil
        guard readable else {
            let id = isBatch || messages.first?.method == nil ? nil : messages.first?.id
            refuse(-32700, "Parse error: a string or number in the params cannot be read", id: id)
            return
        }
        // What the SDK would answer under an id of its own making, or not at all, would be owed an answer
        // for ever: a message it cannot decode (it answers with a random id; in a batch, one such item
        // fails the whole batch), a request whose id it cannot read, and a message with a method and a
        // result, which it takes for a response. (The daemon's `/mcp` refuses the last as well.)
        guard messages.allSatisfy({ $0.version == "2.0" && $0.methodIsReadable }) else {
            refuse(
                -32600,
                "Invalid Request: a message needs \"jsonrpc\":\"2.0\" and a string method, if any"
            )
            return
        }
        guard !isBatch || messages.allSatisfy({ $0.method != nil }) else {
            refuse(-32600, "Invalid Request: a batch holds requests and notifications only")
            return
        }
        guard messages.allSatisfy({ $0.method == nil || !$0.hasInvalidID }) else {
            refuse(-32600, "Invalid Request: a request's id must be a string or an integer")
            return
        }
        guard messages.allSatisfy({ $0.method == nil || !$0.hasOutcome }) else {
            refuse(-32600, "Invalid Request: a message is a request or a response, not both")
            return
        }
        guard !isBatch || !messages.isEmpty else {
            refuse(-32600, "Invalid Request: an empty batch")
            return
        }
        // A message with an id and neither a method nor an outcome is no request and no response: the SDK
        // called it a parse error, which JSON-RPC keeps for text that is no JSON.
        if !isBatch, let message = messages.first, message.method == nil, !message.hasOutcome {
            refuse(-32600, "Invalid Request: neither a method nor a result or error", id: message.id)
            refusalAnswersARequest = false  // its id is echoed, but it is no request
            return
        }
        if !isBatch, let message = messages.first, let id = message.id, let problem = Self.paramsProblem(message, line)
        {
            refuse(-32602, "Invalid params: \(problem)", id: id)
            return
        }
        for message in messages where message.method != nil {
            if let id = message.id {
                requestIDs.append(id)
            } else if let id = message.cancels {
                cancelledIDs.append(id)
            }
        }
    }

    /// Why a request's params are not what its method takes, for the methods Vigil answers: the SDK
    /// answered such a request with an internal error (-32603), where JSON-RPC has invalid params
    /// (-32602). `tools/list` takes no cursor: every tool comes in one page, so any cursor is invalid.
    private static func paramsProblem(_ message: Message, _ line: Data) -> String? {
        let method = message.method ?? ""
        switch method {
        case "tools/call": return problem(method, CallTool.Parameters.self, line)
        case "initialize": return problem(method, Initialize.Parameters.self, line)
        case "tools/list": return message.hasCursor ? "no such cursor: every tool is listed in one page" : nil
        default: return nil
        }
    }

    /// A message's params as the SDK reads them (every string and number in them), and nothing else.
    private struct ReadableParams: Decodable {
        var params: Value?
    }

    /// The message's params as `Params`, or why they are not.
    private struct Envelope<Params: Decodable>: Decodable {
        var params: Params
    }

    private static func problem<Params: Decodable>(_ method: String, _ type: Params.Type, _ line: Data) -> String? {
        do {
            _ = try JSONDecoder().decode(Envelope<Params>.self, from: line)
            return nil
        } catch let DecodingError.keyNotFound(key, _) {
            return "\(method) needs \"\(key.stringValue)\""
        } catch {
            return "\(method)'s params are not of the shape it takes"
        }
    }

    /// The requests an answer the server writes (a response, or a batch's responses) answers.
    public static func answeredIDs(in answer: Data) -> [String] {
        let decoder = JSONDecoder()
        let messages =
            (try? decoder.decode([Message].self, from: answer)) ?? (try? decoder.decode(Message.self, from: answer)).map
        {
            [$0]
        } ?? []
        return messages.compactMap { $0.method == nil ? $0.id : nil }
    }

    /// The fields the transport reads of a JSON-RPC message. An id is read as the SDK reads it (a string,
    /// else an integer, which 7.0 is too), and keyed so that "7" and 7 differ.
    private struct Message: Decodable {
        var version: String?
        var method: String?
        /// There is no method, or it is a string.
        var methodIsReadable = true
        var id: String?
        /// There is an id, and it is neither a string nor an integer (null, 1.5, true, an object).
        var hasInvalidID = false
        /// It has a result or an error: it is a response.
        var hasOutcome = false
        /// The request a `notifications/cancelled` cancels.
        var cancels: String?
        /// Its params hold a `cursor`.
        var hasCursor = false

        enum Keys: String, CodingKey {
            case version = "jsonrpc"
            case method, id, params, requestId, result, error, cursor
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            version = try? container.decode(String.self, forKey: .version)
            method = try? container.decode(String.self, forKey: .method)
            methodIsReadable = method != nil || !container.contains(.method)
            hasOutcome = container.contains(.result) || container.contains(.error)
            if container.contains(.id) {
                id = Self.key(container, .id)
                hasInvalidID = id == nil
            }
            if let params = try? container.nestedContainer(keyedBy: Keys.self, forKey: .params) {
                if method == "notifications/cancelled" { cancels = Self.key(params, .requestId) }
                // A null cursor is none, as the SDK reads it; any other is one (of no shape the SDK takes).
                hasCursor = params.contains(.cursor) && !((try? params.decodeNil(forKey: .cursor)) ?? false)
            }
        }

        /// A string that reads as a data URL is none: the SDK rewrites it where it passes a message through
        /// its `Value` (a batch's items, a cancellation's parameters), `data:,1` as `data:text/plain;base64,MQ==`.
        static func key(_ container: KeyedDecodingContainer<Keys>, _ key: Keys) -> String? {
            if let text = try? container.decode(String.self, forKey: key) {
                return Data.isDataURL(string: text) ? nil : "s" + text
            }
            if let number = try? container.decode(Int.self, forKey: key) { return "n\(number)" }
            return nil
        }
    }

    /// A JSON-RPC error answer to the request keyed `id` (as ``Message`` keys it), or with the null id
    /// where the line has no id the transport can answer to.
    public static func error(_ code: Int, _ message: String, id: String? = nil) -> Data {
        let idJSON =
            id.map { $0.hasPrefix("s") ? String($0.dropFirst()).jsonLiteral : String($0.dropFirst()) } ?? "null"
        return Data(
            #"{"jsonrpc":"2.0","id":\#(idJSON),"error":{"code":\#(code),"message":\#(message.jsonLiteral)}}"#.utf8
        )
    }
}
