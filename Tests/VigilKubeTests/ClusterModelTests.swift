import Foundation
import Testing

@testable import VigilKube

/// The cluster model built from the objects a reflector hands over.
struct ClusterModelTests {
    static func raw(_ json: String) -> [UInt8] { Array(json.utf8) }

    static let crashLooping = raw(
        """
        {"metadata":{"name":"web-abc-1","namespace":"shop","uid":"p1",
          "ownerReferences":[{"kind":"ReplicaSet","name":"web-abc","uid":"rs2","controller":true}]},
         "spec":{"nodeName":"node-1"},
         "status":{"phase":"Running","containerStatuses":[{"name":"app","ready":false,"restartCount":5,
           "state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 2m40s"}},
           "lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled"}}}]}}
        """
    )
    static let pulling = raw(
        """
        {"metadata":{"name":"api-1","namespace":"shop","uid":"p2"},
         "status":{"phase":"Pending","containerStatuses":[{"name":"api","ready":false,"restartCount":0,
           "state":{"waiting":{"reason":"ImagePullBackOff"}}}]}}
        """
    )
    static let evicted = raw(
        #"{"metadata":{"name":"batch-1","namespace":"jobs","uid":"p3"},"status":{"phase":"Failed","reason":"Evicted"}}"#
    )
    static let healthy = raw(
        """
        {"metadata":{"name":"web-abc-2","namespace":"shop","uid":"p4"},
         "status":{"phase":"Running","containerStatuses":[{"name":"app","ready":true,"restartCount":0,"state":{"running":{}}}]}}
        """
    )

    static func replicaSet(_ name: String, revision: Int, image: String) -> [UInt8] {
        raw(
            """
            {"metadata":{"name":"\(name)","namespace":"shop","uid":"\(name)",
              "annotations":{"deployment.kubernetes.io/revision":"\(revision)"},
              "ownerReferences":[{"kind":"Deployment","name":"web","uid":"d1","controller":true}]},
             "spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"app","image":"\(image)"}]}}}}
            """
        )
    }

    static let deployment = raw(
        #"{"metadata":{"name":"web","namespace":"shop","uid":"d1","annotations":{"deployment.kubernetes.io/revision":"2"}},"spec":{"replicas":2},"status":{"readyReplicas":1}}"#
    )

    static func node(_ name: String, ready: String, memoryPressure: String) -> [UInt8] {
        raw(
            """
            {"metadata":{"name":"\(name)"},"spec":{},"status":{"conditions":[
              {"type":"Ready","status":"\(ready)"},{"type":"MemoryPressure","status":"\(memoryPressure)"},
              {"type":"DiskPressure","status":"False"}]}}
            """
        )
    }

    static func event(_ name: String, reason: String, at time: String) -> [UInt8] {
        raw(
            """
            {"metadata":{"name":"\(name)","namespace":"shop"},"involvedObject":{"kind":"Pod","name":"web-abc-1"},
             "reason":"\(reason)","message":"\(reason) happened","type":"Warning","count":3,"lastTimestamp":"\(time)"}
            """
        )
    }

    let now = ISO8601DateFormatter().date(from: "2026-11-29T12:00:00Z")!

    func model() -> ClusterModel {
        var model = ClusterModel()
        model.apply(.listed([Self.crashLooping, Self.pulling, Self.evicted, Self.healthy]), kind: .pods, now: now)
        model.apply(
            .listed([
                Self.replicaSet("web-abc", revision: 2, image: "web:1.1"),
                Self.replicaSet("web-old", revision: 1, image: "web:1.0"),
            ]),
            kind: .replicasets,
            now: now
        )
        model.apply(.listed([Self.deployment]), kind: .deployments, now: now)
        model.apply(
            .listed([
                Self.node("node-1", ready: "True", memoryPressure: "True"),
                Self.node("node-2", ready: "False", memoryPressure: "False"),
            ]),
            kind: .nodes,
            now: now
        )
        return model
    }

    @Test func podsOwnersAndRollouts() {
        let model = model()
        #expect(
            model.owners(ofPod: "shop", "web-abc-1").map { "\($0.kind)/\($0.name)" } == [
                "ReplicaSet/web-abc", "Deployment/web",
            ]
        )
        #expect(
            model.rolloutHistory(ofDeployment: "shop", "web").map { "\($0.revision ?? 0) \($0.images)" } == [
                "2 [\"web:1.1\"]", "1 [\"web:1.0\"]",
            ]
        )
        let troubled = model.troubledPods
        #expect(troubled.map(\.name) == ["web-abc-1", "batch-1", "api-1"])
        #expect(troubled.map(\.problems) == [["OOMKilled", "CrashLoopBackOff"], ["Evicted"], ["ImagePullBackOff"]])
        #expect(troubled[0].containers[0].exitCode == 137)
        #expect(troubled[0].node == "node-1")
        #expect(model.nodes["/node-1"]?.problems == ["MemoryPressure"])
        #expect(model.nodes["/node-2"]?.problems == ["NotReady"])
    }

    @Test func changesReplaceAndDeletionsRemove() {
        var model = model()
        model.apply(
            .modified(Self.raw(#"{"metadata":{"name":"api-1","namespace":"shop"},"status":{"phase":"Running"}}"#)),
            kind: .pods,
            now: now
        )
        #expect(model.troubledPods.map(\.name) == ["web-abc-1", "batch-1"])
        model.apply(.deleted(Self.evicted), kind: .pods, now: now)
        #expect(model.troubledPods.map(\.name) == ["web-abc-1"])
        // A relist replaces everything known of that kind, and only that kind.
        model.apply(.listed([Self.healthy]), kind: .pods, now: now)
        #expect(model.pods.count == 1)
        #expect(model.workloads.count == 3)
    }

    @Test func eventsAreKeptForTheirWindowAndWithinTheirBound() {
        var model = ClusterModel(eventWindow: 3600, maxEvents: 3)
        model.apply(
            .listed([
                Self.event("e1", reason: "BackOff", at: "2026-11-29T09:00:00Z"),
                Self.event("e2", reason: "Pulled", at: "2026-11-29T11:10:00Z"),
                Self.event("e3", reason: "Killing", at: "2026-11-29T11:20:00Z"),
            ]),
            kind: .events,
            now: now
        )
        // Three hours old: outside the one-hour window.
        #expect(model.events.map(\.name) == ["e2", "e3"])
        model.apply(.added(Self.event("e4", reason: "OOMKilling", at: "2026-11-29T11:30:00Z")), kind: .events, now: now)
        model.apply(.added(Self.event("e5", reason: "BackOff", at: "2026-11-29T11:40:00Z")), kind: .events, now: now)
        // At most three, the oldest dropped first.
        #expect(model.events.map(\.name) == ["e3", "e4", "e5"])
        // An update of a known event replaces it (and keeps time order).
        model.apply(.modified(Self.event("e3", reason: "Killing", at: "2026-11-29T11:50:00Z")), kind: .events, now: now)
        #expect(model.events.map(\.name) == ["e4", "e5", "e3"])
        #expect(model.events(involving: "Pod", namespace: "shop", name: "web-abc-1").count == 3)
    }

    /// A relist keeps what inserting its events one by one (the `.added` path) and then trimming keeps:
    /// the last of each name, in the window, the newest `maxEvents`, ties in list order.
    @Test func aListOfEventsKeepsWhatInsertingThemOneByOneKeeps() {
        let items = [
            Self.event("a", reason: "BackOff", at: "2026-11-29T11:00:00Z"),
            // Replaced by the later e at 11:30: the last in the list wins, not the newest.
            Self.event("e", reason: "BackOff", at: "2026-11-29T11:50:00Z"),
            Self.event("b", reason: "BackOff", at: "2026-11-29T11:30:00Z"),
            Self.event("c", reason: "BackOff", at: "2026-11-29T11:10:00Z"),
            Self.event("a", reason: "BackOff", at: "2026-11-29T11:40:00Z"),
            Self.event("d", reason: "BackOff", at: "2026-11-29T11:30:00Z"),
            Self.event("b", reason: "BackOff", at: "2026-11-29T11:05:00Z"),
            // Outside the one-hour window.
            Self.event("old", reason: "BackOff", at: "2026-11-29T09:00:00Z"),
            // The same time as d, later in the list: after d.
            Self.event("e", reason: "Pulled", at: "2026-11-29T11:30:00Z"),
            // No name: no event, and it replaces nothing.
            Self.raw(#"{"metadata":{"namespace":"shop"},"reason":"BackOff"}"#),
        ]
        var oneByOne = ClusterModel(eventWindow: 3600, maxEvents: 100)
        for item in items { oneByOne.apply(.added(item), kind: .events, now: now) }
        #expect(oneByOne.events.map(\.name) == ["b", "c", "d", "e", "a"])

        var listed = ClusterModel(eventWindow: 3600, maxEvents: 3)
        listed.apply(.listed(items), kind: .events, now: now)
        #expect(listed.events.map(\.name) == ["d", "e", "a"])
        #expect(listed.events == Array(oneByOne.events.suffix(3)))
        #expect(listed.events.map(\.reason) == ["BackOff", "Pulled", "BackOff"])
        // `kubectl get events -o json` loaded the same way.
        var loaded = ClusterModel(eventWindow: 3600, maxEvents: 3)
        loaded.load(events: items.map(KubeClient.object), now: now)
        #expect(loaded.events == listed.events)
    }

    /// A relist far past the bound keeps only the newest `maxEvents`, wherever they are in the list.
    @Test func aLargeListOfEventsKeepsOnlyTheNewest() {
        func time(_ seconds: Int) -> String {
            func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
            return "2026-11-29T11:\(twoDigits(seconds / 60)):\(twoDigits(seconds % 60))Z"
        }
        // The first 100 are the newest (11:58:20 to 11:59:59, newest first); the rest 11:00 to 11:49:59.
        let items = (0..<50_000).map { index in
            Self.event("e\(index)", reason: "BackOff", at: time(index < 100 ? 3599 - index : index % 3000))
        }
        var model = ClusterModel(eventWindow: 3600, maxEvents: 100)
        model.apply(.listed(items), kind: .events, now: now)
        #expect(model.events.count == 100)
        #expect(model.events.map(\.name) == (0..<100).reversed().map { "e\($0)" })
    }

    @Test func newStyleEventsReadTheirSeriesTimeAndCount() {
        var model = ClusterModel()
        let event = Self.raw(
            """
            {"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"s1","namespace":"shop"},
             "eventTime":"2026-11-29T11:00:00.000000Z","reason":"FailedScheduling","type":"Warning",
             "regarding":{"kind":"Pod","name":"web-abc-1"},"note":"0/3 nodes are available",
             "series":{"count":7,"lastObservedTime":"2026-11-29T11:55:00.000000Z"}}
            """
        )
        model.apply(.added(event), kind: .events, now: now)
        let summary = model.events.first
        #expect(summary?.count == 7)
        #expect(summary?.lastSeen == ISO8601DateFormatter().date(from: "2026-11-29T11:55:00Z"))
        #expect(summary?.message == "0/3 nodes are available")
        #expect(summary?.involvedName == "web-abc-1")
    }
}
