import Testing

@testable import VigilServer

/// bcrypt through libxcrypt: the three variants htpasswd and Go write, and what must never match.
struct BcryptHashTests {
    /// "s3cret" at cost 4 (fast), one hash per variant.
    @Test(arguments: [
        "$2y$04$Sx4d0cO42FhOxNu3EOAp0eURZ4l3IoGyUWUeBZYu3Q1jzeYv4aOg6",
        "$2a$04$YT0OhfhEq.1bHHjmHoeCLerxVeAlyU9Agu1pWcDtn13Zf3S0yBPHa",
        "$2b$04$xF/JmzU3ruHm9hdOlLl2weoOQaVZepvqAlikYWzzVc.6wgCBKb42.",
    ])
    func matchesTheRightPasswordOnly(text: String) throws {
        let hash = try #require(BcryptHash(text))
        #expect(hash.cost == 4)
        #expect(hash.matches("s3cret"))
        #expect(!hash.matches("s3cret "))
        #expect(!hash.matches("S3cret"))
        #expect(!hash.matches(""))
        // C strings end at NUL: the password must not be cut short there.
        #expect(!hash.matches("s3cret\0tail"))
    }

    /// A hash written by another implementation (Go's golang.org/x/crypto/bcrypt, the exporter
    /// toolkit's dummy hash of "fakepassword"): the same file must work for node_exporter and Vigil.
    @Test func checksAHashGoWrote() throws {
        let hash = try #require(BcryptHash("$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"))
        #expect(hash.cost == 10)
        #expect(hash.matches("fakepassword"))
        #expect(!hash.matches("fakepassword2"))
    }

    @Test(arguments: [
        "",  // empty
        "s3cret",  // a plain password pasted instead of its hash
        "$2x$04$Sx4d0cO42FhOxNu3EOAp0eURZ4l3IoGyUWUeBZYu3Q1jzeYv4aOg6",  // the buggy 2x variant
        "$2y$03$Sx4d0cO42FhOxNu3EOAp0eURZ4l3IoGyUWUeBZYu3Q1jzeYv4aOg6",  // cost below 4
        "$2y$32$Sx4d0cO42FhOxNu3EOAp0eURZ4l3IoGyUWUeBZYu3Q1jzeYv4aOg6",  // cost above 31
        "$2y$04$Sx4d0cO42FhOxNu3EOAp0eURZ4l3IoGyUWUeBZYu3Q1jzeYv4aOg",  // one character short
        "$2y$04$Sx4d0cO42FhOxNu3EOAp0eURZ4l3IoGyUWUeBZYu3Q1jzeYv4aO!6",  // outside bcrypt's alphabet
        "$6$salt$Kx9.hashedwithsha512cryptnotbcrypt0000000000000000000",  // sha512-crypt
    ])
    func refusesWhatIsNotABcryptHash(text: String) {
        #expect(BcryptHash(text) == nil)
    }

    /// An unknown user's password is checked against a dummy of the users' cost: the same work as a
    /// wrong password, and nothing matches it.
    @Test(arguments: [4, 10, 12, 31])
    func theDummyHashHasTheAskedCostAndMatchesNothing(cost: Int) throws {
        let dummy = BcryptHash.dummy(cost: cost)
        #expect(dummy.cost == cost)
        #expect(BcryptHash(dummy.text) == dummy, "well-formed, so bcrypt runs in full")
        if cost == 4 {
            #expect(!dummy.matches(""))
            #expect(!dummy.matches("fakepassword"))
        }
    }

    @Test func constantTimeEqualityComparesWholeValues() {
        #expect(ConstantTime.equal(Array("token".utf8), Array("token".utf8)))
        #expect(!ConstantTime.equal(Array("token".utf8), Array("tokeN".utf8)))
        #expect(!ConstantTime.equal(Array("token".utf8), Array("token2".utf8)))
        #expect(!ConstantTime.equal(Array("".utf8), Array("t".utf8)))
        #expect(ConstantTime.equal([UInt8](), [UInt8]()))
    }
}
