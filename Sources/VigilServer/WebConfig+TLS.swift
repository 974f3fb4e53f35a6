import Foundation
import NIOSSL
import VigilYAML
import Yams

extension WebConfig {
    /// Reads `tls_server_config` and loads what it names into an `NIOSSLContext`, reporting each
    /// problem at its field.
    struct TLSReading {
        let reader: ConfigReader
        /// The web configuration file's directory: relative paths start there.
        let directory: String
        /// Every file read, to notice when one changes.
        var files: [String] = []

        static let path = "tls_server_config"
        static let versions: [String: TLSVersion] = [
            "TLS10": .tlsv1, "TLS11": .tlsv11, "TLS12": .tlsv12, "TLS13": .tlsv13,
        ]
        /// Fields of the toolkit Vigil refuses, and why.
        static let unsupported: [String: String] = [
            "cipher_suites": "BoringSSL's default TLS 1.2 suites are used and TLS 1.3 suites are fixed",
            "curve_preferences": "BoringSSL's default curves are used",
            "prefer_server_cipher_suites": "BoringSSL's default order is used",
            "client_allowed_sans": "any certificate the client CA signed is accepted",
        ]

        mutating func read(_ node: Node) -> ServerTLS? {
            let known = [
                "cert", "key", "cert_file", "key_file", "client_ca", "client_ca_file", "client_auth_type",
                "min_version", "max_version",
            ]
            // An empty value is no value, as in the toolkit (`cert_file: ""` beside `cert` is not both).
            let fields = reader.fields(node, Self.path, allowed: known + Self.unsupported.keys.sorted())
                .filter { !$0.value.isEmptyValue }
            for (name, why) in Self.unsupported.sorted(by: { $0.key < $1.key }) {
                if let value = fields[name] { reader.fail(value, "\(Self.path).\(name)", "not supported: \(why)") }
            }
            let clientAuth = readClientAuth(fields["client_auth_type"])
            let minimum = version(fields["min_version"], "min_version") ?? .tlsv12
            let maximum = version(fields["max_version"], "max_version") ?? .tlsv13
            if let node = fields["max_version"], order(maximum) < order(minimum) {
                reader.fail(node, "\(Self.path).max_version", "is below min_version")
            }
            // As in the toolkit, TLS is on when any of these is given; a section holding only versions
            // (a file shared with exporters) leaves plain HTTP.
            let enabling = ["cert", "key", "cert_file", "key_file", "client_ca", "client_ca_file", "client_auth_type"]
            guard enabling.contains(where: { fields[$0] != nil }) else { return nil }
            let certificate = pem(fields, inline: "cert", file: "cert_file", node: node)
            let key = pem(fields, inline: "key", file: "key_file", node: node)
            let clientCA = pem(fields, inline: "client_ca", file: "client_ca_file", node: node, required: false)
            if clientCA != nil, clientAuth == .noClientCert {
                reader.fail(node, Self.path, "client_ca_file given without client_auth_type; the CA would be unused")
            }
            if clientCA == nil, let authNode = fields["client_auth_type"], clientAuth != .noClientCert {
                reader.fail(authNode, "\(Self.path).client_auth_type", "needs client_ca_file or client_ca")
            }
            guard let certificate, let key else { return nil }
            var configuration: TLSConfiguration
            do {
                let chain = try NIOSSLCertificate.fromPEMBytes(certificate.bytes)
                guard !chain.isEmpty else { throw NIOSSLError.failedToLoadCertificate }
                configuration = .makeServerConfiguration(
                    certificateChain: chain.map { .certificate($0) },
                    privateKey: .privateKey(
                        try NIOSSLPrivateKey(bytes: key.bytes, format: .pem)
                    )
                )
            } catch {
                reader.fail(
                    certificate.node,
                    "\(Self.path).\(certificate.field)",
                    "failed to load the certificate and key: \(error)"
                )
                return nil
            }
            configuration.minimumTLSVersion = minimum
            configuration.maximumTLSVersion = maximum
            switch clientAuth {
            case .noClientCert: configuration.certificateVerification = .none
            case .verifyIfGiven: configuration.certificateVerification = .optionalVerification
            case .requireAndVerify: configuration.certificateVerification = .noHostnameVerification
            }
            if let clientCA {
                do {
                    configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(clientCA.bytes))
                    configuration.sendCANameList = true
                } catch {
                    reader.fail(clientCA.node, "\(Self.path).\(clientCA.field)", "no CA certificate in it: \(error)")
                    return nil
                }
            }
            do {
                return ServerTLS(context: try NIOSSLContext(configuration: configuration), clientAuth: clientAuth)
            } catch {
                reader.fail(node, Self.path, "BoringSSL refused the configuration: \(error)")
                return nil
            }
        }

        private func readClientAuth(_ node: Node?) -> ClientAuth {
            guard let node, let text = reader.string(node, "\(Self.path).client_auth_type") else {
                return .noClientCert
            }
            if let value = ClientAuth(rawValue: text) { return value }
            let path = "\(Self.path).client_auth_type"
            if ["RequestClientCert", "RequireAnyClientCert", "RequireClientCert"].contains(text) {
                reader.fail(
                    node,
                    path,
                    "not supported: \(text) accepts a certificate without verifying it; use RequireAndVerifyClientCert"
                )
            } else {
                let known = ClientAuth.allCases.map(\.rawValue).joined(separator: ", ")
                reader.fail(node, path, "expected one of \(known), got \"\(text)\"")
            }
            return .noClientCert
        }

        private func version(_ node: Node?, _ name: String) -> TLSVersion? {
            guard let node, let text = reader.string(node, "\(Self.path).\(name)") else { return nil }
            guard let version = Self.versions[text] else {
                reader.fail(node, "\(Self.path).\(name)", "expected one of TLS10, TLS11, TLS12, TLS13, got \"\(text)\"")
                return nil
            }
            return version
        }

        private func order(_ version: TLSVersion) -> Int {
            switch version {
            case .tlsv1: 0
            case .tlsv11: 1
            case .tlsv12: 2
            case .tlsv13: 3
            }
        }

        /// PEM text given inline or in a file (not both), with the field and node it came from.
        private mutating func pem(
            _ fields: [String: Node],
            inline: String,
            file: String,
            node: Node,
            required: Bool = true
        ) -> (bytes: [UInt8], field: String, node: Node)? {
            switch (fields[inline], fields[file]) {
            case (let text?, nil):
                return reader.string(text, "\(Self.path).\(inline)").map { (Array($0.utf8), inline, text) }
            case (nil, let pathNode?):
                guard let path = reader.string(pathNode, "\(Self.path).\(file)") else { return nil }
                let resolved = path.hasPrefix("/") || directory.isEmpty ? path : "\(directory)/\(path)"
                files.append(resolved)
                guard let data = FileManager.default.contents(atPath: resolved) else {
                    reader.fail(pathNode, "\(Self.path).\(file)", "cannot read \(resolved)")
                    return nil
                }
                return (Array(data), file, pathNode)
            case (_?, let pathNode?):
                reader.fail(pathNode, "\(Self.path).\(file)", "give \(inline) or \(file), not both")
                return nil
            case (nil, nil):
                if required { reader.fail(node, Self.path, "missing one of \(inline) or \(file)") }
                return nil
            }
        }
    }
}
