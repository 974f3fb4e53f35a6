import Foundation
import VigilHTTP

extension KubeConnection {
    /// Where a pod finds its service-account credentials.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The connection of a pod to its own cluster, as client-go's `InClusterConfig` builds it:
    /// `https://` + `KUBERNETES_SERVICE_HOST`:`KUBERNETES_SERVICE_PORT` (IPv6 bracketed), the
    /// service-account token (re-read at every request: it is rotated), its CA, and its namespace.
    /// Throws, saying what is missing, when this is not a pod (or its token is not mounted).
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        directory: String = serviceAccountDirectory
    ) throws(KubeconfigError) -> KubeConnection {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else {
            throw KubeconfigError(
                "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set"
            )
        }
        let token = directory + "/token"
        let ca = directory + "/ca.crt"
        for file in [token, ca] where !FileManager.default.isReadableFile(atPath: file) {
            throw KubeconfigError(
                "\(file): cannot be read (is automountServiceAccountToken false for this pod or its service account?)"
            )
        }
        // `POD_NAMESPACE` first, as client-go's in-cluster config reads it (the downward API sets it).
        let namespace =
            environment["POD_NAMESPACE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (try? String(contentsOfFile: directory + "/namespace", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return KubeConnection(
            server: "https://\(bracketed):\(port)",
            namespace: namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default",
            tls: TLSConfiguration(caFile: ca),
            credential: .tokenFile(token)
        )
    }
}
