import Foundation
import Logging
import Testing
import VigilHTTP
import VigilServer
import VigilTestKit

/// Basic auth and bearer tokens on a real server over loopback, through Vigil's libcurl client.
@Suite(.serialized)
struct ServerAuthenticationTests {
    /// "s3cret" at cost 4.
    static let hash = "$2y$04$Sx4d0cO42FhOxNu3EOAp0eURZ4l3IoGyUWUeBZYu3Q1jzeYv4aOg6"
    let directory = try! TemporaryDirectory("web")

    func file(_ name: String, _ contents: String) throws -> String {
        let url = directory.file(name)
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func ask(
        _ url: String,
        method: HTTPRequest.Method = .get,
        _ authorization: Authorization? = nil
    ) async throws -> HTTPResponse {
        // Generous: under ThreadSanitizer on 2 cores a bcrypt check in a debug build takes seconds.
        try await CurlHTTPClient().execute(
            HTTPRequest(url: url, method: method, timeout: hangTimeout, authorization: authorization)
        )
    }

    static let logger = Logger(label: "test")

    /// A refusal says nothing of why: no header, a wrong password and an unknown user get the same
    /// status, body and challenge, and every path is hidden behind it, unknown ones included.
    @Test func basicAuthGuardsEveryPathAndRefusalsAreIndistinguishable() async throws {
        let config = try file(
            "web.yml",
            "basic_auth_users:\n  alice: \(Self.hash)\nhttp_server_config:\n  headers: {X-Content-Type-Options: nosniff}\n"
        )
        let security = try WebSecurity.load(
            webConfigFile: config,
            bearerTokenFile: nil,
            enabled: [],
            logger: Self.logger
        )
        let server = try await TestServer(security: security)
        let refusals = [
            try await ask(server.base + "/healthz"),
            try await ask(server.base + "/healthz", .basic(username: "alice", password: "wrong")),
            try await ask(server.base + "/healthz", .basic(username: "mallory", password: "s3cret")),
            try await ask(server.base + "/healthz", .bearer("s3cret")),
            try await ask(server.base + "/nothing-here"),
            try await ask(server.base + "/metrics", .basic(username: "mallory", password: "")),
        ]
        for refusal in refusals {
            #expect(refusal.status == 401)
            #expect(String(decoding: refusal.body, as: UTF8.self) == "Unauthorized\n")
            #expect(refusal.header("WWW-Authenticate") == "Basic")
            #expect(refusal.header("X-Content-Type-Options") == "nosniff")
        }
        let allowed = try await ask(server.base + "/healthz", .basic(username: "alice", password: "s3cret"))
        #expect(allowed.status == 200)
        #expect(String(decoding: allowed.body, as: UTF8.self) == "ok\n")
        #expect(allowed.header("X-Content-Type-Options") == "nosniff")
        // Again: from the cache of successes now, with the same answer.
        #expect(try await ask(server.base + "/healthz", .basic(username: "alice", password: "s3cret")).status == 200)
        #expect(
            try await ask(server.base + "/nothing-here", .basic(username: "alice", password: "s3cret")).status == 404
        )
        await server.stop()
    }

    /// The file is re-read when it changes: a user added is let in at the next request, and a file
    /// that no longer loads shuts everyone out (500) rather than opening the server.
    @Test func aChangedWebConfigAppliesAtTheNextRequestAndABrokenOneFailsClosed() async throws {
        let config = try file("web.yml", "basic_auth_users:\n  alice: \(Self.hash)\n")
        let security = try WebSecurity.load(
            webConfigFile: config,
            bearerTokenFile: nil,
            enabled: [],
            logger: Self.logger
        )
        let server = try await TestServer(security: security)
        let bob = Authorization.basic(username: "bob", password: "s3cret")
        #expect(try await ask(server.base + "/healthz", bob).status == 401)
        _ = try file("web.yml", "basic_auth_users:\n  alice: \(Self.hash)\n  bob: \(Self.hash)\n")
        #expect(try await ask(server.base + "/healthz", bob).status == 200)
        _ = try file("web.yml", "basic_auth_users:\n  alice: not-a-hash\n")
        let broken = try await ask(server.base + "/healthz", bob)
        #expect(broken.status == 500)
        #expect(String(decoding: broken.body, as: UTF8.self) == "Internal Server Error\n")
        #expect(try await ask(server.base + "/healthz").status == 500)
        await server.stop()
    }

    /// `POST /-/reload` is 403 unless enabled, 401 without the token once enabled, served with it.
    @Test func reloadIsGatedByItsFlagAndByAuthentication() async throws {
        let token = try file("token", "  t0ken-\(UUID().uuidString)\n")
        let presented = try String(contentsOfFile: token, encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines
        )

        let off = try await TestServer(
            security: WebSecurity.load(webConfigFile: nil, bearerTokenFile: token, enabled: [], logger: Self.logger)
        )
        let forbidden = try await ask(off.base + "/-/reload", method: .post, .bearer(presented))
        #expect(forbidden.status == 403)
        #expect(String(decoding: forbidden.body, as: UTF8.self) == "Lifecycle API is not enabled.\n")
        #expect(off.reloads.count == 0)
        await off.stop()

        let on = try await TestServer(
            security: WebSecurity.load(
                webConfigFile: nil,
                bearerTokenFile: token,
                enabled: [.lifecycle],
                logger: Self.logger
            )
        )
        let anonymous = try await ask(on.base + "/-/reload", method: .post)
        #expect(anonymous.status == 401)
        #expect(anonymous.header("WWW-Authenticate") == "Bearer")
        #expect(try await ask(on.base + "/-/reload", method: .post, .bearer("wrong")).status == 401)
        #expect(on.reloads.count == 0)
        let applied = try await ask(on.base + "/-/reload", method: .post, .bearer(presented))
        #expect(applied.status == 200)
        #expect(String(decoding: applied.body, as: UTF8.self) == "reloaded\n")
        #expect(on.reloads.count == 1)

        // A web page's request is refused, even authenticated (a browser's cached credentials ride along
        // with a form a foreign page posts): by Sec-Fetch-Site where sent, else by an Origin of another host.
        func post(_ headers: [(name: String, value: String)]) async throws -> Int {
            try await CurlHTTPClient().execute(
                HTTPRequest(
                    url: on.base + "/-/reload",
                    method: .post,
                    headers: headers,
                    timeout: hangTimeout,
                    authorization: .bearer(presented)
                )
            ).status
        }
        let host = on.base.replacingOccurrences(of: "http://", with: "")
        #expect(try await post([("Origin", "http://evil.example")]) == 403)
        #expect(try await post([("Sec-Fetch-Site", "cross-site")]) == 403)
        #expect(try await post([("Sec-Fetch-Site", "same-site"), ("Origin", "http://\(host)")]) == 403)
        #expect(try await post([("Origin", "null")]) == 403)
        #expect(on.reloads.count == 1)
        #expect(try await post([("Origin", "http://\(host)")]) == 200)
        #expect(try await post([("Sec-Fetch-Site", "same-origin")]) == 200)
        #expect(on.reloads.count == 3)

        // A rotated token: the old one stops working at the next request.
        _ = try file("token", "rotated\n")
        #expect(try await ask(on.base + "/-/reload", method: .post, .bearer(presented)).status == 401)
        #expect(try await ask(on.base + "/-/reload", method: .post, .bearer("rotated")).status == 200)
        await on.stop()
    }

    /// The web configuration is re-read at every request: a file edited to drop its users must not
    /// leave the mutating endpoints open to anyone.
    @Test func droppingEveryUserAtRunTimeClosesTheMutatingEndpoints() async throws {
        let config = try file("web.yml", "basic_auth_users:\n  alice: \(Self.hash)\n")
        let server = try await TestServer(webConfigFile: config, enabled: [.lifecycle])
        let alice = Authorization.basic(username: "alice", password: "s3cret")
        #expect(try await ask(server.base + "/-/reload", method: .post, alice).status == 200)
        _ = try file("web.yml", "http_server_config: {http2: false}\n")
        let refused = try await ask(server.base + "/-/reload", method: .post)
        #expect(refused.status == 403)
        #expect(
            String(decoding: refused.body, as: UTF8.self)
                == "--web.enable-lifecycle needs an authenticated request, and no authentication is configured.\n"
        )
        #expect(server.reloads.count == 1)
        // Read-only paths follow the file: open now.
        #expect(try await ask(server.base + "/healthz").status == 200)
        await server.stop()
    }

    @Test func enablingAMutatingAPIWithoutAuthenticationRefusesTheStart() throws {
        let headersOnly = try file("web.yml", "http_server_config: {headers: {X-Frame-Options: deny}}\n")
        for config in [nil, headersOnly] {
            #expect {
                try WebSecurity.load(
                    webConfigFile: config,
                    bearerTokenFile: nil,
                    enabled: [.lifecycle, .approvals],
                    logger: Self.logger
                )
            } throws: { error in
                (error as? WebSecurity.Invalid)?.errors == [
                    "--web.enable-approvals and --web.enable-lifecycle needs authentication: give --web.config.file "
                        + "with basic_auth_users (or tls_server_config.client_auth_type: RequireAndVerifyClientCert), "
                        + "or --web.bearer-token-file"
                ]
            }
        }
        let empty = try file("empty-token", "\n")
        #expect {
            try WebSecurity.load(webConfigFile: nil, bearerTokenFile: empty, enabled: [.lifecycle], logger: Self.logger)
        } throws: { error in
            (error as? WebSecurity.Invalid)?.errors == ["\(empty): the bearer token file is empty"]
        }
    }
}
