import Foundation
import VigilHTTP

/// Runs a kubeconfig's exec credential plugin as client-go does: the command with its arguments, its
/// extra environment and `KUBERNETES_EXEC_INFO`, reading an `ExecCredential` from its standard output;
/// the credential is cached until its `expirationTimestamp` (or for good when it has none), and
/// dropped when the server answers 401 so the next request runs the plugin again.
actor ExecCredentialRunner {
    /// What the plugin handed over.
    struct Credential: Sendable, Equatable {
        var token: String?
        var certificatePEM: [UInt8]?
        var keyPEM: [UInt8]?
        var expires: Date?
    }

    let plugin: ExecCredentialPlugin
    private var cached: Credential?
    /// How long the plugin may run.
    let timeout: Duration

    init(plugin: ExecCredentialPlugin, timeout: Duration = .seconds(30)) {
        self.plugin = plugin
        self.timeout = timeout
    }

    /// The plugin's run under way: requests that need a credential meanwhile wait for it rather than
    /// each running the plugin (a dozen watches refused at once after a revocation).
    private var fetching: Task<Result<Credential, KubeError>, Never>?

    /// The credential, from the cache while it is valid, else from a run of the plugin.
    func credential(now: Date = Date()) async throws(KubeError) -> Credential {
        if let cached, cached.expires.map({ $0 > now.addingTimeInterval(10) }) ?? true { return cached }
        let task = fetching ?? Task { await self.fetch() }
        fetching = task
        let result = await task.value
        if fetching == task {
            fetching = nil
            if case .success(let fresh) = result { cached = fresh }
        }
        return try result.get()
    }

    private func fetch() async -> Result<Credential, KubeError> {
        do throws(KubeError) {
            return .success(try await run())
        } catch {
            return .failure(error)
        }
    }

    /// Forgets the cached credential if `request` carried it (the server said 401 to it), as client-go
    /// refreshes only when the refused credential is the one it holds: a 401 to an older one, arriving
    /// after a newer was fetched, leaves the newer.
    func invalidate(ifSentIn request: HTTPRequest) {
        guard let cached else { return }
        let token: String?
        if case .bearer(let sent)? = request.authorization { token = sent } else { token = nil }
        if cached.token == token, cached.certificatePEM == nil || cached.certificatePEM == request.tls.certificatePEM {
            self.cached = nil
        }
    }

    private func run() async throws(KubeError) -> Credential {
        // Vigil gives a plugin no terminal (its standard input is /dev/null), so a plugin that must have one
        // fails, as kubectl fails it where its standard input is no terminal.
        guard plugin.interactiveMode != "Always" else {
            throw failure(
                "exec plugin cannot support interactive mode: Vigil runs exec plugins without a terminal (interactiveMode: Always)"
            )
        }
        var environment = ProcessInfo.processInfo.environment
        for variable in plugin.environment { environment[variable.name] = variable.value }
        environment["KUBERNETES_EXEC_INFO"] =
            #"{"apiVersion":"\#(plugin.apiVersion)","kind":"ExecCredential","spec":{"interactive":false}}"#
        let process: PluginProcess
        do {
            process = try PluginProcess.spawn(plugin.command, arguments: plugin.arguments, environment: environment)
        } catch {
            // With the plugin's install hint where the plugin is missing, as kubectl gives it.
            let hint = error.notFound ? plugin.installHint.map { "\n\n\($0)" } ?? "" : ""
            throw failure("cannot run \(plugin.command): \(error.message)\(hint)")
        }
        // Read both pipes while it runs (a full pipe would block it), and give up after the timeout.
        let output = process.output
        let errors = process.errors
        async let reading = PluginProcess.readToEnd(output)
        async let readingErrors = PluginProcess.readToEnd(errors)
        let deadline = ContinuousClock.now + timeout
        var exitStatus = process.exitStatus()
        while exitStatus == nil {
            if ContinuousClock.now > deadline {
                process.killGroup()
                let message =
                    "\(plugin.command) did not finish within \(timeout); killed its process group (pid \(process.pid))"
                // Said at once, not only in the error: with --watch a retry would otherwise pass silently.
                FileHandle.standardError.write(Data("vigil: exec credential plugin: \(message)\n".utf8))
                throw failure(message)
            }
            try? await Task.sleep(for: .milliseconds(10))
            exitStatus = process.exitStatus()
        }
        let data = await reading
        let stderrData = await readingErrors
        guard exitStatus == 0 else {
            let stderr = String(decoding: stderrData.prefix(1024), as: UTF8.self)
            let hint = plugin.installHint.map { " (\($0))" } ?? ""
            throw failure(
                "\(plugin.command) exited with status \(exitStatus ?? -1): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))\(hint)"
            )
        }
        return try parse(data)
    }

    func parse(_ data: Data) throws(KubeError) -> Credential {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            object["kind"] as? String == "ExecCredential"
        else { throw failure("\(plugin.command) did not print an ExecCredential") }
        guard object["apiVersion"] as? String == plugin.apiVersion else {
            throw failure(
                "\(plugin.command) answered apiVersion \(object["apiVersion"] ?? "none"), not \(plugin.apiVersion)"
            )
        }
        let status = object["status"] as? [String: Any] ?? [:]
        let credential = Credential(
            token: status["token"] as? String,
            certificatePEM: (status["clientCertificateData"] as? String).map { Array($0.utf8) },
            keyPEM: (status["clientKeyData"] as? String).map { Array($0.utf8) },
            expires: (status["expirationTimestamp"] as? String).flatMap(KubeTime.parse)
        )
        guard credential.token != nil || (credential.certificatePEM != nil && credential.keyPEM != nil) else {
            throw failure("\(plugin.command)'s ExecCredential has neither a token nor a client certificate and key")
        }
        return credential
    }

    /// No credential is no request: the cluster was not reached (an expired login, a plugin not installed).
    private func failure(_ message: String) -> KubeError {
        var error = KubeError(code: 0, reason: nil, message: "exec credential plugin: \(message)")
        error.unreached = true
        return error
    }
}
