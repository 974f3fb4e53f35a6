#!/usr/bin/env python3
"""A fake kube-apiserver for VigilKube's tests: enough of the API for kubectl 1.32 and Vigil to act on
deployments, statefulsets, daemonsets, pods, nodes, persistentvolumeclaims and horizontalpodautoscalers
(autoscaling/v2), with every request logged.

Prints its port on the first line of stdout. Serves legacy discovery (/api, /apis, /api/v1 and each
group-version), GET/PATCH/DELETE on objects and the scale subresource, server-side dry run
(?dryRun=All, or "dryRun":["All"] in a DeleteOptions body), Status errors, the API server's refusals of
a PVC resize (validation's 422 for a shrink, the PersistentVolumeClaimResize admission plugin's 403 when
the StorageClass does not allow expansion) and of an HPA whose maxReplicas is below 1 or minReplicas,
and:
  GET  /__log       the requests so far, as a JSON list of {method, path, query, contentType,
                    authorization, body, status} (status once answered)
  POST /__reset     forget the log and restore the initial objects
  POST /__patch     {"path": OBJECT_PATH, "patch": {...}}: someone else changes an object (a merge patch,
                    not logged), as a controller or a person would
  POST /__create    {"object": {...}}: adds an object (a scenario's deployment, a second node)
  POST /__crd       {"group": G, "version": V}: serves a custom resource group (monitoring.coreos.com/v1
                    for PodMonitors and ServiceMonitors); before, its lists answer 404
  POST /__race      the next stored change to any object finds it changed by another writer just before
                    (between Vigil's read and its change)
  POST /__replace   {"pod": NAME}: after the next dry run of its delete, the pod is made again under
                    another UID (a StatefulSet's), so a delete conditioned on the old UID is refused
  POST /__deny      {"verb": V, "group": G, "resource": R, "namespace": NS, "name": N} (any left out
                    matches all): a SelfSubjectAccessReview of matching attributes is answered not allowed,
                    as RBAC answers for a right no role grants; every other review is allowed. A review
                    comes as JSON (Vigil) or protobuf (kubectl's typed client); either way its resource
                    attributes are logged as `review`, and the answer is JSON
Every stored change gives the object the next resourceVersion, and a change carrying one — a patch's
metadata.resourceVersion, a JSON patch's `test` of /metadata/resourceVersion, a delete's
preconditions (resourceVersion or uid) — is refused when the object has moved on, as a real server refuses it (409 Conflict;
422 for the failed test).
Events in namespace shop can be listed (GET /api/v1/namespaces/shop/events) and watched (?watch=true
from a resourceVersion, chunked JSON frames), with injection:
  POST /__event     {"type": "ADDED"|"MODIFIED"|"DELETED", "object": {...}}: stored, given the next
                    resourceVersion, sent to every watcher
  POST /__bookmark  a BOOKMARK frame at the current resourceVersion to watchers that allow bookmarks
  POST /__compact   forget history: a watch from an older resourceVersion gets a 410 Expired frame,
                    and every open watch is sent one and closed
  POST /__hangup    {"count": N}: the next N requests get no answer (the connection closed on them)
  POST /__drop      close every open watch (as a server's timeout or a broken connection would)
Any collection can be listed, cluster-wide or in a namespace, with an equality labelSelector.

With --scenario DIR, the objects and events are a recorded scenario's instead (cluster.json, a v1 List
as kubectl get -o json prints it, and events.json), so `vigil diagnose --kubeconfig` can read them.
"""
import copy, json, re, sys, threading
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qsl

APPS = ["deployments", "statefulsets", "daemonsets", "replicasets"]
KINDS = {"deployments": "Deployment", "statefulsets": "StatefulSet", "daemonsets": "DaemonSet",
         "replicasets": "ReplicaSet", "pods": "Pod", "nodes": "Node",
         "persistentvolumeclaims": "PersistentVolumeClaim", "horizontalpodautoscalers": "HorizontalPodAutoscaler",
         "storageclasses": "StorageClass", "leases": "Lease", "endpoints": "Endpoints", "services": "Service",
         "podmonitors": "PodMonitor", "servicemonitors": "ServiceMonitor"}
# The one version each group's objects are served at (a real server converts between versions; this one
# serves autoscaling at v2 only, the version kubectl prefers).
VERSIONS = {"": "v1", "apps": "v1", "autoscaling": "v2", "storage.k8s.io": "v1", "batch": "v1",
            "coordination.k8s.io": "v1"}
SCENARIO = sys.argv[sys.argv.index("--scenario") + 1] if "--scenario" in sys.argv else None

def scenario_items(name):
    try:
        with open(f"{SCENARIO}/{name}") as f: return json.load(f).get("items", [])
    except FileNotFoundError:
        return []

def scenario_objects():
    """cluster.json's items keyed as every object is: (group, plural, namespace, name)."""
    objects = {}
    for item in scenario_items("cluster.json"):
        group = item["apiVersion"].rpartition("/")[0]
        kind = item["kind"].lower()
        plural = kind + ("es" if kind.endswith("s") else "s")
        metadata = item["metadata"]
        objects[(group, plural, metadata.get("namespace", ""), metadata["name"])] = item
    return objects

def workload(kind, name):
    return {"apiVersion": "apps/v1", "kind": kind,
            "metadata": {"name": name, "namespace": "shop", "uid": f"uid-{name}", "resourceVersion": "1",
                         "labels": {"app": name}, "annotations": {"owner": "shop-team"}},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": "shop/web:1"}]}}},
            "status": {"replicas": 3}}

def replica_set(name, revision, image, template_hash):
    labels = {"app": "web", "pod-template-hash": template_hash}
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": "shop", "uid": f"uid-{name}", "resourceVersion": "1",
                         "labels": labels,
                         "annotations": {"deployment.kubernetes.io/revision": str(revision),
                                         "deployment.kubernetes.io/desired-replicas": "3"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                                              "uid": "uid-web", "controller": True, "blockOwnerDeletion": True}]},
            "spec": {"replicas": 0 if revision == 1 else 3, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "app", "image": image}]}}},
            "status": {"replicas": 0}}

def initial_objects():
    if SCENARIO: return scenario_objects()
    objects = {}
    for plural in ["deployments", "statefulsets", "daemonsets"]:
        objects[("apps", plural, "shop", "web")] = workload(KINDS[plural], "web")
    deployment = objects[("apps", "deployments", "shop", "web")]
    deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "2"
    deployment["spec"]["template"]["spec"]["containers"][0]["image"] = "shop/web:1.1"
    objects[("apps", "replicasets", "shop", "web-5d8c")] = replica_set("web-5d8c", 1, "shop/web:1", "5d8c")
    objects[("apps", "replicasets", "shop", "web-7f6c")] = replica_set("web-7f6c", 2, "shop/web:1.1", "7f6c")
    objects[("", "pods", "shop", "web-1")] = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "shop", "uid": "uid-web-1", "resourceVersion": "1",
                     "labels": {"app": "web"}},
        "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "shop/web:1"}]}}
    def pod(name, owner=None, volumes=None):
        metadata = {"name": name, "namespace": "shop", "uid": f"uid-{name}", "resourceVersion": "1", "labels": {}}
        if owner: metadata["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1],
                                                  "uid": f"uid-{owner[1]}", "controller": True}]
        return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
                "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "shop/web:1"}],
                         "volumes": volumes or []}}
    objects[("", "pods", "shop", "web-ds-1")] = pod("web-ds-1", ("DaemonSet", "web"))
    objects[("", "pods", "shop", "debug-shell")] = pod("debug-shell")
    objects[("", "pods", "shop", "cache-1")] = pod("cache-1", ("ReplicaSet", "web-7f6c"), [{"name": "scratch", "emptyDir": {}}])
    objects[("", "namespaces", "", "shop")] = {"apiVersion": "v1", "kind": "Namespace",
                                               "metadata": {"name": "shop", "uid": "uid-shop"}}
    objects[("", "nodes", "", "node-1")] = {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": "node-1", "uid": "uid-node-1", "resourceVersion": "1", "labels": {}},
        "spec": {}}
    objects.update(storage_objects())
    return objects

def claim(name, storage_class, size):
    """A bound PVC provisioned by `storage_class`, its volume as big as it asked."""
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": "shop", "uid": f"uid-{name}", "resourceVersion": "1"},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": storage_class,
                     "resources": {"requests": {"storage": size}}, "volumeName": f"pvc-{name}",
                     "volumeMode": "Filesystem"},
            "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": size}}}

def storage_class(name, expandable):
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": name, "uid": f"uid-{name}", "resourceVersion": "1"},
            "provisioner": "ebs.csi.aws.com", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer",
            "allowVolumeExpansion": expandable}

def storage_objects():
    """PVC data's class allows expansion, PVC logs's does not."""
    return {("", "persistentvolumeclaims", "shop", "data"): claim("data", "fast", "10Gi"),
            ("", "persistentvolumeclaims", "shop", "logs"): claim("logs", "standard", "5Gi"),
            ("storage.k8s.io", "storageclasses", "", "fast"): storage_class("fast", True),
            ("storage.k8s.io", "storageclasses", "", "standard"): storage_class("standard", False),
            ("autoscaling", "horizontalpodautoscalers", "shop", "web"): {
                "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": "web", "namespace": "shop", "uid": "uid-hpa-web", "resourceVersion": "1"},
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                         "minReplicas": 2, "maxReplicas": 5,
                         "metrics": [{"type": "Resource", "resource": {
                             "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]},
                "status": {"currentReplicas": 5, "desiredReplicas": 5}}}

def initial_events():
    if SCENARIO: return scenario_items("events.json")
    return [event("web-1.1", "Pulled", "Normal", 1), event("web-1.2", "Started", "Normal", 2)]

def event(name, reason, kind, rv):
    return {"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": "shop", "resourceVersion": str(rv)},
            "involvedObject": {"kind": "Pod", "namespace": "shop", "name": "web-1"},
            "reason": reason, "message": f"{reason} web-1", "type": kind, "count": 1,
            "lastTimestamp": "2026-11-29T12:00:00Z"}

def new_style(event):
    """The same event as events.k8s.io/v1 shows it."""
    renamed = {"involvedObject": "regarding", "message": "note", "lastTimestamp": "deprecatedLastTimestamp",
               "firstTimestamp": "deprecatedFirstTimestamp", "count": "deprecatedCount", "source": "deprecatedSource"}
    converted = {renamed.get(k, k): v for k, v in event.items()}
    converted["apiVersion"] = "events.k8s.io/v1"
    return converted

state = {"objects": initial_objects(), "log": [], "events": initial_events(), "rv": 2, "frames": [],
         "compacted": 0, "generation": 0}
lock = threading.Lock()
changed = threading.Condition(lock)

SHORT = {"deployments": ["deploy"], "statefulsets": ["sts"], "daemonsets": ["ds"], "replicasets": ["rs"],
         "pods": ["po"], "nodes": ["no"], "events": ["ev"], "persistentvolumeclaims": ["pvc"],
         "horizontalpodautoscalers": ["hpa"], "storageclasses": ["sc"]}

def resource(name, kind, namespaced, verbs):
    return {"name": name, "singularName": kind.lower(), "namespaced": namespaced, "kind": kind, "verbs": verbs,
            "shortNames": SHORT.get(name, [])}

ALL = ["create", "delete", "get", "list", "patch", "update", "watch"]
DISCOVERY = {
    "/api": {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
        {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
         "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}},
        {"name": "autoscaling", "versions": [{"groupVersion": "autoscaling/v2", "version": "v2"},
                                             {"groupVersion": "autoscaling/v1", "version": "v1"}],
         "preferredVersion": {"groupVersion": "autoscaling/v2", "version": "v2"}},
        {"name": "storage.k8s.io", "versions": [{"groupVersion": "storage.k8s.io/v1", "version": "v1"}],
         "preferredVersion": {"groupVersion": "storage.k8s.io/v1", "version": "v1"}},
        {"name": "events.k8s.io", "versions": [{"groupVersion": "events.k8s.io/v1", "version": "v1"}],
         "preferredVersion": {"groupVersion": "events.k8s.io/v1", "version": "v1"}}] +
        [{"name": g, "versions": [{"groupVersion": f"{g}/v1", "version": "v1"}],
          "preferredVersion": {"groupVersion": f"{g}/v1", "version": "v1"}}
         for g in ["rbac.authorization.k8s.io", "policy", "coordination.k8s.io"]]},
    "/apis/rbac.authorization.k8s.io/v1": {"kind": "APIResourceList", "apiVersion": "v1",
        "groupVersion": "rbac.authorization.k8s.io/v1", "resources": [
            resource("roles", "Role", True, ALL), resource("rolebindings", "RoleBinding", True, ALL),
            resource("clusterroles", "ClusterRole", False, ALL),
            resource("clusterrolebindings", "ClusterRoleBinding", False, ALL)]},
    "/apis/policy/v1": {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "policy/v1",
        "resources": [resource("poddisruptionbudgets", "PodDisruptionBudget", True, ALL)]},
    "/apis/coordination.k8s.io/v1": {"kind": "APIResourceList", "apiVersion": "v1",
        "groupVersion": "coordination.k8s.io/v1", "resources": [resource("leases", "Lease", True, ALL)]},
    "/apis/events.k8s.io/v1": {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "events.k8s.io/v1",
        "resources": [{"name": "events", "singularName": "event", "namespaced": True, "kind": "Event",
                       "verbs": ["get", "list", "watch"], "shortNames": ["ev"]}]},
    "/api/v1": {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
        resource("pods", "Pod", True, ALL), resource("nodes", "Node", False, ALL),
        resource("persistentvolumeclaims", "PersistentVolumeClaim", True, ALL),
        {"name": "pods/eviction", "singularName": "", "namespaced": True, "group": "policy", "version": "v1",
         "kind": "Eviction", "verbs": ["create"]},
        resource("events", "Event", True, ALL), resource("services", "Service", True, ALL),
        resource("endpoints", "Endpoints", True, ALL), resource("configmaps", "ConfigMap", True, ALL),
        resource("serviceaccounts", "ServiceAccount", True, ALL), resource("namespaces", "Namespace", False, ALL)]},
    "/apis/apps/v1": {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "apps/v1", "resources":
        [resource(p, KINDS[p], True, ALL) for p in APPS] +
        [{"name": f"{p}/scale", "singularName": "", "namespaced": True, "group": "autoscaling",
          "version": "v1", "kind": "Scale", "verbs": ["get", "patch", "update"]}
         for p in ["deployments", "statefulsets", "replicasets"]]},
    # Listed so kubectl finds hpa and sc as a real server's discovery shows them; objects are served at v2.
    **{f"/apis/autoscaling/{v}": {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"autoscaling/{v}",
        "resources": [resource("horizontalpodautoscalers", "HorizontalPodAutoscaler", True, ALL)]}
       for v in ["v2", "v1"]},
    "/apis/storage.k8s.io/v1": {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "storage.k8s.io/v1",
        "resources": [resource("storageclasses", "StorageClass", False, ALL)]},
}

QUANTITY = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")
SUFFIXES = {"": 1, "m": Fraction(1, 1000), "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
            "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}

def quantity(text):
    """A resource quantity's value (`10Gi`, `1.5G`, `2e3`), or None if it is not one."""
    match = QUANTITY.match(str(text))
    if not match: return None
    number, suffix = match.groups()
    if suffix[:1] in "eE" and suffix[1:].lstrip("+-").isdigit(): return Fraction(number) * 10 ** int(suffix[1:])
    return Fraction(number) * SUFFIXES[suffix] if suffix in SUFFIXES else None

def invalid(kind, name, causes):
    """422 as validation answers: (field, reason, detail) per cause."""
    text = ", ".join(f"{f}: {d}" for f, _, d in causes)
    message = f'{kind} "{name}" is invalid: {text if len(causes) == 1 else "[" + text + "]"}'
    return 422, "Invalid", message, {"name": name, "kind": kind, "causes": [
        {"reason": reason, "message": detail, "field": f} for f, reason, detail in causes]}

def refusal(plural, old, new):
    """The API server's refusal of an update from `old` to `new`, as (code, reason, message, details), or
    None. Validation runs before validating admission, so a shrink gets the 422 whatever its class says."""
    name = old["metadata"]["name"]
    if plural == "persistentvolumeclaims":
        storage = lambda pvc: quantity(((pvc.get("spec", {}).get("resources") or {}).get("requests") or {})
                                       .get("storage", "0"))
        old_size, new_size = storage(old), storage(new)
        if old_size is None or new_size is None: return None  # not modelled: a real server refuses to decode it
        capacity = quantity(((old.get("status") or {}).get("capacity") or {}).get("storage", "0"))
        # RecoverVolumeExpansionFailure (on by default since 1.32) lets a request come back down to just above
        # the volume's capacity, to undo a failed expansion; servers before 1.32 say "previous value".
        if new_size < old_size and new_size <= capacity:
            return invalid("PersistentVolumeClaim", name, [("spec.resources.requests.storage", "FieldValueForbidden",
                           "Forbidden: field can not be less than status.capacity")])
        if new_size <= old_size: return None
        forbidden = lambda why: (403, "Forbidden", f'persistentvolumeclaims "{name}" is forbidden: {why}',
                                 {"name": name, "kind": "persistentvolumeclaims"})
        if (old.get("status") or {}).get("phase") != "Bound":
            return forbidden("Only bound persistent volume claims can be expanded")
        # PersistentVolumeClaimResize: only a claim whose StorageClass says allowVolumeExpansion grows.
        class_name = new["spec"].get("storageClassName") or ""
        storage_class = state["objects"].get(("storage.k8s.io", "storageclasses", "", class_name))
        if not class_name or class_name != old["spec"].get("storageClassName") or not storage_class \
                or storage_class.get("allowVolumeExpansion") is not True:
            return forbidden("only dynamically provisioned pvc can be resized and "
                             "the storageclass that provisions the pvc must support resize")
    if plural == "horizontalpodautoscalers":
        maximum, minimum = new["spec"].get("maxReplicas", 0), new["spec"].get("minReplicas")
        causes = []
        if maximum < 1:
            causes.append(("spec.maxReplicas", "FieldValueInvalid", f"Invalid value: {maximum}: must be greater than 0"))
        if minimum is not None and maximum < minimum:
            causes.append(("spec.maxReplicas", "FieldValueInvalid",
                           f"Invalid value: {maximum}: must be greater than or equal to `minReplicas`"))
        if causes: return invalid("HorizontalPodAutoscaler", name, causes)
    return None

def stored(obj, previous=None, change="MODIFIED"):
    """`obj` as a stored change leaves it: with the next resourceVersion, unless it equals `previous` (a
    real server writes nothing for a no-op update), and sent to the watchers of its collection. The caller
    holds the lock."""
    if previous is not None and obj == previous: return obj
    # Objects count apart from events, so the event watches' resourceVersions stay as the tests expect.
    state["object_rv"] = state.get("object_rv", 1000) + 1
    obj.setdefault("metadata", {})["resourceVersion"] = str(state["object_rv"])
    published(change, obj, previous)
    return obj

def published(change, obj, previous=None):
    """Sends an object's change (ADDED, MODIFIED, DELETED) to its collection's watchers, at the current
    object resourceVersion, with the object as it was before a MODIFIED (a selector's watch sees it come
    or go). The caller holds the lock."""
    plural = next((p for p, k in KINDS.items() if k == obj.get("kind")), None)
    if plural is None: return
    group = obj["apiVersion"].split("/")[0] if "/" in obj.get("apiVersion", "") else ""
    state.setdefault("object_frames", []).append(
        (state.get("object_rv", 1000), group, plural, obj["metadata"].get("namespace", ""),
         {"type": change, "object": copy.deepcopy(obj)}, copy.deepcopy(previous)))
    changed.notify_all()

def as_selected(frame, previous, query):
    """The frame a watch with `query`'s selector gets, as the API server's cacher sends it: a MODIFIED
    that brings an object into the selector is ADDED, one that takes it out is DELETED (the object as it
    was, at the change's resourceVersion); None where the watch sees nothing."""
    now = selected(frame["object"], query)
    before = previous is not None and selected(previous, query)
    if frame["type"] != "MODIFIED" or previous is None: return frame if now else None
    if now and before: return frame
    if now: return {"type": "ADDED", "object": frame["object"]}
    if before:
        gone = copy.deepcopy(previous)
        gone["metadata"]["resourceVersion"] = frame["object"]["metadata"]["resourceVersion"]
        return {"type": "DELETED", "object": gone}
    return None

def deleted(key):
    """Removes a stored object, telling its watchers. The caller holds the lock."""
    obj = state["objects"].pop(key)
    state["object_rv"] = state.get("object_rv", 1000) + 1
    gone = copy.deepcopy(obj)
    gone["metadata"]["resourceVersion"] = str(state["object_rv"])
    published("DELETED", gone)
    return obj

def selected(obj, query):
    """Whether `obj` matches the query's equality labelSelector (`a=b,c=d`; none: everything)."""
    wanted = dict(p.split("=", 1) for p in (query.get("labelSelector") or "").split(",") if "=" in p)
    return all((obj["metadata"].get("labels") or {}).get(l) == v for l, v in wanted.items())

def stale(current, body, plural, group):
    """The refusal of a change made on a stale read of `current`, or None (a JSON patch's test is checked
    where it is applied)."""
    if not isinstance(body, dict): return None
    have = current["metadata"].get("resourceVersion")
    wanted = (body.get("metadata") or {}).get("resourceVersion")
    precondition = (body.get("preconditions") or {}).get("resourceVersion")
    cannot = f'Operation cannot be fulfilled on {plural}{"." + group if group else ""} "{current["metadata"]["name"]}"'
    if wanted is not None and wanted != have:
        return (409, "Conflict", f"{cannot}: the object has been modified; please apply your changes to the latest "
                "version and try again")
    if precondition is not None and precondition != have:
        return (409, "Conflict", f"{cannot}: the ResourceVersion in the precondition ({precondition}) does not match "
                f"the ResourceVersion in record ({have}). The object might have been modified")
    uid = (body.get("preconditions") or {}).get("uid")
    if uid is not None and uid != current["metadata"].get("uid"):
        return (409, "Conflict", f'{cannot}: Precondition failed: UID in precondition: {uid}, UID in object meta: '
                f'{current["metadata"].get("uid")}')
    return None

def merge(target, patch, strategic=False):
    """RFC 7386 merge; with `strategic`, as a strategic merge patch treats the lists these tests touch:
    lists of named items (containers) merge item by item on `name`, and `$setElementOrder/…` directives
    order them and are not stored."""
    if not isinstance(patch, dict): return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$setElementOrder/"): continue
        if value is None: result.pop(key, None)
        elif strategic and isinstance(value, list) and all(isinstance(v, dict) and "name" in v for v in value) \
                and isinstance(result.get(key), list):
            merged = {item.get("name"): item for item in result[key]}
            for item in value: merged[item["name"]] = merge(merged.get(item["name"]), item, True)
            order = [o["name"] for o in patch.get(f"$setElementOrder/{key}", [])] or [i.get("name") for i in result[key]]
            result[key] = [merged[n] for n in order if n in merged] + [v for n, v in merged.items() if n not in order]
        else: result[key] = merge(result.get(key), value, strategic)
    return result

def protobuf_fields(data):
    """The length-delimited and varint fields of a protobuf message, {number: value} (the last of a repeated
    field): enough for the Kubernetes envelope and a SelfSubjectAccessReview, whose fields are strings,
    messages and bools."""
    fields, i = {}, 0
    def varint():
        nonlocal i
        value, shift = 0, 0
        while True:
            byte = data[i]; i += 1
            value |= (byte & 0x7F) << shift; shift += 7
            if byte < 0x80: return value
    while i < len(data):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0: fields[number] = varint()
        elif wire == 2:
            length = varint()
            fields[number] = data[i:i + length]; i += length
        else: raise ValueError(f"protobuf wire type {wire} not expected here")
    return fields

RESOURCE_ATTRIBUTES = ["namespace", "verb", "group", "version", "resource", "subresource", "name"]

def access_review(raw, content_type):
    """A SelfSubjectAccessReview as JSON, from JSON or from the protobuf envelope kubectl sends ("k8s\\0",
    then runtime.Unknown whose field 2 holds the review: spec 2, its resourceAttributes 1)."""
    if not (content_type or "").startswith("application/vnd.kubernetes.protobuf"): return json.loads(raw)
    assert raw[:4] == b"k8s\0", "not a Kubernetes protobuf envelope"
    spec = protobuf_fields(protobuf_fields(protobuf_fields(raw[4:])[2]).get(2, b""))
    attributes = protobuf_fields(spec.get(1, b""))
    return {"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1", "spec": {"resourceAttributes": {
        key: attributes[n + 1].decode() for n, key in enumerate(RESOURCE_ATTRIBUTES) if attributes.get(n + 1)}}}

def parse_path(path):
    """(group, plural, namespace, name, subresource) of an object path, or None."""
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["api", "v1"]: group, rest = "", parts[2:]
    elif parts[:1] == ["apis"] and len(parts) > 2 and VERSIONS.get(parts[1]) == parts[2]:
        group, rest = parts[1], parts[3:]
    else: return None
    namespace = ""
    if rest[:1] == ["namespaces"] and len(rest) >= 3: namespace, rest = rest[1], rest[2:]
    if len(rest) < 2: return None
    return group, rest[0], namespace, rest[1], (rest[2] if len(rest) > 2 else None)

def parse_collection(path):
    """(group, plural, namespace) of a collection path (namespace "" when cluster-wide), or None."""
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["api", "v1"]: group, rest = "", parts[2:]
    elif parts[:1] == ["apis"] and len(parts) > 2 and VERSIONS.get(parts[1]) == parts[2]:
        group, rest = parts[1], parts[3:]
    else: return None
    if len(rest) == 3 and rest[0] == "namespaces": return group, rest[2], rest[1]
    if len(rest) == 1 and rest[0] != "namespaces": return group, rest[0], ""
    return None

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, status, body, content_type="application/json"):
        # Not under the lock (callers may hold it): the key exists, so this changes no dict's size.
        if getattr(self, "entry", None) is not None: self.entry["status"] = status
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def status(self, code, reason, message, details=None):
        body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
                "reason": reason, "code": code}
        if details: body["details"] = details
        self.reply(code, body)

    def handle_any(self, method):
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        query = parse_qsl(url.query, keep_blank_values=True)
        self.entry = None  # a connection's previous request keeps its status
        if url.path == "/__log":
            with lock: return self.reply(200, state["log"])
        if url.path == "/__reset":
            with lock:
                state["log"].clear()
                state["objects"] = initial_objects()
                state.pop("object_rv", None)
                state.pop("race", None)
                state.pop("object_frames", None)
                state.update(events=initial_events(), rv=2, frames=[], compacted=0, generation=state["generation"] + 1,
                             blocked={}, recreated=None, lingering=None, refused=None, denied=[], hangups=0)
                changed.notify_all()
            return self.reply(200, {})
        if url.path == "/__patch":
            request = json.loads(raw)
            group, plural, namespace, name, _ = parse_path(request["path"])
            with lock:
                key = (group, plural, namespace, name)
                before = copy.deepcopy(state["objects"][key])
                state["objects"][key] = stored(merge(state["objects"][key], request["patch"]), before)
            return self.reply(200, state["objects"][key])
        if url.path == "/__crd":
            # {"group": G, "version": V}: a custom resource definition installed (the prometheus-operator's
            # monitoring.coreos.com/v1); until then its collections answer 404, as a real server's do.
            crd = json.loads(raw)
            with lock: VERSIONS[crd["group"]] = crd["version"]
            return self.reply(201, crd)
        if url.path == "/__create":
            obj = json.loads(raw)["object"]
            plural = next(p for p, k in KINDS.items() if k == obj["kind"])
            group = obj["apiVersion"].split("/")[0] if "/" in obj["apiVersion"] else ""
            with lock:
                key = (group, plural, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
                change = "MODIFIED" if key in state["objects"] else "ADDED"
                state["objects"][key] = stored(copy.deepcopy(obj), change=change)
            return self.reply(201, state["objects"][key])
        if url.path == "/__delete":
            # {"path": OBJECT_PATH}: someone else deletes an object (not logged), as a controller would.
            group, plural, namespace, name, _ = parse_path(json.loads(raw)["path"])
            with lock:
                key = (group, plural, namespace, name)
                if key not in state["objects"]: return self.status(404, "NotFound", f'{plural} "{name}" not found')
                deleted(key)
            return self.reply(200, {})
        if url.path == "/__race":
            with lock: state["race"] = True
            return self.reply(200, {})
        if url.path == "/__block":
            # The next N evictions of a pod get 429 (a PodDisruptionBudget): {"pod": N}.
            with lock: state["blocked"] = json.loads(raw)
            return self.reply(200, {})
        if url.path == "/__recreate":
            # {"pod": NAME}: its controller makes it again at once when it is evicted, as a StatefulSet
            # makes `db-0` again: the same name, another UID.
            with lock: state["recreated"] = json.loads(raw)["pod"]
            return self.reply(200, {})
        if url.path == "/__replace":
            # {"pod": NAME}: after the next dry run of its delete, it is made again under another UID.
            with lock: state["replaced"] = json.loads(raw)["pod"]
            return self.reply(200, {})
        if url.path == "/__linger":
            # {"pod": NAME, "deletionTimestamp": T}: an eviction only marks it deleted, with that time (its
            # grace period's end), and it stays: a node that stopped working never confirms its end.
            with lock: state["lingering"] = json.loads(raw)
            return self.reply(200, {})
        if url.path == "/__hangup":
            # {"count": N}: the next N requests get no answer, the connection closed on them (a server
            # restarting, a load balancer dropping it), as a cluster out of reach.
            with lock: state["hangups"] = json.loads(raw)["count"]
            return self.reply(200, {})
        if url.path == "/__refuse":
            # {"path": PATH, "status": CODE}: every GET of PATH answers CODE (RBAC's 403, a 429, a 503).
            with lock: state["refused"] = json.loads(raw)
            return self.reply(200, {})
        if url.path == "/__deny":
            with lock: state.setdefault("denied", []).append(json.loads(raw))
            return self.reply(200, {})
        if url.path in ("/__event", "/__bookmark", "/__compact", "/__drop"):
            with lock:
                if url.path == "/__event":
                    frame = json.loads(raw)
                    state["rv"] += 1
                    frame["object"]["metadata"]["resourceVersion"] = str(state["rv"])
                    name = frame["object"]["metadata"]["name"]
                    state["events"] = [e for e in state["events"] if e["metadata"]["name"] != name]
                    if frame["type"] != "DELETED": state["events"].append(frame["object"])
                    state["frames"].append((state["rv"], frame))
                elif url.path == "/__bookmark":
                    state["frames"].append((state["rv"], {"type": "BOOKMARK", "object": {
                        "kind": "Event", "apiVersion": "v1", "metadata": {"resourceVersion": str(state["rv"])}}}))
                elif url.path == "/__compact":
                    state["compacted"] = state["rv"]
                    state["generation"] += 1
                else:
                    state["generation"] += 1
                changed.notify_all()
            return self.reply(200, {})
        # The entry gets the answer's status when it is sent (a refused write is logged too).
        self.entry = {"method": method, "path": url.path, "query": query,
                      "contentType": self.headers.get("Content-Type"),
                      "authorization": self.headers.get("Authorization"),
                      "body": raw.decode(errors="replace") if raw else None, "status": None}
        with lock:
            state["log"].append(self.entry)
            hangup = state.get("hangups", 0) > 0
            if hangup: state["hangups"] -= 1
        if hangup:
            self.close_connection = True
            return
        refused = state.get("refused")
        if method == "GET" and refused and refused["path"] == url.path:
            reason = {403: "Forbidden", 429: "TooManyRequests", 503: "ServiceUnavailable"}.get(refused["status"], "InternalError")
            return self.status(refused["status"], reason, f"refused by the test: {url.path}")
        if method == "GET" and url.path in DISCOVERY: return self.reply(200, DISCOVERY[url.path])
        if method == "POST" and url.path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews":
            # Answered as the RBAC authorizer answers: allowed with the binding that allows it, or not
            # allowed with no reason (RBAC never denies outright, so "denied" stays unset).
            review = access_review(raw, self.headers.get("Content-Type"))
            asked = review.get("spec", {}).get("resourceAttributes", {})
            self.entry["review"] = asked
            with lock: denied = any(all(asked.get(k, "") == v for k, v in rule.items()) for rule in state.get("denied", []))
            review["status"] = {"allowed": False} if denied else {
                "allowed": True, "reason": 'RBAC: allowed by ClusterRoleBinding "fake" of ClusterRole "cluster-admin" to User "test"'}
            return self.reply(201, review)
        if method == "GET" and url.path in ("/api/v1/namespaces/shop/events", "/api/v1/events"):
            return self.collection("events", lambda: copy.deepcopy(state["events"]), dict(query))
        if method == "GET" and url.path == "/apis/events.k8s.io/v1/events":
            return self.collection("events", lambda: [new_style(e) for e in state["events"]], dict(query), new_style)
        cluster_wide = {"/api/v1/nodes": "nodes", "/apis/apps/v1/deployments": "deployments",
                        "/apis/apps/v1/replicasets": "replicasets", "/apis/apps/v1/statefulsets": "statefulsets",
                        "/apis/apps/v1/daemonsets": "daemonsets"}
        if method == "GET" and (url.path in cluster_wide or (url.path == "/api/v1/pods" and "fieldSelector" not in dict(query))):
            plural = cluster_wide.get(url.path, "pods")
            return self.collection(plural, lambda: [copy.deepcopy(o) for k, o in state["objects"].items()
                                                    if k[1] == plural and selected(o, dict(query))],
                                   dict(query), group="apps" if plural in APPS else "")
        if method == "GET" and url.path == "/api/v1/pods":
            node = (dict(query).get("fieldSelector") or "").removeprefix("spec.nodeName=")
            with lock:
                items = [o for k, o in state["objects"].items() if k[1] == "pods" and o["spec"].get("nodeName") == node]
                return self.reply(200, {"kind": "PodList", "apiVersion": "v1",
                                        "metadata": {"resourceVersion": str(state["rv"])}, "items": items})
        if method == "POST" and url.path.endswith("/eviction"):
            _, _, namespace, name, _ = parse_path(url.path)
            body = json.loads(raw) if raw else {}
            with lock:
                if ("", "pods", namespace, name) not in state["objects"]:
                    return self.status(404, "NotFound", f'pods "{name}" not found')
                if state.get("blocked", {}).get(name, 0) > 0:
                    state["blocked"][name] -= 1
                    return self.status(429, "TooManyRequests",
                                       "Cannot evict pod as it would violate the pod's disruption budget.")
                if "All" not in (body.get("deleteOptions", {}).get("dryRun") or []):
                    key = ("", "pods", namespace, name)
                    lingering = state.get("lingering") or {}
                    if lingering.get("pod") == name:
                        before = copy.deepcopy(state["objects"][key])
                        marked = copy.deepcopy(before)
                        marked["metadata"]["deletionTimestamp"] = lingering["deletionTimestamp"]
                        state["objects"][key] = stored(marked, before)
                    else:
                        gone = deleted(key)
                        if state.get("recreated") == name:
                            again = copy.deepcopy(gone)
                            again["metadata"]["uid"] = gone["metadata"]["uid"] + "-again"
                            state["objects"][key] = stored(again, change="ADDED")
            data = json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}).encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            return self.wfile.write(data)
        if method == "GET" and url.path == "/apis/apps/v1/namespaces/shop/replicasets":
            wanted = dict(p.split("=", 1) for p in (dict(query).get("labelSelector") or "").split(",") if "=" in p)
            with lock:
                items = [o for k, o in state["objects"].items() if k[1] == "replicasets"
                         and all(o["metadata"]["labels"].get(l) == v for l, v in wanted.items())]
                return self.reply(200, {"kind": "ReplicaSetList", "apiVersion": "apps/v1",
                                        "metadata": {"resourceVersion": str(state["rv"])}, "items": items})
        listing = parse_collection(url.path)
        if method == "GET" and listing:
            group, plural, namespace = listing
            wanted = dict(p.split("=", 1) for p in (dict(query).get("labelSelector") or "").split(",") if "=" in p)
            def matching():
                return [copy.deepcopy(o) for k, o in state["objects"].items()
                        if k[0] == group and k[1] == plural and (not namespace or k[2] == namespace)
                        and all((o["metadata"].get("labels") or {}).get(l) == v for l, v in wanted.items())]
            return self.collection(plural, matching, dict(query), group=group, namespace=namespace)
        if method == "POST" and listing and not url.path.endswith("/eviction"):
            # Create: the object named in the body, refused when it exists (client-go's Lease lock creates).
            group, plural, namespace = listing
            obj = json.loads(raw) if raw else {}
            name = (obj.get("metadata") or {}).get("name")
            if not name: return self.status(422, "Invalid", f"{plural} name: Required value: name is required")
            key = (group, plural, namespace, name)
            with lock:
                if key in state["objects"]:
                    return self.status(409, "AlreadyExists", f'{plural}{"." + group if group else ""} "{name}" already exists')
                obj["metadata"]["namespace"] = namespace
                if ("dryRun", "All") in query: return self.reply(201, obj)
                state["objects"][key] = stored(obj, change="ADDED")
                return self.reply(201, obj)
        target = parse_path(url.path)
        if target is None: return self.status(404, "NotFound", f"the server could not find the requested resource")
        group, plural, namespace, name, sub = target
        key = (group, plural, namespace, name)
        body = json.loads(raw) if raw else {}
        dry_run = ("dryRun", "All") in query or (isinstance(body, dict) and "All" in (body.get("dryRun") or []))
        with lock:
            current = state["objects"].get(key)
            if current is None:
                return self.status(404, "NotFound", f'{plural}{"." + group if group else ""} "{name}" not found')
            if method != "GET" and not dry_run and state.pop("race", False): stored(current)
            refused = stale(current, body, plural, group) if method != "GET" else None
            if refused: return self.status(*refused)
            if sub == "scale":
                scale = {"kind": "Scale", "apiVersion": "autoscaling/v1",
                         "metadata": {"name": name, "namespace": namespace,
                                      "resourceVersion": current["metadata"].get("resourceVersion", "1")},
                         "spec": {"replicas": current["spec"].get("replicas", 1)},
                         "status": {"replicas": current["status"].get("replicas", 0), "selector": f"app={name}"}}
                if method == "PATCH":
                    scale = merge(scale, body)
                    if not dry_run:
                        current["spec"]["replicas"] = scale["spec"]["replicas"]
                        stored(current)
                        scale["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
                return self.reply(200, scale)
            if method == "GET": return self.reply(200, current)
            if method == "PATCH" and self.headers.get("Content-Type") == "application/json-patch+json":
                updated = copy.deepcopy(current)
                for op in body:
                    keys = op["path"].strip("/").split("/")
                    parent = updated
                    for part in keys[:-1]: parent = parent[part]
                    if op["op"] == "test":
                        if parent.get(keys[-1]) != op["value"]:
                            return self.status(422, "Invalid", f'Testing value {op["path"]} failed')
                        continue
                    parent[keys[-1]] = op["value"]
                if not dry_run: state["objects"][key] = stored(updated, current)
                return self.reply(200, updated)
            if method == "PATCH":
                updated = merge(current, body, self.headers.get("Content-Type") == "application/strategic-merge-patch+json")
                # A dry run is validated and admitted like the real change.
                refused = refusal(plural, current, updated)
                if refused: return self.status(*refused)
                if not dry_run: state["objects"][key] = stored(updated, current)
                return self.reply(200, updated)
            if method == "DELETE":
                if not dry_run: deleted(key)
                elif state.get("replaced") == name:
                    # Its controller deletes and makes it again once the dry run has answered: the same
                    # name, another UID, as a StatefulSet makes `db-0` again.
                    state["replaced"] = None
                    again = copy.deepcopy(current)
                    again["metadata"]["uid"] = current["metadata"]["uid"] + "-again"
                    deleted(key)
                    state["objects"][key] = stored(again, change="ADDED")
                return self.reply(200, current)
            if method == "PUT":
                # An update: the whole object, refused (409) when its resourceVersion is not the stored one.
                updated = copy.deepcopy(body)
                if not dry_run: state["objects"][key] = stored(updated, current)
                return self.reply(200, updated)
        self.status(405, "MethodNotAllowed", f"{method} is not supported here")

    def collection(self, plural, items, query, convert=lambda o: o, group="", namespace=""):
        """A list, or a watch of it: events' frames, and every stored change to the collection's objects
        (those matching the labelSelector, in the namespace if one is given)."""
        if query.get("watch") != "true":
            # Pages of `limit` items, continued by an offset token, as a real server pages.
            with lock:
                everything = items()
                start = int(query.get("continue") or 0)
                limit = int(query.get("limit") or 0) or len(everything)
                # Objects count their own resourceVersions (see `stored`): a watch goes on from there.
                metadata = {"resourceVersion": str(state["rv"] if plural == "events" else state.get("object_rv", 1000))}
                if start + limit < len(everything): metadata["continue"] = str(start + limit)
                return self.reply(200, {"kind": "List", "apiVersion": "v1", "metadata": metadata,
                                        "items": everything[start:start + limit]})
        since = int(query.get("resourceVersion") or 0)
        bookmarks = query.get("allowWatchBookmarks") == "true"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        def send(frame):
            data = (json.dumps(frame) + "\n").encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        expired = {"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1", "metadata": {},
                   "status": "Failure", "message": "too old resource version", "reason": "Expired", "code": 410}}
        with lock:
            generation = state["generation"]
            if since < state["compacted"]:
                send(expired)
                self.wfile.write(b"0\r\n\r\n")
                return
            sent = since
            while True:
                for rv, frame in (state["frames"] if plural == "events" else []):
                    if rv > sent or (frame["type"] == "BOOKMARK" and rv >= sent and id(frame) not in getattr(self, "seen", set())):
                        if frame["type"] == "BOOKMARK":
                            self.seen = getattr(self, "seen", set()) | {id(frame)}
                            if not bookmarks: continue
                        else:
                            sent = rv
                        send({"type": frame["type"], "object": convert(frame["object"])} if frame["type"] != "BOOKMARK" else frame)
                if plural != "events":
                    for rv, frame_group, frame_plural, frame_namespace, frame, previous in state.get("object_frames", []):
                        if rv > sent and frame_group == group and frame_plural == plural \
                                and (not namespace or frame_namespace == namespace):
                            sent = rv
                            seen = as_selected(frame, previous, query)
                            if seen: send(seen)
                if state["generation"] != generation:
                    if state["compacted"] > since: send(expired)
                    self.wfile.write(b"0\r\n\r\n")
                    return
                if not changed.wait(timeout=float(query.get("timeoutSeconds") or 30)):
                    self.wfile.write(b"0\r\n\r\n")
                    return

    def do_GET(self): self.handle_any("GET")
    def do_PATCH(self): self.handle_any("PATCH")
    def do_DELETE(self): self.handle_any("DELETE")
    def do_POST(self): self.handle_any("POST")
    def do_PUT(self): self.handle_any("PUT")
    def log_message(self, *args): pass

class Server(ThreadingHTTPServer):
    request_queue_size = 64
    daemon_threads = True

server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
