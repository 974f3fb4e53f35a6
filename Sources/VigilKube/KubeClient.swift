import Foundation
import VigilHTTP

/// Why a request to the API server failed: the server's own `Status` message when it sent one
/// (`deployments.apps "web" not found`), else the transport's.
public struct KubeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status, 0 when no answer came.
    public let code: Int
    /// The Status `reason` (`NotFound`, `Forbidden`, `Conflict`, …), when the server gave one.
    public let reason: String?
    public let message: String
    /// No answer came because the cluster could not be reached: a connection refused or unreachable, a TLS
    /// failure, a timeout, a transfer cut short, or no credential to send (an exec plugin that failed).
    /// (Code 0 alone also covers what the client refused before sending anything, as kubectl does: a
    /// drain's pods it may not evict, no rollout history.)
    public var unreached = false

    public var description: String {
        code == 0 ? message : "Error from server (\(reason ?? "HTTP \(code)")): \(message)"
    }

    init(code: Int, reason: String?, message: String) {
        self.code = code
        self.reason = reason
        self.message = message
    }

    /// A request the transport could not carry to an answer.
    init(transport error: HTTPClientError) {
        self.init(code: 0, reason: nil, message: error.message)
        unreached = [HTTPClientError.Kind.timeout, .connection, .tls, .transfer].contains(error.kind)
    }
}

/// What an action did.
public struct ActionOutcome: Sendable, Equatable {
    /// kubectl's line for it (`deployment.apps/web restarted`, `node/node-1 already cordoned`), with
    /// `(server dry run)` when nothing was stored.
    public var summary: String
    /// Whether a change was sent (false when the object was already in the wanted state).
    public var changed: Bool
    /// The kubectl command that does the same.
    public var kubectl: String
    /// The object as read before the change (JSON; empty for an action that reads nothing).
    public var before: [UInt8] = []
    /// The server's answer to the change: the object as it is (or, in a dry run, would be) after it;
    /// empty when no change was sent or the answer is not the object (a drain).
    public var after: [UInt8] = []
    /// A rollback's JSON patch as computed from the replicasets (the revision's template and annotations),
    /// before any precondition: what its dry run checked, for the record of the change and for
    /// `perform`'s `rollbackPatch`. Empty for other actions, and when the rollback changes nothing.
    public var rollbackPatch: [UInt8] = []
}

/// The API client: requests as kubectl sends them, over Vigil's HTTP client, with the connection's
/// credentials, JSON only, a timeout on everything, and nothing its ``KubeAccess`` does not permit.
public struct KubeClient: Sendable {
    public let connection: KubeConnection
    /// What it may send; every caller says which, so a client that only watches cannot write.
    public private(set) var access: KubeAccess
    private let transport: any HTTPTransport
    private let execCredentials: ExecCredentialRunner?
    private let limiter: RequestRateLimiter
    public var timeout: Double = 30

    /// `qps` and `burst` limit the request rate as client-go's do (watches count once, when opened).
    public init(
        connection: KubeConnection,
        transport: any HTTPTransport,
        access: KubeAccess,
        qps: Double = 5,
        burst: Int = 10
    ) {
        self.connection = connection
        self.access = access
        self.transport = transport
        execCredentials = connection.credential.execPlugin.map { ExecCredentialRunner(plugin: $0) }
        limiter = RequestRateLimiter(qps: qps, burst: burst)
    }

    /// This client, permitted no more than `access` (never more than it was): what a part that only
    /// watches keeps of the client it is given, whoever made it.
    public func narrowed(to access: KubeAccess) -> KubeClient {
        var narrowed = self
        narrowed.access = min(self.access, access)
        return narrowed
    }

    /// Sends `request`; the body of a 2xx answer, or a ``KubeError``.
    /// `timeout` and `maxBodyBytes`, where given, replace the client's and the transport's defaults (a
    /// whole collection in one answer takes longer and weighs more than one page).
    public func send(
        _ request: KubeRequest,
        timeout: Double? = nil,
        maxBodyBytes: Int? = nil
    ) async throws(KubeError) -> [UInt8] {
        var (response, sent) = try await execute(request, timeout: timeout, maxBodyBytes: maxBodyBytes)
        if response.status == 401, let execCredentials {
            // An expired or revoked plugin credential: run the plugin again, once.
            await execCredentials.invalidate(ifSentIn: sent)
            (response, _) = try await execute(request, timeout: timeout, maxBodyBytes: maxBodyBytes)
        }
        try Self.check(response.status, body: response.body)
        return response.body
    }

    /// The answer to `request`, and the HTTP request that carried it (with the credential it sent).
    private func execute(
        _ request: KubeRequest,
        timeout requestTimeout: Double?,
        maxBodyBytes: Int?
    ) async throws(KubeError) -> (HTTPResponse, HTTPRequest) {
        var http = try await http(request, timeout: requestTimeout ?? timeout)
        if let maxBodyBytes { http.maxBodyBytes = maxBodyBytes }
        do {
            return (try await transport.execute(http), http)
        } catch {
            throw KubeError(transport: error)
        }
    }

    /// Sends `request` and hands its body over as it arrives (a watch); `onChunk` returning false
    /// stops the transfer. Throws a ``KubeError`` for a refused request.
    public func stream(
        _ request: KubeRequest,
        timeout: Double,
        onChunk: @escaping @Sendable ([UInt8]) -> Bool
    ) async throws(KubeError) {
        // A refusal's Status arrives through the chunk callback too: keep its start for the error.
        let head = BodyHead()
        var http = try await http(request, timeout: timeout)
        http.maxBodyBytes = 0  // a watch runs for minutes; the reflector bounds each frame instead
        let response: HTTPResponse
        do {
            response = try await transport.stream(http) { _, bytes in
                let chunk = Array(bytes)
                head.keep(chunk)
                return onChunk(chunk)
            }
        } catch {
            if error.kind == .cancelled { return }
            throw KubeError(transport: error)
        }
        // As `send` does, but for the next watch rather than this one (its chunks are delivered): a
        // revoked plugin credential, or one that names no expiry, would otherwise be sent for ever, and
        // every watch refused while the cluster model stood still.
        if response.status == 401, let execCredentials { await execCredentials.invalidate(ifSentIn: http) }
        try Self.check(response.status, body: head.bytes)
    }

    /// The HTTP request for `request`, with the connection's credentials (an exec plugin's included).
    private func http(_ request: KubeRequest, timeout: Double) async throws(KubeError) -> HTTPRequest {
        guard let method = HTTPRequest.Method(rawValue: request.method) else {
            throw KubeError(code: 0, reason: nil, message: "refused before sending: unknown method \(request.method)")
        }
        if let refusal = access.refusal(of: request) { throw refusal }
        await limiter.acquire()
        var tls = connection.tls
        var authorization = connection.authorization
        if let execCredentials {
            let credential = try await execCredentials.credential()
            if let token = credential.token { authorization = .bearer(token) }
            if let certificate = credential.certificatePEM, let key = credential.keyPEM {
                tls.certificatePEM = certificate
                tls.keyPEM = key
            }
        }
        var headers: [(name: String, value: String)] = [
            ("Accept", "application/json"), ("User-Agent", VigilRelease.userAgent),
        ]
        if let contentType = request.contentType { headers.append(("Content-Type", contentType)) }
        var url = url(request)
        // client-go: the kubeconfig's proxy-url for every request, or the environment's proxy for the
        // server's own URL (not the certificate's name it is addressed by below).
        let proxy = connection.proxyURL.map(ProxyRoute.through) ?? ProxyEnvironment.process.route(for: url)
        var connectTo: String?
        if let name = connection.tlsServerName, let components = URLComponents(string: url), let host = components.host
        {
            // Address the server by the certificate's name, and connect to where the URL really points. The
            // name is for TLS alone (client-go sets it as the handshake's ServerName): the Host header still
            // names the server as its URL does, which a proxy in front of the API server may route by.
            headers.append(("Host", URLUserInfo.hostAndPort(url)))
            let port = components.port ?? (components.scheme == "https" ? 443 : 80)
            var renamed = components
            renamed.host = name
            renamed.port = port
            url = renamed.string ?? url
            let target = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            connectTo = "\(name):\(port):\(target):\(port)"
        }
        return HTTPRequest(
            url: url,
            method: method,
            headers: headers,
            body: request.body,
            timeout: timeout,
            tls: tls,
            authorization: authorization,
            acceptCompression: !connection.disableCompression,
            proxy: proxy,
            connectTo: connectTo
        )
    }

    /// A non-2xx answer as the server's Status says it.
    static func check(_ status: Int, body: [UInt8]) throws(KubeError) {
        guard !(200..<300).contains(status) else { return }
        let answer = object(body)
        throw KubeError(
            code: status,
            reason: answer["reason"] as? String,
            message: answer["message"] as? String ?? String(decoding: body.prefix(512), as: UTF8.self)
        )
    }

    /// The first few kilobytes of a streamed body, from any thread.
    private final class BodyHead: @unchecked Sendable {
        private let lock = NSLock()
        private var kept: [UInt8] = []

        func keep(_ chunk: [UInt8]) {
            lock.withLock { if kept.count < 4096 { kept += chunk.prefix(4096 - kept.count) } }
        }

        var bytes: [UInt8] { lock.withLock { kept } }
    }

    /// The full URL of `request` on this connection's server, the query encoded as Go encodes it.
    func url(_ request: KubeRequest) -> String {
        guard !request.query.isEmpty else { return connection.server + request.path }
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+:/,;")
        let query = request.query.map {
            "\($0.name.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.name)="
                + ($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.value)
        }
        return connection.server + request.path + "?" + query.joined(separator: "&")
    }

    /// Does `action` as kubectl does it: reads the object first (it must exist; a node already in the
    /// wanted state is left alone), then sends the change, in server-side dry run when asked. With
    /// `precondition`, the change applies only to the object as it was read, or to the same object (see
    /// ``KubeRequest/preconditioned(_:)``); a drain preconditions its cordon.
    /// `protectedNamespace` says why pods of a namespace may not be evicted (nil: they may): a drain that
    /// would evict one is refused before any eviction, every such pod listed, as kubectl refuses a pod
    /// its filters keep. `rollbackPatch` (a rollback's, from its dry run's ``ActionOutcome/rollbackPatch``)
    /// is what a rollback may send: if the replicasets now give another patch, it is refused as a conflict
    /// (409) and nothing is sent, so the patch recorded before the change is the one sent. A drain calls
    /// `beforeEvicting` with the pods it is about to evict (`namespace/name`), after its cordon and before
    /// the first eviction, and evicts none if it answers why not.
    public func perform(
        _ action: KubeAction,
        dryRun: Bool,
        now: Date = Date(),
        precondition: KubePrecondition? = nil,
        rollbackPatch: [UInt8]? = nil,
        beforeEvicting: (@Sendable ([String]) async -> String?)? = nil,
        protectedNamespace: @escaping @Sendable (String) -> String? = { _ in nil }
    ) async throws(KubeError) -> ActionOutcome {
        let read = if let check = action.check { try await send(check) } else { [UInt8]() }
        let current = Self.object(read)
        let kubectl = action.kubectlCommand(dryRun: dryRun)
        func outcome(_ summary: String, changed: Bool, after: [UInt8] = []) -> ActionOutcome {
            ActionOutcome(summary: summary, changed: changed, kubectl: kubectl, before: read, after: after)
        }
        func guarded(_ request: KubeRequest) -> KubeRequest {
            precondition.map { request.preconditioned($0) } ?? request
        }
        switch action {
        case .drain(let node, let options):
            var drained = try await drain(
                node,
                options,
                cordon: Self.isUnschedulable(current) ? nil : guarded(action.change(dryRun: dryRun)),
                dryRun: dryRun,
                kubectl: kubectl,
                protectedNamespace: protectedNamespace,
                beforeEvicting: beforeEvicting
            )
            drained.before = read
            return drained
        case .cordon where Self.isUnschedulable(current):
            return outcome("\(action.object) already cordoned", changed: false)
        case .uncordon where !Self.isUnschedulable(current):
            return outcome("\(action.object) already uncordoned", changed: false)
        case .undo(let deployment, let revision):
            return try await undo(
                deployment,
                toRevision: revision,
                dryRun: dryRun,
                planned: rollbackPatch,
                kubectl: kubectl,
                guarded
            )
        default:
            break
        }
        if let refusal = action.refusal(current: current) {
            throw KubeError(code: 0, reason: nil, message: refusal)
        }
        if action.changesNothing(current: current) {
            return outcome("\(action.object) resource requirements unchanged", changed: false)
        }
        let answer = try await send(guarded(action.change(dryRun: dryRun, now: now, current: current)))
        // kubectl patch compares the server's answer with the object it read, and says so when they are equal.
        if action.isKubectlPatch, KubeAction.json(Self.object(answer)) == KubeAction.json(current) {
            return outcome(Self.done("\(action.object) patched (no change)", dryRun), changed: false, after: answer)
        }
        return outcome(Self.done(action.pastTense, dryRun), changed: true, after: answer)
    }

    /// kubectl's line for something done, marked when the server only checked it.
    private static func done(_ line: String, _ dryRun: Bool) -> String {
        dryRun ? line + " (server dry run)" : line
    }

    /// A response body as a JSON object (empty when it is not one).
    public static func object(_ body: [UInt8]) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }

    /// Every item of a collection, following the server's `continue` tokens page by page (each page
    /// asks for `query`, a `limit` included), and the list's resourceVersion; where a token expires
    /// mid-list (410), the whole list again in one unpaged answer.
    public func list(
        _ path: String,
        query: [KubeQueryItem]
    ) async throws(KubeError) -> (items: [[String: Any]], resourceVersion: String?) {
        var items: [[String: Any]] = []
        var resourceVersion: String?
        var token: String?
        repeat {
            let answer: [UInt8]
            do {
                answer = try await send(
                    KubeRequest(method: "GET", path: path, query: query + (token.map { [.init("continue", $0)] } ?? []))
                )
            } catch  where error.code == 410 && token != nil {
                // The continue token expired (the history it held was compacted): the whole list in one
                // answer, as client-go's pager falls back to; paged again, a list longer than the
                // compaction interval would expire every time.
                // As long as the API server gives a request (60 s) and as large as a big cluster's
                // collection (1 GiB): the client's 30 s and the transport's 64 MiB fit one page.
                let whole = Self.object(
                    try await send(
                        KubeRequest(method: "GET", path: path, query: query.filter { $0.name != "limit" }),
                        timeout: 60,
                        maxBodyBytes: 1 << 30
                    )
                )
                let metadata = whole["metadata"] as? [String: Any]
                return (whole["items"] as? [[String: Any]] ?? [], metadata?["resourceVersion"] as? String)
            }
            let page = Self.object(answer)
            items += page["items"] as? [[String: Any]] ?? []
            let metadata = page["metadata"] as? [String: Any]
            resourceVersion = resourceVersion ?? metadata?["resourceVersion"] as? String
            token = (metadata?["continue"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return (items, resourceVersion)
    }

    /// A rollback's JSON patch, as ``ActionOutcome/rollbackPatch`` (empty when the deployment already runs
    /// the revision), computed from the reads `rollout undo` makes and sending nothing: what a change that
    /// has no dry run of its own (an undo's roll forward) records before it is sent, and passes to
    /// `perform` as its `rollbackPatch`.
    public func rollbackPatch(
        _ deployment: KubeObjectReference,
        toRevision: Int?
    ) async throws(KubeError) -> [UInt8] {
        try await rollback(deployment, toRevision: toRevision).patch
    }

    /// The deployment as read and the patch from it and its replicasets (empty: nothing to change).
    private func rollback(
        _ deployment: KubeObjectReference,
        toRevision: Int?
    ) async throws(KubeError) -> (read: [UInt8], patch: [UInt8]) {
        let read = try await send(KubeRequest(method: "GET", path: deployment.path))
        let object = Self.object(read)
        let replicaSets = try await list(
            "/apis/apps/v1/namespaces/\(deployment.namespace)/replicasets",
            query: [.init("labelSelector", RolloutUndo.labelSelector(of: object))]
        ).items
        let patch = try RolloutUndo.patch(deployment: object, replicaSets: replicaSets, toRevision: toRevision)
        return (read, patch.map(KubeAction.json) ?? [])
    }

    /// `rollout undo`, with kubectl's requests: the deployment (read again, as kubectl's typed client
    /// does), its replicasets by selector, then the JSON patch.
    private func undo(
        _ deployment: KubeObjectReference,
        toRevision: Int?,
        dryRun: Bool,
        planned: [UInt8]?,
        kubectl: String,
        _ guarded: (KubeRequest) -> KubeRequest
    ) async throws(KubeError) -> ActionOutcome {
        let (read, body) = try await rollback(deployment, toRevision: toRevision)
        if let planned, planned != body {
            throw KubeError(
                code: 409,
                reason: "Conflict",
                message: "the rollback of \(deployment) is not the one planned and recorded (a replicaset "
                    + "changed since): nothing was sent"
            )
        }
        guard !body.isEmpty else {
            return ActionOutcome(
                summary: "\(deployment) skipped rollback (current template already matches revision)",
                changed: false,
                kubectl: kubectl,
                before: read
            )
        }
        let request = KubeAction.undo(deployment, toRevision: toRevision).change(dryRun: dryRun, rollbackPatch: body)
        let answer = try await send(guarded(request))
        return ActionOutcome(
            summary: Self.done("\(deployment) rolled back", dryRun),
            changed: true,
            kubectl: kubectl,
            before: read,
            after: answer,
            rollbackPatch: body
        )
    }

    /// `drain`: the cordon (nil when the node is already cordoned), then ``NodeDrain``'s evictions, all
    /// of them at once, once `beforeEvicting` (if any) has agreed to them.
    private func drain(
        _ node: String,
        _ options: DrainOptions,
        cordon: KubeRequest?,
        dryRun: Bool,
        kubectl: String,
        protectedNamespace: @escaping @Sendable (String) -> String?,
        beforeEvicting: (@Sendable ([String]) async -> String?)?
    ) async throws(KubeError) -> ActionOutcome {
        let deadline = ContinuousClock.now + .seconds(options.timeout)
        var lines: [String] = []
        if let cordon {
            _ = try await send(cordon)
            lines.append(Self.done("node/\(node) cordoned", dryRun))
        } else {
            lines.append("node/\(node) already cordoned")
        }
        let drain = NodeDrain(client: self, node: node, options: options, protectedNamespace: protectedNamespace)
        let evict: [NodeDrain.Eviction]
        do throws(KubeError) {
            let pods = try await list(
                "/api/v1/pods",
                query: [.init("fieldSelector", "spec.nodeName=\(node)"), .init("limit", "500")]
            ).items
            let (chosen, warnings) = try await drain.podsToEvict(pods)
            evict = chosen
            lines += warnings.map { "Warning: \($0)" }
            // The eviction-support check kubectl makes (policy/v1 evictions on every supported server).
            _ = try await send(KubeRequest(method: "GET", path: "/api/v1"))
        } catch {
            // After a cordon sent, the drain changed the node whatever failed next (a 403 reading a
            // DaemonSet, a 429 listing pods): status 0, what may have landed, so that the guards count
            // it (a status of its own read as nothing changed).
            guard cordon != nil, !dryRun, error.code != 0 else { throw error }
            throw KubeError(
                code: 0,
                reason: error.reason,
                message: (lines + [error.description]).joined(separator: "\n")
            )
        }
        if let beforeEvicting, !evict.isEmpty,
            let refused = await beforeEvicting(evict.map { "\($0.namespace)/\($0.name)" })
        {
            throw KubeError(
                code: 0,
                reason: nil,
                message: (lines + [refused + ": none was sent"]).joined(separator: "\n")
            )
        }
        let failures = await withTaskGroup(of: (String, KubeError?).self) { group in
            for pod in evict {
                group.addTask {
                    do throws(KubeError) {
                        try await drain.evict(pod, dryRun: dryRun, deadline: deadline)
                        return ("\(pod.namespace)/\(pod.name)", nil)
                    } catch {
                        return ("\(pod.namespace)/\(pod.name)", error)
                    }
                }
            }
            var failures: [String] = []
            for await (pod, error) in group {
                if let error { failures.append("error when evicting pod \(pod): \(error.message)") }
            }
            return failures.sorted()
        }
        lines += evict.map { "evicting pod \($0.namespace)/\($0.name)" }
        guard failures.isEmpty else {
            throw KubeError(code: 0, reason: nil, message: (lines + failures).joined(separator: "\n"))
        }
        lines += evict.map { Self.done("pod/\($0.name) evicted", dryRun) }
        lines.append(Self.done("node/\(node) drained", dryRun))
        return ActionOutcome(summary: lines.joined(separator: "\n"), changed: true, kubectl: kubectl)
    }

    private static func isUnschedulable(_ node: [String: Any]) -> Bool {
        (node["spec"] as? [String: Any])?["unschedulable"] as? Bool ?? false
    }
}

extension KubeConnection.Credential {
    /// The plugin, when this credential is one.
    var execPlugin: ExecCredentialPlugin? {
        if case .exec(let plugin) = self { plugin } else { nil }
    }
}
