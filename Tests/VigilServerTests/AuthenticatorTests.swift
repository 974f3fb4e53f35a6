import Foundation
import Testing
import VigilTestKit

@testable import VigilServer

/// The decisions behind the 401s, with the bcrypt checks recorded: an unknown user costs the same
/// check as a wrong password, successes are cached and failures are not.
struct AuthenticatorTests {
    /// "s3cret" at cost 4; a second user's hash at cost 5 (as if hashed later with a higher cost).
    static let alice = "$2y$04$Sx4d0cO42FhOxNu3EOAp0eURZ4l3IoGyUWUeBZYu3Q1jzeYv4aOg6"
    static let bob = "$2b$05$VigilDummySaltForUnknownUsersNoPasswordMatchesThis.xy"

    /// Every bcrypt check asked for: the hash and whether it was the real one.
    final class Checks: @unchecked Sendable {
        private let lock = NSLock()
        private var hashes: [BcryptHash] = []
        func record(_ hash: BcryptHash) { lock.withLock { hashes.append(hash) } }
        var made: [BcryptHash] { lock.withLock { hashes } }
    }

    let directory = try! TemporaryDirectory("web")

    /// `yaml` as the web configuration file, read as the server reads it.
    func webConfig(_ yaml: String) throws -> ReloadingFile<WebConfig> {
        let file = directory.file("web.yml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return try ReloadingFile(path: file.path) { path in
            Result { () throws(WebConfig.Invalid) in try WebConfig.load(file: path) }
                .mapError { ReloadingFile<WebConfig>.Failure($0.description) }
        }
    }

    func authenticator(_ yaml: String, checks: Checks) throws -> Authenticator {
        Authenticator(webConfig: try webConfig(yaml), bearerToken: nil) { hash, password in
            checks.record(hash)
            return hash.matches(password)
        }
    }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    @Test func anUnknownUserCostsOneCheckAtTheUsersCostLikeAWrongPassword() async throws {
        let checks = Checks()
        let auth = try authenticator("basic_auth_users:\n  alice: \(Self.alice)\n  bob: \(Self.bob)\n", checks: checks)
        #expect(await auth.decide(authorization: Self.basic("alice", "wrong")) == .challenge(["Basic"]))
        #expect(await auth.decide(authorization: Self.basic("mallory", "s3cret")) == .challenge(["Basic"]))
        let made = checks.made
        #expect(made.count == 2)
        #expect(made.first?.text == Self.alice)
        // The dummy carries the highest cost among the users: never cheaper than a real check.
        #expect(made.last == BcryptHash.dummy(cost: 5))
    }

    @Test func successesAreCachedAndFailuresAreCheckedEveryTime() async throws {
        let checks = Checks()
        let auth = try authenticator("basic_auth_users:\n  alice: \(Self.alice)\n", checks: checks)
        for _ in 0..<3 {
            #expect(await auth.decide(authorization: Self.basic("alice", "s3cret")) == .allow(.user("alice")))
        }
        #expect(checks.made.count == 1)
        for _ in 0..<3 {
            #expect(await auth.decide(authorization: Self.basic("alice", "guess")) == .challenge(["Basic"]))
        }
        #expect(checks.made.count == 4)
        #expect(auth.successes.count == 1)
    }

    /// Malformed headers are refusals like any other, without a crash and without a bcrypt check.
    @Test(arguments: [
        "Basic", "Basic ", "Basic !!!notbase64", "Basic " + Data("no-colon".utf8).base64EncodedString(),
        "Basic " + Data([0xFF, 0xFE, 0x3A]).base64EncodedString(), "Digest abc", "", "basic",
    ])
    func malformedCredentialsAreRefused(header: String) async throws {
        let checks = Checks()
        let auth = try authenticator("basic_auth_users:\n  alice: \(Self.alice)\n", checks: checks)
        #expect(await auth.decide(authorization: header) == .challenge(["Basic"]))
        #expect(checks.made.isEmpty)
    }

    @Test func theSchemeIsCaseInsensitiveAndThePasswordMayHoldColons() async throws {
        let checks = Checks()
        let auth = try authenticator("basic_auth_users:\n  alice: \(Self.alice)\n", checks: checks)
        let credentials = Data("alice:s3cret".utf8).base64EncodedString()
        #expect(await auth.decide(authorization: "bAsIc \(credentials)") == .allow(.user("alice")))
        let (user, password) = try #require(Authenticator.basicCredentials(Self.basic("alice", "a:b:c")))
        #expect(user == "alice" && password == "a:b:c")
    }

    /// Swift's String equality takes canonically equivalent spellings for one: a password cached as "é"
    /// let "e" + U+0301 in without a check, and a user configured as "josé" answered to the other
    /// spelling. bcrypt and exporter-toolkit compare bytes.
    @Test func credentialsAreComparedByteForByte() async throws {
        let checks = Checks()
        let config = try webConfig("basic_auth_users:\n  jos\u{E9}: \(Self.alice)\n")
        // This hash's password is "caf" + U+00E9, in those bytes.
        let auth = Authenticator(webConfig: config, bearerToken: nil) { hash, password in
            checks.record(hash)
            return hash.text == Self.alice && Array(password.utf8) == Array("caf\u{E9}".utf8)
        }
        let precomposed = Self.basic("jos\u{E9}", "caf\u{E9}")
        #expect(await auth.decide(authorization: precomposed) == .allow(.user("jos\u{E9}")))
        #expect(await auth.decide(authorization: Self.basic("jos\u{E9}", "cafe\u{301}")) == .challenge(["Basic"]))
        #expect(checks.made.count == 2)
        // The other spelling of the user is an unknown user: checked against the dummy hash, and refused.
        #expect(await auth.decide(authorization: Self.basic("jose\u{301}", "caf\u{E9}")) == .challenge(["Basic"]))
        #expect(checks.made.last == BcryptHash.dummy(cost: 4))
    }

    /// Holds every bcrypt check until opened.
    actor Gate {
        private var opened = false
        private var waiting: [CheckedContinuation<Void, Never>] = []
        func wait() async {
            guard !opened else { return }
            await withCheckedContinuation { waiting.append($0) }
        }
        func open() {
            opened = true
            for continuation in waiting { continuation.resume() }
            waiting = []
        }
    }

    /// Guesses that find the bcrypt thread's queue full are refused without a check, so a stream of
    /// guesses whose clients hang up cannot queue checks without end; once it drains, checks are made again.
    @Test func guessesBeyondTheQueuedChecksBoundAreRefusedUnchecked() async throws {
        let checks = Checks()
        let gate = Gate()
        let auth = Authenticator(
            webConfig: try webConfig("basic_auth_users:\n  alice: \(Self.alice)\n"),
            bearerToken: nil
        ) {
            hash,
            password in
            checks.record(hash)
            await gate.wait()
            return hash.matches(password)
        }
        let limit = Authenticator.WaitingChecks.limit
        let guesses = (0..<limit).map { index in
            Task { await auth.decide(authorization: Self.basic(index.isMultiple(of: 2) ? "alice" : "mallory", "g")) }
        }
        // Bounded, so a bug fails the test rather than hanging it.
        var yields = 0
        while checks.made.count < limit, yields < 10_000_000 {
            await Task.yield()
            yields += 1
        }
        try #require(checks.made.count == limit)
        // Full: refused at once, known user or not, and no check is queued.
        #expect(await auth.decide(authorization: Self.basic("alice", "s3cret")) == .challenge(["Basic"]))
        #expect(await auth.decide(authorization: Self.basic("mallory", "s3cret")) == .challenge(["Basic"]))
        #expect(checks.made.count == limit)
        await gate.open()
        for guess in guesses { #expect(await guess.value == .challenge(["Basic"])) }
        #expect(await auth.decide(authorization: Self.basic("alice", "s3cret")) == .allow(.user("alice")))
        #expect(checks.made.count == limit + 1)
    }

    @Test func theCacheNeverGrowsBeyondItsLimit() {
        let cache = Authenticator.SuccessCache()
        for index in 0..<(Authenticator.SuccessCache.limit * 3 + 7) {
            cache.insert(.init(user: "u\(index)", hash: "h", password: "p"))
        }
        #expect(cache.count <= Authenticator.SuccessCache.limit)
        #expect(cache.count > 0)
    }
}
