import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A self-signed certificate and its key, made with the openssl command line into a fresh temporary
/// directory (which the caller removes): a server's identity, a client's, and the CA of both.
public struct TestCertificate: Sendable {
    public let directory: URL
    public let certificate: String
    public let key: String

    /// For `name` (the subject's CN) and `alternativeName` (`IP:…` or `DNS:…`); `fileName` tells apart
    /// several certificates in one directory.
    public init(
        name: String = "127.0.0.1",
        alternativeName: String = "IP:127.0.0.1",
        in directory: URL? = nil,
        fileName: String = "cert"
    ) throws {
        let directory =
            directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("vigil-tls-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = directory.appendingPathComponent("\(fileName).pem").path
        let key = directory.appendingPathComponent("\(fileName)-key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
            "-days", "1", "-subj", "/CN=\(name)", "-addext", "subjectAltName=\(alternativeName)",
        ]
        openssl.standardError = FileHandle.nullDevice
        openssl.standardOutput = FileHandle.nullDevice
        try openssl.run()
        // Poll rather than waitUntilExit, which does not return off the main thread on Linux; until it is
        // dead, not until Foundation notices (``OrphanGuard/stop()`` says why), and judged by what it wrote.
        _ = openssl.waitForEnd()
        let written = [certificate, key].map { (try? String(contentsOfFile: $0, encoding: .utf8)) ?? "" }
        guard written.allSatisfy({ $0.hasPrefix("-----BEGIN ") && $0.hasSuffix("-----\n") }) else {
            throw CocoaError(.fileWriteUnknown)
        }
        self.directory = directory
        self.certificate = certificate
        self.key = key
    }
}
