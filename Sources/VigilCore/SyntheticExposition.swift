/// Deterministic, realistic exposition bodies for benchmarks, fuzz seeds and tests, shaped like the
/// exporters Vigil scrapes most: kube-state-metrics, cAdvisor, and a service's latency histograms.
public enum SyntheticExposition {
    public enum Shape: String, Sendable, CaseIterable {
        /// kube-state-metrics: long label sets (namespace, pod, uid, node, …), small integer values.
        case kubeStateMetrics = "kube-state-metrics"
        /// cAdvisor: container series with image and cgroup-path labels and explicit timestamps.
        case cadvisor
        /// Request-latency histograms: 12 buckets plus `_sum` and `_count` per label set.
        case histogram
    }

    /// Text 0.0.4 with about `samples` sample lines (whole families are never cut), same bytes for the
    /// same arguments.
    public static func generate(_ shape: Shape, samples: Int, seed: UInt64 = 1) -> [UInt8] {
        var random = SplitMix(state: seed)
        var out = ""
        out.reserveCapacity(samples * 200)
        switch shape {
        case .kubeStateMetrics: kubeStateMetrics(&out, samples, &random)
        case .cadvisor: cadvisor(&out, samples, &random)
        case .histogram: histograms(&out, samples, &random)
        }
        return Array(out.utf8)
    }

    private struct Pod {
        var namespace: String
        var name: String
        var uid: String
        var node: String
        var ip: String
    }

    private static func pod(_ index: Int, _ random: inout SplitMix) -> Pod {
        let apps = ["checkout", "payments", "frontend", "search", "ledger", "notifications", "inventory", "auth"]
        let app = apps[index % apps.count]
        let hash = String(random.next() % 0xFFFF_FFFF, radix: 16)
        let suffix = String(random.next() % 0xF_FFFF, radix: 36)
        let uid = [8, 4, 4, 4, 12].map { width in
            String(String(random.next(), radix: 16).prefix(width)).leftPadded(to: width)
        }.joined(separator: "-")
        return Pod(
            namespace: "team-\(index % 40)",
            name: "\(app)-\(hash)-\(suffix)",
            uid: uid,
            node: "ip-10-\(index % 250)-\(index / 250 % 250)-\(index % 7).eu-west-1.compute.internal",
            ip: "10.\(index % 250).\(index / 250 % 250).\(index % 200 + 2)"
        )
    }

    private static func kubeStateMetrics(_ out: inout String, _ samples: Int, _ random: inout SplitMix) {
        let podsNeeded = max(1, samples / 12)
        let pods = (0..<podsNeeded).map { pod($0, &random) }
        let phases = ["Pending", "Succeeded", "Failed", "Unknown", "Running"]
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        family("kube_pod_info", "gauge", "Information about pod.")
        for p in pods {
            out +=
                "kube_pod_info{namespace=\"\(p.namespace)\",pod=\"\(p.name)\",uid=\"\(p.uid)\",host_ip=\"\(p.ip)\",pod_ip=\"\(p.ip)\",node=\"\(p.node)\",created_by_kind=\"ReplicaSet\",created_by_name=\"\(p.name.dropLast(6))\",priority_class=\"\",host_network=\"false\"} 1\n"
        }
        family("kube_pod_status_phase", "gauge", "The pods current phase.")
        for p in pods {
            for phase in phases {
                out +=
                    "kube_pod_status_phase{namespace=\"\(p.namespace)\",pod=\"\(p.name)\",uid=\"\(p.uid)\",phase=\"\(phase)\"} \(phase == "Running" ? 1 : 0)\n"
            }
        }
        family("kube_pod_container_status_restarts_total", "counter", "The number of container restarts per container.")
        for p in pods {
            out +=
                "kube_pod_container_status_restarts_total{namespace=\"\(p.namespace)\",pod=\"\(p.name)\",uid=\"\(p.uid)\",container=\"app\"} \(random.next() % 4)\n"
        }
        family(
            "kube_pod_container_resource_requests",
            "gauge",
            "The number of requested request resource by a container."
        )
        for p in pods {
            out +=
                "kube_pod_container_resource_requests{namespace=\"\(p.namespace)\",pod=\"\(p.name)\",uid=\"\(p.uid)\",container=\"app\",node=\"\(p.node)\",resource=\"cpu\",unit=\"core\"} 0.\(random.next() % 9 + 1)\n"
            out +=
                "kube_pod_container_resource_requests{namespace=\"\(p.namespace)\",pod=\"\(p.name)\",uid=\"\(p.uid)\",container=\"app\",node=\"\(p.node)\",resource=\"memory\",unit=\"byte\"} \((random.next() % 64 + 1) * 16_777_216)\n"
        }
        family(
            "kube_pod_container_status_ready",
            "gauge",
            "Describes whether the containers readiness check succeeded."
        )
        for p in pods {
            out +=
                "kube_pod_container_status_ready{namespace=\"\(p.namespace)\",pod=\"\(p.name)\",uid=\"\(p.uid)\",container=\"app\"} 1\n"
        }
        family("kube_pod_created", "gauge", "Unix creation timestamp")
        for p in pods {
            out +=
                "kube_pod_created{namespace=\"\(p.namespace)\",pod=\"\(p.name)\",uid=\"\(p.uid)\"} 1.7\(random.next() % 100_000_000)e+09\n"
        }
        family("kube_pod_owner", "gauge", "Information about the Pod's owner.")
        for p in pods {
            out +=
                "kube_pod_owner{namespace=\"\(p.namespace)\",pod=\"\(p.name)\",uid=\"\(p.uid)\",owner_kind=\"ReplicaSet\",owner_name=\"\(p.name.dropLast(6))\",owner_is_controller=\"true\"} 1\n"
        }
    }

    private static func cadvisor(_ out: inout String, _ samples: Int, _ random: inout SplitMix) {
        let containers = max(1, samples / 6)
        let timestamp = 1_764_000_000_000
        let metrics: [(String, String, String)] = [
            ("container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed in seconds."),
            ("container_memory_working_set_bytes", "gauge", "Current working set in bytes."),
            ("container_memory_rss", "gauge", "Size of RSS in bytes."),
            ("container_network_receive_bytes_total", "counter", "Cumulative count of bytes received"),
            (
                "container_fs_usage_bytes", "gauge",
                "Number of bytes that are consumed by the container on this filesystem."
            ),
            ("container_last_seen", "gauge", "Last time a container was seen by the exporter"),
        ]
        let pods = (0..<containers).map { pod($0, &random) }
        for (name, type, help) in metrics {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for p in pods {
                let value = Double(random.next() % 10_000_000) / 1000
                out +=
                    "\(name){container=\"app\",id=\"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(p.uid.replacingUnderscores()).slice/cri-containerd-\(p.uid.prefix(8)).scope\",image=\"registry.example.com/\(p.namespace)/app:v1.\(random.next() % 40)\",name=\"\(p.uid.prefix(12))\",namespace=\"\(p.namespace)\",pod=\"\(p.name)\"} \(value) \(timestamp)\n"
            }
        }
    }

    private static func histograms(_ out: inout String, _ samples: Int, _ random: inout SplitMix) {
        let bounds = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]
        let groups = max(1, samples / (bounds.count + 2))
        let methods = ["GET", "POST", "PUT", "DELETE"]
        let codes = ["200", "201", "204", "400", "404", "500", "503"]
        out += "# HELP http_request_duration_seconds Duration of HTTP requests.\n"
        out += "# TYPE http_request_duration_seconds histogram\n"
        for group in 0..<groups {
            let labels =
                "service=\"svc-\(group % 50)\",handler=\"/api/v1/resource\(group / 50 % 40)\",method=\"\(methods[group % 4])\",code=\"\(codes[group / 4 % codes.count])\",instance=\"10.0.\(group % 250).\(group / 250 % 250):8080\""
            var cumulative: UInt64 = 0
            for bound in bounds {
                cumulative += random.next() % 500
                out += "http_request_duration_seconds_bucket{\(labels),le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "http_request_duration_seconds_sum{\(labels)} \(Double(cumulative) * 0.137)\n"
            out += "http_request_duration_seconds_count{\(labels)} \(cumulative)\n"
        }
    }
}

/// SplitMix64: a tiny deterministic generator, so synthetic bodies (and the tests' generated cases) are
/// the same on every machine.
package struct SplitMix {
    package var state: UInt64

    package init(state: UInt64) { self.state = state }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound`.
    package mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }

    fileprivate func replacingUnderscores() -> String {
        String(map { $0 == "-" ? "_" : $0 })
    }
}
