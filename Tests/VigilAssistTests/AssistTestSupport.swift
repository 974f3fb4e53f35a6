import Foundation
import VigilCLI
import VigilHTTP
import VigilTestKit

/// The repository, found from this file.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// `vigil ARGUMENTS` run in this process; its exit status and what it wrote.
func vigil(_ arguments: [String]) async -> (status: Int32, stdout: String, stderr: String) {
    let out = Written()
    let err = Written()
    let console = Console(writeOut: { out.append($0) }, writeError: { err.append($0) })
    let status = await Console.$current.withValue(console) { await VigilCommand.run(arguments) }
    return (status, out.text, err.text)
}

/// Text written from any thread (NSLock: ThreadSanitizer sees through it on Linux).
final class Written: @unchecked Sendable {
    private let lock = NSLock()
    private var written = ""

    func append(_ text: String) { lock.withLock { written += text } }
    var text: String { lock.withLock { written } }
}

/// The recording chat-completions server of Fixtures/, started for one test.
final class FakeChatServer: Sendable {
    let script: LoopbackScript

    init() throws {
        script = try LoopbackScript(
            script: repositoryRoot.appendingPathComponent("Tests/VigilAssistTests/Fixtures/fake_chat_server.py")
        )
    }

    /// The API base for a behaviour: echo, hostile, hang or fail.
    func url(_ mode: String) -> String { "http://127.0.0.1:\(script.port)/\(mode)/v1" }

    /// Every request received so far.
    func recorded() async throws -> [(path: String, authorization: String?, body: String)] {
        let response = try await CurlHTTPClient().execute(HTTPRequest(url: "http://127.0.0.1:\(script.port)/recorded"))
        let list = try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]] ?? []
        return list.map { ($0["path"] as? String ?? "", $0["authorization"] as? String, $0["body"] as? String ?? "") }
    }

    /// Waits until the server has received `count` requests: a test on a manual clock must not let a
    /// timeout pass before the request it bounds has reached the server (curl starts slower under
    /// ThreadSanitizer). Polls the server, up to 30 s.
    func waitForRequests(_ count: Int) async throws {
        for _ in 0..<3000 {
            if try await recorded().count >= count { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw AssistTestFailure("the chat server never received \(count) requests")
    }

    func stop() { script.stop() }
}

/// A temporary directory holding `files`.
func temporaryDirectory(_ files: [String: String]) throws -> TemporaryDirectory {
    let directory = try TemporaryDirectory("assist")
    for (name, contents) in files {
        try Data(contents.utf8).write(to: directory.file(name))
    }
    return directory
}

/// A copy of `scenario` with one more event on the pod of its first `BackOff`: a failed probe saying
/// `message`, what a workload's author (or an attacker with a pod) can put in front of a model. Its own
/// reason, so it is not folded into the `BackOff` events and does reach the incident.
func plantedScenario(
    event message: String,
    reason: String = "Unhealthy",
    in scenario: URL
) throws -> TemporaryDirectory {
    var events =
        try JSONSerialization.jsonObject(with: Data(contentsOf: scenario.appendingPathComponent("events.json")))
        as? [String: Any] ?? [:]
    var items = events["items"] as? [[String: Any]] ?? []
    guard var planted = items.first(where: { ($0["reason"] as? String) == "BackOff" }) else {
        throw CocoaError(.fileReadCorruptFile)
    }
    planted["message"] = message
    planted["reason"] = reason
    var metadata = planted["metadata"] as? [String: Any] ?? [:]
    metadata["name"] = "planted.1"
    metadata["uid"] = "planted-1"
    planted["metadata"] = metadata
    items.append(planted)
    events["items"] = items
    var files = [String: String]()
    for name in ["cluster.json", "metrics.om"] {
        files[name] = try String(contentsOf: scenario.appendingPathComponent(name), encoding: .utf8)
    }
    files["events.json"] = String(decoding: try JSONSerialization.data(withJSONObject: events), as: UTF8.self)
    return try temporaryDirectory(files)
}
