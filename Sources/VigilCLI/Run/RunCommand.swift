import ArgumentParser
import Foundation
import Logging
import VigilEngine
import VigilHTTP
import VigilKube
import VigilRules
import VigilScrape
import VigilServer
import VigilYAML

/// `vigil run`: the daemon. Scrapes, detects, serves `/metrics` and the API, checkpoints what it learnt.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: scrape targets, score every series, serve /metrics and the anomalies API.",
        discussion: """
            With --config, targets and settings come from a YAML file shaped like Prometheus's (see \
            deploy/vigil.yaml); flags given as well override it. Without a file, the sidecar one-liner:

              vigil run --scrape http://127.0.0.1:8080/metrics --listen 0.0.0.0:9464 --state-dir /var/lib/vigil

            With no target at all, Vigil only serves its API (a webhook-only receiver).

            Diagnosis: with rule files (rule_files:, --rules, else ./rules or /etc/vigil/rules if present), \
            every diagnosis_interval (30s) the diagnosis engine reads the recent history of the series the \
            rules select and, with a cluster (kubernetes:, --kubeconfig/--context, else $KUBECONFIG, \
            ~/.kube/config or the pod's service account), the cluster's state; incidents are logged and \
            served.

            Endpoints: GET /metrics (Vigil's own metrics and vigil_anomaly_score for every scored series), \
            /healthz, /readyz (ready after every target's first scrape), /api/v1/anomalies, /api/v1/targets, \
            /api/v1/incidents[?state=open|resolved], /api/v1/incidents/ID, /api/v1/proposals, \
            /api/v1/proposals/ID, POST /-/reload.

            Remediation: every proposal is sent to the cluster as a server-side dry run (its diff is shown); \
            nothing is changed unless --allow-apply is given and a playbook (or remediation.autonomy) says \
            apply or a person approves, and then only under the guards of remediation: (namespaces, \
            cooldown, rate limit, blast radius); every step is in <state-dir>/audit.jsonl first \
            (vigil audit reads it). SIGHUP reloads the configuration too; SIGTERM or SIGINT stop gracefully, \
            writing a last checkpoint. Exit status: 0 after a graceful stop, 1 on an invalid configuration. \
            --check-config checks the configuration without starting: 0 valid, 1 not.

            Security: POST /-/reload answers 403 unless --web.enable-lifecycle is given, and that flag \
            needs authentication. --web.config.file takes the Prometheus exporter toolkit's web \
            configuration (the file node_exporter reads): TLS, basic auth with bcrypt hashes, security \
            headers; it then guards every path, /healthz and /readyz included, as node_exporter does. \
            --web.bearer-token-file accepts a bearer token as well or instead. See "Securing the daemon" \
            in the README.
            """
    )

    @Option(name: .long, help: ArgumentHelp("YAML configuration file.", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("A URL to scrape; repeat for more (sidecar mode).", valueName: "url"))
    var scrape: [String] = []

    @Option(
        name: .customLong("job"),
        help: ArgumentHelp("The job label of --scrape targets (default app).", valueName: "name")
    )
    var jobGiven: String?

    /// `--job`, or its default.
    var job: String { jobGiven ?? "app" }

    @OptionGroup var scrapeLimits: ScrapeFlags

    @Option(name: .long, help: ArgumentHelp("Address to serve on (default 0.0.0.0:9464).", valueName: "host:port"))
    var listen: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Scrape interval of --scrape targets (default 15s).", valueName: "duration")
    )
    var interval: String?

    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp("Directory for checkpoints of learnt state.", valueName: "dir")
    )
    var stateDirectory: String?

    @Option(
        name: .customLong("checkpoint-interval"),
        help: ArgumentHelp("Time between checkpoints (default 5m).", valueName: "duration")
    )
    var checkpointInterval: String?

    @Option(name: .customLong("log-format"), help: "logfmt (default) or json.")
    var logFormat: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info (default), notice, warning, error or critical.")
    var logLevel: String?

    @Flag(
        inversion: .prefixedNo,
        help:
            "Learn a daily profile per series (the default, as vigil detect and vigil eval nab do); --no-seasonal saves its memory at a cost in accuracy."
    )
    var seasonal: Bool?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Rule files, directories or globs for diagnosis (repeatable; overrides rule_files:). Default: ./rules, else /etc/vigil/rules, else no diagnosis.",
            valueName: "path"
        )
    )
    var rules: [String] = []

    /// The cluster diagnosis watches (overrides kubernetes:); none found, it watches none.
    @OptionGroup var cluster: ClusterOptions

    @Flag(
        name: .customLong("allow-apply"),
        help: ArgumentHelp(
            "Let playbooks (or remediation.autonomy) that say apply change the cluster, and approvals apply, under every guard of remediation:. Needs --state-dir (the audit log), rules and a cluster; applies only while holding the remediation Lease (cluster.leader_election, else vigil-remediation in Vigil's namespace), which vigil diagnose --apply and other replicas share. Off: proposals and dry runs only."
        )
    )
    var allowApply = false

    @Option(
        help: ArgumentHelp(
            "This replica's shard, from 0 (default with --shards: the ordinal N of $POD_NAME or $HOSTNAME name-N).",
            valueName: "n"
        )
    )
    var shard: Int?

    @Option(
        help: ArgumentHelp(
            "How many replicas split the targets: each keeps those whose hashmod of the address is its shard (overrides cluster.shards).",
            valueName: "m"
        )
    )
    var shards: Int?

    @OptionGroup(title: "HTTP server security and limits")
    var web: WebOptions

    @Flag(
        name: .customLong("check-config"),
        help:
            "Check the configuration as a start would (the file, the flags over it, rule files, --web.* files, the kubeconfig), print what would run, and exit: 0 valid, 1 not. Starts nothing, sends nothing, writes nothing."
    )
    var checkConfig = false

    /// Where the configuration comes from: the file (re-read at every reload) and the flags over it.
    struct ConfigSource: Sendable {
        var file: String?
        var scrape: [String]
        var job: String
        var scrapeFlags = ScrapeFlags.Values()
        var listen: String?
        var interval: String?
        var stateDirectory: String?
        var checkpointInterval: String?
        var logFormat: String?
        var logLevel: String?
        /// `--seasonal`/`--no-seasonal`; nil leaves the file's setting (default on).
        var seasonal: Bool?
        var rules: [String] = []
        var kubeconfig: String?
        var context: String?
        var allowApply = false
        var shard: Int?
        var shards: Int?

        /// The rule pack shipped with Vigil: `./rules` (a checkout, the image's working directory), else
        /// `/etc/vigil/rules`; nil when neither exists.
        static func bundledRules() -> String? {
            ["rules", "/etc/vigil/rules"].first { path in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            }
        }

        func load() throws(DaemonConfig.Invalid) -> DaemonConfig {
            var config =
                try file.map { path throws(DaemonConfig.Invalid) in try DaemonConfig.load(file: path) }
                ?? DaemonConfig()
            var errors: [String] = []
            if let listen {
                if let (host, port) = DaemonConfig.address(listen) {
                    (config.listenHost, config.listenPort) = (host, port)
                } else {
                    errors.append("--listen: expected HOST:PORT, got \"\(listen)\"")
                }
            }
            var scrapeInterval = 15.0
            if let interval {
                if let seconds = DurationSyntax.seconds(interval), seconds > 0 {
                    scrapeInterval = seconds
                } else {
                    errors.append("--interval: expected a duration like 15s or 1m, at most 100y, got \"\(interval)\"")
                }
            }
            // A URL given twice is one target, as a file's job dedupes its targets.
            var seen: Set<String> = []
            // Two URLs of one address (two paths of one port) would be one job and instance: one set of series.
            var addresses: [String: String] = [:]
            for url in scrape where seen.insert(url).inserted {
                guard let scheme = url.firstRange(of: "://"), ["http", "https"].contains(url[..<scheme.lowerBound])
                else {
                    errors.append("--scrape: expected an http:// or https:// URL, got \"\(URLUserInfo.redacted(url))\"")
                    continue
                }
                // The host and port, without any user info (checked here, not at the first scrape).
                let address = URLUserInfo.hostAndPort(url)
                guard TargetURL.isAddress(address) else {
                    errors.append(
                        "--scrape: expected a host and a port from 1 to 65535 in \"\(URLUserInfo.redacted(url))\""
                    )
                    continue
                }
                if let other = addresses[address] {
                    // Passwords in either URL stay out of the message, as out of every label and log line.
                    errors.append(
                        "--scrape: \(URLUserInfo.redacted(url)) and \(URLUserInfo.redacted(other)) would both be job "
                            + "\"\(job)\", instance \"\(address)\": their series would be one; give one of them here, or "
                            + "each its own job in --config's scrape_configs"
                    )
                    continue
                }
                addresses[address] = url
                var target = ScrapeTarget(
                    url: url,
                    job: job,
                    interval: scrapeInterval,
                    timeout: min(10, scrapeInterval)
                )
                scrapeFlags.apply(to: &target, errors: &errors)
                config.targets.append(target)
            }
            if let stateDirectory { config.stateDirectory = stateDirectory }
            if let checkpointInterval {
                if let seconds = DurationSyntax.seconds(checkpointInterval), seconds > 0 {
                    config.checkpointInterval = seconds
                } else {
                    errors.append(
                        "--checkpoint-interval: expected a duration like 5m, at most 100y, got \"\(checkpointInterval)\""
                    )
                }
            }
            if let logFormat {
                if let format = DaemonConfig.LogFormat(rawValue: logFormat) {
                    config.logFormat = format
                } else {
                    errors.append("--log-format: expected logfmt or json, got \"\(logFormat)\"")
                }
            }
            if let logLevel {
                if VigilLogging.levels.contains(logLevel) {
                    config.logLevel = logLevel
                } else {
                    errors.append("--log-level: expected one of \(VigilLogging.levels.joined(separator: ", "))")
                }
            }
            if let seasonal { config.seasonal = seasonal }
            if !rules.isEmpty {
                // Typed by hand, unlike a file's rule_files (which, as Prometheus's, may match nothing).
                errors += RuleSet.namingNoFile(rules).map { "--rules: \($0)" }
                config.ruleFiles = rules
            }
            if config.ruleFiles.isEmpty, let bundled = Self.bundledRules() { config.ruleFiles = [bundled] }
            if let kubeconfig { config.kubeconfig = kubeconfig }
            if let context { config.kubeContext = context }
            config.remediation.allowApply = allowApply
            if let shards {
                if shards >= 1 {
                    config.cluster.shards = shards
                } else {
                    errors.append("--shards: expected at least 1")
                }
            }
            if let shard { config.cluster.shardIndex = shard }
            // The --scrape flags are checked once per URL: say each problem once.
            var said: Set<String> = []
            errors = errors.filter { said.insert($0).inserted }
            guard errors.isEmpty else { throw DaemonConfig.Invalid(errors: errors) }
            return config
        }
    }

    var source: ConfigSource {
        ConfigSource(
            file: config,
            scrape: scrape,
            job: job,
            scrapeFlags: scrapeLimits.values,
            listen: listen,
            interval: interval,
            stateDirectory: stateDirectory,
            checkpointInterval: checkpointInterval,
            logFormat: logFormat,
            logLevel: logLevel,
            seasonal: seasonal,
            rules: rules,
            kubeconfig: cluster.kubeconfig,
            context: cluster.context,
            allowApply: allowApply,
            shard: shard,
            shards: shards
        )
    }

    /// The flags that describe `--scrape` targets, refused without one rather than ignored (a file's jobs
    /// set their own in `scrape_configs`).
    func validate() throws {
        guard scrape.isEmpty else { return }
        let given: [(String, String?)] = [
            ("--job", jobGiven), ("--interval", interval), ("--sample-limit", scrapeLimits.sampleLimit),
            ("--body-size-limit", scrapeLimits.bodySizeLimit), ("--scrape-basic-auth-file", scrapeLimits.basicAuthFile),
            ("--scrape-bearer-token-file", scrapeLimits.bearerTokenFile),
        ]
        let flags = given.compactMap { $0.1 == nil ? nil : $0.0 }
        guard flags.isEmpty else {
            throw ValidationError(
                "\(flags.joined(separator: ", ")) \(flags.count == 1 ? "describes" : "describe") --scrape targets, and "
                    + "none is given; a --config file's jobs set theirs in scrape_configs"
            )
        }
    }

    func run() async throws {
        let config: DaemonConfig
        let rules: RuleSet?
        let connection: KubeConnection?
        let security: WebSecurity
        let shard: Shard
        var claim: StateDirectoryLock?
        do throws(DaemonConfig.Invalid) {
            config = try source.load()
            // The checks that do not depend on each other each run, so that one run lists every error:
            // a missing rule file, kubeconfig and web configuration file are three errors, not three runs.
            var start = StartChecks()
            let sharded = start.check { () throws(DaemonConfig.Invalid) in
                try config.cluster.shard(environment: ProcessInfo.processInfo.environment).get()
            }
            let ruleSet = start.check { () throws(DaemonConfig.Invalid) in try config.rules() }
            let cluster = start.check { () throws(DaemonConfig.Invalid) in try config.kubeConnection() }
            if let directory = config.stateDirectory {
                // Only checked here: made once every check has passed, so a refused start leaves none.
                _ = start.check { () throws(DaemonConfig.Invalid) in
                    try Daemon.prepareStateDirectory(directory, making: false)
                }
            }
            let logger = VigilLogging.logger(format: config.logFormat, level: config.logLevel)
            let served = start.check { () throws(DaemonConfig.Invalid) in try web.security(logger: logger) }
            guard let sharded, let ruleSet, let cluster, var served, start.errors.isEmpty else {
                throw DaemonConfig.Invalid(errors: start.errors)
            }
            (shard, rules, connection) = (sharded, ruleSet, cluster)
            if config.cluster.shards > 1, let identity = config.cluster.leaderElection?.identity {
                // Every replica reads the same file: all would take themselves for the Lease's holder.
                throw DaemonConfig.Invalid(errors: [
                    "cluster.leader_election.identity: \"\(identity)\" would be every replica's (--shards above 1); leave it out, so that each replica is its pod name"
                ])
            }
            if connection == nil,
                !config.discovery.isEmpty || config.cluster.monitors || config.cluster.leaderElection != nil
            {
                throw DaemonConfig.Invalid(errors: [
                    "kubernetes_sd_configs, cluster.monitors and cluster.leader_election need a cluster (--kubeconfig, kubernetes:, or in-cluster)"
                ])
            }
            if let directory = config.stateDirectory, !checkConfig {
                try Daemon.prepareStateDirectory(directory)
                do {
                    claim = try StateDirectoryLock(directory: directory)
                    // The one writer of its checkpoint now: what an earlier one's cut-short write left goes.
                    let removed = StateCheckpoint(directory: directory).removeLeftovers()
                    if !removed.isEmpty {
                        logger.notice(
                            "removed what cut-short checkpoint writes left",
                            metadata: ["files": "\(removed.joined(separator: ","))"]
                        )
                    }
                } catch {
                    guard !error.fatal else { throw DaemonConfig.Invalid(errors: [error.description]) }
                    // A file system without locks (NFS without lockd) ran Vigil before the claim existed:
                    // it still does, unguarded against a second daemon, and says so.
                    logger.warning(
                        "state_dir not claimed: a second vigil run on it would not be noticed",
                        metadata: ["error": "\(error.description)"]
                    )
                }
            }
            if config.remediation.allowApply {
                // Unsafe combinations refuse to start rather than run with a guard missing.
                var missing: [String] = []
                if config.stateDirectory == nil { missing.append("--state-dir (for the audit log)") }
                if rules == nil { missing.append("rule files") }
                // With a cluster, it elects (`ClusterSettings.election`): the shards, each of which watches
                // every object, take turns on one Lease.
                if connection == nil { missing.append("a cluster (--kubeconfig, kubernetes:, or in-cluster)") }
                if !missing.isEmpty {
                    throw DaemonConfig.Invalid(errors: ["--allow-apply needs \(missing.joined(separator: ", "))"])
                }
            }
            served.webhookNeedsAuthentication = config.remediation.allowApply
            security = served
            try ForgedAlertGuard.check(
                rules: rules,
                policy: config.remediation,
                authenticated: security.authenticator.isConfigured
            )
        } catch {
            Console.error(error.description)
            throw ExitCode(1)
        }
        if checkConfig {
            let check = ConfigCheck(
                source: source,
                config: config,
                rules: rules,
                connection: connection,
                security: security,
                shard: shard
            )
            for line in check.lines { Console.out(line) }
            return
        }
        try await Daemon(
            config: config,
            source: source,
            rules: rules,
            kubeConnection: connection,
            security: security,
            shard: shard
        )
        .run()
        // Held until the daemon has stopped and written its last checkpoint.
        withExtendedLifetime(claim) {}
    }
}

/// The checks of a start that do not depend on each other: each runs, and its errors are kept beside
/// the others'.
private struct StartChecks {
    var errors: [String] = []

    /// `body`'s value, or nil with its errors kept.
    mutating func check<T>(_ body: () throws(DaemonConfig.Invalid) -> T) -> T? {
        do {
            return try body()
        } catch {
            errors += error.errors
            return nil
        }
    }
}
