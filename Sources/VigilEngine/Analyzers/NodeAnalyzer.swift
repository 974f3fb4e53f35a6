import Foundation
import VigilKube

/// Nodes: NotReady or Unknown (the kubelet stopped reporting), memory, disk or PID pressure, cordoned.
public struct NodeAnalyzer: CauseAnalyzer {
    public init() {}

    public func findings(in context: AnalysisContext) -> [Finding] {
        var found: [Finding] = []
        for node in context.cluster.nodes.values.sorted(by: { $0.name < $1.name }) {
            let object = Subject(kind: "node", namespace: "", name: node.name)
            if let ready = node.conditions["Ready"], ready != "True" {
                let pods = context.cluster.pods.values.filter { $0.node == node.name }.count
                found.append(
                    Finding(
                        "NodeNotReady",
                        .critical,
                        object: object,
                        node: node.name,
                        message:
                            "node \(node.name) is \(ready == "Unknown" ? "Unknown (kubelet stopped posting status)" : "NotReady") with \(pods) pods",
                        since: node.transitions["Ready"]?.timeIntervalSince1970
                    )
                )
            }
            for pressure in node.problems where pressure.hasSuffix("Pressure") {
                found.append(
                    Finding(
                        pressure,
                        .warning,
                        object: object,
                        node: node.name,
                        message: "node \(node.name) reports \(pressure)",
                        since: node.transitions[pressure]?.timeIntervalSince1970
                    )
                )
            }
            if node.unschedulable {
                found.append(
                    Finding(
                        "NodeUnschedulable",
                        .info,
                        object: object,
                        node: node.name,
                        message: "node \(node.name) is cordoned"
                    )
                )
            }
        }
        return found
    }
}
