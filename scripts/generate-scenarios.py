#!/usr/bin/env python3
"""Generate Vigil's recorded incident scenarios (sample-metrics/scenarios/<name>/).

Each scenario is a small simulated Kubernetes cluster observed for a window of
``--hours`` ending at a fixed "now" (2026-11-30T00:00:00Z), written as four files
that ``vigil diagnose --replay DIR`` reads:

  metrics.om     OpenMetrics 1.0 text with a timestamp on every sample (the input
                 of ``promtool tsdb create-blocks-from openmetrics``): cAdvisor,
                 kube-state-metrics, kubelet volume stats and application metrics.
  events.json    a core/v1 List of Events as ``kubectl get events -A -o json`` prints it.
  cluster.json   a v1 List of the objects at the end of the window, as
                 ``kubectl get storageclasses,nodes,persistentvolumeclaims,deployments,
                 replicasets,statefulsets,daemonsets,horizontalpodautoscalers,cronjobs,
                 jobs,pods -A -o json`` prints it.
  expected.json  the diagnosis a correct engine gives (or "incident": null).

The model
---------
* Nodes host pods; a node may fail (it stops posting status: after the 40 s grace
  period it becomes Ready=Unknown, gets the unreachable taints, and 300 s later its
  pods are marked for deletion and replaced elsewhere).
* Workloads (Deployments with ReplicaSet revisions, StatefulSets, DaemonSets, CronJob
  Jobs) own pods. Every pod has one container; the container runs as a list of
  *instances* (a restart ends one instance and starts the next, resetting its
  counters; CrashLoopBackOff is a list of short instances separated by the kubelet's
  doubling back-off; a pod that cannot pull its image or be scheduled has none).
* HTTP workloads receive a request rate that follows a 24 h sinusoid (peak 15:00 in
  the scenario's local time zone) times AR(1) noise, shared among their ready pods.
  CPU is idle + per-request cost, capped at the CPU limit (the excess becomes CFS
  throttling, 10 periods/s); latency is log-normal per pod (p99 = median*e^(2.326
  sigma)) and slows down when a pod is throttled; errors are a ratio per status code.
* Memory working set is a per-workload base with a warm-up after each start and a
  small daily swing; scenario hooks add climbs to the limit (OOMKilled, exit 137), a
  linear leak, etc.
* Scenario builders (``sc_*`` below) assemble a cluster, add the incident and the
  distractors, and write the expected diagnosis.

Every random draw comes from ``random.Random(<scenario name>)`` in a fixed order and
every name, uid and hash is derived from the scenario name, so the same arguments give
byte-identical files. ``--check`` proves the committed bundle matches this generator.

Examples
--------
  # the bundled 3 h recordings (what is committed):
  python3 scripts/generate-scenarios.py --hours 3 --step 30 --out sample-metrics/scenarios
  # CI: regenerate into a temp dir and compare with the committed folders
  python3 scripts/generate-scenarios.py --check
  # a full-size day of one scenario, or a 50-pod day for a speed benchmark
  python3 scripts/generate-scenarios.py --only memory-leak-1 --out /tmp/scen
  python3 scripts/generate-scenarios.py --only healthy-1 --pods 50 --hours 24 --out /tmp/bench
"""

import argparse
import calendar
import filecmp
import hashlib
import json
import math
import os
import random
import shutil
import sys
import tempfile
import time
import uuid

END_DEFAULT = calendar.timegm((2026, 11, 30, 0, 0, 0))
BUNDLE_HOURS = 3
DEFAULT_HOURS = 24
DEFAULT_STEP = 30
MI = 1024 * 1024
GI = 1024 * MI
SAFE = "bcdfghjklmnpqrstvwxz2456789"  # k8s.io/apimachinery rand.SafeEncodeString alphabet
UUID_NS = uuid.UUID("6f1c9a52-3f0e-4c1b-9d0a-7a1e5c3b2d10")
LE = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]
LE_TXT = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "+Inf"]
NODE_GRACE = 40          # node-monitor-grace-period
EVICT_AFTER = 300        # default tolerationSeconds for not-ready/unreachable
READY_DELAY = 12         # readiness probe passes this long after the container starts
K8S_VERSION = "v1.31.4"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUNDLE_DIR = os.path.join(REPO_ROOT, "sample-metrics", "scenarios")


# --------------------------------------------------------------------------- helpers

def ts(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(t)))


def ts_micro(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(t))) + ".%06dZ" % int(round((t - int(t)) * 1e6))


def make_uid(*parts):
    return str(uuid.uuid5(UUID_NS, "/".join(str(p) for p in parts)))


def hdigest(*parts):
    return hashlib.sha256("/".join(str(p) for p in parts).encode()).digest()


def safe_str(n, *parts):
    d = hdigest(*parts)
    return "".join(SAFE[b % len(SAFE)] for b in d[:n])


def num(x, nd=3):
    """Shortest text of a sample value: ints without '.0', floats rounded to nd decimals."""
    if isinstance(x, int):
        return str(x)
    r = round(x, nd)
    if r == int(r):
        return str(int(r))
    return repr(r)


def esc(v):
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def labels(pairs):
    return ",".join('%s="%s"' % (k, esc(str(v))) for k, v in pairs)


def qty_mem(b):
    if b % GI == 0:
        return "%dGi" % (b // GI)
    if b % MI == 0:
        return "%dMi" % (b // MI)
    return "%dKi" % (b // 1024)


def qty_cpu(c):
    m = int(round(c * 1000))
    return str(m // 1000) if m % 1000 == 0 else "%dm" % m


def norm_cdf(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def backoff_seq():
    d = 10
    while True:
        yield d
        d = min(d * 2, 300)


# --------------------------------------------------------------------------- model

class Node:
    def __init__(self, S, name, idx, cpu, mem_gi, zone):
        self.name, self.idx, self.cpu, self.mem, self.zone = name, idx, cpu, mem_gi * GI, zone
        self.uid = make_uid(S.name, "node", name)
        self.created = S.start - 86400 * (20 + idx * 3)
        self.fail_at = None
        self.cordoned_at = None
        self.images = set()

    def reporting(self, t):
        return self.fail_at is None or t < self.fail_at

    def ready(self, t):
        return self.fail_at is None or t < self.fail_at + NODE_GRACE


class Inst:
    __slots__ = ("start", "end", "reason", "code")

    def __init__(self, start, end=None, reason=None, code=None):
        self.start, self.end, self.reason, self.code = start, end, reason, code


class Revision:
    def __init__(self, wl, number, created, image, env, hash_=None):
        self.wl, self.number, self.created, self.image, self.env = wl, number, created, image, env
        self.hash = hash_ or safe_str(9 if number % 2 else 10, wl.S.name, wl.ns, wl.name, "rs", number, image)
        self.name = "%s-%s" % (wl.name, self.hash)
        self.uid = make_uid(wl.S.name, "rs", wl.ns, self.name)
        self.replicas_end = 0        # spec.replicas at the end
        self.mem_lim = wl.mem_lim
        self.cpu_lim = wl.cpu_lim


class Workload:
    """A Deployment, StatefulSet, DaemonSet or CronJob and the shape of its load."""

    def __init__(self, S, kind, ns, name, **kw):
        self.S, self.kind, self.ns, self.name = S, kind, ns, name
        self.uid = make_uid(S.name, kind, ns, name)
        self.created = S.start - 86400 * kw.pop("age_days", 40 + int(S.rng.random() * 200))
        self.replicas = kw.pop("replicas", 1)
        self.container = kw.pop("container", "app")
        self.image = kw.pop("image", "registry.example.com/%s/%s:1.%d.%d" % (ns, name, 2 + int(S.rng.random() * 8), int(S.rng.random() * 6)))
        self.env = kw.pop("env", [])
        self.http = kw.pop("http", False)
        self.hist = kw.pop("hist", False)
        self.tier = kw.pop("tier", "min")        # which series its pods expose: min | app | full (see infra())
        self.rps = kw.pop("rps", 0.0)            # total requests/s of the workload at load 1
        self.cpu_idle = kw.pop("cpu", 0.05)      # cores per pod without traffic
        self.cpu_per_req = kw.pop("cpu_per_req", 0.004)
        self.cpu_req = kw.pop("cpu_req", 0.1)
        self.cpu_lim = kw.pop("cpu_lim", None)
        self.mem_base = kw.pop("mem", 128 * MI)
        self.mem_req = kw.pop("mem_req", None) or int(self.mem_base * 1.1 / MI) * MI
        self.mem_lim = kw.pop("mem_lim", None) or 2 * self.mem_req
        self.lat = kw.pop("lat", (0.012, 0.55))  # log-normal median (s), sigma
        self.err = kw.pop("err", {})            # baseline error ratio per status code
        self.amp = kw.pop("amp", 0.35)           # daily swing of the load
        self.comm = kw.pop("comm", "app")        # process name in OOM messages
        self.port = kw.pop("port", 8080)
        self.pvc = kw.pop("pvc", None)           # StatefulSet: (template name, size Gi, storage class)
        self.labels_extra = kw.pop("labels", {})
        self.tz = S.tz + S.rng.random() * 0.5
        if kw:
            raise TypeError("unknown workload options %r" % sorted(kw))
        self.revisions = []
        self.pods = []
        self.hpa = None
        self.load_fn = None                      # extra multiplier of the request rate
        self.progress = None                     # (status, reason, message, t) for Progressing
        self.scale_history = []                  # (t, replicas) for HPA metrics
        self.noise = []
        self.rps_total = []
        self.n_ready = []
        self.generation = 1 + int(S.rng.random() * 6)
        self.pvc_objs = []
        self.jobs = []

    @property
    def rev(self):
        return self.revisions[-1]

    def cycle(self, t):
        h = ((t % 86400) / 3600.0 + self.tz) % 24
        return math.sin(2 * math.pi * (h - 9) / 24.0)

    def load(self, t):
        v = 1.0 + self.amp * self.cycle(t)
        if self.load_fn:
            v *= self.load_fn(t)
        return v

    @property
    def ref(self):
        return "%s/%s" % (self.kind.lower(), self.name)


class Pod:
    def __init__(self, S, wl, rev, name, node, created):
        self.S, self.wl, self.rev, self.name, self.node, self.created = S, wl, rev, name, node, created
        self.uid = make_uid(S.name, "pod", wl.ns, name)
        self.deleted = None            # removed from the API (and from metrics)
        self.deletion_ts = None        # Terminating at the end
        self.insts = []
        self.prior_restarts = 0
        self.prior_last = None         # Inst that terminated before the window
        self.waiting = None            # (reason, message) when no instance runs at the end
        self.never_ready = False
        self.blips = []
        self.mem_fn = None             # (pod, t, inst, base) -> bytes
        self.lat_fn = None             # (pod, t) -> (median, sigma)
        self.err_fn = None             # (pod, t) -> {code: ratio}
        self.factor = 1.0 + 0.06 * S.gauss()
        self.ip = None
        self.last_cpu = 0.0
        self.pending_msg = None
        self.completed = False         # Job pod that succeeded
        self.image = rev.image if rev else wl.image

    def alive(self, t):
        return self.created <= t and (self.deleted is None or t < self.deleted)

    def inst_at(self, t):
        for inst in self.insts:
            if inst.start <= t and (inst.end is None or t < inst.end):
                return inst
        return None

    def ready(self, t):
        if self.never_ready or self.node is None or not self.alive(t):
            return False
        inst = self.inst_at(t)
        if inst is None or t < inst.start + READY_DELAY or not self.node.ready(t):
            return False
        if self.deletion_ts is not None and t >= self.deletion_ts:
            return False
        for a, b in self.blips:
            if a <= t < b:
                return False
        return True

    def restarts_at(self, t):
        n = self.prior_restarts
        started = [i for i in self.insts if i.start <= t]
        return n + max(0, len(started) - 1)

    def mem_lim(self):
        return self.rev.mem_lim if self.rev else self.wl.mem_lim

    def cpu_lim(self):
        return self.rev.cpu_lim if self.rev else self.wl.cpu_lim


# --------------------------------------------------------------------------- simulation

class Sim:
    def __init__(self, name, hours, step, end, pods_target=None, replica_plan=None):
        self.name = name
        self.rng = random.Random(name)
        self._g = None
        self.end = end
        self.hours = hours
        self.step = step
        self.start = end - int(hours * 3600)
        self.window = self.end - self.start
        self.times = list(range(self.start, self.end + 1, step))
        self.tz = self.rng.random() * 24
        self.nodes = []
        self.workloads = []
        self.pods = []
        self.events = []
        self.hpas = []
        self.storageclasses = []
        self.pvcs = []
        self.expected = None
        self.main_ns = None
        self.replica_plan = replica_plan or {}
        self.pods_target = pods_target
        self.rv = 40000 + int(self.rng.random() * 900000)
        self.cp = "control-plane-%s" % safe_str(5, name, "cp")

    # -- randomness
    def gauss(self):
        if self._g is not None:
            g, self._g = self._g, None
            return g
        u1 = max(self.rng.random(), 1e-12)
        u2 = self.rng.random()
        r = math.sqrt(-2.0 * math.log(u1))
        self._g = r * math.sin(2 * math.pi * u2)
        return r * math.cos(2 * math.pi * u2)

    def uni(self, a, b):
        return a + (b - a) * self.rng.random()

    def ago(self, minutes):
        return self.end - int(minutes * 60)

    def next_rv(self):
        self.rv += 1 + int(self.rng.random() * 40)
        return str(self.rv)

    # -- cluster construction
    def add_nodes(self, n, cpu=4, mem_gi=16, prefix="node"):
        zones = ["europe-west1-b", "europe-west1-c", "europe-west1-d"]
        for i in range(n):
            self.nodes.append(Node(self, "%s-%d" % (prefix, i + 1), i, cpu, mem_gi, zones[i % 3]))

    def pick_node(self, wl, t, exclude=()):
        best = None
        for n in self.nodes:
            if n in exclude or not n.ready(t) or (n.cordoned_at is not None and t >= n.cordoned_at):
                continue
            same = sum(1 for p in wl.pods if p.node is n and p.alive(t))
            tot = sum(1 for p in self.pods if p.node is n and p.alive(t))
            key = (same, tot, n.idx)
            if best is None or key < best[0]:
                best = (key, n)
        return best[1] if best else None

    def _replicas(self, ns, name, replicas):
        if ns == self.main_ns and name in self.replica_plan:
            return self.replica_plan[name]
        return replicas

    def new_pod(self, wl, rev, t, node=None, name=None, events=True, pull=True):
        if name is None:
            if wl.kind == "DaemonSet":
                name = "%s-%s" % (wl.name, safe_str(5, self.name, wl.ns, wl.name, "ds", node.name, t))
            else:
                name = "%s-%s" % (rev.name, safe_str(5, self.name, rev.name, len(wl.pods), t))
        if node is None and wl.kind != "DaemonSet":
            node = self.pick_node(wl, t)
        p = Pod(self, wl, rev, name, node, t)
        wl.pods.append(p)
        self.pods.append(p)
        if node is not None:
            p.ip = "10.244.%d.%d" % (node.idx, 2 + sum(1 for q in self.pods if q.node is node))
        if t < self.start:
            p.insts.append(Inst(t + 6))
            if node is not None:
                node.images.add(p.image)
        elif node is not None and pull:
            self.start_events(p, t)
            p.insts.append(Inst(t + 5))
        return p

    def start_events(self, p, t):
        """Scheduled, Pulling/Pulled, Created, Started for a pod created at t."""
        self.ev_scheduled(p, t)
        if p.image in p.node.images:
            self.ev(p, "Pulled", 'Container image "%s" already present on machine' % p.image, t + 1, field=True)
        else:
            secs = round(self.uni(0.8, 4.5), 3)
            self.ev(p, "Pulling", 'Pulling image "%s"' % p.image, t + 1, field=True)
            self.ev(p, "Pulled", 'Successfully pulled image "%s" in %ss (%ss including waiting). Image size: %d bytes.'
                    % (p.image, secs, secs, int(self.uni(30e6, 220e6))), t + 3, field=True)
            p.node.images.add(p.image)
        self.ev(p, "Created", "Created container %s" % p.wl.container, t + 4, field=True)
        self.ev(p, "Started", "Started container %s" % p.wl.container, t + 5, field=True)

    def deployment(self, ns, name, replicas, **kw):
        planned = self._replicas(ns, name, replicas)
        wl = Workload(self, "Deployment", ns, name, replicas=planned, **kw)
        wl.rfactor = planned / float(replicas)
        replicas = planned
        self.workloads.append(wl)
        # an older revision kept by revisionHistoryLimit, and the current one
        old_img = wl.image.rsplit(":", 1)[0] + ":%s" % ("0.9.%d" % int(self.rng.random() * 9))
        prev = Revision(wl, wl.generation, self.start - 86400 * self.uni(4, 30), old_img, wl.env)
        cur = Revision(wl, wl.generation + 1, self.start - 86400 * self.uni(0.3, 3.5), wl.image, wl.env)
        wl.revisions = [prev, cur]
        cur.replicas_end = replicas
        for i in range(replicas):
            self.new_pod(wl, cur, cur.created + 20 + i * 25)
        wl.scale_history.append((self.start, replicas))
        return wl

    def statefulset(self, ns, name, replicas, **kw):
        wl = Workload(self, "StatefulSet", ns, name, replicas=replicas, **kw)
        self.workloads.append(wl)
        rev = Revision(wl, 1, self.start - 86400 * self.uni(1, 20), wl.image, wl.env,
                       hash_=safe_str(10, self.name, ns, name, "crh"))
        rev.name = "%s-%s" % (name, rev.hash)
        wl.revisions = [rev]
        rev.replicas_end = replicas
        for i in range(replicas):
            p = self.new_pod(wl, rev, rev.created + 30 * i, name="%s-%d" % (name, i))
            if wl.pvc:
                tmpl, size_gi, sc = wl.pvc
                pvc = {"name": "%s-%s-%d" % (tmpl, name, i), "ns": ns, "size": size_gi * GI, "cap": size_gi * GI,
                       "sc": sc, "wl": wl, "pod": p, "used": None, "created": wl.created + 60 * i,
                       "uid": make_uid(self.name, "pvc", ns, tmpl, name, i)}
                pvc["used"] = self._flat_used(pvc, self.uni(0.2, 0.55))
                self.pvcs.append(pvc)
                wl.pvc_objs.append(pvc)
        return wl

    def _flat_used(self, pvc, frac):
        cap = pvc["cap"]
        wobble = self.uni(0.002, 0.01)
        ph = self.rng.random() * 6.28

        def used(t):
            return cap * (frac + wobble * math.sin(ph + 2 * math.pi * (t % 86400) / 86400.0))
        return used

    def daemonset(self, ns, name, **kw):
        wl = Workload(self, "DaemonSet", ns, name, replicas=len(self.nodes), **kw)
        self.workloads.append(wl)
        rev = Revision(wl, 1, self.start - 86400 * self.uni(1, 20), wl.image, wl.env,
                       hash_=safe_str(10, self.name, ns, name, "crh"))
        rev.name = "%s-%s" % (name, rev.hash)
        wl.revisions = [rev]
        for n in self.nodes:
            self.new_pod(wl, rev, max(rev.created, n.created) + 40, node=n)
        return wl

    def cronjob(self, ns, name, every_min, run_s, **kw):
        wl = Workload(self, "CronJob", ns, name, replicas=0, **kw)
        self.workloads.append(wl)
        wl.every = every_min * 60
        t = (self.start // wl.every) * wl.every
        runs = []
        while t <= self.end - run_s - 60:
            if t >= self.start - wl.every * 3:
                runs.append(t)
            t += wl.every
        wl.revisions = []
        for t0 in runs:
            jname = "%s-%d" % (name, t0 // 60)
            rev = Revision(wl, 1, t0, wl.image, wl.env, hash_="x")
            rev.name = jname
            rev.uid = make_uid(self.name, "job", ns, jname)
            wl.jobs.append(rev)
            pname = "%s-%s" % (jname, safe_str(5, self.name, jname))
            node = self.pick_node(wl, t0 + 1)
            p = Pod(self, wl, rev, pname, node, t0 + 1)
            wl.pods.append(p)
            self.pods.append(p)
            p.ip = "10.244.%d.%d" % (node.idx, 100 + len(wl.pods))
            dur = run_s * self.uni(0.8, 1.2)
            p.insts.append(Inst(t0 + 4, t0 + 4 + dur, "Completed", 0))
            p.completed = True
            p.never_ready = True
            rev.done = t0 + 4 + dur
            if t0 >= self.start:
                self.ev(wl, "SuccessfulCreate", "Created job %s" % jname, t0, comp="cronjob-controller")
                self.ev(rev, "SuccessfulCreate", "Created pod: %s" % pname, t0 + 1, comp="job-controller")
                self.start_events(p, t0 + 1)
            if t0 + 4 + dur <= self.end:
                self.ev(wl, "SawCompletedJob", "Saw completed job: %s, status: Complete" % jname, t0 + 6 + dur, comp="cronjob-controller")
                self.ev(rev, "Completed", "Job completed", t0 + 6 + dur, comp="job-controller")
        # successfulJobsHistoryLimit 3: older Jobs (and their pods) were deleted
        keep = wl.jobs[-3:]
        for rev in wl.jobs[:-3]:
            for p in wl.pods:
                if p.rev is rev:
                    p.deleted = max(rev.done + 60, (rev.created + wl.every * 3))
        wl.jobs_kept = keep
        return wl

    def hpa(self, wl, min_r, max_r, target=70):
        min_r = self._scaled(wl, min_r)
        max_r = self._scaled(wl, max_r)
        h = {"wl": wl, "min": min_r, "max": max_r, "target": target, "name": wl.name,
             "uid": make_uid(self.name, "hpa", wl.ns, wl.name), "created": wl.created + 3600,
             "last_scale": self.start - 3600 * self.uni(3, 20), "limited": False}
        wl.hpa = h
        self.hpas.append(h)
        return h

    def _scaled(self, wl, n):
        f = getattr(wl, "rfactor", 1.0)
        return n if f == 1.0 else max(1, int(round(n * f)))

    def set_ns(self, ns):
        self.main_ns = ns
        return ns

    def storageclass(self, name, provisioner, expand=True, default=False):
        self.storageclasses.append({"name": name, "prov": provisioner, "expand": expand, "default": default,
                                    "uid": make_uid(self.name, "sc", name)})

    # -- dynamic behaviour
    def scale(self, wl, t, n, by="hpa", reason=None):
        """Scale a Deployment's current ReplicaSet to n pods at t."""
        n = self._scaled(wl, n) if by != "raw" else n
        rev = wl.rev
        alive = [p for p in wl.pods if p.rev is rev and p.alive(t) and p.deletion_ts is None]
        cur = len(alive)
        if n == cur:
            return []
        if by == "hpa" and wl.hpa:
            h = wl.hpa
            self.ev_obj("HorizontalPodAutoscaler", "autoscaling/v2", wl.ns, h["name"], h["uid"], "SuccessfulRescale",
                        "New size: %d; reason: %s" % (n, reason or ("cpu resource utilization (percentage of request) above target" if n > cur else "All metrics below target")),
                        t, comp="horizontal-pod-autoscaler")
            h["last_scale"] = t
        self.ev(wl, "ScalingReplicaSet", "Scaled %s replica set %s to %d from %d" % ("up" if n > cur else "down", rev.name, n, cur),
                t + 1, comp="deployment-controller")
        made = []
        if n > cur:
            for k in range(n - cur):
                p = self.new_pod(wl, rev, t + 2 + k, events=False, pull=False)
                self.ev(rev, "SuccessfulCreate", "Created pod: %s" % p.name, t + 2 + k, comp="replicaset-controller")
                if p.node is not None:
                    self.start_events(p, t + 2 + k)
                    p.insts.append(Inst(t + 7 + k))
                made.append(p)
        else:
            for p in sorted(alive, key=lambda q: -q.created)[:cur - n]:
                self.kill(p, t + 2)
                self.ev(rev, "SuccessfulDelete", "Deleted pod: %s" % p.name, t + 2, comp="replicaset-controller")
        rev.replicas_end = n
        wl.replicas = n
        wl.scale_history.append((t, n))
        return made

    def kill(self, p, t, grace=None):
        inst = p.inst_at(t)
        self.ev(p, "Killing", "Stopping container %s" % p.wl.container, t, field=True)
        if inst is not None:
            inst.end = t + 1
            inst.reason, inst.code = "Completed", 0
        p.deleted = t + (grace if grace is not None else int(self.uni(2, 12)))

    def rollout(self, wl, t, image=None, env=None, mode="ok", wave_s=45, mem_lim=None, cpu_lim=None, pull_err=None):
        """Start a new revision at t. mode: ok | crash | pull. Returns the new Revision."""
        old = wl.rev
        rev = Revision(wl, old.number + 1, t, image or old.image, env if env is not None else old.env)
        if mem_lim:
            rev.mem_lim = mem_lim
        if cpu_lim:
            rev.cpu_lim = cpu_lim
        wl.revisions.append(rev)
        wl.image = rev.image
        wl.env = rev.env
        n = wl.replicas
        surge = max(1, int(math.ceil(n * 0.25)))
        unavail = int(math.floor(n * 0.25))
        olds = [p for p in wl.pods if p.rev is old and p.alive(t)]
        if mode == "ok":
            made, tw, old_left, new_n = [], t, len(olds), 0
            while new_n < n:
                k = min(surge + (unavail if new_n == 0 else 0), n - new_n)
                self.ev(wl, "ScalingReplicaSet", "Scaled up replica set %s to %d from %d" % (rev.name, new_n + k, new_n), tw, comp="deployment-controller")
                for j in range(k):
                    p = self.new_pod(wl, rev, tw + 1 + j, events=False, pull=False)
                    self.ev(rev, "SuccessfulCreate", "Created pod: %s" % p.name, tw + 1 + j, comp="replicaset-controller")
                    self.start_events(p, tw + 1 + j)
                    p.insts.append(Inst(tw + 6 + j))
                    made.append(p)
                new_n += k
                tw += int(wave_s * self.uni(0.8, 1.25))
                drop = min(old_left, k)
                if drop:
                    self.ev(wl, "ScalingReplicaSet", "Scaled down replica set %s to %d from %d" % (old.name, old_left - drop, old_left), tw, comp="deployment-controller")
                    for p in sorted(olds, key=lambda q: q.created)[len(olds) - old_left:len(olds) - old_left + drop]:
                        self.kill(p, tw + 1)
                        self.ev(old, "SuccessfulDelete", "Deleted pod: %s" % p.name, tw + 1, comp="replicaset-controller")
                    old_left -= drop
            rev.replicas_end, old.replicas_end = n, 0
            wl.progress = ("True", "NewReplicaSetAvailable", 'ReplicaSet "%s" has successfully progressed.' % rev.name, tw)
            return rev
        # a rollout that never becomes available: new = surge + unavailable, old = n - unavailable
        new_n = min(n, surge + unavail)
        old_n = n - unavail
        self.ev(wl, "ScalingReplicaSet", "Scaled up replica set %s to %d from 0" % (rev.name, surge), t, comp="deployment-controller")
        if unavail:
            self.ev(wl, "ScalingReplicaSet", "Scaled down replica set %s to %d from %d" % (old.name, old_n, n), t + 2, comp="deployment-controller")
            self.ev(wl, "ScalingReplicaSet", "Scaled up replica set %s to %d from %d" % (rev.name, new_n, surge), t + 3, comp="deployment-controller")
            for p in sorted(olds, key=lambda q: q.created)[:unavail]:
                self.kill(p, t + 3)
                self.ev(old, "SuccessfulDelete", "Deleted pod: %s" % p.name, t + 3, comp="replicaset-controller")
        made = []
        for j in range(new_n):
            tc = t + 1 + (3 if j >= surge else 0) + j
            p = self.new_pod(wl, rev, tc, events=False, pull=False)
            self.ev(rev, "SuccessfulCreate", "Created pod: %s" % p.name, tc, comp="replicaset-controller")
            made.append(p)
            if mode == "crash":
                self.crashloop(p, tc)
            elif mode == "pull":
                self.image_pull_fail(p, tc, err=pull_err)
        rev.replicas_end, old.replicas_end = new_n, old_n
        if self.end - t > 600:
            wl.progress = ("False", "ProgressDeadlineExceeded", 'ReplicaSet "%s" has timed out progressing.' % rev.name, t + 601)
        else:
            wl.progress = ("True", "ReplicaSetUpdated", 'ReplicaSet "%s" is progressing.' % rev.name, t + 3)
        return rev

    def crashloop(self, p, tc, run=(1.5, 6.0), code=1, reason="Error"):
        self.ev_scheduled(p, tc)
        self.ev(p, "Pulling", 'Pulling image "%s"' % p.image, tc + 1, field=True)
        secs = round(self.uni(1.0, 3.5), 3)
        self.ev(p, "Pulled", 'Successfully pulled image "%s" in %ss (%ss including waiting). Image size: %d bytes.'
                % (p.image, secs, secs, int(self.uni(40e6, 200e6))), tc + 3, field=True)
        p.never_ready = True
        s = tc + 4
        bo = backoff_seq()
        n = 0
        backoff_total = 0
        last_bo = 10
        while s < self.end:
            e = s + self.uni(*run)
            p.insts.append(Inst(s, e, reason, code))
            n += 1
            if e >= self.end:
                p.insts[-1].end = None
                break
            last_bo = next(bo)
            backoff_total += min(last_bo, self.end - e)
            s = e + last_bo + self.uni(0.5, 2)
        p.never_ready = True
        first_crash = p.insts[0].end or self.end
        if p.insts[-1].end is not None:
            p.waiting = ("CrashLoopBackOff", "back-off %s restarting failed container=%s pod=%s_%s(%s)"
                         % (fmt_dur(last_bo), p.wl.container, p.name, p.wl.ns, p.uid))
        self.ev(p, "Created", "Created container %s" % p.wl.container, tc + 3, last=p.insts[-1].start, count=n, field=True)
        self.ev(p, "Started", "Started container %s" % p.wl.container, tc + 4, last=p.insts[-1].start + 0.5, count=n, field=True)
        if n > 1:
            self.ev(p, "Pulled", 'Container image "%s" already present on machine' % p.image, p.insts[1].start - 1,
                    last=p.insts[-1].start - 1, count=n - 1, field=True)
        self.ev(p, "BackOff", "Back-off restarting failed container %s in pod %s_%s(%s)" % (p.wl.container, p.name, p.wl.ns, p.uid),
                first_crash + 1, last=self.end - int(self.uni(2, 25)), count=max(1, int(backoff_total / 14)), field=True, typ="Warning")

    def image_pull_fail(self, p, tc, err=None):
        self.ev_scheduled(p, tc)
        p.never_ready = True
        img = p.image
        repo = img.rsplit(":", 1)[0]
        err = err or ('rpc error: code = NotFound desc = failed to pull and unpack image "{0}": failed to resolve reference '
                      '"{0}": {0}: not found').format(img)
        # kubelet retries the pull with its image back-off: 10 s doubling to 300 s
        pulls, t, bo = [], tc + 1, backoff_seq()
        while t < self.end:
            pulls.append(t)
            t += next(bo) + 1
        npull = len(pulls)
        self.ev(p, "Pulling", 'Pulling image "%s"' % img, pulls[0], last=pulls[-1], count=npull, field=True)
        self.ev(p, "Failed", 'Failed to pull image "%s": %s' % (img, err), pulls[0] + 1, last=pulls[-1] + 1, count=npull, field=True, typ="Warning")
        self.ev(p, "Failed", "Error: ErrImagePull", pulls[0] + 1, last=pulls[-1] + 1, count=npull, field=True, typ="Warning")
        nb = max(1, int((self.end - tc) / 12))
        self.ev(p, "BackOff", 'Back-off pulling image "%s"' % img, pulls[0] + 2, last=self.end - int(self.uni(1, 20)), count=nb, field=True)
        self.ev(p, "Failed", "Error: ImagePullBackOff", pulls[0] + 2, last=self.end - int(self.uni(1, 20)), count=nb, field=True, typ="Warning")
        if self.end - pulls[-1] < 8:
            p.waiting = ("ErrImagePull", 'failed to pull and unpack image "%s": %s' % (img, err.split("desc = ", 1)[-1]))
        else:
            p.waiting = ("ImagePullBackOff", 'Back-off pulling image "%s"' % img)
        del repo

    def oom_climb(self, p, onset, rate, jitter=0.0):
        """From onset the working set climbs `rate` bytes/s above its base until the limit: OOMKilled."""
        lim = p.mem_lim()
        base = p.wl.mem_base * p.factor
        cur = p.insts[-1]
        s = cur.start
        bo = 10
        restarts = []
        while True:
            begin = max(onset, s)
            r = rate * (1 + jitter * self.gauss())
            t_oom = begin + (lim - base * 1.02) / max(r, 1.0)
            if s > begin - 1 and s > onset:
                t_oom += 60  # warm-up after a restart
            if t_oom >= self.end:
                break
            cur.end, cur.reason, cur.code = t_oom, "OOMKilled", 137
            restarts.append((t_oom, r))
            ran = t_oom - s
            bo = 10 if ran > 600 else min(bo * 2, 300)
            s = t_oom + bo + self.uni(0.5, 3)
            if s >= self.end:
                p.waiting = ("CrashLoopBackOff", "back-off %s restarting failed container=%s pod=%s_%s(%s)"
                             % (fmt_dur(bo), p.wl.container, p.name, p.wl.ns, p.uid))
                break
            cur = Inst(s)
            p.insts.append(cur)
        if restarts and p.insts[-1].end is not None and p.waiting is None:
            p.waiting = ("CrashLoopBackOff", "back-off %s restarting failed container=%s pod=%s_%s(%s)"
                         % (fmt_dur(bo), p.wl.container, p.name, p.wl.ns, p.uid))

        def mem(pod, t, inst, b, onset=onset, rate=rate, lim=lim, base=base):
            begin = max(onset, inst.start + 45)
            if t <= begin:
                return b
            v = max(b, base + rate * (t - begin)) * (1 + 0.006 * pod.S.gauss())
            return min(v, lim * (0.985 + 0.012 * pod.S.rng.random()))
        p.mem_fn = mem
        for t_oom, r in restarts:
            self.ev_oom(p, t_oom)
        if restarts:
            self.restart_events(p, [i for i in p.insts[1:] if i.start >= onset])
        return len(restarts)

    def restart_events(self, p, insts):
        if not insts:
            if p.waiting:
                ends = [i.end for i in p.insts if i.end]
                self.ev(p, "BackOff", "Back-off restarting failed container %s in pod %s_%s(%s)" % (p.wl.container, p.name, p.wl.ns, p.uid),
                        ends[-1] + 1, last=self.end - 3, count=max(1, int((self.end - ends[-1]) / 15)), field=True, typ="Warning")
            return
        n = len(insts)
        f, l = insts[0].start, insts[-1].start
        self.ev(p, "Pulled", 'Container image "%s" already present on machine' % p.image, f - 1, last=l - 1, count=n, field=True)
        self.ev(p, "Created", "Created container %s" % p.wl.container, f - 0.5, last=l - 0.5, count=n, field=True)
        self.ev(p, "Started", "Started container %s" % p.wl.container, f, last=l, count=n, field=True)
        ends = [i.end for i in p.insts if i.end and i.end >= f - 400]
        last_bo = (self.end - 3) if p.waiting else l - 2
        self.ev(p, "BackOff", "Back-off restarting failed container %s in pod %s_%s(%s)" % (p.wl.container, p.name, p.wl.ns, p.uid),
                ends[0] + 1, last=last_bo, count=n + (3 if p.waiting else 0), field=True, typ="Warning")

    def ev_oom(self, p, t):
        lim_kb = p.mem_lim() // 1024
        anon = int(lim_kb * self.uni(0.9, 0.98))
        pid = 1000 + int(self.rng.random() * 60000)
        msg = ("Memory cgroup out of memory: Killed process %d (%s) total-vm:%dkB, anon-rss:%dkB, file-rss:%dkB, shmem-rss:0kB, "
               "UID:%d pgtables:%dkB oom_score_adj:%d" % (pid, p.wl.comm, int(anon * self.uni(2.2, 4.0)), anon,
                                                           int(self.uni(8000, 40000)), 1000 + int(self.rng.random() * 2) * 64535,
                                                           int(anon / 420), int(self.uni(930, 999))))
        self.ev_node(p.node, "OOMKilling", msg, t + 0.2, comp="kernel-monitor", typ="Warning", with_uid=False)

    def old_oom(self, p, t, climb_s=420):
        """A past OOM kill at t: the container restarted once and is fine now."""
        first = p.insts[0]
        first.end, first.reason, first.code = t, "OOMKilled", 137
        p.insts.append(Inst(t + 10 + self.uni(0.5, 2)))
        lim = p.mem_lim()

        def mem(pod, tt, inst, b, t=t, lim=lim, climb_s=climb_s):
            if inst is pod.insts[0] and tt > t - climb_s:
                f = (tt - (t - climb_s)) / climb_s
                return min(b + (lim - b) * f ** 1.5, lim * 0.99)
            return b
        p.mem_fn = mem
        if t >= self.start:
            self.ev_oom(p, t)
            i = p.insts[1]
            self.ev(p, "Pulled", 'Container image "%s" already present on machine' % p.image, i.start - 1, field=True)
            self.ev(p, "Created", "Created container %s" % p.wl.container, i.start - 0.5, field=True)
            self.ev(p, "Started", "Started container %s" % p.wl.container, i.start, field=True)
            self.ev(p, "BackOff", "Back-off restarting failed container %s in pod %s_%s(%s)" % (p.wl.container, p.name, p.wl.ns, p.uid),
                    t + 1, field=True, typ="Warning")

    def blip(self, p, t, dur=25, probe="Readiness", msg="HTTP probe failed with statuscode: 503"):
        p.blips.append((t, t + dur))
        n = max(1, int(dur / 10))
        self.ev(p, "Unhealthy", "%s probe failed: %s" % (probe, msg), t, last=t + 10 * (n - 1), count=n, field=True, typ="Warning")

    def fail_node(self, node, t):
        node.fail_at = t
        nr = t + NODE_GRACE
        self.ev_node(node, "NodeNotReady", "Node %s status is now: NodeNotReady" % node.name, nr + 0.3, comp="node-controller", host=None)
        victims = [p for p in self.pods if p.node is node and p.alive(nr) and not p.completed]
        for p in victims:
            self.ev(p, "NodeNotReady", "Node is not ready", nr + 0.5, comp="node-controller", typ="Warning")
        evict = nr + EVICT_AFTER
        if evict < self.end:
            for p in victims:
                if p.wl.kind == "DaemonSet":
                    continue
                self.ev(p, "TaintManagerEviction", "Marking for deletion Pod %s/%s" % (p.wl.ns, p.name), evict, comp="taint-eviction-controller")
                p.deletion_ts = evict
                if p.wl.kind == "Deployment":
                    rev = p.rev
                    q = self.new_pod(p.wl, rev, evict + 1, events=False, pull=False)
                    self.ev(rev, "SuccessfulCreate", "Created pod: %s" % q.name, evict + 1, comp="replicaset-controller")
                    self.start_events(q, evict + 1)
                    q.insts.append(Inst(evict + 6))
        return victims

    # -- events
    def ev_meta(self, ns, obj_name, first):
        nanos = int(first * 1e9) + (int.from_bytes(hdigest(self.name, obj_name, first, len(self.events))[:4], "big") % 999999)
        return {"name": "%s.%x" % (obj_name, nanos), "namespace": ns, "uid": make_uid(self.name, "event", obj_name, nanos),
                "creationTimestamp": ts(first)}

    def _push(self, e, first):
        e["_sort"] = first
        self.events.append(e)

    def ev(self, obj, reason, msg, first, last=None, count=1, field=False, comp=None, typ="Normal"):
        """An event about a Pod, a Workload or a Revision (ReplicaSet/Job)."""
        if isinstance(obj, Pod):
            kind, api, ns, name, uid_ = "Pod", "v1", obj.wl.ns, obj.name, obj.uid
            comp = comp or "kubelet"
            host = obj.node.name if (comp == "kubelet" and obj.node) else None
        elif isinstance(obj, Revision):
            if obj.wl.kind == "CronJob":
                kind, api = "Job", "batch/v1"
            else:
                kind, api = "ReplicaSet", "apps/v1"
            ns, name, uid_, host = obj.wl.ns, obj.name, obj.uid, None
        else:
            kind, api, ns, name, uid_, host = obj.kind, "batch/v1" if obj.kind == "CronJob" else "apps/v1", obj.ns, obj.name, obj.uid, None
        inv = {"apiVersion": api, "kind": kind, "name": name, "namespace": ns, "uid": uid_,
               "resourceVersion": str(100000 + int.from_bytes(hdigest(uid_)[:3], "big"))}
        if field and kind == "Pod":
            inv["fieldPath"] = "spec.containers{%s}" % obj.wl.container
        self._legacy(ns, name, inv, reason, msg, first, last, count, comp, host, typ)

    def ev_obj(self, kind, api, ns, name, uid_, reason, msg, first, last=None, count=1, comp=None, typ="Normal"):
        inv = {"apiVersion": api, "kind": kind, "name": name, "namespace": ns, "uid": uid_,
               "resourceVersion": str(100000 + int.from_bytes(hdigest(uid_)[:3], "big"))}
        self._legacy(ns, name, inv, reason, msg, first, last, count, comp, None, typ)

    def ev_node(self, node, reason, msg, first, last=None, count=1, comp="kubelet", typ="Normal", host="self", with_uid=True):
        if comp == "kubelet":
            inv = {"kind": "Node", "name": node.name, "uid": node.name}
        elif comp == "kernel-monitor":
            inv = {"apiVersion": "v1", "kind": "Node", "name": node.name}
        else:
            inv = {"apiVersion": "v1", "kind": "Node", "name": node.name, "uid": node.uid}
        if host == "self":
            host = node.name
        self._legacy("default", node.name, inv, reason, msg, first, last, count, comp, host, typ)

    def _legacy(self, ns, name, inv, reason, msg, first, last, count, comp, host, typ):
        comp = comp or "kubelet"
        if last is None:
            last = first
        last = max(first, min(last, self.end))
        src = {"component": comp}
        if host:
            src["host"] = host
        e = {"apiVersion": "v1", "kind": "Event", "metadata": self.ev_meta(ns, name, first), "involvedObject": inv,
             "reason": reason, "message": msg, "source": src, "firstTimestamp": ts(first), "lastTimestamp": ts(last),
             "count": count, "type": typ, "eventTime": None, "reportingComponent": comp, "reportingInstance": host or ""}
        self._push(e, first)

    def ev_scheduled(self, p, t):
        self._new_style(p, "Scheduled", "Binding", "Successfully assigned %s/%s to %s" % (p.wl.ns, p.name, p.node.name), t, "Normal")

    def ev_failed_scheduling(self, p, t, msg, last, count):
        self._new_style(p, "FailedScheduling", "Scheduling", msg, t, "Warning", last=last, count=count)

    def _new_style(self, p, reason, action, msg, t, typ, last=None, count=1):
        inv = {"apiVersion": "v1", "kind": "Pod", "name": p.name, "namespace": p.wl.ns, "uid": p.uid,
               "resourceVersion": str(100000 + int.from_bytes(hdigest(p.uid, "rv")[:3], "big"))}
        t = t + 0.1 + 0.8 * self.rng.random()
        e = {"apiVersion": "v1", "kind": "Event", "metadata": self.ev_meta(p.wl.ns, p.name, t), "involvedObject": inv,
             "reason": reason, "message": msg, "source": {}, "firstTimestamp": None, "lastTimestamp": None,
             "type": typ, "action": action, "eventTime": ts_micro(t),
             "reportingComponent": "default-scheduler", "reportingInstance": "default-scheduler-%s" % self.cp}
        if count > 1:
            e["series"] = {"count": count, "lastObservedTime": ts_micro(min(last, self.end - 0.5))}
        self._push(e, t)

    # -- expected
    def expect(self, cls, ns, workload, cause, action, desc):
        self.expected = {"scenario": self.name, "class": cls, "description": desc,
                         "incident": None if cls == "healthy" else
                         {"namespace": ns, "workload": workload, "cause": cause, "action": action}}


def fmt_dur(s):
    s = int(s)
    if s < 60:
        return "%ds" % s
    return "%dm%ds" % (s // 60, s % 60)


# --------------------------------------------------------------------------- metrics

FAMILIES = [
    ("container_memory_working_set_bytes", "gauge", "Current working set of the container in bytes"),
    ("container_cpu_usage_seconds", "counter", "Cumulative cpu time consumed in seconds"),
    ("container_cpu_cfs_periods", "counter", "Number of elapsed enforcement period intervals"),
    ("container_cpu_cfs_throttled_periods", "counter", "Number of throttled period intervals"),
    ("kube_pod_container_resource_limits", "gauge", "The number of requested limit resource by a container. It is recommended to use the kube_pod_resource_limits metric exposed by kube-scheduler instead, as it is more precise."),
    ("kube_pod_container_status_restarts", "counter", "The number of container restarts per container."),
    ("http_requests", "counter", "Total number of HTTP requests handled, by status code."),
    ("http_request_duration_seconds", "histogram", "HTTP request latency in seconds."),
    ("kubelet_volume_stats_capacity_bytes", "gauge", "[ALPHA] Capacity in bytes of the volume"),
    ("kubelet_volume_stats_used_bytes", "gauge", "[ALPHA] Number of used bytes in the volume"),
    ("kube_horizontalpodautoscaler_spec_max_replicas", "gauge", "Upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas."),
    ("kube_horizontalpodautoscaler_status_current_replicas", "gauge", "Current number of replicas of pods managed by this autoscaler."),
    ("kube_node_status_condition", "gauge", "The condition of a cluster node."),
]


def simulate(S, path):
    """Run the model over S.times and write metrics.om to path."""
    T = S.times
    step = S.step
    # per-workload traffic: AR(1) noise, ready pods, total rate
    for wl in S.workloads:
        x = 0.0
        wl.noise = []
        for _ in T:
            x = 0.75 * x + 0.25 * S.gauss()
            wl.noise.append(1.0 + 0.12 * x)
        wl.n_ready = [sum(1 for p in wl.pods if p.ready(t)) for t in T]
        wl.rps_total = [wl.rps * wl.load(t) * wl.noise[i] for i, t in enumerate(T)]

    bufs = {f[0]: [] for f in FAMILIES}
    tmp = tempfile.TemporaryDirectory(prefix="vigil-scen-")
    files = {f[0]: open(os.path.join(tmp.name, f[0]), "w", encoding="utf-8", newline="\n") for f in FAMILIES}

    def flush():
        for k, v in bufs.items():
            if v:
                files[k].write("".join(v))
                v.clear()

    le_idx = range(len(LE))
    for p in S.pods:
        wl = p.wl
        node = p.node
        c = wl.container
        nname = node.name if node else ""
        lab_c = labels([("namespace", wl.ns), ("pod", p.name), ("container", c), ("node", nname)])
        lab_k = labels([("namespace", wl.ns), ("pod", p.name), ("container", c)])
        lab_p = labels([("namespace", wl.ns), ("pod", p.name)])
        full = wl.tier == "full"
        app = full or wl.tier == "app"
        http = wl.http and app
        hist = http and wl.hist
        mem_l, cpu_l = p.mem_lim(), p.cpu_lim()
        mem_lines, cpu_lines, per_lines, thr_lines, res_lines = [], [], [], [], []
        lim_mem, lim_cpu = [], []
        codes = ["200"] + sorted(set(wl.err) | set(getattr(p, "extra_codes", [])))
        req_lines = {k: [] for k in codes}
        hist_lines = []
        cur_inst = None
        last_t = 0
        cpu_cum = per = thr = 0.0
        req = {}
        hb = [0.0] * len(LE)
        hn = hs = 0.0
        for i, t in enumerate(T):
            if not p.alive(t):
                continue
            if full:
                lim_mem.append("kube_pod_container_resource_limits{%s,resource=\"memory\",unit=\"byte\"} %d %d\n" % (lab_k, mem_l, t))
                if cpu_l:
                    lim_cpu.append("kube_pod_container_resource_limits{%s,resource=\"cpu\",unit=\"core\"} %s %d\n" % (lab_k, num(float(cpu_l)), t))
                res_lines.append("kube_pod_container_status_restarts_total{%s} %d %d\n" % (lab_k, p.restarts_at(t), t))
            inst = p.inst_at(t)
            if inst is None or node is None or not node.reporting(t):
                continue
            if inst is not cur_inst:
                cur_inst = inst
                last_t = inst.start
                cpu_cum = per = thr = 0.0
                req = {k: 0.0 for k in codes}
                hb = [0.0] * len(LE)
                hn = hs = 0.0
            dt = max(0.0, t - last_t)
            last_t = t
            # traffic
            rps = 0.0
            if wl.http and p.ready(t) and wl.n_ready[i]:
                rps = wl.rps_total[i] / wl.n_ready[i] * (1 + 0.03 * S.gauss())
            if wl.http:
                demand = (wl.cpu_idle + wl.cpu_per_req * rps) * p.factor
            else:
                demand = wl.cpu_idle * wl.load(t) * wl.noise[i] * p.factor
                if p.completed:
                    demand = wl.cpu_idle * (1.5 + 0.3 * S.gauss())
            demand *= (1 + 0.04 * S.gauss())
            demand = max(demand, 0.001)
            used = demand
            ratio = 0.0
            u = 0.0
            if cpu_l:
                u = demand / cpu_l
                if u > 0.8:
                    ratio = min(0.95, (u - 0.8) * 2.2 * (1 + 0.05 * S.gauss()))
                    ratio = max(ratio, 0.01)
                used = min(demand, cpu_l * 0.97)
            p.last_cpu = used
            cpu_cum += used * dt
            cpu_lines.append("container_cpu_usage_seconds_total{%s} %s %d\n" % (lab_c, num(cpu_cum, 4), t))
            # memory
            warm = 1 - 0.3 * math.exp(-(t - inst.start) / 600.0)
            base = wl.mem_base * p.factor * warm * (1 + 0.04 * wl.cycle(t))
            m = base * (1 + 0.008 * S.gauss())
            if p.mem_fn:
                m = p.mem_fn(p, t, inst, m)
            m = min(m, mem_l)
            mem_lines.append("container_memory_working_set_bytes{%s} %d %d\n" % (lab_c, int(m), t))
            if app and cpu_l:
                dper = 10.0 * dt
                per += dper
                thr += dper * ratio
                per_lines.append("container_cpu_cfs_periods_total{%s} %d %d\n" % (lab_c, int(per), t))
                thr_lines.append("container_cpu_cfs_throttled_periods_total{%s} %d %d\n" % (lab_c, int(thr), t))
            if http:
                n_req = rps * dt
                errs = p.err_fn(p, t) if p.err_fn else wl.err
                tot_err = 0.0
                for k in codes:
                    if k == "200":
                        continue
                    r = errs.get(k, 0.0)
                    e = n_req * r
                    req[k] += e
                    tot_err += e
                req["200"] += n_req - tot_err
                for k in codes:
                    req_lines[k].append("http_requests_total{%s,code=\"%s\"} %d %d\n" % (lab_p, k, int(req[k] + 0.5), t))
                if hist:
                    med, sig = p.lat_fn(p, t) if p.lat_fn else wl.lat
                    if u > 0.85:
                        med *= 1 + 3.0 * (u - 0.85)
                        sig *= 1 + 0.4 * min(1.0, u - 0.85)
                    med *= 1 + 0.03 * S.gauss()
                    lm = math.log(med)
                    for j in le_idx:
                        hb[j] += n_req * norm_cdf((math.log(LE[j]) - lm) / sig)
                    hn += n_req
                    hs += n_req * med * math.exp(sig * sig / 2)
                    ct = int(hn + 0.5)
                    parts = ["http_request_duration_seconds_bucket{%s,le=\"%s\"} %d %d\n" % (lab_p, LE_TXT[j], min(int(hb[j] + 0.5), ct), t) for j in le_idx]
                    parts.append("http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %d %d\n" % (lab_p, ct, t))
                    parts.append("http_request_duration_seconds_count{%s} %d %d\n" % (lab_p, ct, t))
                    parts.append("http_request_duration_seconds_sum{%s} %s %d\n" % (lab_p, num(hs, 3), t))
                    hist_lines.append("".join(parts))
        bufs["container_memory_working_set_bytes"] += mem_lines
        bufs["container_cpu_usage_seconds"] += cpu_lines
        bufs["container_cpu_cfs_periods"] += per_lines
        bufs["container_cpu_cfs_throttled_periods"] += thr_lines
        bufs["kube_pod_container_resource_limits"] += lim_mem + lim_cpu
        bufs["kube_pod_container_status_restarts"] += res_lines
        for k in codes:
            bufs["http_requests"] += req_lines[k]
        bufs["http_request_duration_seconds"] += hist_lines
        flush()
    # volumes
    for v in S.pvcs:
        lab = labels([("namespace", v["ns"]), ("persistentvolumeclaim", v["name"])])
        pod = v["pod"]
        cap_l, used_l = [], []
        for t in T:
            if not (pod.alive(t) and pod.inst_at(t) and pod.node and pod.node.reporting(t)):
                continue
            cap = v["cap_at"](t) if "cap_at" in v else v["cap"]
            cap_l.append("kubelet_volume_stats_capacity_bytes{%s} %d %d\n" % (lab, cap, t))
            used_l.append("kubelet_volume_stats_used_bytes{%s} %d %d\n" % (lab, int(v["used"](t)), t))
        bufs["kubelet_volume_stats_capacity_bytes"] += cap_l
        bufs["kubelet_volume_stats_used_bytes"] += used_l
    flush()
    # HPAs
    for h in S.hpas:
        wl = h["wl"]
        lab = labels([("namespace", wl.ns), ("horizontalpodautoscaler", h["name"])])
        hist = sorted(wl.scale_history)
        for t in T:
            cur = hist[0][1]
            for (tt, n) in hist:
                if tt + 15 <= t:  # status is updated on the next HPA sync
                    cur = n
            bufs["kube_horizontalpodautoscaler_spec_max_replicas"].append("kube_horizontalpodautoscaler_spec_max_replicas{%s} %d %d\n" % (lab, h["max"], t))
            bufs["kube_horizontalpodautoscaler_status_current_replicas"].append("kube_horizontalpodautoscaler_status_current_replicas{%s} %d %d\n" % (lab, cur, t))
    flush()
    for n in S.nodes:
        out = []
        for st in ("true", "false", "unknown"):
            lab = labels([("node", n.name), ("condition", "Ready"), ("status", st)])
            for t in T:
                rd = n.ready(t)
                v = (1 if rd else 0) if st == "true" else (0 if st == "false" else (0 if rd else 1))
                out.append("kube_node_status_condition{%s} %d %d\n" % (lab, v, t))
        bufs["kube_node_status_condition"] += out
        flush()
    for f in files.values():
        f.close()
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for name, typ, help_ in FAMILIES:
            fp = os.path.join(tmp.name, name)
            if os.path.getsize(fp) == 0:
                continue
            out.write("# HELP %s %s\n# TYPE %s %s\n" % (name, help_, name, typ))
            with open(fp, encoding="utf-8") as src:
                shutil.copyfileobj(src, out)
        out.write("# EOF\n")
    tmp.cleanup()


# --------------------------------------------------------------------------- cluster.json

def meta(S, name, ns, uid_, created, labels_=None, annotations=None, owner=None, gen=None):
    m = {"name": name, "uid": uid_, "resourceVersion": S.next_rv(), "creationTimestamp": ts(created)}
    if ns is not None:
        m["namespace"] = ns
    m["labels"] = dict(labels_ or {})
    if annotations:
        m["annotations"] = annotations
    if owner:
        m["ownerReferences"] = [owner]
    if gen is not None:
        m["generation"] = gen
    return m


def owner_ref(kind, name, uid_, api="apps/v1"):
    return {"apiVersion": api, "kind": kind, "name": name, "uid": uid_, "controller": True, "blockOwnerDeletion": True}


def container_spec(wl, rev):
    res = {"requests": {"cpu": qty_cpu(wl.cpu_req), "memory": qty_mem(wl.mem_req)}, "limits": {"memory": qty_mem(rev.mem_lim)}}
    if rev.cpu_lim:
        res["limits"]["cpu"] = qty_cpu(rev.cpu_lim)
    c = {"name": wl.container, "image": rev.image, "imagePullPolicy": "IfNotPresent", "resources": res,
         "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}
    if rev.env:
        c["env"] = [{"name": k, "value": v} for k, v in rev.env]
    if wl.http:
        c["ports"] = [{"containerPort": wl.port, "name": "http", "protocol": "TCP"}]
        c["readinessProbe"] = {"httpGet": {"path": "/ready", "port": "http", "scheme": "HTTP"}, "periodSeconds": 10,
                               "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3}
        c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP"}, "periodSeconds": 10,
                              "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 6, "initialDelaySeconds": 10}
    return c


def pod_template(wl, rev, lbl):
    spec = {"containers": [container_spec(wl, rev)], "dnsPolicy": "ClusterFirst", "restartPolicy": "OnFailure" if wl.kind == "CronJob" else "Always",
            "schedulerName": "default-scheduler", "securityContext": {}, "terminationGracePeriodSeconds": 30}
    if wl.pvc:
        spec["containers"][0]["volumeMounts"] = [{"mountPath": "/var/lib/data", "name": wl.pvc[0]}]
    return {"metadata": {"labels": lbl}, "spec": spec}


def wl_labels(wl):
    d = {"app.kubernetes.io/name": wl.name, "app": wl.name}
    d.update(wl.labels_extra)
    return d


def pod_labels(p):
    wl = p.wl
    d = wl_labels(wl)
    if wl.kind == "Deployment":
        d["pod-template-hash"] = p.rev.hash
    elif wl.kind in ("StatefulSet", "DaemonSet"):
        d["controller-revision-hash"] = p.rev.name
        if wl.kind == "StatefulSet":
            d["statefulset.kubernetes.io/pod-name"] = p.name
        else:
            d["pod-template-generation"] = "1"
    else:
        d = {"batch.kubernetes.io/job-name": p.rev.name, "job-name": p.rev.name, "batch.kubernetes.io/controller-uid": p.rev.uid,
             "app": wl.name}
    return d


def pod_obj(S, p):
    wl, end = p.wl, S.end
    if wl.kind == "Deployment":
        owner = owner_ref("ReplicaSet", p.rev.name, p.rev.uid)
    elif wl.kind == "CronJob":
        owner = owner_ref("Job", p.rev.name, p.rev.uid, api="batch/v1")
    else:
        owner = owner_ref(wl.kind, wl.name, wl.uid)
    md = meta(S, p.name, wl.ns, p.uid, p.created, pod_labels(p), owner=owner)
    if wl.kind == "Deployment":
        md["generateName"] = p.rev.name + "-"
    if p.deletion_ts is not None:
        md["deletionTimestamp"] = ts(p.deletion_ts + 30)
        md["deletionGracePeriodSeconds"] = 30
    spec = pod_template(wl, p.rev, {})["spec"]
    if p.node:
        spec["nodeName"] = p.node.name
    spec["serviceAccountName"] = "default"
    spec["tolerations"] = [{"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
                           {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}]
    if wl.kind == "DaemonSet":
        spec["tolerations"] = [{"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists"},
                               {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists"},
                               {"effect": "NoSchedule", "key": "node.kubernetes.io/disk-pressure", "operator": "Exists"},
                               {"effect": "NoSchedule", "key": "node.kubernetes.io/memory-pressure", "operator": "Exists"}]
    if wl.pvc:
        spec["volumes"] = [{"name": wl.pvc[0], "persistentVolumeClaim": {"claimName": "%s-%s" % (wl.pvc[0], p.name)}}]
    qos = "Burstable"
    st = {"qosClass": qos}
    if p.node is None:
        st["phase"] = "Pending"
        st["conditions"] = [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": p.pending_msg,
                             "lastProbeTime": None, "lastTransitionTime": ts(p.created + 1)}]
        return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec, "status": st}
    last_started = p.insts[-1].start if p.insts else None
    running = p.inst_at(end) if p.insts else None
    if p.completed and p.insts[-1].end is not None and p.insts[-1].end <= end:
        ready = False
        phase = "Succeeded"
    else:
        ready = p.ready(end)
        phase = "Running" if (p.insts and p.insts[0].start <= end) else "Pending"
        if p.waiting and p.waiting[0] in ("ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError"):
            phase = "Pending"
    node_dead = not p.node.ready(end)
    started = p.created + 1
    cond = []
    init_t = ts(p.created + 2)
    cready = "True" if ready else "False"
    rtime = ts(p.created + 2 if p.never_ready else p.blips[-1][1] if (ready and p.blips) else (running.start + READY_DELAY if (ready and running) else
                                                        (p.node.fail_at + NODE_GRACE if node_dead else (p.insts[-1].end if p.insts and p.insts[-1].end else p.created + 3))))
    cond.append({"type": "PodReadyToStartContainers", "status": "True" if not phase == "Succeeded" else "False", "lastProbeTime": None, "lastTransitionTime": init_t})
    cond.append({"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": init_t,
                 **({"reason": "PodCompleted"} if phase == "Succeeded" else {})})
    rc = {"type": "Ready", "status": cready, "lastProbeTime": None, "lastTransitionTime": rtime}
    cc = {"type": "ContainersReady", "status": cready, "lastProbeTime": None, "lastTransitionTime": rtime}
    if phase == "Succeeded":
        rc["reason"] = cc["reason"] = "PodCompleted"
    elif not ready and not node_dead:
        rc["reason"] = cc["reason"] = "ContainersNotReady"
        rc["message"] = cc["message"] = "containers with unready status: [%s]" % wl.container
    cond += [rc, cc, {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": ts(p.created + 1)}]
    if p.deletion_ts is not None:
        cond.append({"type": "DisruptionTarget", "status": "True", "reason": "DeletionByTaintManager",
                     "message": "Taint manager: deleting due to NoExecute taint", "lastProbeTime": None, "lastTransitionTime": ts(p.deletion_ts)})
    cid = "containerd://" + hashlib.sha256(("%s/%s/%d" % (S.name, p.name, len(p.insts))).encode()).hexdigest()
    cs = {"name": wl.container, "image": p.image, "ready": bool(ready), "restartCount": p.restarts_at(end),
          "started": bool(running is not None)}
    if p.insts:
        cs["containerID"] = cid
        cs["imageID"] = p.image.rsplit(":", 1)[0] + "@sha256:" + hashlib.sha256(p.image.encode()).hexdigest()
    else:
        cs["imageID"] = ""
    if phase == "Succeeded":
        i = p.insts[-1]
        cs["state"] = {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": ts(i.start), "finishedAt": ts(i.end), "containerID": cid}}
        cs["lastState"] = {}
        cs["started"] = False
    elif running is not None:
        cs["state"] = {"running": {"startedAt": ts(running.start)}}
    elif p.waiting:
        cs["state"] = {"waiting": {"reason": p.waiting[0], "message": p.waiting[1]}}
    else:
        cs["state"] = {"waiting": {"reason": "ContainerCreating"}}
    if phase != "Succeeded":
        prev = [i for i in p.insts if i.end is not None and i.end <= end and i is not running]
        last = prev[-1] if prev else p.prior_last
        if last is not None:
            cs["lastState"] = {"terminated": {"exitCode": last.code, "reason": last.reason, "startedAt": ts(last.start),
                                              "finishedAt": ts(last.end), "containerID": "containerd://" + hashlib.sha256(("%s/%s/%d/prev" % (S.name, p.name, len(p.insts))).encode()).hexdigest()}}
        else:
            cs["lastState"] = {}
    st.update({"phase": phase, "conditions": cond, "hostIP": "10.0.0.%d" % (10 + p.node.idx), "hostIPs": [{"ip": "10.0.0.%d" % (10 + p.node.idx)}],
               "podIP": p.ip, "podIPs": [{"ip": p.ip}], "startTime": ts(started), "containerStatuses": [cs]})
    del last_started
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec, "status": st}


def node_obj(S, n):
    end = S.end
    lbl = {"kubernetes.io/arch": "amd64", "kubernetes.io/hostname": n.name, "kubernetes.io/os": "linux",
           "node.kubernetes.io/instance-type": "e2-standard-%d" % n.cpu, "topology.kubernetes.io/zone": n.zone,
           "topology.kubernetes.io/region": n.zone.rsplit("-", 1)[0]}
    md = meta(S, n.name, None, n.uid, n.created, lbl, annotations={"node.alpha.kubernetes.io/ttl": "0",
                                                                      "volumes.kubernetes.io/controller-managed-attach-detach": "true"})
    spec = {"podCIDR": "10.244.%d.0/24" % n.idx, "podCIDRs": ["10.244.%d.0/24" % n.idx],
            "providerID": "gce://vigil-demo/%s/%s" % (n.zone, n.name)}
    taints = []
    if n.cordoned_at is not None and n.cordoned_at <= end:
        spec["unschedulable"] = True
        taints.append({"effect": "NoSchedule", "key": "node.kubernetes.io/unschedulable", "timeAdded": ts(n.cordoned_at)})
    hb = end - 7 - (n.idx * 3) % 9
    if n.fail_at is not None and n.fail_at <= end:
        tr = n.fail_at + NODE_GRACE
        taints.append({"effect": "NoSchedule", "key": "node.kubernetes.io/unreachable", "timeAdded": ts(tr)})
        taints.append({"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "timeAdded": ts(tr)})
        last_hb = n.fail_at - 3
        conds = [{"type": typ, "status": "Unknown", "reason": "NodeStatusUnknown", "message": "Kubelet stopped posting node status.",
                  "lastHeartbeatTime": ts(last_hb), "lastTransitionTime": ts(tr)}
                 for typ in ("MemoryPressure", "DiskPressure", "PIDPressure", "Ready")]
    else:
        dp_t = getattr(n, "disk_pressure_cleared", None)
        conds = [{"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory", "message": "kubelet has sufficient memory available",
                  "lastHeartbeatTime": ts(hb), "lastTransitionTime": ts(n.created + 30)},
                 {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure", "message": "kubelet has no disk pressure",
                  "lastHeartbeatTime": ts(hb), "lastTransitionTime": ts(dp_t or n.created + 30)},
                 {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID", "message": "kubelet has sufficient PID available",
                  "lastHeartbeatTime": ts(hb), "lastTransitionTime": ts(n.created + 30)},
                 {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status",
                  "lastHeartbeatTime": ts(hb), "lastTransitionTime": ts(n.created + 45)}]
    if taints:
        spec["taints"] = taints
    alloc_cpu = "%dm" % (n.cpu * 1000 - 60 - 20 * n.cpu)
    mem_ki = n.mem // 1024
    st = {"addresses": [{"type": "InternalIP", "address": "10.0.0.%d" % (10 + n.idx)}, {"type": "Hostname", "address": n.name}],
          "allocatable": {"cpu": alloc_cpu, "ephemeral-storage": "47060071478", "memory": "%dKi" % (mem_ki - 1900000), "pods": "110"},
          "capacity": {"cpu": str(n.cpu), "ephemeral-storage": "98831908Ki", "memory": "%dKi" % (mem_ki - 250000), "pods": "110"},
          "conditions": conds,
          "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
          "nodeInfo": {"architecture": "amd64", "bootID": make_uid(S.name, "boot", n.name), "containerRuntimeVersion": "containerd://1.7.24",
                       "kernelVersion": "6.1.112+", "kubeProxyVersion": K8S_VERSION, "kubeletVersion": K8S_VERSION,
                       "machineID": hashlib.md5(n.uid.encode()).hexdigest(), "operatingSystem": "linux",
                       "osImage": "Container-Optimized OS from Google", "systemUUID": make_uid(S.name, "sys", n.name)}}
    return {"apiVersion": "v1", "kind": "Node", "metadata": md, "spec": spec, "status": st}


def rs_counts(S, rev):
    pods = [p for p in rev.wl.pods if p.rev is rev and p.alive(S.end) and p.deletion_ts is None]
    ready = sum(1 for p in pods if p.ready(S.end))
    return len(pods), ready


def deployment_objs(S, wl):
    out = []
    end = S.end
    lbl = wl_labels(wl)
    sel = {"matchLabels": {"app.kubernetes.io/name": wl.name}}
    cur = wl.rev
    tot = rdy = 0
    spec_sum = 0
    for rev in wl.revisions:
        n, r = rs_counts(S, rev)
        tot += n
        rdy += r
        spec_sum += rev.replicas_end
        rl = dict(lbl)
        rl["pod-template-hash"] = rev.hash
        ann = {"deployment.kubernetes.io/desired-replicas": str(wl.replicas),
               "deployment.kubernetes.io/max-replicas": str(wl.replicas + max(1, int(math.ceil(wl.replicas * 0.25)))),
               "deployment.kubernetes.io/revision": str(rev.number)}
        md = meta(S, rev.name, wl.ns, rev.uid, rev.created, rl, ann, owner_ref("Deployment", wl.name, wl.uid), gen=2 if rev is not cur else 1)
        st = {"observedGeneration": md["generation"], "replicas": n}
        if n:
            st["fullyLabeledReplicas"] = n
        if r:
            st["readyReplicas"] = r
            st["availableReplicas"] = r
        out.append({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": md,
                    "spec": {"replicas": rev.replicas_end, "selector": {"matchLabels": {"app.kubernetes.io/name": wl.name, "pod-template-hash": rev.hash}},
                             "template": pod_template(wl, rev, rl)},
                    "status": st})
    n_up, r_up = rs_counts(S, cur)
    unavailable = max(0, spec_sum - rdy)
    gen = wl.generation + len(wl.revisions)
    md = meta(S, wl.name, wl.ns, wl.uid, wl.created, lbl, {"deployment.kubernetes.io/revision": str(cur.number)}, gen=gen)
    maxu = int(math.floor(wl.replicas * 0.25))
    avail_ok = rdy >= wl.replicas - maxu
    prog = wl.progress or ("True", "NewReplicaSetAvailable", 'ReplicaSet "%s" has successfully progressed.' % cur.name, cur.created + 40)
    avail_t = cur.created + 40
    conds = [{"type": "Available", "status": "True" if avail_ok else "False",
              "reason": "MinimumReplicasAvailable" if avail_ok else "MinimumReplicasUnavailable",
              "message": "Deployment has minimum availability." if avail_ok else "Deployment does not have minimum availability.",
              "lastUpdateTime": ts(avail_t), "lastTransitionTime": ts(avail_t)},
             {"type": "Progressing", "status": prog[0], "reason": prog[1], "message": prog[2],
              "lastUpdateTime": ts(prog[3]), "lastTransitionTime": ts(cur.created if prog[1] != "ProgressDeadlineExceeded" else prog[3])}]
    st = {"observedGeneration": gen, "replicas": tot, "updatedReplicas": n_up, "conditions": conds}
    if rdy:
        st["readyReplicas"] = rdy
        st["availableReplicas"] = rdy
    if unavailable:
        st["unavailableReplicas"] = unavailable
    tmpl = pod_template(wl, cur, lbl)
    spec = {"replicas": wl.replicas, "selector": sel, "template": tmpl, "progressDeadlineSeconds": 600, "revisionHistoryLimit": 10,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}}
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": md, "spec": spec, "status": st}
    return dep, out


def sts_obj(S, wl):
    lbl = wl_labels(wl)
    n, r = rs_counts(S, wl.rev)
    md = meta(S, wl.name, wl.ns, wl.uid, wl.created, lbl, gen=wl.generation)
    tmpl = pod_template(wl, wl.rev, lbl)
    spec = {"replicas": wl.replicas, "serviceName": wl.name, "selector": {"matchLabels": {"app.kubernetes.io/name": wl.name}},
            "template": tmpl, "podManagementPolicy": "OrderedReady", "revisionHistoryLimit": 10,
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"}}
    if wl.pvc:
        tmpl_name, size, sc = wl.pvc
        spec["volumeClaimTemplates"] = [{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": tmpl_name},
                                         "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "%dGi" % size}},
                                                  "storageClassName": sc, "volumeMode": "Filesystem"}, "status": {"phase": "Pending"}}]
    st = {"observedGeneration": wl.generation, "replicas": n, "currentReplicas": n, "updatedReplicas": n,
          "currentRevision": wl.rev.name, "updateRevision": wl.rev.name, "collisionCount": 0, "availableReplicas": r}
    if r:
        st["readyReplicas"] = r
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": md, "spec": spec, "status": st}


def ds_obj(S, wl):
    lbl = wl_labels(wl)
    pods = [p for p in wl.pods if p.alive(S.end)]
    r = sum(1 for p in pods if p.ready(S.end))
    md = meta(S, wl.name, wl.ns, wl.uid, wl.created, lbl, {"deprecated.daemonset.template.generation": "1"}, gen=1)
    st = {"currentNumberScheduled": len(pods), "desiredNumberScheduled": len(pods), "numberMisscheduled": 0,
          "numberReady": r, "observedGeneration": 1, "updatedNumberScheduled": len(pods), "numberAvailable": r}
    if len(pods) - r:
        st["numberUnavailable"] = len(pods) - r
    if not r:
        del st["numberAvailable"]
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": md,
            "spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": wl.name}}, "template": pod_template(wl, wl.rev, lbl),
                     "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}},
                     "revisionHistoryLimit": 10},
            "status": st}


def cron_objs(S, wl):
    lbl = wl_labels(wl)
    out = []
    md = meta(S, wl.name, wl.ns, wl.uid, wl.created, lbl, gen=1)
    last = [j for j in wl.jobs if j.created <= S.end]
    every = wl.every // 60
    cj = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": md,
          "spec": {"schedule": ("0 * * * *" if every == 60 else "*/%d * * * *" % every), "concurrencyPolicy": "Forbid",
                   "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1, "suspend": False,
                   "jobTemplate": {"metadata": {}, "spec": {"backoffLimit": 2, "template": pod_template(wl, wl.jobs[-1], {"app": wl.name})}}},
          "status": {"lastScheduleTime": ts(last[-1].created), "lastSuccessfulTime": ts(last[-1].done)}}
    out.append(cj)
    for j in wl.jobs_kept:
        jl = {"batch.kubernetes.io/controller-uid": j.uid, "batch.kubernetes.io/job-name": j.name, "controller-uid": j.uid, "job-name": j.name}
        jmd = meta(S, j.name, wl.ns, j.uid, j.created, jl, owner=owner_ref("CronJob", wl.name, wl.uid, api="batch/v1"), gen=1)
        out.append({"apiVersion": "batch/v1", "kind": "Job", "metadata": jmd,
                    "spec": {"backoffLimit": 2, "completionMode": "NonIndexed", "completions": 1, "parallelism": 1,
                             "template": pod_template(wl, j, jl)},
                    "status": {"startTime": ts(j.created), "completionTime": ts(j.done), "succeeded": 1, "ready": 0, "terminating": 0,
                               "uncountedTerminatedPods": {},
                               "conditions": [{"type": "SuccessCriteriaMet", "status": "True", "lastProbeTime": ts(j.done), "lastTransitionTime": ts(j.done)},
                                              {"type": "Complete", "status": "True", "lastProbeTime": ts(j.done), "lastTransitionTime": ts(j.done)}]}})
    return out


def hpa_obj(S, h):
    wl = h["wl"]
    pods = [p for p in wl.pods if p.alive(S.end) and p.deletion_ts is None and p.node is not None and p.inst_at(S.end)]
    util = int(round(100 * sum(p.last_cpu for p in pods) / max(1, len(pods)) / wl.cpu_req)) if pods else 0
    avg_val = "%dm" % int(1000 * sum(p.last_cpu for p in pods) / max(1, len(pods)))
    cur = wl.replicas
    want = int(math.ceil(cur * util / float(h["target"]))) if util else cur
    limited = want > h["max"] and cur >= h["max"]
    desired = cur
    conds = [{"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale",
              "message": "recommended size matches current size", "lastTransitionTime": ts(h["last_scale"] + 180 if h["last_scale"] + 180 < S.end else h["last_scale"])},
             {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound",
              "message": "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
              "lastTransitionTime": ts(h["created"] + 60)}]
    if h["last_scale"] > S.end - 300 and not limited:
        conds[0]["reason"], conds[0]["message"] = "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation"
    if limited:
        conds.append({"type": "ScalingLimited", "status": "True", "reason": "TooManyReplicas",
                      "message": "the desired replica count is more than the maximum replica count", "lastTransitionTime": ts(h.get("limited_since", h["last_scale"]))})
        desired = h["max"]
    else:
        conds.append({"type": "ScalingLimited", "status": "False", "reason": "DesiredWithinRange",
                      "message": "the desired count is within the acceptable range", "lastTransitionTime": ts(h.get("limited_since", h["created"] + 120))})
    md = meta(S, h["name"], wl.ns, h["uid"], h["created"], wl_labels(wl))
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": md,
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": wl.name},
                     "minReplicas": h["min"], "maxReplicas": h["max"],
                     "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": h["target"]}}}]},
            "status": {"currentReplicas": cur, "desiredReplicas": desired, "lastScaleTime": ts(h["last_scale"]),
                       "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": util, "averageValue": avg_val}}}],
                       "conditions": conds}}


def pvc_obj(S, v):
    wl = v["wl"]
    md = meta(S, v["name"], v["ns"], v["uid"], v["created"], {"app.kubernetes.io/name": wl.name, "app": wl.name},
              {"pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes",
               "volume.beta.kubernetes.io/storage-provisioner": "pd.csi.storage.gke.io",
               "volume.kubernetes.io/storage-provisioner": "pd.csi.storage.gke.io",
               "volume.kubernetes.io/selected-node": v["pod"].node.name if v["pod"].node else ""})
    md["finalizers"] = ["kubernetes.io/pvc-protection"]
    cap = v["cap_at"](S.end) if "cap_at" in v else v["cap"]
    req = v.get("req_end", v["size"])
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": md,
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": qty_mem(req)}},
                     "storageClassName": v["sc"], "volumeMode": "Filesystem", "volumeName": "pvc-" + v["uid"]},
            "status": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": qty_mem(cap)}, "phase": "Bound"}}


def sc_obj(S, sc):
    ann = {"storageclass.kubernetes.io/is-default-class": "true"} if sc["default"] else None
    md = meta(S, sc["name"], None, sc["uid"], S.start - 86400 * 300, {"addonmanager.kubernetes.io/mode": "EnsureExists"}, ann)
    o = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": md, "provisioner": sc["prov"],
         "parameters": {"type": "pd-balanced"}, "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"}
    if sc["expand"]:
        o["allowVolumeExpansion"] = True
    return o


def cluster_list(S):
    items = []
    key = lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"])
    items += sorted((sc_obj(S, sc) for sc in S.storageclasses), key=key)
    items += sorted((node_obj(S, n) for n in S.nodes), key=key)
    items += sorted((pvc_obj(S, v) for v in S.pvcs), key=key)
    deps, rss, stss, dss, crons, jobs = [], [], [], [], [], []
    for wl in S.workloads:
        if wl.kind == "Deployment":
            d, r = deployment_objs(S, wl)
            deps.append(d)
            rss += r
        elif wl.kind == "StatefulSet":
            stss.append(sts_obj(S, wl))
        elif wl.kind == "DaemonSet":
            dss.append(ds_obj(S, wl))
        elif wl.kind == "CronJob":
            objs = cron_objs(S, wl)
            crons.append(objs[0])
            jobs += objs[1:]
    for group in (deps, rss, stss, dss):
        items += sorted(group, key=key)
    items += sorted((hpa_obj(S, h) for h in S.hpas), key=key)
    items += sorted(crons, key=key) + sorted(jobs, key=key)
    items += sorted((pod_obj(S, p) for p in S.pods if p.alive(S.end)), key=key)
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


def events_list(S):
    evs = [e for e in S.events if e["_sort"] <= S.end]
    evs.sort(key=lambda e: (e["_sort"], e["metadata"]["name"]))
    for e in evs:
        e["metadata"]["resourceVersion"] = S.next_rv()
    out = []
    for e in sorted(evs, key=lambda e: (e["metadata"]["namespace"], e["metadata"]["name"])):
        e = dict(e)
        del e["_sort"]
        out.append(e)
    return {"apiVersion": "v1", "items": out, "kind": "List", "metadata": {"resourceVersion": ""}}


def dump_json(obj, path):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(obj, indent=4, sort_keys=True, ensure_ascii=False))
        f.write("\n")


# --------------------------------------------------------------------------- shared cluster pieces
#
# Series per pod depend on the workload's tier, to keep the bundled files small:
#   min   container_memory_working_set_bytes, container_cpu_usage_seconds_total
#   app   + http_requests_total (+ the latency histogram if hist=True) (+ CFS counters if it has a CPU limit)
#   full  + kube_pod_container_resource_limits, kube_pod_container_status_restarts_total

def infra(S, nodes=3, daemonset=True, coredns=False, cpu=4, mem_gi=16):
    S.add_nodes(nodes, cpu=cpu, mem_gi=mem_gi)
    S.storageclass("standard-rwo", "pd.csi.storage.gke.io", expand=True, default=True)
    if coredns:
        S.deployment("kube-system", "coredns", 2, image="registry.k8s.io/coredns/coredns:v1.11.3", container="coredns",
                     cpu=0.015, mem=38 * MI, mem_req=70 * MI, mem_lim=170 * MI, comm="coredns")
    if daemonset:
        S.daemonset("monitoring", "node-exporter", image="quay.io/prometheus/node-exporter:v1.8.2", container="node-exporter",
                    cpu=0.01, mem=22 * MI, mem_req=32 * MI, mem_lim=64 * MI, comm="node_exporter")


def http_app(S, ns, name, replicas, rps, **kw):
    kw.setdefault("http", True)
    kw.setdefault("tier", "min")
    kw.setdefault("cpu_req", 0.25)
    return S.deployment(ns, name, replicas, rps=rps, **kw)


def lat_const(slow):
    def f(pod, t, slow=slow):
        return slow
    return f


def err_after(t0, codes, ramp=90.0):
    def f(pod, t, t0=t0, codes=codes, ramp=ramp):
        if t < t0:
            return pod.wl.err
        k = min(1.0, (t - t0) / ramp)
        out = dict(pod.wl.err)
        for c, r in codes.items():
            out[c] = out.get(c, 0.0) + r * k * (1 + 0.15 * pod.S.gauss())
            out[c] = max(0.0, min(out[c], 0.95))
        return out
    return f


def add_leak(S, wl, at_end, hours_to_limit):
    for k, p in enumerate(wl.pods):
        lim = p.mem_lim()
        frac = at_end * (1 + 0.03 * (k - 1))
        slope = (1 - frac) * lim / (hours_to_limit * 3600.0) * (1 + 0.08 * S.gauss())

        def mem(pod, t, inst, b, slope=slope, frac=frac, lim=lim):
            v = frac * lim - slope * (pod.S.end - t)
            return max(b, v * (1 + 0.006 * pod.S.gauss()))
        p.mem_fn = mem


def filling(S, v, at_end, hours_to_full):
    cap = v["cap"]
    slope = (1 - at_end) * cap / (hours_to_full * 3600.0)
    floor = 0.3 * cap

    def used(t):
        return max(floor, at_end * cap - slope * (S.end - t)) + cap * 0.0015 * math.sin(t / 900.0)
    return used


def make_pending(S, made, n, msg):
    """The last n pods of `made` cannot be scheduled."""
    pend = made[-n:]
    for p in pend:
        p.node = None
        p.ip = None
        p.insts = []
        p.pending_msg = msg
        S.events = [e for e in S.events if e["involvedObject"].get("name") != p.name]
        cnt = max(1, int((S.end - p.created) / 45))
        S.ev_failed_scheduling(p, p.created, msg, last=S.end - 20, count=cnt)
    return len(pend)


def owners(pods):
    seen = []
    for p in pods:
        w = "%s %s" % (p.wl.ns, p.wl.ref)
        if w not in seen:
            seen.append(w)
    return ", ".join(seen)


def redis(S, ns, replicas=1, **kw):
    return S.statefulset(ns, "redis", replicas, image="redis:7.2.5", container="redis", cpu=0.02, mem=kw.pop("mem", 90 * MI),
                         mem_lim=256 * MI, comm="redis-server", **kw)


# --------------------------------------------------------------------------- scenarios

def sc_memory_limit_1(S):
    infra(S)
    ns = S.set_ns("shop")
    cart = http_app(S, ns, "cart", 3, 45, tier="full", mem=330 * MI, mem_req=384 * MI, mem_lim=512 * MI, comm="java", cpu_per_req=0.006)
    web = http_app(S, ns, "web", 2, 90, mem=160 * MI, mem_lim=384 * MI, comm="node")
    http_app(S, ns, "catalog", 2, 60, mem=210 * MI)
    redis(S, ns)
    onset = S.ago(62)
    for k, p in enumerate(cart.pods):
        S.oom_climb(p, onset + 60 * k, rate=(512 - 330) * MI / (11 * 60.0) * (1 + 0.2 * k), jitter=0.1)
    S.rollout(web, S.ago(70), image="registry.example.com/shop/web:1.4.3")
    S.expect("memory-limit", ns, "deployment/cart", "memory-limit", "set-resources",
             "From ~60 min before the end every cart pod's working set climbs to its 512Mi limit and is OOMKilled (exit 137) "
             "again and again; no rollout of cart. Distractor: a healthy rollout of web 8 minutes before the onset.")


def sc_memory_limit_2(S):
    infra(S)
    ns = S.set_ns("payments")
    gw = http_app(S, ns, "gateway", 2, 140, mem=120 * MI)
    ledger = S.statefulset(ns, "ledger", 3, image="registry.example.com/payments/ledger:3.2.1", container="ledger",
                           tier="full", cpu=0.15, cpu_req=0.5, mem=700 * MI, mem_req=1 * GI, mem_lim=1 * GI,
                           comm="java", pvc=("data", 20, "standard-rwo"))
    fx = http_app(S, ns, "fx-rates", 1, 20, mem=90 * MI)
    S.hpa(gw, 2, 6)
    S.oom_climb(ledger.pods[0], S.ago(48), rate=(1024 - 700) * MI / (4 * 60.0), jitter=0.05)
    S.oom_climb(ledger.pods[2], S.ago(30), rate=(1024 - 700) * MI / (9 * 60.0), jitter=0.05)
    S.scale(gw, S.ago(75), 4)
    S.scale(gw, S.ago(28), 3)
    S.old_oom(fx.pods[0], S.ago(150))
    S.expect("memory-limit", ns, "statefulset/ledger", "memory-limit", "set-resources",
             "The ledger StatefulSet's pods (ledger-0 first, then ledger-2) climb steeply to their 1Gi limit and are OOMKilled repeatedly; "
             "ledger-0 ends in CrashLoopBackOff. Distractors: the gateway HPA scales 2->4->3, fx-rates had one OOM kill 2.5 h ago.")


def sc_memory_limit_3(S):
    infra(S, daemonset=False, coredns=True)
    ns = S.set_ns("data")
    worker = S.deployment(ns, "etl-worker", 3, tier="full", cpu=0.4, cpu_req=0.5, cpu_lim=1.0, mem=800 * MI, mem_req=1 * GI,
                          mem_lim=int(1.5 * GI), comm="python3")
    S.deployment(ns, "scheduler", 1, cpu=0.05, mem=140 * MI)
    S.cronjob(ns, "compaction", 60, 240, cpu=0.3, mem=300 * MI, mem_lim=1 * GI, comm="python3")
    web = http_app(S, "shop", "web", 2, 70, mem=150 * MI)
    for k, p in enumerate(worker.pods):
        S.oom_climb(p, S.ago(40) + 200 * k, rate=(1536 - 800) * MI / (14 * 60.0), jitter=0.15)
    S.blip(web.pods[0], S.ago(33))
    S.expect("memory-limit", ns, "deployment/etl-worker", "memory-limit", "set-resources",
             "The etl-worker pods (batch, no HTTP) grow to their 1.5Gi limit and are OOMKilled one after another from 40 min "
             "before the end; no rollout. Distractors: an hourly compaction CronJob, a readiness blip on shop/web.")


def sc_crashloop_1(S):
    infra(S, daemonset=False)
    ns = S.set_ns("shop")
    co = http_app(S, ns, "checkout", 4, 35, tier="full", mem=260 * MI, mem_lim=512 * MI, comm="java",
                  image="registry.example.com/shop/checkout:2.3.0")
    web = http_app(S, ns, "web", 2, 110, mem=170 * MI)
    search = http_app(S, ns, "search", 2, 50, mem=400 * MI, mem_lim=1 * GI)
    redis(S, ns)
    S.hpa(web, 2, 6)
    S.scale(web, S.ago(55), 3)
    S.rollout(co, S.ago(38), image="registry.example.com/shop/checkout:2.4.0", mode="crash")
    S.old_oom(search.pods[0], S.ago(160))
    S.expect("crashloop-after-rollout", ns, "deployment/checkout", "bad-rollout", "undo",
             "checkout was rolled out to image 2.4.0 38 min before the end; the 2 pods of the new ReplicaSet exit with code 1 at start "
             "and sit in CrashLoopBackOff while 3 old pods keep serving (ProgressDeadlineExceeded). Distractors: the web HPA scales 2->3, "
             "an old OOM kill on search.")


def sc_crashloop_2(S):
    infra(S, daemonset=False)
    ns = S.set_ns("orders")
    api = http_app(S, ns, "orders-api", 4, 80, tier="full", mem=200 * MI,
                   env=[("DATABASE_URL", "postgres://orders-db:5432/orders"), ("LOG_LEVEL", "info")])
    notif = http_app(S, ns, "notifier", 2, 15, mem=110 * MI)
    S.deployment(ns, "outbox-relay", 1, cpu=0.03, mem=80 * MI)
    S.statefulset(ns, "orders-db", 1, image="postgres:16.4", container="postgres", cpu=0.06, mem=500 * MI, mem_lim=2 * GI,
                  pvc=("data", 50, "standard-rwo"), comm="postgres")
    S.blip(notif.pods[0], S.ago(90))
    S.rollout(notif, S.ago(29), image="registry.example.com/orders/notifier:2.0.1")
    S.rollout(api, S.ago(26), env=[("DATABASE_URL", "postgres://orders-db-v2:5432/orders"), ("LOG_LEVEL", "info")], mode="crash")
    S.expect("crashloop-after-rollout", ns, "deployment/orders-api", "bad-rollout", "undo",
             "An env change (DATABASE_URL) rolled out orders-api 26 min before the end; the 2 pods of the new revision crash at start "
             "(exit 1, CrashLoopBackOff) and 3 of 4 old pods still serve. Distractors: notifier was rolled out 3 minutes earlier and "
             "is fine; a readiness blip on notifier an hour before.")


def sc_latency_1(S):
    infra(S, daemonset=False)
    ns = S.set_ns("shop")
    search = http_app(S, ns, "search", 2, 120, tier="app", hist=True, mem=420 * MI, mem_lim=1 * GI, lat=(0.011, 0.5),
                      image="registry.example.com/shop/search:5.1.0")
    web = http_app(S, ns, "web", 2, 90, mem=160 * MI)
    cart = http_app(S, ns, "cart", 1, 30, mem=220 * MI)
    rev = S.rollout(search, S.ago(45), image="registry.example.com/shop/search:5.2.0", wave_s=420)
    for p in search.pods:
        if p.rev is rev:
            p.lat_fn = lat_const((0.055, 0.85))
    S.blip(web.pods[0], S.ago(40))
    S.old_oom(cart.pods[0], S.ago(130))
    S.expect("latency-regression", ns, "deployment/search", "bad-rollout", "undo",
             "search 5.2.0 rolls out from 45 min before the end, one pod every ~7 min; as each new pod takes traffic search's p99 "
             "latency rises from ~35 ms to ~400 ms (no errors, no restarts). Distractors: a readiness blip on web, an OOM kill on cart 2 h ago.")


def sc_latency_2(S):
    infra(S, daemonset=False)
    ns = S.set_ns("edge")
    gw = http_app(S, ns, "api-gateway", 3, 180, tier="app", mem=140 * MI, err={"500": 0.0004})
    auth = http_app(S, ns, "auth", 2, 60, tier="app", mem=120 * MI, err={"500": 0.0002})
    http_app(S, ns, "ratelimit", 2, 180, mem=60 * MI, cpu_per_req=0.0008)
    redis(S, ns, mem=120 * MI)
    S.hpa(auth, 2, 5)
    S.rollout(auth, S.ago(60), image="registry.example.com/edge/auth:4.8.2")
    rev = S.rollout(gw, S.ago(40), image="registry.example.com/edge/api-gateway:7.3.0", wave_s=150)
    for p in gw.pods:
        if p.rev is rev:
            p.err_fn = err_after(0, {"500": 0.085}, ramp=1)
    S.expect("latency-regression", ns, "deployment/api-gateway", "bad-rollout", "undo",
             "api-gateway 7.3.0 rolls out 40 min before the end; each new pod answers ~8.5 % of requests with 500, so the 5xx ratio "
             "climbs from ~0.04 % as the pods come in (no restarts, no resource pressure). Distractor: auth was rolled out 20 min "
             "earlier and is fine.")


def sc_node_failure_1(S):
    infra(S, nodes=4)
    ns = S.set_ns("shop")
    http_app(S, ns, "web", 3, 120, tier="app", mem=160 * MI)
    cart = http_app(S, ns, "cart", 2, 40, mem=250 * MI)
    http_app(S, ns, "catalog", 2, 60, mem=200 * MI)
    redis(S, ns, 2)
    S.rollout(cart, S.ago(65), image="registry.example.com/shop/cart:3.3.1")
    node = S.nodes[2]
    victims = S.fail_node(node, S.ago(19))
    S.expect("node-failure", None, "node/%s" % node.name, "node-failure", "cordon",
             "%s stops posting status 19 min before the end (Ready=Unknown, unreachable taints); its pods (%s) stop reporting, "
             "are marked for deletion after 5 min and the Deployments' pods are replaced on other nodes. Distractor: a healthy "
             "cart rollout 46 min earlier." % (node.name, owners(victims)))


def sc_node_failure_2(S):
    infra(S)
    ns = S.set_ns("media")
    http_app(S, ns, "thumbnailer", 3, 25, tier="app", mem=350 * MI, cpu_per_req=0.02)
    http_app(S, ns, "uploads", 2, 40, mem=180 * MI)
    S.statefulset(ns, "minio", 2, image="quay.io/minio/minio:RELEASE.2024-10-13T13-34-11Z", container="minio", cpu=0.05,
                  mem=400 * MI, mem_lim=2 * GI, pvc=("export", 200, "standard-rwo"), comm="minio")
    col = http_app(S, "analytics", "collector", 2, 60, mem=120 * MI)
    S.rollout(col, S.ago(14), image="registry.example.com/analytics/collector:1.9.0")
    node = S.nodes[1]
    victims = S.fail_node(node, S.ago(5))
    S.expect("node-failure", None, "node/%s" % node.name, "node-failure", "cordon",
             "%s stops posting status 5 min before the end: Ready=Unknown, NodeNotReady events for its pods (%s), their series "
             "stop; not evicted yet. Distractor: a healthy rollout of analytics/collector 9 min before." % (node.name, owners(victims)))


def sc_cpu_1(S):
    infra(S, cpu=8, mem_gi=32, daemonset=False)
    ns = S.set_ns("shop")
    web = http_app(S, ns, "web", 3, 90, tier="full", mem=180 * MI, cpu=0.05, cpu_per_req=0.02, cpu_req=1.0, cpu_lim=1.0)
    http_app(S, ns, "cart", 2, 30, mem=200 * MI)
    cat = http_app(S, ns, "catalog", 1, 55, mem=210 * MI)
    S.hpa(web, 3, 6)
    onset = S.ago(55)
    web.load_fn = lambda t, o=onset: 1.0 + 2.4 * min(1.0, max(0.0, (t - o) / 1500.0))
    web.hpa["limited_since"] = S.ago(36)
    S.scale(web, onset + 300, 4)
    S.scale(web, onset + 660, 5)
    S.scale(web, S.ago(37), 6)
    S.old_oom(cat.pods[0], S.ago(140))
    S.expect("cpu-saturation", ns, "deployment/web", "cpu-saturation", "set-hpa-max",
             "Traffic to web rises 3.4x from 55 min before the end; its HPA scales 3->6 and is pinned at maxReplicas (ScalingLimited/"
             "TooManyReplicas) and every web pod is CPU-throttled. Distractor: an old OOM kill on catalog.")


def sc_cpu_2(S):
    infra(S, cpu=8, mem_gi=32, daemonset=False)
    ns = S.set_ns("edge")
    api = http_app(S, ns, "api", 2, 60, tier="app", hist=True, mem=150 * MI, cpu=0.03, cpu_per_req=0.012, cpu_req=0.4,
                   cpu_lim=0.8, lat=(0.02, 0.5))
    fe = http_app(S, ns, "frontend", 2, 80, mem=130 * MI, cpu_per_req=0.003, cpu_req=0.4, cpu_lim=1.0)
    S.hpa(api, 2, 3)
    S.hpa(fe, 2, 5)
    onset = S.ago(40)
    api.load_fn = lambda t, o=onset: 1.0 + 1.5 * (1 - math.exp(-max(0.0, t - o) / 300.0))
    fe.load_fn = lambda t, o=onset: 1.0 + 0.8 * (1 - math.exp(-max(0.0, t - o) / 300.0))
    api.hpa["limited_since"] = S.ago(35)
    S.scale(api, onset + 300, 3)
    S.scale(fe, onset + 240, 3)
    S.deployment("batch", "report-builder", 1, cpu=0.3, mem=600 * MI, mem_lim=1 * GI)
    S.expect("cpu-saturation", ns, "deployment/api", "cpu-saturation", "set-hpa-max",
             "A traffic step 40 min before the end saturates api: its HPA reaches maxReplicas 3 within 5 min and stays there, CPU "
             "throttling is high on all api pods and p99 latency rises. Distractor: the frontend HPA scales 2->3 and stays within range.")


def sc_leak_1(S):
    infra(S, daemonset=False)
    ns = S.set_ns("shop")
    sess = http_app(S, ns, "sessions", 3, 70, tier="full", mem=200 * MI, mem_req=256 * MI, mem_lim=768 * MI, comm="node")
    web = http_app(S, ns, "web", 2, 100, mem=160 * MI)
    cart = http_app(S, ns, "cart", 2, 35, mem=230 * MI)
    redis(S, ns, mem=95 * MI)
    add_leak(S, sess, at_end=0.80, hours_to_limit=2.5)
    S.rollout(web, S.ago(50), image="registry.example.com/shop/web:1.4.4")
    S.blip(cart.pods[0], S.ago(20))
    S.expect("memory-leak", ns, "deployment/sessions", "memory-leak", "restart",
             "Every sessions pod's working set grows linearly (~60 MiB/h) and is at ~80 % of its 768Mi limit at the end, forecast to "
             "reach it in ~2.5 h; no OOM, no rollout. Distractors: a healthy rollout of web, a readiness blip on cart.")


def sc_leak_2(S):
    infra(S, daemonset=False)
    ns = S.set_ns("ml")
    rec = http_app(S, ns, "recommender", 2, 25, tier="full", mem=900 * MI, mem_req=1 * GI, mem_lim=2 * GI, comm="python3",
                   cpu_per_req=0.02)
    fs = http_app(S, ns, "feature-store", 2, 90, mem=500 * MI, mem_lim=1 * GI)
    qd = S.statefulset(ns, "qdrant", 2, image="qdrant/qdrant:v1.12.1", container="qdrant", cpu=0.1, mem=1200 * MI, mem_lim=3 * GI,
                       pvc=("storage", 100, "standard-rwo"), comm="qdrant")
    S.hpa(fs, 2, 6)
    S.scale(fs, S.ago(95), 3)
    S.scale(fs, S.ago(22), 2)
    add_leak(S, rec, at_end=0.86, hours_to_limit=1.6)
    S.old_oom(qd.pods[1], S.ago(170))
    S.expect("memory-leak", ns, "deployment/recommender", "memory-leak", "restart",
             "Both recommender pods grow linearly by ~180 MiB/h and reach ~86 % of their 2Gi limit, forecast to hit it in ~1.6 h; "
             "no OOM yet. Distractors: the feature-store HPA scales 2->3->2, an OOM kill on qdrant-1 almost 3 h ago.")


def sc_pull_1(S):
    infra(S, daemonset=False)
    ns = S.set_ns("shop")
    web = http_app(S, ns, "web", 4, 130, tier="full", mem=170 * MI, image="registry.example.com/shop/web:1.4.2")
    cart = http_app(S, ns, "cart", 2, 40, mem=240 * MI)
    http_app(S, ns, "search", 1, 55, mem=380 * MI, mem_lim=1 * GI)
    S.rollout(web, S.ago(33), image="registry.example.com/shop/web:1.4.3", mode="pull")
    S.blip(cart.pods[1], S.ago(28))
    S.expect("image-pull-after-rollout", ns, "deployment/web", "image-pull", "undo",
             "web was rolled out to registry.example.com/shop/web:1.4.3, a tag that does not exist: the 2 new pods stay in "
             "ImagePullBackOff while 3 old pods serve. Distractor: a readiness blip on cart 5 min later.")


def sc_pull_2(S):
    infra(S, daemonset=False, coredns=True)
    ns = S.set_ns("payments")
    fraud = http_app(S, ns, "fraud-check", 3, 50, tier="full", mem=300 * MI, mem_lim=768 * MI,
                     image="registry.example.com/payments/fraud-check:8.1.0")
    gw = http_app(S, ns, "gateway", 2, 120, mem=130 * MI)
    S.deployment(ns, "settlement", 1, cpu=0.05, mem=150 * MI)
    S.hpa(gw, 2, 6)
    S.scale(gw, S.ago(50), 3)
    err = ('rpc error: code = Unknown desc = failed to pull and unpack image "registry.internal.example.com/payments/fraud-check:8.2.0": '
           'failed to resolve reference "registry.internal.example.com/payments/fraud-check:8.2.0": pull access denied, repository does not '
           'exist or may require authorization: server message: insufficient_scope: authorization failed')
    S.rollout(fraud, S.ago(24), image="registry.internal.example.com/payments/fraud-check:8.2.0", mode="pull", pull_err=err)
    S.expect("image-pull-after-rollout", ns, "deployment/fraud-check", "image-pull", "undo",
             "fraud-check was rolled out to an image on a registry the nodes cannot pull from (pull access denied): the new pod is in "
             "ImagePullBackOff, the 3 old pods keep serving. Distractor: the gateway HPA scaled 2->3 26 min earlier.")


def sc_capacity_1(S):
    infra(S, nodes=4, daemonset=False)
    ns = S.set_ns("shop")
    web = http_app(S, ns, "web", 3, 140, tier="full", mem=200 * MI, cpu_req=1.5, cpu_per_req=0.012)
    http_app(S, ns, "cart", 2, 40, mem=250 * MI, cpu_req=0.5)
    http_app(S, ns, "catalog", 2, 60, mem=200 * MI, cpu_req=0.5)
    S.hpa(web, 3, 12)
    node4 = S.nodes[3]
    node4.cordoned_at = S.ago(120)
    S.ev_node(node4, "NodeNotSchedulable", "Node %s status is now: NodeNotSchedulable" % node4.name, node4.cordoned_at)
    onset = S.ago(35)
    web.load_fn = lambda t, o=onset: 1.0 + 1.2 * min(1.0, max(0.0, (t - o) / 600.0))
    made = S.scale(web, onset + 240, 5)
    made += S.scale(web, onset + 540, 7)
    pend = make_pending(S, made, 3,
                        "0/4 nodes are available: 1 node(s) were unschedulable, 3 Insufficient cpu. preemption: 0/4 nodes are available: "
                        "1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.")
    S.expect("insufficient-capacity", ns, "deployment/web", "insufficient-capacity", None,
             "A traffic rise makes the web HPA scale 3->7 (max 12) 35 min before the end; %d new pods stay Pending with FailedScheduling "
             "'3 Insufficient cpu' (one node is cordoned). No rollout. Distractor: %s was cordoned 2 h ago." % (pend, node4.name))


def sc_capacity_2(S):
    infra(S, cpu=8, mem_gi=32)
    ns = S.set_ns("batch")
    bw = S.deployment(ns, "report-worker", 2, tier="full", cpu=0.6, cpu_req=1.0, cpu_lim=2.0, mem=9 * GI, mem_req=12 * GI,
                      mem_lim=14 * GI, comm="java")
    S.deployment(ns, "report-api", 2, http=True, rps=8, cpu=0.04, mem=180 * MI)
    S.cronjob(ns, "report-cleanup", 30, 90, cpu=0.1, mem=100 * MI)
    web = http_app(S, "shop", "web", 2, 80, mem=160 * MI)
    S.rollout(web, S.ago(47), image="registry.example.com/shop/web:2.0.7")
    made = S.scale(bw, S.ago(42), 8, by="user")
    pend = make_pending(S, made, 3,
                        "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims "
                        "found for incoming pod.")
    S.expect("insufficient-capacity", ns, "deployment/report-worker", "insufficient-capacity", None,
             "report-worker was scaled 2->8 by hand 42 min before the end; each pod requests 12Gi and %d of them stay Pending "
             "with '3 Insufficient memory'. No rollout of report-worker. Distractor: a healthy rollout of shop/web 5 min before." % pend)


def sc_volume_1(S):
    infra(S, daemonset=False)
    ns = S.set_ns("shop")
    web = http_app(S, ns, "web", 3, 100, mem=160 * MI)
    orders = http_app(S, ns, "orders", 2, 30, mem=220 * MI)
    pg = S.statefulset(ns, "postgres", 1, image="postgres:16.4", container="postgres", tier="full", cpu=0.1, mem=600 * MI,
                       mem_lim=2 * GI, pvc=("data", 50, "standard-rwo"), comm="postgres")
    v = pg.pvc_objs[0]
    v["used"] = filling(S, v, at_end=0.86, hours_to_full=2.2)
    S.rollout(orders, S.ago(30), image="registry.example.com/shop/orders:5.0.2")
    S.old_oom(web.pods[2], S.ago(120))
    S.expect("volume-filling", ns, "persistentvolumeclaim/%s" % v["name"], "volume-filling", "expand-pvc",
             "postgres's volume data-postgres-0 (50Gi, StorageClass standard-rwo allows expansion) fills steadily and is 86 % used at "
             "the end, forecast full in ~2.2 h. Distractors: a healthy orders rollout, an old OOM kill on web.")


def sc_volume_2(S):
    infra(S, daemonset=False)
    S.storageclass("premium-rwo", "pd.csi.storage.gke.io", expand=True)
    ns = S.set_ns("streaming")
    kafka = S.statefulset(ns, "kafka", 3, image="apache/kafka:3.8.0", container="kafka", tier="full", cpu=0.2, mem=1400 * MI,
                          mem_lim=3 * GI, pvc=("data", 100, "premium-rwo"), comm="java")
    S.deployment(ns, "ingest", 2, http=True, rps=150, mem=200 * MI)
    http_app(S, "shop", "web", 2, 80, mem=160 * MI)
    k1 = kafka.pvc_objs[1]
    k1["used"] = filling(S, k1, at_end=0.82, hours_to_full=3.0)
    k2 = kafka.pvc_objs[2]
    k2["used"] = S._flat_used(k2, 0.89)
    k0 = kafka.pvc_objs[0]
    t_exp = S.ago(100)
    k0["req_end"] = 150 * GI
    k0["cap_at"] = lambda t, t_exp=t_exp: 150 * GI if t >= t_exp + 40 else 100 * GI
    k0["used"] = lambda t: 66 * GI + GI * 0.3 * math.sin(t / 1200.0)
    S.ev_obj("PersistentVolumeClaim", "v1", ns, k0["name"], k0["uid"], "ExternalExpanding",
             "waiting for an external controller to expand this PVC", t_exp, comp="volume_expand")
    S.ev_obj("PersistentVolumeClaim", "v1", ns, k0["name"], k0["uid"], "Resizing",
             "External resizer is resizing volume pvc-%s" % k0["uid"], t_exp + 1, comp="external-resizer pd.csi.storage.gke.io")
    S.ev_obj("PersistentVolumeClaim", "v1", ns, k0["name"], k0["uid"], "FileSystemResizeSuccessful",
             "MountVolume.NodeExpandVolume succeeded for volume \"pvc-%s\" %s" % (k0["uid"], k0["pod"].node.name), t_exp + 38)
    n2 = S.nodes[1]
    S.ev_node(n2, "NodeHasDiskPressure", "Node %s status is now: NodeHasDiskPressure" % n2.name, S.ago(150))
    S.ev_node(n2, "NodeHasNoDiskPressure", "Node %s status is now: NodeHasNoDiskPressure" % n2.name, S.ago(143))
    n2.disk_pressure_cleared = S.ago(143)
    S.expect("volume-filling", ns, "persistentvolumeclaim/%s" % k1["name"], "volume-filling", "expand-pvc",
             "kafka-1's volume data-kafka-1 grows steadily to 82 %% of 100Gi, forecast full in ~3 h (premium-rwo allows expansion). "
             "Distractors: data-kafka-2 sits flat at 89 %%, data-kafka-0 was expanded to 150Gi 100 min ago, %s had brief disk pressure." % n2.name)


def sc_dependency_1(S):
    infra(S, daemonset=False)
    ns = S.set_ns("shop")
    co = http_app(S, ns, "checkout", 2, 40, tier="app", hist=True, mem=260 * MI, err={"500": 0.0005, "503": 0.0}, lat=(0.014, 0.5))
    web = http_app(S, ns, "web", 2, 110, mem=160 * MI)
    http_app(S, ns, "cart", 1, 35, mem=220 * MI)
    S.hpa(web, 2, 6)
    onset = S.ago(28)
    for p in co.pods:
        p.err_fn = err_after(onset, {"503": 0.27}, ramp=120)
        p.lat_fn = lambda pod, t, o=onset: (0.014, 0.5) if t < o else (0.02, 1.5)
    S.scale(web, S.ago(70), 3)
    S.scale(web, S.ago(15), 2)
    S.expect("dependency-failure", ns, "deployment/checkout", "dependency-failure", None,
             "From 28 min before the end ~27 % of checkout's requests fail with 503 and its p99 latency rises (its payment provider "
             "times out); no rollout, no restarts, CPU and memory normal. Distractor: the web HPA scales 2->3->2.")


def sc_dependency_2(S):
    infra(S)
    ns = S.set_ns("edge")
    api = http_app(S, ns, "api", 3, 160, tier="full", mem=180 * MI, err={"500": 0.0003})
    auth = http_app(S, ns, "auth", 2, 50, mem=120 * MI)
    docs = http_app(S, ns, "docs", 1, 10, mem=90 * MI)
    S.cronjob(ns, "token-rotation", 60, 45, cpu=0.05, mem=60 * MI)
    onset = S.ago(18)
    for p in api.pods:
        p.err_fn = err_after(onset, {"500": 0.41}, ramp=20)
    S.rollout(auth, S.ago(29), image="registry.example.com/edge/auth:4.9.0")
    S.old_oom(docs.pods[0], S.ago(100))
    S.expect("dependency-failure", ns, "deployment/api", "dependency-failure", None,
             "18 min before the end ~41 % of api's requests start failing with 500 at once (its database is down); no rollout of api, "
             "no restarts, no resource pressure. Distractors: auth was rolled out 11 min before the onset and is fine, docs had an "
             "OOM kill 100 min ago.")


def sc_healthy_1(S):
    infra(S)
    ns = S.set_ns("shop")
    web = http_app(S, ns, "web", 2, 120, tier="app", mem=170 * MI, cpu_per_req=0.006)
    cart = http_app(S, ns, "cart", 3, 40, tier="full", mem=260 * MI, mem_lim=512 * MI, comm="java")
    cat = http_app(S, ns, "catalog", 2, 60, mem=210 * MI)
    redis(S, ns)
    S.hpa(web, 2, 6)
    S.scale(web, S.ago(110), 4)
    S.scale(web, S.ago(52), 3)
    S.blip(cart.pods[1], S.ago(37))
    S.old_oom(cart.pods[0], S.ago(155))
    S.rollout(cat, S.ago(25), image="registry.example.com/shop/catalog:2.8.1")
    S.expect("healthy", None, None, None, None,
             "Nothing is wrong: daily cycles with noise, the web HPA scales 2->4->3 within its limits, a 25 s readiness blip on a cart pod, "
             "an OOM kill on cart 2.5 h ago (memory now far from the limit), a routine catalog rollout 25 min before the end.")


def sc_healthy_2(S):
    infra(S, daemonset=False)
    ns = S.set_ns("payments")
    gw = http_app(S, ns, "gateway", 2, 150, mem=140 * MI)
    led = http_app(S, ns, "ledger-api", 2, 45, tier="app", hist=True, mem=300 * MI, lat=(0.02, 0.6))
    S.deployment(ns, "settlement", 1, cpu=0.06, mem=160 * MI, tier="full", cpu_lim=0.5)
    S.statefulset(ns, "postgres", 1, image="postgres:16.4", container="postgres", cpu=0.08, mem=700 * MI, mem_lim=2 * GI,
                  pvc=("data", 100, "standard-rwo"), comm="postgres")
    S.cronjob(ns, "reconcile", 60, 300, cpu=0.4, mem=400 * MI, mem_lim=1 * GI)
    S.hpa(gw, 2, 8)
    S.scale(gw, S.ago(80), 4)
    S.scale(gw, S.ago(35), 3)
    S.rollout(led, S.ago(15), image="registry.example.com/payments/ledger-api:6.4.1")
    S.blip(gw.pods[1], S.ago(64), msg='Get "http://%s:8080/ready": context deadline exceeded (Client.Timeout exceeded while awaiting headers)' % gw.pods[1].ip)
    S.expect("healthy", None, None, None, None,
             "Nothing is wrong: the gateway HPA scales 2->4->3 within range, ledger-api is rolled out 15 min before the end with "
             "unchanged latency, a readiness probe timeout on one gateway pod, an hourly reconcile CronJob.")


def sc_healthy_3(S):
    infra(S, daemonset=False)
    ns = S.set_ns("edge")
    api = http_app(S, ns, "api", 3, 160, tier="app", mem=180 * MI, err={"500": 0.001, "503": 0.0004})
    http_app(S, ns, "auth", 2, 50, mem=120 * MI)
    etl = S.deployment("data", "etl-worker", 2, tier="full", cpu=0.4, cpu_req=0.5, cpu_lim=1.0, mem=800 * MI, mem_req=1 * GI,
                       mem_lim=int(1.5 * GI))
    burst = S.ago(47)
    for p in api.pods:
        p.err_fn = lambda pod, t, a=burst: {"500": 0.001, "503": 0.02 if a <= t < a + 40 else 0.0004}
    S.old_oom(etl.pods[1], S.ago(175))
    S.expect("healthy", None, None, None, None,
             "Nothing is wrong: a 40 s burst of 2 % 503s on api 47 min before the end (self-healed), an etl-worker OOM kill ~3 h ago "
             "with memory now ~55 % of the limit, normal daily cycles.")


SCENARIOS = [
    ("memory-limit-1", sc_memory_limit_1),
    ("memory-limit-2", sc_memory_limit_2),
    ("memory-limit-3", sc_memory_limit_3),
    ("crashloop-after-rollout-1", sc_crashloop_1),
    ("crashloop-after-rollout-2", sc_crashloop_2),
    ("latency-regression-1", sc_latency_1),
    ("latency-regression-2", sc_latency_2),
    ("node-failure-1", sc_node_failure_1),
    ("node-failure-2", sc_node_failure_2),
    ("cpu-saturation-1", sc_cpu_1),
    ("cpu-saturation-2", sc_cpu_2),
    ("memory-leak-1", sc_leak_1),
    ("memory-leak-2", sc_leak_2),
    ("image-pull-after-rollout-1", sc_pull_1),
    ("image-pull-after-rollout-2", sc_pull_2),
    ("insufficient-capacity-1", sc_capacity_1),
    ("insufficient-capacity-2", sc_capacity_2),
    ("volume-filling-1", sc_volume_1),
    ("volume-filling-2", sc_volume_2),
    ("dependency-failure-1", sc_dependency_1),
    ("dependency-failure-2", sc_dependency_2),
    ("healthy-1", sc_healthy_1),
    ("healthy-2", sc_healthy_2),
    ("healthy-3", sc_healthy_3),
]


# --------------------------------------------------------------------------- driver

def plan_replicas(name, fn, hours, step, end, pods):
    """--pods: spread `pods` pods over the main namespace's Deployments (largest remainder)."""
    S = Sim(name, hours, step, end)
    fn(S)
    base = [(wl.name, wl.pods and len([p for p in wl.pods if p.created < S.start])) for wl in S.workloads
            if wl.ns == S.main_ns and wl.kind == "Deployment"]
    fixed = sum(len([p for p in wl.pods if p.created < S.start]) for wl in S.workloads
                if wl.ns == S.main_ns and wl.kind != "Deployment")
    want = max(len(base), pods - fixed)
    tot = float(sum(b for _, b in base))
    raw = [(n, b * want / tot) for n, b in base]
    plan = {n: max(1, int(r)) for n, r in raw}
    rest = want - sum(plan.values())
    for n, r in sorted(raw, key=lambda x: -(x[1] - int(x[1]))):
        if rest <= 0:
            break
        plan[n] += 1
        rest -= 1
    return plan, {(S.main_ns, n): b for n, b in base}


def build(name, fn, hours, step, end, pods=None):
    plan, base = ({}, {})
    if pods:
        plan, base = plan_replicas(name, fn, hours, step, end, pods)
    S = Sim(name, hours, step, end, pods, plan)
    S._base_replicas = base
    fn(S)
    return S


def write_scenario(name, fn, out_dir, hours, step, end, pods=None):
    S = build(name, fn, hours, step, end, pods)
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    simulate(S, os.path.join(d, "metrics.om"))
    dump_json(events_list(S), os.path.join(d, "events.json"))
    dump_json(cluster_list(S), os.path.join(d, "cluster.json"))
    dump_json(S.expected, os.path.join(d, "expected.json"))
    return d, S


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 epilog="The committed bundle is written with --hours %d --step %d; --check uses those unless told otherwise." % (BUNDLE_HOURS, DEFAULT_STEP),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="directory to write <scenario>/ folders into (required, except with --check, whose default is "
                    "the committed bundle sample-metrics/scenarios)")
    ap.add_argument("--hours", type=float, help="length of the recording in hours (default %d; %d with --check); at least 3" % (DEFAULT_HOURS, BUNDLE_HOURS))
    ap.add_argument("--step", type=int, default=DEFAULT_STEP, help="scrape interval in seconds (default %(default)s)")
    ap.add_argument("--only", action="append", metavar="NAME", help="generate only this scenario (repeatable)")
    ap.add_argument("--pods", type=int, help="scale the Deployments of the scenario's main namespace to about N pods in all (benchmarks)")
    ap.add_argument("--end", default=ts(END_DEFAULT), help="end of the recording, RFC 3339 UTC (default %(default)s)")
    ap.add_argument("--check", action="store_true", help="regenerate into a temp dir and compare with --out (default: the committed bundle); exit 1 on any difference")
    ap.add_argument("--list", action="store_true", help="list the scenarios and their expected diagnosis, then exit")
    ap.add_argument("--force", action="store_true", help="allow writing into the committed bundle with other settings than --hours %d --step %d" % (BUNDLE_HOURS, DEFAULT_STEP))
    a = ap.parse_args(argv)
    names = dict(SCENARIOS)
    if a.list:
        for n, fn in SCENARIOS:
            S = Sim(n, BUNDLE_HOURS, 600, END_DEFAULT)
            fn(S)
            i = S.expected["incident"]
            print("%-28s %s" % (n, "healthy (no incident)" if i is None else "%s %s %s -> %s" % (i["namespace"] or "-", i["workload"], i["cause"], i["action"])))
        return 0
    for n in a.only or []:
        if n not in names:
            ap.error("unknown scenario %r (try --list)" % n)
    chosen = [(n, fn) for n, fn in SCENARIOS if not a.only or n in a.only]
    hours = a.hours if a.hours is not None else (BUNDLE_HOURS if a.check else DEFAULT_HOURS)
    if hours < 3:
        ap.error("--hours must be at least 3 (incidents start up to 75 min before the end and need a baseline)")
    if a.step < 1 or a.step > 300:
        ap.error("--step must be between 1 and 300 seconds")
    try:
        end = calendar.timegm(time.strptime(a.end, "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        ap.error("--end must look like 2026-11-30T00:00:00Z")
    if not a.out and not a.check:
        ap.error("--out is required (the committed bundle: --hours %d --step %d --out sample-metrics/scenarios)" % (BUNDLE_HOURS, DEFAULT_STEP))
    out = a.out or BUNDLE_DIR
    if (not a.check and os.path.realpath(out) == os.path.realpath(BUNDLE_DIR) and not a.force
            and (hours != BUNDLE_HOURS or a.step != DEFAULT_STEP or a.pods or a.end != ts(END_DEFAULT))):
        ap.error("the committed bundle is written with --hours %d --step %d and default --end/--pods; use --force to override" % (BUNDLE_HOURS, DEFAULT_STEP))
    if a.check:
        with tempfile.TemporaryDirectory(prefix="vigil-check-") as tmp:
            bad = 0
            for n, fn in chosen:
                write_scenario(n, fn, tmp, hours, a.step, end, a.pods)
                for f in ("metrics.om", "events.json", "cluster.json", "expected.json"):
                    mine, theirs = os.path.join(tmp, n, f), os.path.join(out, n, f)
                    if not os.path.exists(theirs):
                        print("MISSING %s" % theirs)
                        bad += 1
                    elif not filecmp.cmp(mine, theirs, shallow=False):
                        print("DIFFERS %s" % theirs)
                        bad += 1
            if not a.only:
                extra = sorted(set(d for d in os.listdir(out) if os.path.isdir(os.path.join(out, d))) - set(names))
                for d in extra:
                    print("EXTRA   %s (not made by the generator)" % os.path.join(out, d))
                    bad += 1
            print("check: %d scenario(s), %s" % (len(chosen), "OK" if not bad else "%d difference(s)" % bad))
            return 1 if bad else 0
    os.makedirs(out, exist_ok=True)
    for n, fn in chosen:
        t0 = time.time()
        d, S = write_scenario(n, fn, out, hours, a.step, end, a.pods)
        size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        print("%-28s %4d pods %8.2f MB  %.1fs" % (n, len(S.pods), size / 1e6, time.time() - t0), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
