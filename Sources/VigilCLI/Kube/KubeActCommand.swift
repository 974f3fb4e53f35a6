import ArgumentParser
import VigilHTTP
import VigilKube
import VigilYAML

/// `vigil kube act ACTION KIND/NAME …`: one action, sent as kubectl sends it.
struct KubeActCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "act",
        abstract: """
            Restart, undo, scale, delete, (un)cordon, drain, set resources, annotate, label, expand a PVC or raise \
            an HPA's maximum, as kubectl does.
            """,
        discussion: """
            Arguments mirror kubectl's:
              vigil kube act restart deployment/web -n shop
              vigil kube act undo deployment/web --to-revision=3
              vigil kube act scale deployment/web --replicas=5 --dry-run=server
              vigil kube act delete pod/web-7d9f -n shop
              vigil kube act cordon node/node-1
              vigil kube act drain node/node-1 --ignore-daemonsets --delete-emptydir-data
              vigil kube act set-resources deployment/web -c app --limits=memory=512Mi
              vigil kube act annotate deployment/web team=shop --overwrite
              vigil kube act label pod/web-7d9f vigil.dev/quarantine=true
              vigil kube act expand-pvc pvc/data --size=20Gi
              vigil kube act set-hpa-max hpa/web --max-replicas=10

            Each prints what it did, then the kubectl command that does the same. \
            With --dry-run=server the API server checks the change (authorization, \
            admission, validation) and stores nothing. Exit status: 0 on success, \
            1 when the cluster refused (its message is printed), 2 on usage errors.
            """
    )

    enum Verb: String, ExpressibleByArgument, CaseIterable {
        case restart, undo, scale, delete, cordon, uncordon, drain, annotate, label
        case setResources = "set-resources"
        case expandPVC = "expand-pvc"
        case setHPAMax = "set-hpa-max"
    }

    enum DryRun: String, ExpressibleByArgument, CaseIterable {
        case none, server
    }

    @Argument(
        help: """
            restart, undo, scale, delete, cordon, uncordon, drain, set-resources, annotate, label, expand-pvc or \
            set-hpa-max.
            """
    )
    var verb: Verb

    @Argument(help: "KIND/NAME (deployment/web, statefulset/db, pod/web-1, node/node-1, pvc/data, hpa/web).")
    var target: String

    @Argument(help: "For annotate and label: key=value to set, key- to remove.")
    var changes: [String] = []

    @Option(name: .customLong("to-revision"), help: "For undo: the revision to go back to (default: the previous one).")
    var toRevision: Int?

    @Option(help: "For scale: the number of replicas.")
    var replicas: Int?

    @Option(name: [.short, .customLong("container")], help: "For set-resources: the container (default: all).")
    var container: String?

    @Option(help: ArgumentHelp("For set-resources: limits, like cpu=1,memory=512Mi.", valueName: "list"))
    var limits: String?

    @Option(help: ArgumentHelp("For set-resources: requests, like cpu=100m,memory=256Mi.", valueName: "list"))
    var requests: String?

    @Flag(name: .customLong("ignore-daemonsets"), help: "For drain: leave DaemonSet-managed pods.")
    var ignoreDaemonSets = false

    @Flag(name: .customLong("delete-emptydir-data"), help: "For drain: evict pods with emptyDir volumes.")
    var deleteEmptyDirData = false

    @Flag(help: "For drain: evict pods that no controller manages.")
    var force = false

    @Option(help: ArgumentHelp("For drain: the most it may take (default 5m).", valueName: "duration"))
    var timeout: String?

    @Option(
        name: .customLong("skip-wait-for-delete-timeout"),
        help: ArgumentHelp(
            "For drain: skip pods whose deletion time passed more than this many seconds ago (0: never).",
            valueName: "seconds"
        )
    )
    var skipWaitForDeleteTimeout = 0

    @Flag(help: "For annotate and label: allow changing an existing value.")
    var overwrite = false

    @Option(help: ArgumentHelp("For expand-pvc: the storage the claim asks for, like 20Gi.", valueName: "quantity"))
    var size: String?

    @Option(name: .customLong("max-replicas"), help: "For set-hpa-max: the most replicas the autoscaler may set.")
    var maxReplicas: Int?

    @Option(name: .customLong("dry-run"), help: "server: the API server checks the change and stores nothing.")
    var dryRun: DryRun = .none

    @OptionGroup var cluster: KubeConnectionOptions

    func validate() throws {
        if verb == .scale, (replicas ?? -1) < 0 {
            // kubectl's words for both.
            throw ValidationError("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
        }
        if verb == .setResources, limits == nil, requests == nil {
            throw ValidationError("set-resources needs --limits or --requests")
        }
        if [.annotate, .label].contains(verb), changes.isEmpty {
            throw ValidationError("\(verb.rawValue) needs at least one key=value or key-")
        }
        if verb == .expandPVC {
            guard let size else { throw ValidationError("expand-pvc needs --size") }
            guard Self.isQuantity(size) else {
                throw ValidationError("--size: expected a quantity like 20Gi or 500G, got \"\(size)\"")
            }
        }
        if verb == .setHPAMax, maxReplicas == nil { throw ValidationError("set-hpa-max needs --max-replicas") }
    }

    func action(namespace: String) throws -> KubeAction {
        // `cordon node-1` as well as `cordon node/node-1`, as kubectl takes it.
        let argument = [.cordon, .uncordon, .drain].contains(verb) && !target.contains("/") ? "node/\(target)" : target
        guard let object = KubeObjectReference(kubectlArgument: argument, namespace: namespace) else {
            throw ValidationError("expected KIND/NAME (like deployment/web), got \"\(target)\"")
        }
        let metadata = try changes.map { argument in
            guard let change = KubeAction.MetadataChange(kubectlArgument: argument) else {
                throw ValidationError("expected key=value or key-, got \"\(argument)\"")
            }
            return change
        }
        switch (verb, object.resource) {
        case (.restart, .deployment), (.restart, .statefulset), (.restart, .daemonset): return .restart(object)
        case (.undo, .deployment): return .undo(object, toRevision: toRevision)
        case (.scale, .deployment), (.scale, .statefulset), (.scale, .replicaset):
            return .scale(object, replicas: replicas ?? 0)
        case (.delete, .pod): return .delete(object)
        case (.cordon, .node): return .cordon(node: object.name)
        case (.uncordon, .node): return .uncordon(node: object.name)
        case (.drain, .node):
            guard (0...Int(DrainOptions.longestTimeout)).contains(skipWaitForDeleteTimeout) else {
                throw ValidationError("--skip-wait-for-delete-timeout: expected 0 to 86400 seconds")
            }
            var options = DrainOptions(
                ignoreDaemonSets: ignoreDaemonSets,
                deleteEmptyDirData: deleteEmptyDirData,
                force: force,
                skipWaitForDeleteTimeout: Double(skipWaitForDeleteTimeout)
            )
            if let timeout {
                guard let seconds = DurationSyntax.seconds(timeout), seconds > 0 else {
                    throw ValidationError("--timeout: expected a duration like 90s or 5m, got \"\(timeout)\"")
                }
                options.timeout = seconds
            }
            return .drain(node: object.name, options)
        case (.setResources, .deployment), (.setResources, .statefulset), (.setResources, .daemonset),
            (.setResources, .replicaset):
            return .setResources(
                object,
                container: container,
                limits: try Self.quantities(limits, flag: "--limits"),
                requests: try Self.quantities(requests, flag: "--requests")
            )
        case (.annotate, _): return .annotate(object, metadata, overwrite: overwrite)
        case (.label, _): return .label(object, metadata, overwrite: overwrite)
        case (.expandPVC, .persistentvolumeclaim): return .expandPVC(object, size: size ?? "")
        case (.setHPAMax, .horizontalpodautoscaler): return .setHPAMax(object, maxReplicas: maxReplicas ?? 0)
        default: throw ValidationError("cannot \(verb.rawValue) a \(object.resource.rawValue)")
        }
    }

    /// `cpu=1,memory=512Mi` as a map.
    static func quantities(_ text: String?, flag: String) throws -> [String: String] {
        guard let text else { return [:] }
        var values: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("\(flag): expected name=quantity pairs like cpu=1,memory=512Mi, got \"\(text)\"")
            }
            guard isQuantity(parts[1]) else {
                throw ValidationError(
                    "\(flag): \(parts[0]): expected a quantity like 500m, 1 or 512Mi, got \"\(parts[1])\""
                )
            }
            values[parts[0]] = parts[1]
        }
        return values
    }

    /// The API server's quantity syntax, checked here so that a typo is a usage error (kubectl refuses it
    /// before sending), not a request the server refuses.
    static func isQuantity(_ text: String) -> Bool {
        text.wholeMatch(of: /[+-]?[0-9.]+[eEinumkKMGTP]*[-+]?[0-9]*/) != nil
    }

    func run() async throws {
        let connection = try cluster.connectionOrExit()
        let action = try action(namespace: connection.namespace)
        // A dry run's client cannot send anything else.
        let client = KubeClient(
            connection: connection,
            transport: CurlHTTPClient(),
            access: dryRun == .server ? .dryRun : .write
        )
        do {
            let outcome = try await client.perform(action, dryRun: dryRun == .server)
            Console.out(outcome.summary)
            Console.out("kubectl equivalent: \(outcome.kubectl)")
        } catch {
            Console.error(error.description)
            throw ExitCode(1)
        }
    }
}
