import ArgumentParser
import Foundation
import Testing
import VigilCore
import VigilEngine
import VigilHTTP
import VigilRules
import VigilScrape
import VigilServer
import VigilTestKit
import VigilYAML

@testable import VigilCLI

/// `vigil run`'s configuration: the file, its errors, and the flags over it.
struct RunConfigTests {
    /// A configuration that is not UTF-8 is refused with the place of the bad byte (a label value holding
    /// it was read with U+FFFD in its place).
    @Test func aConfigurationThatIsNotUTF8IsRefusedWithThePlace() throws {
        let directory = try TemporaryDirectory("config")
        let file = directory.file("vigil.yaml")
        let bytes = Array("scrape_configs:\n  - job_name: caf".utf8) + [0xE9] + Array("\n".utf8)
        #expect(FileManager.default.createFile(atPath: file.path, contents: Data(bytes)))
        #expect {
            try DaemonConfig.load(file: file.path)
        } throws: { error in
            (error as? DaemonConfig.Invalid)?.errors == ["\(file.path):2:18: not UTF-8 text (byte 0xE9)"]
        }
    }

    @Test func theShippedExampleIsValidAndMeansWhatItsCommentsSay() throws {
        let config = try DaemonConfig.load(file: repositoryRoot.appendingPathComponent("deploy/vigil.yaml").path)
        #expect(config.listenHost == "0.0.0.0" && config.listenPort == 9464)
        #expect(config.stateDirectory == "/var/lib/vigil")
        #expect(config.checkpointInterval == 300)
        #expect(config.seriesRetention == 3600)
        #expect(config.targets.map(\.url) == ["http://127.0.0.1:8080/metrics", "http://127.0.0.1:9100/metrics"])
        let checkout = config.targets[0]
        #expect(checkout.job == "checkout")
        #expect(checkout.labels == ["team": "payments"])
        #expect(checkout.interval == 15 && checkout.timeout == 10)
        #expect(checkout.sampleLimit == 50_000)
        #expect(checkout.bodySizeLimit == 10 << 20)
        #expect(checkout.labelLimits == LabelLimits(labels: 30, nameLength: 200, valueLength: 500))
        #expect(checkout.metricRelabeling.map(\.action) == [.drop])
        #expect(config.targets[1].interval == 30)
        #expect(config.seasonal)
        #expect(config.detectorParameters == EnsembleParameters())
    }

    /// The example's commented-out sections, uncommented, are valid too and mean what they say: a person
    /// copies them.
    @Test func theShippedExamplesCommentedSectionsAreValidAsWritten() throws {
        let text = try String(
            contentsOf: repositoryRoot.appendingPathComponent("deploy/vigil.yaml"),
            encoding: .utf8
        )
        // A block is a line "# key:" (at any indentation) and the lines "#   …" under it at the same one.
        var indentation: Substring?
        let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            if let block = line.wholeMatch(of: /( *)# [a-z_]+:( .*)?/) {
                indentation = block.1
                return block.1 + line.dropFirst(block.1.count + 2)
            }
            guard let margin = indentation, line.hasPrefix(margin + "#   ") else {
                indentation = nil
                return line
            }
            return margin + line.dropFirst(margin.count + 2)
        }
        // The files it names are checked as it is read: made here, under a root of the test's own.
        let root = try TemporaryDirectory("example-files")
        let rooted = uncommented.joined(separator: "\n").replacing(/(\/etc\/vigil|\/var\/run\/secrets)\//) {
            root.url.path + $0.output.0
        }
        for file in rooted.matches(of: /\/(?:etc\/vigil|var\/run\/secrets)\/[A-Za-z0-9.-]+/) {
            let url = URL(fileURLWithPath: root.url.path + file.output)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try Data("x\n".utf8).write(to: url)
        }
        let config = try DaemonConfig.parse(rooted, file: "vigil.yaml")
        #expect(config.ruleFiles == ["rules/*.yaml"])
        #expect(config.targets.first?.url == "http://127.0.0.1:8080/metrics?module=http_2xx")
        #expect(config.targets.last?.tls.caFile == root.url.path + "/etc/vigil/ca.pem")
        #expect(config.prometheusURL == "http://prometheus.monitoring:9090")
        #expect(config.alertmanager?.url == "http://alertmanager.monitoring:9093")
        #expect(config.kubeconfig == root.url.path + "/etc/vigil/kubeconfig" && config.kubeContext == "production")
        #expect(config.narrator != nil)
        var policy = RemediationPolicy()
        policy.allowNamespaces = ["shop", "payments"]
        policy.autonomy = ["shop": .approve]
        #expect(config.remediation == policy, "the rest as the comments say: the defaults")
        #expect(config.cluster.shards == 3 && config.cluster.monitors)
        #expect(config.cluster.leaderElection == ClusterSettings.LeaderElectionSettings(namespace: "vigil"))
    }

    /// One detector: what `vigil run` runs unless told otherwise is exactly the default of `vigil detect`
    /// and `vigil eval nab`, the configuration whose NAB score and memory the README reports.
    @Test func theDaemonsDefaultDetectorIsTheOneDetectAndEvalRun() throws {
        func source(seasonal: Bool?) -> RunCommand.ConfigSource {
            RunCommand.ConfigSource(
                scrape: ["http://a:1/metrics"],
                job: "app",
                seasonal: seasonal
            )
        }
        let evalDefault = try DetectorOptions.parse([]).parameters()
        #expect(DaemonConfig().detectorParameters == evalDefault)
        #expect(try source(seasonal: nil).load().detectorParameters == evalDefault)
        #expect(try source(seasonal: true).load().detectorParameters == evalDefault)
        // The opt-out drops the daily profile and nothing else.
        var withoutProfile = evalDefault
        withoutProfile.components.remove(.seasonal)
        #expect(try source(seasonal: false).load().detectorParameters == withoutProfile)
        #expect(try RunCommand.parse(["--no-seasonal"]).source.seasonal == false)
        #expect(try RunCommand.parse([]).source.seasonal == nil)
    }

    @Test func everyErrorIsListedWithFileLineColumnAndField() {
        let yaml = """
            listen: nowhere
            log: {format: xml}
            scrape_configs:
              - job_name: a
                scrape_interval: 15x
                scrape_timeout: 1m
                body_size_limit: lots
                static_configs:
                  - targets: ['ok:1', 'http://bad/metrics']
                metric_relabel_configs:
                  - action: replace
                    source_labels: [x]
                  - action: keep
                    source_labels: [x]
                    regex: '(unclosed'
                honour_labels: true
              - static_configs: [{targets: ['b:1']}]
            """
        #expect {
            try DaemonConfig.parse(yaml, file: "vigil.yaml")
        } throws: { error in
            let errors = (error as! DaemonConfig.Invalid).errors
            let expected = [
                "vigil.yaml:1:9: listen: expected HOST:PORT",
                "vigil.yaml:2:15: log.format: expected logfmt or json, got \"xml\"",
                "vigil.yaml:5:22: scrape_configs[0].scrape_interval: expected a duration like 15s, 1m or 1h30m, got \"15x\"",
                "vigil.yaml:6:21: scrape_configs[0].scrape_timeout: must not exceed scrape_interval",
                "vigil.yaml:7:22: scrape_configs[0].body_size_limit: expected a size like 10MB",
                "vigil.yaml:9:27: scrape_configs[0].static_configs[0].targets[1]: expected HOST:PORT (a host name or IP address, IPv6 in brackets; a port from 1 to 65535), got \"http://bad/metrics\"",
                "vigil.yaml:11:17: scrape_configs[0].metric_relabel_configs[0].action: only keep and drop are supported",
                "vigil.yaml:15:16: scrape_configs[0].metric_relabel_configs[1].regex: invalid regular expression",
                "vigil.yaml:16:5: scrape_configs[0].honour_labels: unknown field",
                "vigil.yaml:17:5: scrape_configs[1].job_name: required",
            ]
            for line in expected {
                #expect(
                    errors.contains { $0.hasPrefix(line) },
                    "missing: \(line)\nall:\n\(errors.joined(separator: "\n"))"
                )
            }
            // All of them, in the order of the file.
            #expect(errors.count == expected.count, "\(errors.joined(separator: "\n"))")
            #expect(errors.map { $0.split(separator: ":")[1] } == expected.map { $0.split(separator: ":")[1] })
            return true
        }
    }

    /// As Prometheus refuses it ("global scrape timeout greater than scrape interval"); it was cut to the
    /// interval in silence. A global interval shorter than the default timeout cuts that default, as there.
    @Test func aGlobalTimeoutLongerThanTheGlobalIntervalIsRefused() throws {
        let targets = "scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['a:1']}]\n"
        #expect(
            throws: DaemonConfig.Invalid(errors: [
                "c.yaml:1:47: global.scrape_timeout: must not exceed scrape_interval (5s)"
            ])
        ) {
            try DaemonConfig.parse("global: {scrape_interval: 5s, scrape_timeout: 8s}\n" + targets, file: "c.yaml")
        }
        let cut = try DaemonConfig.parse("global: {scrape_interval: 5s}\n" + targets, file: "c.yaml")
        #expect(cut.targets.map(\.timeout) == [5])
        // Against Vigil's default interval where none is written; an unreadable one has its own error only.
        #expect(
            throws: DaemonConfig.Invalid(errors: [
                "c.yaml:1:26: global.scrape_timeout: must not exceed scrape_interval (15s, the default)"
            ])
        ) {
            try DaemonConfig.parse("global: {scrape_timeout: 30s}\n" + targets, file: "c.yaml")
        }
        let unreadable = #expect(throws: DaemonConfig.Invalid.self) {
            try DaemonConfig.parse("global: {scrape_interval: 5x, scrape_timeout: 30s}\n" + targets, file: "c.yaml")
        }
        #expect(unreadable?.errors.count == 1 && unreadable?.errors.first?.contains("global.scrape_interval") == true)
    }

    @Test func aTimeoutLongerThanTheIntervalIsRefused() {
        let yaml =
            "scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 10s\n    static_configs: [{targets: ['a:1']}]\n"
        #expect(
            throws: DaemonConfig.Invalid(errors: [
                "c.yaml:4:21: scrape_configs[0].scrape_timeout: must not exceed scrape_interval (5.0s)"
            ])
        ) {
            try DaemonConfig.parse(yaml, file: "c.yaml")
        }
    }

    @Test func yamlSyntaxErrorsNameTheLine() {
        #expect {
            try DaemonConfig.parse("scrape_configs:\n  - job_name: [unclosed\n", file: "broken.yaml")
        } throws: { error in
            (error as! DaemonConfig.Invalid).errors.first?.hasPrefix("broken.yaml:3:1:") == true
        }
    }

    /// The client's files are relative to the configuration file's directory, as Prometheus resolves
    /// them, and must be readable: a missing one is the file's error at its line, not every scrape's.
    @Test func authorizationAndTLSAreRead() throws {
        let directory = try TemporaryDirectory("client-files")
        for name in ["ca.pem", "c.pem", "k.pem", "token", "password"] {
            try Data("x\n".utf8).write(to: directory.file(name))
        }
        let yaml = """
            scrape_configs:
              - job_name: secure
                scheme: https
                tls_config: {ca_file: ca.pem, cert_file: c.pem, key_file: \(directory.file("k.pem").path)}
                authorization: {credentials_file: token}
                static_configs: [{targets: ['api:443']}]
              - job_name: basic
                basic_auth: {username: u, password: p}
                static_configs: [{targets: ['b:80']}]
              - job_name: basic-file
                basic_auth: {username: u, password_file: password}
                static_configs: [{targets: ['c:80']}]
            """
        let config = directory.file("vigil.yaml").path
        let targets = try DaemonConfig.parse(yaml, file: config).targets
        let path = { (name: String) in directory.file(name).path }
        #expect(targets[0].url == "https://api:443/metrics")
        #expect(
            targets[0].tls
                == TLSConfiguration(caFile: path("ca.pem"), certificateFile: path("c.pem"), keyFile: path("k.pem"))
        )
        #expect(targets[0].authorization == .bearerFile(path("token")))
        #expect(targets[1].authorization == .basic(username: "u", password: "p"))
        #expect(targets[2].authorization == .basicFile(username: "u", passwordFile: path("password")))

        let missing = """
            scrape_configs:
              - job_name: secure
                tls_config: {ca_file: nosuch.pem}
                basic_auth: {username: u, password: p, password_file: nosuch}
                static_configs: [{targets: ['api:443']}]
            """
        #expect(
            throws: DaemonConfig.Invalid(errors: [
                "\(config):3:27: scrape_configs[0].tls_config.ca_file: \(path("nosuch.pem")): cannot be read",
                "\(config):4:17: scrape_configs[0].basic_auth: at most one of password and password_file",
                "\(config):4:59: scrape_configs[0].basic_auth.password_file: \(path("nosuch")): cannot be read",
            ])
        ) {
            try DaemonConfig.parse(missing, file: config)
        }
    }

    @Test func targetRelabellingKeepsAndDropsTargets() throws {
        let yaml = """
            scrape_configs:
              - job_name: pods
                static_configs:
                  - targets: ['10.0.0.1:8080', '10.0.0.2:9100', '10.0.0.3:8080']
                    labels: {tier: web}
                  - targets: ['10.0.1.1:8080']
                    labels: {tier: batch}
                relabel_configs:
                  - {action: keep, source_labels: [__address__], regex: '.*:8080'}
                  - {action: drop, source_labels: [tier, job], regex: 'batch;pods'}

            """
        let targets = try DaemonConfig.parse(yaml, file: "c.yaml").targets
        #expect(targets.map(\.url) == ["http://10.0.0.1:8080/metrics", "http://10.0.0.3:8080/metrics"])
        // A rule sees the job's interval and timeout as Prometheus writes them.
        let timed = """
            scrape_configs:
              - {job_name: slow, scrape_interval: 90s, scrape_timeout: 30s, static_configs: [{targets: ['a:1']}],
                 relabel_configs: [{action: keep, source_labels: [__scrape_interval__, __scrape_timeout__], regex: '1m30s;30s'}]}
              - {job_name: fast, scrape_interval: 15s, static_configs: [{targets: ['b:1']}],
                 relabel_configs: [{action: drop, source_labels: [__scrape_interval__], regex: '15s'}]}

            """
        #expect(try DaemonConfig.parse(timed, file: "c.yaml").targets.map(\.job) == ["slow"])
    }

    @Test func durationsAndSizesReadAsPrometheusWritesThem() {
        #expect(DurationSyntax.seconds("15s") == 15)
        #expect(DurationSyntax.seconds("1h30m") == 5400)
        #expect(DurationSyntax.seconds("500ms") == 0.5)
        #expect(DurationSyntax.seconds("1m1h") == nil)
        #expect(DurationSyntax.seconds("15") == nil)
        #expect(DurationSyntax.seconds("") == nil)
        #expect(DurationSyntax.bytes("10MB") == 10 << 20)
        #expect(DurationSyntax.bytes("512KB") == 512 << 10)
        #expect(DurationSyntax.bytes("0") == 0)
        #expect(DurationSyntax.bytes("-1MB") == nil)
    }

    /// Each once killed the daemon: the size overflowed `Int` while it was read; the durations passed
    /// and trapped later, converted to a `Duration` or to nanoseconds.
    @Test(arguments: [
        ("9999999999TB", nil), ("99999999999999999999", nil), ("1EB", 1 << 60), ("1025PB", nil), ("2EB", nil),
        ("1PB", 1 << 50), ("+5", nil), ("", nil), ("MB", nil),
    ])
    func sizesAreBoundedInsteadOfOverflowing(text: String, bytes: Int?) {
        #expect(DurationSyntax.bytes(text) == bytes)
    }

    @Test(arguments: [
        ("99999999999999999999y", nil), ("100y", 3_153_600_000), ("100y1ms", nil), ("101y", nil),
        (String(repeating: "9", count: 400) + "s", nil), ("5256000m", 315_360_000), ("1y", 31_536_000),
    ])
    func durationsAreBoundedInsteadOfOverflowing(text: String, seconds: Double?) {
        #expect(DurationSyntax.seconds(text) == seconds)
    }

    @Test func outOfRangeNumbersInTheFileAreRefusedWithTheirPlace() {
        let yaml = """
            checkpoint_interval: 99999999999999999999y
            series_retention: 101y
            global: {scrape_interval: 200y}
            scrape_configs:
              - job_name: a
                scrape_interval: 99999999999999999999y
                body_size_limit: 9999999999TB
                sample_limit: 99999999999999999999
                label_limit: 99999999999:99999999999:99999999999
                static_configs: [{targets: ['a:1']}]
            """
        #expect(
            throws: DaemonConfig.Invalid(errors: [
                "c.yaml:1:22: checkpoint_interval: \"99999999999999999999y\" is out of range: at most 100y",
                "c.yaml:2:19: series_retention: \"101y\" is out of range: at most 100y",
                "c.yaml:3:27: global.scrape_interval: \"200y\" is out of range: at most 100y",
                "c.yaml:6:22: scrape_configs[0].scrape_interval: \"99999999999999999999y\" is out of range: at most 100y",
                "c.yaml:7:22: scrape_configs[0].body_size_limit: \"9999999999TB\" is out of range: at most 1EB",
                "c.yaml:8:19: scrape_configs[0].sample_limit: expected a whole number ≥ 0, got \"99999999999999999999\"",
                "c.yaml:9:18: scrape_configs[0].label_limit: expected a whole number ≥ 0, got \"99999999999:99999999999:99999999999\"",
            ])
        ) {
            try DaemonConfig.parse(yaml, file: "c.yaml")
        }
    }

    @Test func outOfRangeFlagsAreUsageErrors() async {
        let result = await vigil(
            "run",
            "--scrape",
            "http://127.0.0.1:1/metrics",
            "--interval",
            "99999999999999999999y",
            "--checkpoint-interval",
            "9999999999999y"
        )
        #expect(result.status == 1)
        #expect(
            result.stderr == """
                --interval: expected a duration like 15s or 1m, at most 100y, got "99999999999999999999y"
                --checkpoint-interval: expected a duration like 5m, at most 100y, got "9999999999999y"

                """
        )
    }

    /// Eight levels of ten aliases each: 10⁸ targets from a file of under 1 KB, which grew the daemon
    /// past 2 GB before any error. Refused at once, before any reader walks it.
    @Test func aliasesThatMultiplyTheFileAreRefused() {
        var yaml = "x0: &x0 [" + Array(repeating: "'a:1'", count: 10).joined(separator: ", ") + "]\n"
        for level in 1...8 {
            yaml += "x\(level): &x\(level) [" + Array(repeating: "*x\(level - 1)", count: 10).joined(separator: ", ")
            yaml += "]\n"
        }
        yaml += "scrape_configs: [{job_name: a, static_configs: [{targets: *x8}]}]\n"
        #expect(throws: YAMLDocument.SyntaxError.self) { try YAMLDocument.compose(yaml, file: "bomb.yaml") }
        #expect {
            try DaemonConfig.parse(yaml, file: "bomb.yaml")
        } throws: { error in
            (error as? DaemonConfig.Invalid)?.errors == [
                "bomb.yaml: aliases repeat more than 100000 nodes of the 38 written; "
                    + "write the repeated parts out or repeat them less"
            ]
        }
    }

    /// Each bad target and label is named at its own line, and a target by its place in the list.
    @Test func eachBadTargetAndLabelIsNamedAtItsOwnLine() {
        let yaml = """
            scrape_configs:
              - job_name: a
                static_configs:
                  - targets:
                      - 'a:1'
                      - 'bad target'
                      - [nested]
                      - 'http://c:3'
                    labels:
                      good: x
                      "0bad": y
                      __meta: z

            """
        let expected = [
            "c.yaml:6:13: scrape_configs[0].static_configs[0].targets[1]: expected HOST:PORT",
            "c.yaml:7:13: scrape_configs[0].static_configs[0].targets[2]: expected a string",
            "c.yaml:8:13: scrape_configs[0].static_configs[0].targets[3]: expected HOST:PORT",
            "c.yaml:11:11: scrape_configs[0].static_configs[0].labels: \"0bad\" is not a valid label name",
            "c.yaml:12:11: scrape_configs[0].static_configs[0].labels: \"__meta\": labels starting with __",
        ]
        #expect {
            try DaemonConfig.parse(yaml, file: "c.yaml")
        } throws: { error in
            let errors = (error as? DaemonConfig.Invalid)?.errors ?? []
            return errors.count == expected.count && zip(errors, expected).allSatisfy { $0.hasPrefix($1) }
        }
    }

    /// A key written twice names the repetition's line, as Prometheus does, and never quotes the file:
    /// Yams's own message holds the whole document, and with it a scrape password, in a log line.
    @Test func aRepeatedKeyIsNamedWithoutQuotingTheFile() throws {
        let yaml = """
            listen: 127.0.0.1:9464
            scrape_configs:
              - job_name: a
                basic_auth: {username: admin, password: TOPSECRET}
                static_configs: [{targets: ['a:1']}]
                job_name: b
            listen: 127.0.0.1:9465

            """
        #expect {
            try DaemonConfig.parse(yaml, file: "vigil.yaml")
        } throws: { error in
            (error as? DaemonConfig.Invalid)?.errors == [
                "vigil.yaml:6:5: key \"job_name\" already set in this mapping (first at line 3); each key may appear once"
            ]
        }
        // Keys repeated out of their alphabetical order, a quoted repetition, a next item that writes the
        // same key: each is found in its own mapping.
        let items = """
            scrape_configs:
              - scrape_interval: 1m
                job_name: a
                "scrape_interval": 2m
                job_name: b
                static_configs: [{targets: ['a:1']}]
              - job_name: c
                static_configs: [{targets: ['c:1']}]

            """
        #expect {
            try DaemonConfig.parse(items, file: "vigil.yaml")
        } throws: { error in
            (error as? DaemonConfig.Invalid)?.errors == [
                "vigil.yaml:5:5: key \"job_name\" already set in this mapping (first at line 3); each key may appear once\n"
                    + "vigil.yaml:4:5: key \"scrape_interval\" already set in this mapping (first at line 2); "
                    + "each key may appear once"
            ]
        }
        let flow = "scrape_configs: [{job_name: a, job_name: b, static_configs: [{targets: ['a:1']}]}]\n"
        #expect {
            try DaemonConfig.parse(flow, file: "vigil.yaml")
        } throws: { error in
            (error as? DaemonConfig.Invalid)?.errors.first?.hasSuffix(
                "key \"job_name\" written more than once in this mapping; each key may appear once"
            ) == true
        }
        let top = "listen: a:1\nstate_dir: /tmp\nlisten: b:2\nstate_dir: /var\n"
        #expect {
            try DaemonConfig.parse(top, file: "vigil.yaml")
        } throws: { error in
            (error as? DaemonConfig.Invalid)?.errors == [
                "vigil.yaml:3:1: key \"listen\" already set in this mapping (first at line 1); each key may appear once\n"
                    + "vigil.yaml:4:1: key \"state_dir\" already set in this mapping (first at line 2); each key may appear once"
            ]
        }
    }

    @Test func aliasesThatShareAPartAreRead() throws {
        let yaml = """
            scrape_configs:
              - job_name: a
                metric_relabel_configs: &rules
                  - {action: drop, source_labels: [__name__], regex: 'go_.*'}
                static_configs: [{targets: ['a:1']}]
              - job_name: b
                metric_relabel_configs: *rules
                static_configs: [{targets: ['b:1']}]
            """
        let targets = try DaemonConfig.parse(yaml, file: "c.yaml").targets
        #expect(targets.map(\.metricRelabeling.count) == [1, 1])
    }

    /// Prometheus scrapes a job's target once however often it is listed; Vigil started a scrape loop
    /// for each repetition (1,000 loops from a 726-byte file).
    @Test func aJobsRepeatedTargetsAreScrapedOnce() throws {
        let yaml = """
            scrape_configs:
              - job_name: a
                static_configs:
                  - targets: &same ['a:1', 'a:1', 'b:1']
                  - targets: *same
                  - targets: ['a:1']
                    labels: {zone: east}
              - job_name: other
                static_configs: [{targets: *same}]
            """
        let targets = try DaemonConfig.parse(yaml, file: "c.yaml").targets
        #expect(
            targets.map(\.url) == [
                "http://a:1/metrics", "http://b:1/metrics", "http://a:1/metrics", "http://a:1/metrics",
                "http://b:1/metrics",
            ]
        )
        #expect(targets.map(\.labels) == [[:], [:], ["zone": "east"], [:], [:]])
        var source = RunCommand.ConfigSource(
            scrape: ["http://a:1/metrics", "http://a:1/metrics"],
            job: "app"
        )
        #expect(try source.load().targets.count == 1)
        source.scrape.append("http://b:1/metrics")
        #expect(try source.load().targets.count == 2)
    }

    /// Static labels as Prometheus builds a target's: an empty value is no label, a static `job` or
    /// `instance` wins over the job's name and the address; `__` labels, which Prometheus reads as the
    /// target's URL, are refused rather than silently put on every series.
    @Test func staticLabelsAreTheTargetsAsPrometheusBuildsThem() throws {
        let yaml = """
            scrape_configs:
              - job_name: a
                static_configs:
                  - targets: ['a:1']
                    labels: {job: api, team: "", instance: ""}
            """
        let target = try #require(try DaemonConfig.parse(yaml, file: "c.yaml").targets.first)
        #expect(target.targetLabels.map { "\($0.name)=\($0.value)" } == ["instance=a:1", "job=api"])
        #expect(target.job == "api", "the health API's and the backfill's job too")
        // Two groups of one address told apart by their job are two targets, as their labels differ.
        let twoJobs = """
            scrape_configs:
              - job_name: a
                static_configs:
                  - {targets: ['a:1'], labels: {job: api}}
                  - {targets: ['a:1'], labels: {job: web}}
            """
        #expect(try DaemonConfig.parse(twoJobs, file: "c.yaml").targets.map(\.job) == ["api", "web"])
        // A name is judged before an empty value drops it, as Prometheus refuses it at load.
        #expect(throws: DaemonConfig.Invalid.self) {
            try DaemonConfig.parse(
                "scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['a:1'], labels: {1bad: ''}}]\n",
                file: "c.yaml"
            )
        }
        let refused = #expect(throws: DaemonConfig.Invalid.self) {
            try DaemonConfig.parse(
                "scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['a:1'], labels: {__metrics_path__: /probe}}]\n",
                file: "c.yaml"
            )
        }
        #expect(
            refused?.errors == [
                "c.yaml:3:50: scrape_configs[0].static_configs[0].labels: \"__metrics_path__\": labels starting with __ are not supported here (set scheme and metrics_path on the job)"
            ]
        )
    }

    @Test func scrapeFlagsBoundAndAuthenticateTheOneLineTargets() throws {
        let directory = try TemporaryDirectory("flags")
        let basic = directory.file("basic").path
        try "probe:pa:ss\n".write(toFile: basic, atomically: true, encoding: .utf8)
        func source(_ flags: [String], url: String = "http://a:1/metrics") throws -> RunCommand.ConfigSource {
            RunCommand.ConfigSource(
                scrape: [url],
                job: "app",
                scrapeFlags: try ScrapeFlags.parse(flags).values
            )
        }
        let defaults = try source([]).load().targets[0]
        #expect(defaults.sampleLimit == 0 && defaults.bodySizeLimit == ScrapeTarget.defaultBodySizeLimit)
        let bounded = try source(["--sample-limit", "5000", "--body-size-limit", "10MB"]).load().targets[0]
        #expect(bounded.sampleLimit == 5000 && bounded.bodySizeLimit == 10 << 20)
        #expect(try source(["--body-size-limit", "0"]).load().targets[0].bodySizeLimit == 0)
        let authenticated = try source(["--scrape-basic-auth-file", basic]).load().targets[0]
        #expect(authenticated.authorization == .basic(username: "probe", password: "pa:ss"))
        let bearer = try source(["--scrape-bearer-token-file", basic]).load().targets[0]
        #expect(bearer.authorization == .bearerFile(basic))
        #expect(
            throws: DaemonConfig.Invalid(errors: [
                "--sample-limit: expected a count of samples (0 for no limit), got \"-5\"",
                "--body-size-limit: expected a size like 10MB, at most 1EB, got \"9999999999TB\"",
                "--scrape-basic-auth-file: /nonexistent: cannot be read (or is over 64 KiB)",
            ])
        ) {
            try source([
                "--sample-limit=-5", "--body-size-limit", "9999999999TB", "--scrape-basic-auth-file", "/nonexistent",
            ]).load()
        }
        #expect(
            throws: DaemonConfig.Invalid(errors: [
                "--scrape: http://u:<secret>@a:1/metrics carries user info as well as a credentials file; give one"
            ])
        ) {
            try source(["--scrape-basic-auth-file", basic], url: "http://u:p@a:1/metrics").load()
        }
    }

    @Test func seriesLimitIsReadAndRangeChecked() throws {
        #expect(try DaemonConfig.parse("{}", file: "c.yaml").seriesLimit == 1_000_000)
        #expect(try DaemonConfig.parse("series_limit: 5000", file: "c.yaml").seriesLimit == 5000)
        #expect(throws: DaemonConfig.Invalid(errors: ["c.yaml:1:15: series_limit: expected at least 1 series"])) {
            try DaemonConfig.parse("series_limit: 0", file: "c.yaml")
        }
    }

    @Test func anOutOfRangePortIsRefusedInTheFileAndOnTheCommandLine() throws {
        let yaml = "scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['a:1', 'b:99999']}]\n"
        #expect(
            throws: DaemonConfig.Invalid(errors: [
                "c.yaml:3:40: scrape_configs[0].static_configs[0].targets[1]: expected HOST:PORT (a host name or IP address, IPv6 in brackets; a port from 1 to 65535), got \"b:99999\""
            ])
        ) {
            try DaemonConfig.parse(yaml, file: "c.yaml")
        }
        let source = RunCommand.ConfigSource(
            scrape: ["http://a:99999/metrics", "http://u:p@b:8080/metrics", "https://[::1]/metrics"],
            job: "app"
        )
        #expect(
            throws: DaemonConfig.Invalid(errors: [
                "--scrape: expected a host and a port from 1 to 65535 in \"http://a:99999/metrics\""
            ])
        ) {
            try source.load()
        }
    }

    /// A --scrape URL refused for its scheme or address shows no password either, and a --rules path that
    /// names no rule file (typed by hand, unlike rule_files) is refused.
    @Test func refusedFlagsShowNoPasswordAndRulesMustNameAFile() throws {
        let source = RunCommand.ConfigSource(
            scrape: ["ftp://u:hunter2@h:1/x", "http://u:hunter2@h:99999/m"],
            job: "app",
            rules: ["/nonexistent-vigil-rules/*.yml"]
        )
        #expect(
            throws: DaemonConfig.Invalid(errors: [
                "--scrape: expected an http:// or https:// URL, got \"ftp://u:<secret>@h:1/x\"",
                "--scrape: expected a host and a port from 1 to 65535 in \"http://u:<secret>@h:99999/m\"",
                "--rules: /nonexistent-vigil-rules/*.yml: no rule file (*.yaml or *.yml, tests left out)",
            ])
        ) {
            try source.load()
        }
    }

    /// Two --scrape URLs of one address would be one job and instance, their series one set: refused (the
    /// same URL twice is one target: `aJobsRepeatedTargetsAreScrapedOnce`).
    @Test func twoScrapeURLsOfOneAddressAreRefused() throws {
        let source = RunCommand.ConfigSource(
            scrape: ["http://u:hunter2@127.0.0.1:8080/metrics", "http://127.0.0.1:8080/other"],
            job: "app"
        )
        #expect(
            throws: DaemonConfig.Invalid(errors: [
                "--scrape: http://127.0.0.1:8080/other and http://u:<secret>@127.0.0.1:8080/metrics would both be job \"app\", "
                    + "instance \"127.0.0.1:8080\": their series would be one; give one of them here, or each its own "
                    + "job in --config's scrape_configs"
            ])
        ) {
            try source.load()
        }
    }

    /// A static target's path is escaped and gets its leading `/` as a discovered target's is (the file's
    /// `stats x` went to libcurl as it stood), and an address with a `?` in it is refused, not scraped as
    /// the host before it.
    @Test func aStaticTargetsURLIsMadeAsADiscoveredTargetsIs() throws {
        let yaml =
            "scrape_configs:\n  - job_name: a\n    metrics_path: stats x\n    static_configs: [{targets: ['a:1']}]\n"
        #expect(try DaemonConfig.parse(yaml, file: "c.yaml").targets.map(\.url) == ["http://a:1/stats%20x"])
        // `params:` is the query, as Prometheus reads it (a `?` in metrics_path is part of the path).
        let federate =
            "scrape_configs:\n  - job_name: a\n    metrics_path: /federate\n    params: {'match[]': [up, 'x{a=\"b\"}']}\n"
            + "    static_configs: [{targets: ['a:1']}]\n"
        #expect(
            try DaemonConfig.parse(federate, file: "c.yaml").targets.map(\.url) == [
                "http://a:1/federate?match%5B%5D=up&match%5B%5D=x%7Ba%3D%22b%22%7D"
            ]
        )
        let query = "scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['b?x:80']}]\n"
        #expect(
            throws: DaemonConfig.Invalid(errors: [
                "c.yaml:3:33: scrape_configs[0].static_configs[0].targets[0]: expected HOST:PORT (a host name or IP address, IPv6 in brackets; a port from 1 to 65535), got \"b?x:80\""
            ])
        ) {
            try DaemonConfig.parse(query, file: "c.yaml")
        }
    }

    /// Reconciliation could not authenticate to Alertmanager (a proxy in front of it, a private CA):
    /// `alertmanager:` took only url, receiver and reconcile_interval. It takes a scrape job's client
    /// fields now, with the same errors.
    @Test func alertmanagersClientSettingsAreRead() throws {
        let directory = try TemporaryDirectory("alertmanager-client")
        let token = directory.file("alertmanager-token").path
        let ca = directory.file("ca.pem").path
        for file in [token, ca] { try Data("x\n".utf8).write(to: URL(fileURLWithPath: file)) }
        let yaml = """
            alertmanager:
              url: https://alertmanager.monitoring:9093
              authorization: {credentials_file: \(token)}
              tls_config: {ca_file: \(ca)}

            """
        let settings = try #require(try DaemonConfig.parse(yaml, file: "c.yaml").alertmanager)
        #expect(settings.authorization == .bearerFile(token))
        #expect(settings.tls.caFile == ca)
        let both = "alertmanager: {url: http://a:9093, authorization: {credentials: t}, basic_auth: {username: u}}\n"
        #expect(
            throws: DaemonConfig.Invalid(errors: [
                "c.yaml:1:81: alertmanager: at most one of authorization and basic_auth"
            ])
        ) {
            try DaemonConfig.parse(both, file: "c.yaml")
        }
    }

    @Test func sidecarFlagsMakeTargetsWithoutAFile() throws {
        var source = RunCommand.ConfigSource(
            scrape: ["http://127.0.0.1:8080/metrics"],
            job: "app",
            listen: "127.0.0.1:9000",
            interval: "5s",
            stateDirectory: "/tmp/x",
            logFormat: "json"
        )
        let config = try source.load()
        #expect(
            config.targets == [ScrapeTarget(url: "http://127.0.0.1:8080/metrics", job: "app", interval: 5, timeout: 5)]
        )
        #expect(config.listenPort == 9000)
        #expect(config.logFormat == .json)
        source.scrape = ["127.0.0.1:8080"]
        source.interval = "often"
        #expect(throws: DaemonConfig.Invalid.self) { try source.load() }
    }
}

/// A reload applies the targets, and says which other changes wait for a restart.
struct ConfigReloaderTests {
    @Test func changesThatCannotApplyLiveAreNamed() async throws {
        let file = try temporaryFile("scrape_configs: []\n", suffix: ".yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        let (reloader, manager) = try testReloader(file)
        try """
        checkpoint_interval: 1m
        series_retention: 2h
        log: {format: json}
        prometheus_url: http://prometheus:9090
        scrape_configs:
          - job_name: a
            static_configs: [{targets: ['a:1']}]

        """.write(to: file, atomically: true, encoding: .utf8)
        guard case .success(let summary) = await reloader.reload(trigger: "test") else {
            Issue.record("the reload was refused")
            return
        }
        #expect(summary.hasPrefix("configuration reloaded: 1 targets ("))
        #expect(summary.contains("checkpoint_interval and series_retention changes apply at the next restart"))
        #expect(summary.contains("log changes apply at the next restart"))
        #expect(summary.contains("prometheus_url is read at start only: its change applies at the next restart"))
        #expect(await manager.targets.map(\.url) == ["http://a:1/metrics"])

        // A backfill's length is a detection setting: read at start.
        try "detection: {backfill: 2d}\nscrape_configs: []\n".write(to: file, atomically: true, encoding: .utf8)
        guard case .success(let next) = await reloader.reload(trigger: "test") else {
            Issue.record("the reload was refused")
            return
        }
        #expect(
            next.contains(
                "detection, state_dir, checkpoint_interval and series_retention changes apply at the next restart"
            )
        )
    }

    /// Through `POST /-/reload` or `SIGHUP` this once crashed the running daemon.
    @Test func aReloadWithAnOutOfRangeSizeIsRefusedAndTheRunningTargetsStay() async throws {
        let good = "scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['a:1']}]\n"
        let file = try temporaryFile(good, suffix: ".yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        let (reloader, manager) = try testReloader(file)
        try (good + "    body_size_limit: 9999999999TB\n").write(to: file, atomically: true, encoding: .utf8)
        guard case .failure(let refusal) = await reloader.reload(trigger: "test") else {
            Issue.record("the reload was applied")
            return
        }
        #expect(
            refusal.message
                == "\(file.path):4:22: scrape_configs[0].body_size_limit: \"9999999999TB\" is out of range: at most 1EB"
        )
        #expect(await manager.targets.map(\.url) == ["http://a:1/metrics"])
    }
}

/// The diagnosis fields of `vigil run`'s configuration, and the flags over them.
struct DiagnosisConfigTests {
    @Test func ruleFilesAreRelativeToTheFileAndKubernetesAndTheIntervalAreRead() throws {
        let yaml = """
            rule_files: ['rules/*.yaml', /etc/vigil/extra.yaml]
            diagnosis_interval: 1m
            kubernetes: {kubeconfig: kube/config, context: prod}
            """
        let config = try DaemonConfig.parse(yaml, file: "/etc/vigil/vigil.yaml")
        #expect(config.ruleFiles == ["/etc/vigil/rules/*.yaml", "/etc/vigil/extra.yaml"])
        #expect(config.diagnosisInterval == 60)
        #expect(config.kubeconfig == "/etc/vigil/kube/config" && config.kubeContext == "prod")
        #expect(DaemonConfig().diagnosisInterval == 30)
    }

    @Test func theirErrorsNameFileLineColumnAndField() {
        let yaml = """
            rule_files: rules/
            diagnosis_interval: often
            kubernetes:
              kubeconfg: ~/.kube/config
              context: [a]
            """
        #expect {
            try DaemonConfig.parse(yaml, file: "vigil.yaml")
        } throws: { error in
            let errors = (error as! DaemonConfig.Invalid).errors
            #expect(
                errors == [
                    "vigil.yaml:1:13: rule_files: expected a list",
                    "vigil.yaml:2:21: diagnosis_interval: expected a duration like 15s, 1m or 1h30m, got \"often\"",
                    "vigil.yaml:4:3: kubernetes.kubeconfg: unknown field (known: kubeconfig, context)",
                    "vigil.yaml:5:12: kubernetes.context: expected a string",
                ],
                "\(errors.joined(separator: "\n"))"
            )
            return true
        }
    }

    @Test func flagsOverrideTheFileAndBadRulesAreRefusedWithEveryError() throws {
        let command = try RunCommand.parse([
            "--rules", "a.yaml", "--rules", "b/", "--kubeconfig", "/k", "--context", "c",
        ])
        let config = try command.source.load()
        #expect(config.ruleFiles == ["a.yaml", "b/"])
        #expect(config.kubeconfig == "/k" && config.kubeContext == "c")

        let bad = try temporaryFile("signals:\n  - name: x\n    selector: 'up{'\n  - selector: up\n", suffix: ".yaml")
        defer { try? FileManager.default.removeItem(at: bad) }
        var withBadRules = DaemonConfig()
        withBadRules.ruleFiles = [bad.path]
        #expect {
            try withBadRules.rules()
        } throws: { error in
            let errors = (error as! DaemonConfig.Invalid).errors
            return errors.count == 2 && errors.allSatisfy { $0.hasPrefix(bad.path + ":") }
        }
        #expect(try DaemonConfig().rules() == nil)
    }

    @Test func withoutAnyClusterDiagnosisSeesMetricsOnlyAndANamedOneMustWork() throws {
        let nowhere = ["KUBECONFIG": "/nonexistent/kubeconfig", "HOME": "/nonexistent"]
        #expect(try DaemonConfig().kubeConnection(environment: nowhere) == nil)
        var named = DaemonConfig()
        named.kubeconfig = "/nonexistent/kubeconfig"
        #expect(throws: DaemonConfig.Invalid.self) { try named.kubeConnection(environment: nowhere) }
    }
}
