import Foundation
import VigilHTTP
import VigilYAML
import Yams

/// Why no connection could be made from a kubeconfig or the in-cluster environment: every problem,
/// each naming the file, the line and the field (`users[admin].user.client-key-data`).
public struct KubeconfigError: Error, CustomStringConvertible, Equatable {
    public let errors: [String]

    public init(_ message: String) { errors = [message] }
    public init(errors: [String]) { self.errors = errors }

    public var description: String { errors.joined(separator: "\n") }
}

/// kubectl's kubeconfig: `$KUBECONFIG` (files separated by `:`, merged so that the first file to name
/// a cluster, user or context, or to set `current-context`, wins) or `~/.kube/config`; a context
/// (`--context`, else `current-context`) picks a cluster and a user. Relative file paths resolve
/// against the directory of the kubeconfig that names them, as client-go resolves them.
public enum Kubeconfig {
    /// The files kubectl would read.
    public static func defaultPaths(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            return list.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return [home + "/.kube/config"]
    }

    /// The connection of `context` (or the current context), with `namespace` overriding the
    /// context's (`-n`).
    public static func load(
        paths: [String],
        context requested: String? = nil,
        namespace: String? = nil
    ) throws(KubeconfigError) -> KubeConnection {
        var files: [KubeconfigFile] = []
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                // kubectl skips a missing file in a KUBECONFIG list, but a single named file must exist.
                if paths.count == 1 { throw KubeconfigError("\(path): cannot read the kubeconfig") }
                continue
            }
            let text: String
            do { text = try YAMLDocument.text(data, file: path) } catch { throw KubeconfigError(error.message) }
            files.append(try KubeconfigFile(path: path, yaml: text))
        }
        guard !files.isEmpty else { throw KubeconfigError("no kubeconfig found in \(paths.joined(separator: ":"))") }
        var merged = MergedKubeconfig(files)
        let connection = merged.connection(context: requested, namespace: namespace)
        let errors = files.flatMap(\.reader.errors) + merged.errors
        guard errors.isEmpty, let connection else { throw KubeconfigError(errors: errors) }
        return connection
    }
}

/// One kubeconfig file, its named entries still as YAML nodes (only the chosen ones are read through).
struct KubeconfigFile {
    let path: String
    let reader: ConfigReader
    var clusters: [(name: String, node: Node, path: String)] = []
    var users: [(name: String, node: Node, path: String)] = []
    var contexts: [(name: String, node: Node, path: String)] = []
    var currentContext: String?

    init(path: String, yaml: String) throws(KubeconfigError) {
        self.path = path
        reader = ConfigReader(file: path)
        let root: Node?
        do {
            // As every YAML file here is read: a syntax error names its line, never quoting the file (a
            // kubeconfig holds keys and tokens), and aliases cannot expand without bound.
            root = try YAMLDocument.compose(yaml, file: path)
        } catch {
            throw KubeconfigError(error.message)
        }
        guard let root else { return }
        let fields = reader.fields(
            root,
            "",
            allowed: [
                "apiVersion", "kind", "preferences", "clusters", "users", "contexts", "current-context", "extensions",
            ]
        )
        currentContext = fields["current-context"].flatMap { reader.string($0, "current-context") }
            .flatMap { $0.isEmpty ? nil : $0 }
        clusters = entries(fields["clusters"], "clusters", body: "cluster")
        users = entries(fields["users"], "users", body: "user")
        contexts = entries(fields["contexts"], "contexts", body: "context")
    }

    /// `[{name: N, <body>: {…}}]` as (name, body node, field path).
    private func entries(_ node: Node?, _ path: String, body: String) -> [(name: String, node: Node, path: String)] {
        guard let node, node.null == nil else { return [] }
        return reader.list(node, path).enumerated().compactMap { index, entry in
            let fields = reader.fields(entry, "\(path)[\(index)]", allowed: ["name", body])
            guard let name = fields["name"].flatMap({ reader.string($0, "\(path)[\(index)].name") }) else {
                reader.fail(entry, "\(path)[\(index)].name", "required")
                return nil
            }
            guard let value = fields[body] else {
                reader.fail(entry, "\(path)[\(name)].\(body)", "required")
                return nil
            }
            return (name, value, "\(path)[\(name)].\(body)")
        }
    }
}

/// The files merged as kubectl merges them, resolving one context to a connection.
struct MergedKubeconfig {
    let files: [KubeconfigFile]
    private(set) var errors: [String] = []

    init(_ files: [KubeconfigFile]) { self.files = files }

    private func first(
        _ name: String,
        in list: KeyPath<KubeconfigFile, [(name: String, node: Node, path: String)]>
    ) -> (file: KubeconfigFile, node: Node, path: String)? {
        for file in files {
            if let entry = file[keyPath: list].first(where: { $0.name == name }) {
                return (file, entry.node, entry.path)
            }
        }
        return nil
    }

    mutating func connection(context requested: String?, namespace: String?) -> KubeConnection? {
        guard let contextName = requested ?? files.lazy.compactMap(\.currentContext).first else {
            errors.append("\(files.map(\.path).joined(separator: ":")): current-context is not set; pass --context")
            return nil
        }
        guard let (contextFile, contextNode, contextPath) = first(contextName, in: \.contexts) else {
            let known = files.flatMap { $0.contexts.map(\.name) }
            errors.append(
                "\(files.map(\.path).joined(separator: ":")): no context named \"\(contextName)\" (known: \(known.joined(separator: ", ")))"
            )
            return nil
        }
        let reader = contextFile.reader
        let fields = reader.fields(contextNode, contextPath, allowed: ["cluster", "user", "namespace", "extensions"])
        guard let clusterName = fields["cluster"].flatMap({ reader.string($0, contextPath + ".cluster") }) else {
            reader.fail(contextNode, contextPath + ".cluster", "required")
            return nil
        }
        guard let (clusterFile, clusterNode, clusterPath) = first(clusterName, in: \.clusters) else {
            reader.fail(fields["cluster"], contextPath + ".cluster", "no cluster named \"\(clusterName)\"")
            return nil
        }
        guard var connection = ClusterReader(file: clusterFile).read(clusterNode, clusterPath) else { return nil }
        connection.context = contextName
        connection.namespace =
            namespace ?? fields["namespace"].flatMap { reader.string($0, contextPath + ".namespace") }
            .flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        if let userName = fields["user"].flatMap({ reader.string($0, contextPath + ".user") }), !userName.isEmpty {
            guard let (userFile, userNode, userPath) = first(userName, in: \.users) else {
                reader.fail(fields["user"], contextPath + ".user", "no user named \"\(userName)\"")
                return nil
            }
            UserReader(file: userFile).read(userNode, userPath, into: &connection)
        }
        // client-go reads a user's credentials only for an https server ("only try to read the auth
        // information if we are secure"): a token, a password or an exec plugin's token is never sent in the
        // clear, and the plugin never runs. The user is still read, so its errors are still reported.
        if !connection.server.lowercased().hasPrefix("https://") { connection.withholdCredentials() }
        return connection
    }
}
