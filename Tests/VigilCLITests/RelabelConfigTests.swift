import Testing
import VigilScrape

@testable import VigilCLI

/// `relabel_configs` in the file: the label-changing actions where they mean something (discovered
/// targets), a clear refusal, with file, line and field, where they would do nothing.
struct RelabelConfigTests {
    /// `LabelDrop` is labeldrop: Prometheus reads an action whatever its case.
    @Test func aDiscoveryJobTakesReplaceAndLabelmap() throws {
        let config = try DaemonConfig.parse(
            """
            scrape_configs:
              - job_name: pods
                kubernetes_sd_configs: [{role: pod}]
                relabel_configs:
                  - {action: replace, source_labels: [__meta_kubernetes_pod_name], target_label: pod_name}
                  - {action: labelmap, regex: '__meta_kubernetes_pod_label_(.+)', replacement: 'k8s_$1'}
                  - {action: LabelDrop, regex: 'k8s_pod_template_hash'}
            """,
            file: "vigil.yaml"
        )
        let rules = try #require(config.discovery.first?.job.relabeling)
        #expect(rules.map(\.action) == [.replace, .labelmap, .labeldrop])
        #expect(rules[0].targetLabel == "pod_name" && rules[0].replacement == "$1")
        #expect(rules[1].replacement == "k8s_$1")
    }

    @Test(arguments: [
        (
            "  - job_name: a\n    static_configs: [{targets: ['a:1']}]\n    relabel_configs:\n      - {action: replace, source_labels: [x], target_label: y}",
            "vigil.yaml:5:18: scrape_configs[0].relabel_configs[0].action: only keep and drop are supported here, got \"replace\""
        ),
        (
            "  - job_name: a\n    kubernetes_sd_configs: [{role: pod}]\n    relabel_configs:\n      - {action: replace, source_labels: [x]}",
            "vigil.yaml:5:9: scrape_configs[0].relabel_configs[0].target_label: relabel configuration for replace action requires 'target_label' value"
        ),
        (
            "  - job_name: a\n    kubernetes_sd_configs: [{role: pod}]\n    relabel_configs:\n      - {action: hashmod, source_labels: [x]}",
            "vigil.yaml:5:18: scrape_configs[0].relabel_configs[0].action: only keep, drop, replace, labelmap, labeldrop and labelkeep are supported here, got \"hashmod\""
        ),
    ])
    func unsupportedRulesAreRefusedWithTheirPlace(_ jobs: String, _ expected: String) {
        #expect(throws: DaemonConfig.Invalid(errors: [expected])) {
            try DaemonConfig.parse("scrape_configs:\n" + jobs + "\n", file: "vigil.yaml")
        }
    }
}
