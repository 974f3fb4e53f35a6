import Foundation
import NIOPosix

/// Decides whether a request may be served, from the web configuration's basic-auth users, the bearer
/// token, and the connection's verified client certificate, as they stand at this request.
///
/// As in the exporter toolkit, a refusal never tells whether the user exists: an unknown user's
/// password is run through bcrypt against a dummy hash of the configured cost, so both paths cost one
/// bcrypt and end in the same 401 with the same body. Successful checks are cached (bounded), so a
/// scrape every few seconds with basic auth costs a dictionary lookup, not 70 ms of bcrypt; failures
/// are never cached, so a guesser pays for every guess.
public final class Authenticator: Sendable {
    /// Who a request was authenticated as; nil when no authentication is configured.
    public enum Principal: Sendable, Equatable {
        case user(String)
        case bearerToken
        case clientCertificate
    }

    /// The decision for one request.
    public enum Decision: Sendable, Equatable {
        case allow(Principal?)
        /// 401 with these `WWW-Authenticate` challenges.
        case challenge([String])
        /// The web configuration or token file changed and no longer loads: fail closed (500).
        case unavailable
    }

    let webConfig: ReloadingFile<WebConfig>?
    let bearerToken: ReloadingFile<[UInt8]>?
    /// One bcrypt check, on the bcrypt thread; a seam for tests to see which checks are made.
    let verify: @Sendable (BcryptHash, String) async -> Bool
    let successes = SuccessCache()
    let waiting = WaitingChecks()

    /// bcrypt runs here, one check at a time (the toolkit holds a mutex for the same reason): never on
    /// an event loop or the cooperative pool, and never more than one core however many guesses arrive.
    static let bcryptThread: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    public convenience init(webConfig: ReloadingFile<WebConfig>?, bearerToken: ReloadingFile<[UInt8]>?) {
        self.init(webConfig: webConfig, bearerToken: bearerToken) { hash, password in
            (try? await Self.bcryptThread.runIfActive { hash.matches(password) }) ?? false
        }
    }

    init(
        webConfig: ReloadingFile<WebConfig>?,
        bearerToken: ReloadingFile<[UInt8]>?,
        verify: @escaping @Sendable (BcryptHash, String) async -> Bool
    ) {
        self.webConfig = webConfig
        self.bearerToken = bearerToken
        self.verify = verify
    }

    /// Whether any authentication is configured now: basic users, a bearer token or required client
    /// certificates.
    public var isConfigured: Bool {
        guard let config = try? webConfig?.current().get() else { return bearerToken != nil }
        return !config.users.isEmpty || config.tls?.requiresClientCertificate == true || bearerToken != nil
    }

    /// Decides on a request carrying `authorization` (the header's value, if any).
    public func decide(authorization: String?) async -> Decision {
        await decide(authorization: authorization, webConfig: webConfig?.current())
    }

    /// Decides with the web configuration already read for this request (the server takes the
    /// response headers from the same reading).
    public func decide(
        authorization: String?,
        webConfig loaded: Result<WebConfig, ReloadingFile<WebConfig>.Failure>?
    ) async -> Decision {
        var users: [String: BcryptHash] = [:]
        var clientCertificates = false
        if let loaded {
            guard case .success(let config) = loaded else { return .unavailable }
            users = config.users
            clientCertificates = config.tls?.requiresClientCertificate == true
        }
        var token: [UInt8]?
        if let bearerToken {
            guard case .success(let value) = bearerToken.current() else { return .unavailable }
            token = value
        }
        guard !users.isEmpty || token != nil else {
            return .allow(clientCertificates ? .clientCertificate : nil)
        }
        if let authorization {
            if !users.isEmpty, let (user, password) = Self.basicCredentials(authorization),
                await check(user: user, password: password, users: users)
            {
                return .allow(.user(user))
            }
            if let token, let presented = Self.bearer(authorization), ConstantTime.equal(presented.utf8, token) {
                return .allow(.bearerToken)
            }
        }
        return .challenge((users.isEmpty ? [] : ["Basic"]) + (token == nil ? [] : ["Bearer"]))
    }

    /// One bcrypt check (or a cached success) whatever the user: an unknown user is checked against a
    /// dummy hash and fails after the same work.
    private func check(user: String, password: String, users: [String: BcryptHash]) async -> Bool {
        // Byte for byte, as exporter-toolkit's map lookup: Swift's String equality (and hashing) takes
        // canonically equivalent spellings ("é" and "e" + U+0301) for one, so a user, or a password in the
        // cache, would match bytes that were never configured or checked.
        let known = users.index(forKey: user).flatMap {
            users[$0].key.utf8.elementsEqual(user.utf8) ? users[$0].value : nil
        }
        let cost = known?.cost ?? users.values.map(\.cost).max() ?? 10
        let hash = known ?? BcryptHash.dummy(cost: cost)
        let key = SuccessCache.Key(user: user, hash: hash.text, password: password)
        if successes.contains(key) { return true }
        // Guesses beyond what the one bcrypt thread can get through soon are refused unchecked, known user
        // or not: a client that sends a guess and hangs up leaves its check queued, and the queue would
        // grow at the rate guesses arrive (a few dozen checks a second drain it at cost 10).
        guard waiting.enter() else { return false }
        defer { waiting.leave() }
        let matched = await verify(hash, password)
        guard known != nil, matched else { return false }
        successes.insert(key)
        return true
    }

    /// `user` and `password` from `Basic base64(user:password)`; nil when malformed.
    static func basicCredentials(_ header: String) -> (String, String)? {
        guard let encoded = scheme("Basic", of: header), let data = Data(base64Encoded: encoded),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    /// The token of `Bearer TOKEN`; nil for any other scheme.
    static func bearer(_ header: String) -> String? {
        scheme("Bearer", of: header)
    }

    /// The credentials after `name ` (the scheme is case-insensitive, RFC 9110 §11.1).
    private static func scheme(_ name: String, of header: String) -> String? {
        // Bytes, not Foundation: this runs on every request (a busy Alertmanager sends thousands a second).
        // Scheme names are ASCII letters, so folding bit 0x20 compares them case-insensitively.
        let bytes = Array(header.utf8)
        let scheme = Array(name.utf8)
        guard bytes.count > scheme.count, bytes[scheme.count] == UInt8(ascii: " "),
            zip(bytes, scheme).allSatisfy({ $0 | 0x20 == $1 | 0x20 })
        else { return nil }
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var start = scheme.count + 1
        var end = bytes.count
        while start < end, isBlank(bytes[start]) { start += 1 }
        while end > start, isBlank(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}

extension Authenticator {
    /// The bcrypt checks asked for and not yet answered, at most ``limit``.
    final class WaitingChecks: @unchecked Sendable {
        /// About two seconds of checks at cost 10: more waiting would answer a real login later than a
        /// client waits anyway.
        static let limit = 32
        private let lock = NSLock()
        private var count = 0

        /// Takes a place, or false when all are taken.
        func enter() -> Bool {
            lock.withLock {
                guard count < Self.limit else { return false }
                count += 1
                return true
            }
        }

        func leave() { lock.withLock { count -= 1 } }
    }

    /// Successful (user, hash, password) checks, at most ``limit`` of them: emptied when full, so it
    /// never grows however many distinct passwords succeed.
    final class SuccessCache: @unchecked Sendable {
        /// Bytes, not Strings (``check(user:password:users:)`` says why).
        struct Key: Hashable {
            var user: [UInt8]
            var hash: String
            var password: [UInt8]

            init(user: String, hash: String, password: String) {
                self.user = Array(user.utf8)
                self.hash = hash
                self.password = Array(password.utf8)
            }
        }

        static let limit = 1024
        private let lock = NSLock()
        private var keys: Set<Key> = []

        func contains(_ key: Key) -> Bool { lock.withLock { keys.contains(key) } }

        var count: Int { lock.withLock { keys.count } }

        func insert(_ key: Key) {
            lock.withLock {
                if keys.count >= Self.limit { keys.removeAll() }
                keys.insert(key)
            }
        }
    }
}
