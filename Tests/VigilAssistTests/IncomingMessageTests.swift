import Foundation
import Testing

@testable import VigilAssist

/// How `vigil mcp`'s reader and the daemon's `/mcp` see a message: refused outright, or handed on with
/// the requests it owes answers to.
struct IncomingMessageTests {
    static func line(_ text: String) -> IncomingMessage { IncomingMessage(Data(text.utf8)) }

    /// The refusal's one error, from a batch of one where the refused text was a batch.
    static func error(_ refusal: Data?) throws -> (id: Any?, code: Int?, message: String?) {
        let data = try #require(refusal)
        let parsed = try JSONSerialization.jsonObject(with: data)
        let batch = parsed as? [Any]
        if let batch { try #require(batch.count == 1) }
        let object = try #require((batch?.first ?? parsed) as? [String: Any])
        let error = object["error"] as? [String: Any]
        return (object["id"], error?["code"] as? Int, error?["message"] as? String)
    }

    @Test func requestsAreOwedAnswersAndNotificationsAreNot() {
        let request = Self.line(#"{"jsonrpc":"2.0","id":7,"method":"tools/list"}"#)
        #expect(request.refusal == nil && request.requestIDs == ["n7"] && request.cancelledIDs.isEmpty)
        #expect(Self.line(#"{"jsonrpc":"2.0","id":"7","method":"ping"}"#).requestIDs == ["s7"])
        #expect(Self.line(#"{"jsonrpc":"2.0","id":7.0,"method":"ping"}"#).requestIDs == ["n7"])
        let notification = Self.line(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        #expect(notification.refusal == nil && notification.requestIDs.isEmpty)
        // A client's answer to a request of the server's is owed nothing.
        #expect(Self.line(#"{"jsonrpc":"2.0","id":1,"result":{}}"#).requestIDs.isEmpty)
        let cancel = Self.line(
            #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"a","reason":"x"}}"#
        )
        #expect(cancel.cancelledIDs == ["sa"] && cancel.requestIDs.isEmpty)
        let batch = Self.line(#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":"b","method":"ping"}]"#)
        #expect(batch.refusal == nil && batch.requestIDs == ["n1", "sb"])
    }

    /// An answer's ids are keyed as its request's were: the SDK writes an id of 7.0 as 7.
    @Test func answersSettleTheirRequests() {
        #expect(IncomingMessage.answeredIDs(in: Data(#"{"id":7,"jsonrpc":"2.0","result":{}}"#.utf8)) == ["n7"])
        #expect(
            IncomingMessage.answeredIDs(in: Data(#"[{"id":"b","jsonrpc":"2.0","error":{"code":1,"message":""}}]"#.utf8))
                == ["sb"]
        )
        // The server's own requests and notifications answer nothing.
        #expect(IncomingMessage.answeredIDs(in: Data(#"{"jsonrpc":"2.0","id":9,"method":"ping"}"#.utf8)).isEmpty)
    }

    /// A string or number the SDK cannot read anywhere in the message (a lone surrogate, a byte that is no
    /// UTF-8, `1e400`) is a parse error, answered to the request's id where it can be read: the SDK
    /// answered it under an id of its own making, and the request stayed owed an answer for ever.
    @Test func anUnreadableStringOrNumberIsAParseErrorAnsweredToItsRequest() throws {
        let surrogate = Data(#"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":{"x":"\ud800"}}}"#.utf8)
        let notUTF8 =
            Data(
                #"{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"diagnose","arguments":{"namespace":""#
                    .utf8
            )
            + Data([0xC3]) + Data(#""}}}"#.utf8)
        let huge = Data(
            #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"x","arguments":{"n":1e400}}}"#.utf8
        )
        let notification = Data(#"{"jsonrpc":"2.0","method":"notifications/initialized","params":{"x":"\udc00"}}"#.utf8)
        for (line, id) in [(surrogate, 1 as Any), (notUTF8, "a"), (huge, 2), (notification, NSNull())] {
            let read = IncomingMessage(line)
            let refusal = try Self.error(read.refusal)
            #expect(refusal.code == -32700 && read.requestIDs.isEmpty)
            #expect("\(refusal.id ?? "none")" == "\(id)")
        }
    }

    /// JSON-RPC's codes where the SDK gave others: params a method does not take are invalid params
    /// (-32602; it said internal error), an object that is neither request nor response an invalid
    /// request (-32600; it said parse error), both answered to the id; an empty batch an invalid request
    /// with the null id (the SDK made up an id).
    @Test(arguments: [
        (#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":5}}"#, -32602, "3"),
        (#"{"jsonrpc":"2.0","id":3,"method":"tools/call"}"#, -32602, "3"),
        (#"{"jsonrpc":"2.0","id":"c","method":"tools/call","params":{"name":"x","arguments":[1]}}"#, -32602, "c"),
        (#"{"jsonrpc":"2.0","id":0,"method":"initialize"}"#, -32602, "0"),
        (#"{"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"cursor":"bogus"}}"#, -32602, "4"),
        (#"{"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"cursor":5}}"#, -32602, "4"),
        // The SDK reads a batch's items whole: a field it cannot read anywhere in one is a parse error.
        (#"[{"jsonrpc":"2.0","id":6,"method":"ping","x":1e400}]"#, -32700, "<null>"),
        (#"{"jsonrpc":"2.0","id":1}"#, -32600, "1"),
        ("[]", -32600, "<null>"),
    ])
    func refusalsCarryJSONRPCsCodes(line: String, code: Int, id: String) throws {
        let refusal = try Self.error(Self.line(line).refusal)
        #expect(refusal.code == code, "\(refusal)")
        #expect("\(refusal.id ?? "none")" == id)
    }

    /// What the SDK reads as it did is handed on: a null cursor is none, and a field it never reads
    /// (outside the params) is not judged. A response is never answered under its id.
    @Test func whatTheSDKReadsIsNotRefused() throws {
        #expect(Self.line(#"{"jsonrpc":"2.0","id":5,"method":"tools/list","params":{"cursor":null}}"#).refusal == nil)
        #expect(Self.line(#"{"jsonrpc":"2.0","id":6,"method":"ping","x":1e400}"#).refusal == nil)
        let response = try Self.error(Self.line(#"{"jsonrpc":"2.0","id":7,"result":{},"params":{"a":1e400}}"#).refusal)
        #expect(response.code == -32700 && response.id is NSNull)
    }

    @Test func whatIsNoMessageIsRefusedWithTheNullId() throws {
        let parse = try Self.error(Self.line("this is not json").refusal)
        #expect(parse.id is NSNull && parse.code == -32700)
        let fragment = try Self.error(Self.line("1").refusal)
        #expect(fragment.id is NSNull && fragment.code == -32600)
    }

    /// What the SDK would answer with an id of its own making (an id neither a string nor an integer),
    /// or not at all (a request with a result: the SDK takes it for a response), is refused: it would be
    /// owed an answer for ever, and sixteen of them would stop the session.
    @Test(arguments: [
        #"{"jsonrpc":"2.0","id":null,"method":"ping"}"#, #"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
        #"{"jsonrpc":"2.0","id":true,"method":"ping"}"#, #"{"jsonrpc":"2.0","id":{},"method":"ping"}"#,
        #"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":[1],"method":"ping"}]"#,
        #"{"jsonrpc":"2.0","id":1,"method":"tools/list","result":{}}"#,
        #"[{"jsonrpc":"2.0","id":"a","method":"ping","error":{"code":1,"message":"x"}}]"#,
        // The SDK fails a whole batch on one item it cannot decode, and answers under a random id.
        #"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"method":"x"}]"#,
        #"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2}]"#,
        #"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":7}]"#,
        #"{"jsonrpc":"1.0","id":1,"method":"ping"}"#, #"{"id":1,"method":"ping"}"#,
        // It rewrites a data URL where a message passes through its `Value` (a batch's items).
        #"[{"jsonrpc":"2.0","id":"data:,1","method":"ping"}]"#,
    ])
    func whatWouldNeverBeAnsweredIsRefused(_ text: String) throws {
        let line = Self.line(text)
        #expect(line.requestIDs.isEmpty)
        let refused = try Self.error(line.refusal)
        #expect(refused.id is NSNull && refused.code == -32600)
    }

    /// A refused batch is answered with a batch, as JSON-RPC answers one; text that is no JSON, an empty
    /// batch and a single message are answered with one object.
    @Test func aBatchIsAnsweredWithABatch() throws {
        for text in [
            #"[{"jsonrpc":"2.0","id":"a","method":"ping","error":{"code":1,"message":"x"}}]"#, "[1]", " [1,2]",
            #"[{"jsonrpc":"1.0","id":1,"method":"ping"}]"#, #"[{"jsonrpc":"2.0","id":6,"method":"ping","x":1e400}]"#,
        ] {
            let refusal = try #require(Self.line(text).refusal, "\(text)")
            #expect(try JSONSerialization.jsonObject(with: refusal) is [Any], "\(text)")
        }
        for text in ["[", "[]", #"{"jsonrpc":"1.0","id":1,"method":"ping"}"#, "1"] {
            let refusal = try #require(Self.line(text).refusal, "\(text)")
            #expect(try JSONSerialization.jsonObject(with: refusal) is [String: Any], "\(text)")
        }
        #expect(
            Self.line(#"{"jsonrpc":"2.0","id":6,"method":"tools/list","params":{"cursor":5}}"#).refusalAnswersARequest
        )
        #expect(!Self.line("[1]").refusalAnswersARequest)
        // An id echoed on what is no request answers no request (HTTP 400, not 200).
        #expect(!Self.line(#"{"jsonrpc":"2.0","id":1}"#).refusalAnswersARequest)
    }

    /// A batch of more than 16 messages is refused whole: the SDK answers a batch inside its read loop,
    /// one request after another and past the gate on tool calls, and all its answers in one line.
    @Test func aBatchTooLargeIsRefusedWhole() throws {
        let ping = #"{"jsonrpc":"2.0","id":1,"method":"ping"}"#
        #expect(Self.line("[" + Array(repeating: ping, count: 16).joined(separator: ",") + "]").refusal == nil)
        let large = Self.line("[" + Array(repeating: ping, count: 17).joined(separator: ",") + "]")
        #expect(large.requestIDs.isEmpty)
        let refused = try Self.error(large.refusal)
        #expect(refused.id is NSNull && refused.code == -32600)
        #expect(refused.message == "Invalid Request: a batch of 17 messages; at most 16 are answered in one")
    }
}
