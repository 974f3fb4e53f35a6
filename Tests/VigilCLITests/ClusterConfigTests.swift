import ArgumentParser
import Foundation
import Testing
import VigilScrape
import VigilTestKit

@testable import VigilCLI
@testable import VigilKube

/// Cluster mode's configuration: `kubernetes_sd_configs` in a job, `cluster:` (shards, leader election),
/// `--shard`/`--shards` and the ordinal of the pod name; and how a discovered target becomes a scrape target.
struct ClusterConfigTests {
    static let yaml = """
        scrape_configs:
          - job_name: pods
            scrape_interval: 30s
            kubernetes_sd_configs:
              - role: pod
                namespaces: {names: [shop, web]}
                selectors: [{role: pod, label: "app=shop", field: "status.phase=Running"}]
          - job_name: services
            relabel_configs:
              - action: keep
                source_labels: [__meta_kubernetes_service_label_monitored]
                regex: "yes"
            kubernetes_sd_configs: [{role: endpoints}]
        cluster:
          shards: 3
          leader_election: {namespace: monitoring, lease_duration: 20s}
        """

    @Test func kubernetesSDAndClusterSettingsAreRead() throws {
        let config = try DaemonConfig.parse(Self.yaml, file: "vigil.yaml")
        #expect(config.targets.isEmpty)
        #expect(config.discovery.count == 2)
        let pods = config.discovery[0]
        #expect(pods.configuration.role == .pod)
        #expect(pods.configuration.namespaces == ["shop", "web"])
        #expect(
            pods.configuration.selectors == [.init(role: .pod, label: "app=shop", field: "status.phase=Running")]
        )
        #expect(pods.job.template.job == "pods" && pods.job.template.interval == 30)
        #expect(pods.job.annotationPrefix == "__meta_kubernetes_pod_annotation_")
        let services = config.discovery[1]
        #expect(services.job.annotationPrefix == "__meta_kubernetes_service_annotation_")
        #expect(services.job.relabeling.map(\.action) == [.keep])
        #expect(config.cluster.shards == 3)
        let election = try #require(config.cluster.leaderElection)
        #expect(election.namespace == "monitoring" && election.leaseName == "vigil-remediation")
        #expect(election.leaseDuration == 20 && election.renewDeadline == 10 && election.retryPeriod == 2)
    }

    /// With --allow-apply every daemon elects, one replica or several shards: the configured Lease, else
    /// vigil-remediation in its own namespace, where `vigil diagnose --apply` looks; without it, none.
    @Test func applyingImpliesTheDefaultLeaseInVigilsNamespace() throws {
        let configured = try DaemonConfig.parse(Self.yaml, file: "vigil.yaml").cluster
        #expect(configured.election(allowApply: true, namespace: "vigil") == configured.leaderElection)
        #expect(configured.election(allowApply: false, namespace: "vigil") == nil, "it may not apply: no Lease")
        let alone = try DaemonConfig.parse("cluster: {shards: 3}\n", file: "vigil.yaml").cluster
        let implied = try #require(alone.election(allowApply: true, namespace: "vigil"))
        #expect(implied.namespace == "vigil" && implied.leaseName == "vigil-remediation" && implied.identity == nil)
        #expect(implied.leaseDuration == 15 && implied.renewDeadline == 10 && implied.retryPeriod == 2)
        #expect(alone.election(allowApply: false, namespace: "vigil") == nil)
        // Each its own name on the Lease: the pod's, else the host's and the process's (shards on one host).
        #expect(ClusterSettings.identity(environment: ["POD_NAME": "vigil-1"], host: "h", pid: 7) == "vigil-1")
        #expect(ClusterSettings.identity(environment: ["HOSTNAME": "vigil-2"], host: "h", pid: 7) == "vigil-2")
        #expect(ClusterSettings.identity(environment: [:], host: "h", pid: 7) == "h_7")
        #expect(ClusterSettings.identity(environment: ["POD_NAME": ""], host: "h", pid: 8) == "h_8")
    }

    @Test func badClusterSettingsNameFileLineAndField() {
        let yaml = """
            scrape_configs:
              - job_name: nodes
                kubernetes_sd_configs: [{role: node}, {namespaces: {names: [a]}}, {role: pod, api_server: "https://x"}]
            cluster:
              shards: 0
              leader_election: {renew_deadline: 20s}
            """
        #expect {
            try DaemonConfig.parse(yaml, file: "vigil.yaml")
        } throws: { error in
            let errors = (error as! DaemonConfig.Invalid).errors
            let expected = [
                "vigil.yaml:3:36: scrape_configs[0].kubernetes_sd_configs[0].role: only pod and endpoints are supported, got \"node\"",
                "vigil.yaml:3:43: scrape_configs[0].kubernetes_sd_configs[1].role: required (pod or endpoints)",
                "vigil.yaml:3:83: scrape_configs[0].kubernetes_sd_configs[2].api_server: unknown field",
                "vigil.yaml:5:11: cluster.shards: expected at least 1",
                "vigil.yaml:6:20: cluster.leader_election: lease_duration must be greater than renew_deadline",
            ]
            for line in expected {
                #expect(errors.contains { $0.hasPrefix(line) }, "missing: \(line)\nin: \(errors)")
            }
            return errors.count == expected.count
        }
    }

    /// Selectors as Prometheus takes them: an endpoints role's service selector narrows the services
    /// it lists (the endpoints selector narrowed them before, so a label only Endpoints carry left every
    /// target without its service's labels); a pod role takes only pod selectors, and a role once.
    @Test func selectorsNarrowTheirOwnCollection() throws {
        let yaml = """
            scrape_configs:
              - job_name: services
                kubernetes_sd_configs:
                  - role: endpoints
                    selectors:
                      - {role: endpoints, label: "service.kubernetes.io/headless"}
                      - {role: service, label: "monitored=yes"}
            """
        let configuration = try DaemonConfig.parse(yaml, file: "vigil.yaml").discovery[0].configuration
        let headless = KubeQueryItem("labelSelector", "service.kubernetes.io/headless")
        #expect(configuration.query(for: "endpoints") == [headless])
        #expect(configuration.query(for: "services") == [KubeQueryItem("labelSelector", "monitored=yes")])
        #expect(configuration.query(for: "pods").isEmpty)

        let refused = """
            scrape_configs:
              - job_name: pods
                kubernetes_sd_configs:
                  - role: pod
                    selectors: [{role: endpoints, label: a=b}, {role: pod, label: a=b}, {role: pod, field: x=y}]
            """
        #expect {
            try DaemonConfig.parse(refused, file: "vigil.yaml")
        } throws: { error in
            let errors = (error as! DaemonConfig.Invalid).errors
            return errors.count == 2
                && errors[0].contains("selectors[0].role: pod role supports only pod selectors, got \"endpoints\"")
                && errors[1].contains("selectors[2].role: duplicated selector role: pod")
        }
    }

    @Test func aFractionalLeaseDurationIsRefusedNotCut() {
        let yaml = """
            cluster:
              leader_election: {lease_duration: 15500ms}
            """
        #expect(
            throws: DaemonConfig.Invalid(errors: [
                "vigil.yaml:2:37: cluster.leader_election.lease_duration: lease_duration must be whole seconds (a "
                    + "Lease's leaseDurationSeconds is an integer): 15.5s would be cut to 15s; write 16s"
            ])
        ) {
            try DaemonConfig.parse(yaml, file: "vigil.yaml")
        }
    }

    @Test(
        arguments: [
            // --shard wins; else $POD_NAME; else $HOSTNAME.
            (3, 1, [:], "1/3"),
            (3, nil, ["POD_NAME": "vigil-2", "HOSTNAME": "host-0"], "2/3"),
            (3, nil, ["HOSTNAME": "vigil-0"], "0/3"),
            (1, nil, [:], "0/1"),
        ] as [(Int, Int?, [String: String], String)]
    )
    func theShardComesFromTheFlagOrThePodName(
        shards: Int,
        index: Int?,
        environment: [String: String],
        shard: String
    )
        throws
    {
        let settings = ClusterSettings(shards: shards, shardIndex: index)
        #expect(try settings.shard(environment: environment).get().description == shard)
    }

    @Test func aShardThatCannotBeKnownIsRefused() {
        let unnamed = ClusterSettings(shards: 3).shard(environment: ["HOSTNAME": "laptop"])
        #expect(throws: DaemonConfig.Invalid.self) { try unnamed.get() }
        let outside = ClusterSettings(shards: 3, shardIndex: 3).shard(environment: [:])
        #expect(throws: DaemonConfig.Invalid(errors: ["--shard 3: expected 0 to 2 with --shards 3"])) {
            try outside.get()
        }
        let alone = ClusterSettings(shardIndex: 3).shard(environment: [:])
        #expect(
            throws: DaemonConfig.Invalid(errors: [
                "--shard 3: expected 0 with one shard; give --shards (or cluster.shards) too"
            ])
        ) {
            try alone.get()
        }
    }

    @Test func theFlagsOverrideTheFile() throws {
        let directory = try TemporaryDirectory("cluster")
        let file = directory.file("vigil.yaml")
        try Self.yaml.write(to: file, atomically: true, encoding: .utf8)
        let command = try RunCommand.parse(["--config", file.path, "--shard", "1", "--shards", "2"])
        let config = try command.source.load()
        #expect(config.cluster.shards == 2 && config.cluster.shardIndex == 1)
    }
}

/// A discovered target's way to a scrape target: the default relabelling honours the prometheus.io
/// annotations; a job's own keep/drop rules replace the scrape annotation.
struct DiscoveryJobTests {
    let job = DiscoveryJob(template: ScrapeTarget(url: "", job: "pods"))

    static func labels(_ annotations: [String: String], address: String = "10.1.0.7:8080") -> [String: String] {
        var labels = [
            "__address__": address, "__meta_kubernetes_namespace": "shop", "__meta_kubernetes_pod_name": "shop-1",
            "__meta_kubernetes_pod_container_name": "app",
        ]
        for (name, value) in annotations { labels["__meta_kubernetes_pod_annotation_prometheus_io_\(name)"] = value }
        return labels
    }

    @Test func annotationsPickTheTargetAndItsURL() throws {
        #expect(job.target(from: Self.labels([:])) == nil, "not annotated: not scraped")
        #expect(job.target(from: Self.labels(["scrape": "false"])) == nil)
        let plain = try #require(job.target(from: Self.labels(["scrape": "true"])))
        #expect(plain.url == "http://10.1.0.7:8080/metrics")
        #expect(plain.labels == ["namespace": "shop", "pod": "shop-1", "container": "app"])
        let annotated = try #require(
            job.target(from: Self.labels(["scrape": "true", "port": "9102", "path": "stats", "scheme": "https"]))
        )
        #expect(annotated.url == "https://10.1.0.7:9102/stats")
        #expect(annotated.instance == "10.1.0.7:9102")
        // A port-less target takes the annotated port; IPv6 keeps its brackets; a bad port is ignored.
        #expect(
            job.target(from: Self.labels(["scrape": "true", "port": "9102"], address: "10.1.0.7"))?.url
                == "http://10.1.0.7:9102/metrics"
        )
        #expect(
            job.target(from: Self.labels(["scrape": "true", "port": "9102"], address: "[fd00::7]:80"))?.url
                == "http://[fd00::7]:9102/metrics"
        )
        #expect(
            job.target(from: Self.labels(["scrape": "true", "port": "99999"]))?.url
                == "http://10.1.0.7:8080/metrics"
        )
    }

    @Test func aJobsOwnRulesReplaceTheScrapeAnnotation() throws {
        var own = job
        own.relabeling = [try RelabelRule(action: .keep, sourceLabels: ["__meta_kubernetes_namespace"], regex: "shop")]
        #expect(own.target(from: Self.labels([:]))?.url == "http://10.1.0.7:8080/metrics")
        var other = Self.labels([:])
        other["__meta_kubernetes_namespace"] = "kube-system"
        #expect(own.target(from: other) == nil)
    }
}
