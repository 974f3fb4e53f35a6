import Foundation
import Testing
import VigilTestKit

@testable import VigilHTTP

/// TLS against a loopback HTTPS server with a certificate made for the test.
struct TLSTests {
    /// A self-signed certificate for 127.0.0.1 (VigilTestKit's, shared with the server's TLS tests).
    static func makeCertificate(
        name: String = "127.0.0.1",
        alternativeName: String = "IP:127.0.0.1"
    ) throws -> (directory: URL, certificate: String, key: String) {
        let made = try TestCertificate(name: name, alternativeName: alternativeName)
        return (made.directory, made.certificate, made.key)
    }

    @Test func verifiesAgainstTheGivenCAAndRefusesWithoutIt() async throws {
        let files = try Self.makeCertificate()
        defer { try? FileManager.default.removeItem(at: files.directory) }
        let server = try FixtureServer(tls: (files.certificate, files.key))
        // Kept to the end: Swift may release a value after its last use, and the server dies with it
        // (CI saw "Failed to connect … after 0 ms" mid-test).
        defer { server.stop() }
        let client = CurlHTTPClient()
        let url = server.url("/plain")

        let trusted = try await client.execute(HTTPRequest(url: url, tls: TLSConfiguration(caFile: files.certificate)))
        #expect(trusted.status == 200)
        #expect(trusted.body == Array("hello\n".utf8))

        // The system's trust store does not know a self-signed certificate.
        do {
            _ = try await client.execute(HTTPRequest(url: url))
            Issue.record("an unknown certificate was accepted")
        } catch {
            #expect(error.kind == .tls)
        }

        let insecure = try await client.execute(HTTPRequest(url: url, tls: TLSConfiguration(insecureSkipVerify: true)))
        #expect(insecure.status == 200)
    }

    @Test func presentsAClientCertificateForMutualTLS() async throws {
        let files = try Self.makeCertificate()
        defer { try? FileManager.default.removeItem(at: files.directory) }
        // The self-signed certificate is the server's identity, the client's, and the CA of both.
        let server = try FixtureServer(tls: (files.certificate, files.key), clientCA: files.certificate)
        defer { server.stop() }
        let client = CurlHTTPClient()
        let url = server.url("/plain")

        let mutual = TLSConfiguration(caFile: files.certificate, certificateFile: files.certificate, keyFile: files.key)
        let response = try await client.execute(HTTPRequest(url: url, tls: mutual))
        #expect(response.status == 200)

        // The same identities as PEM bytes in memory, as a kubeconfig's *-data fields give them.
        let certificate = Array(try Data(contentsOf: URL(fileURLWithPath: files.certificate)))
        let key = Array(try Data(contentsOf: URL(fileURLWithPath: files.key)))
        let inMemory = TLSConfiguration(caPEM: certificate, certificatePEM: certificate, keyPEM: key)
        #expect(try await client.execute(HTTPRequest(url: url, tls: inMemory)).status == 200)

        // Without a client certificate the server ends the handshake.
        do {
            _ = try await client.execute(HTTPRequest(url: url, tls: TLSConfiguration(caFile: files.certificate)))
            Issue.record("the server accepted a client without a certificate")
        } catch {
            // TLS 1.3 sends the refusal after the handshake: libcurl sees an alert, or the server's close.
            #expect([.tls, .connection, .transfer].contains(error.kind), "\(error)")
        }
    }

    @Test func connectsElsewhereWhileVerifyingTheGivenName() async throws {
        // A certificate for kubernetes.default only, as a cluster's tls-server-name names it.
        let files = try Self.makeCertificate(name: "kubernetes.default", alternativeName: "DNS:kubernetes.default")
        defer { try? FileManager.default.removeItem(at: files.directory) }
        let server = try FixtureServer(tls: (files.certificate, files.key))
        defer { server.stop() }
        let client = CurlHTTPClient()
        let port = server.port
        let tls = TLSConfiguration(caFile: files.certificate)
        let renamed = HTTPRequest(
            url: "https://kubernetes.default:\(port)/plain",
            tls: tls,
            connectTo: "kubernetes.default:\(port):127.0.0.1:\(port)"
        )
        #expect(try await client.execute(renamed).status == 200)
        // The Host header can still name the address, as Go's client names the URL's host whatever
        // ServerName its TLS verifies: the name goes only into the handshake.
        var addressed = renamed
        addressed.url = "https://kubernetes.default:\(port)/echo"
        addressed.headers = [("Host", "127.0.0.1:\(port)")]
        let echo = try await client.execute(addressed)
        let answer = try JSONSerialization.jsonObject(with: Data(echo.body)) as? [String: Any]
        #expect(answer?["host"] as? String == "127.0.0.1:\(port)")
        // By its address, the same server's certificate does not match.
        do {
            _ = try await client.execute(HTTPRequest(url: server.url("/plain"), tls: tls))
            Issue.record("a certificate for another name was accepted")
        } catch {
            #expect(error.kind == .tls)
        }
    }
}
