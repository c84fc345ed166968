#!/usr/bin/env python3
"""Lint, render, assert on, validate and package the Helm chart, offline.

Usage: chart_check.py lint|test [CHART] [OUTDIR]     (defaults: chart target/chart)

lint: `helm lint --strict` with the real Helm engine (helm-python-sdk) at the chart's
      minimum Kubernetes version and the newest one, with the default values and with
      every chart/examples/*.yaml: no finding at all (errors, warnings or info) passes.
test: lint, then render every workload kind with the default values and with each
      example; assert on the rendered objects; reject bad values through the schema;
      validate every rendered manifest with kubernetes-validate (strict) against every
      Kubernetes version from the chart's minimum to 1.37; check the Pod Security
      Standard "restricted"; package the chart. Rendered manifests go to OUTDIR/rendered,
      the package to OUTDIR.
Prints one line per check and a summary; exits 1 if any check failed.
"""
import copy
import os
import re
import sys
import tarfile
import traceback

import helm_python as helm
import kubernetes_validate
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pss_restricted  # noqa: E402 (next to this file)

NEWEST_KUBE = "1.37.0"
# The first Kubernetes with backoffLimitPerIndex on by default (beta; GA in 1.33).
PER_INDEX_KUBE = "1.29.0"
RELEASE = "demo"
NAMESPACE = "links"
FULLNAME = f"{RELEASE}-link-extractor"
CONTAINER = "link-extractor"
URLS_FILE = "/etc/link-extractor/urls.txt"

POD_SECURITY_CONTEXT = {
    "runAsNonRoot": True,
    "runAsUser": 65532,
    "runAsGroup": 65532,
    "seccompProfile": {"type": "RuntimeDefault"},
}
CONTAINER_SECURITY_CONTEXT = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "privileged": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "runAsUser": 65532,
    "runAsGroup": 65532,
    "seccompProfile": {"type": "RuntimeDefault"},
}
POD_FAILURE_POLICY = {
    "rules": [
        {
            "action": "FailJob",
            "onExitCodes": {"containerName": CONTAINER, "operator": "In", "values": [2]},
            "onPodConditions": [],
        },
        {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]},
    ]
}


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, name):
        self.passed += 1
        print(f"ok   - {name}")

    def fail(self, name, detail=""):
        self.failed += 1
        print(f"FAIL - {name}")
        for line in str(detail).splitlines():
            print(f"       {line}")

    def equal(self, name, expected, actual):
        if expected == actual:
            self.ok(name)
        else:
            self.fail(name, f"expected: {expected!r}\nactual:   {actual!r}")

    def run(self, name, fn, *args):
        """Runs fn(*args), which raises AssertionError (or anything) on failure."""
        try:
            fn(*args)
        except AssertionError as e:
            self.fail(name, e)
        except Exception:  # noqa: BLE001 (report any failure as a failed check)
            self.fail(name, traceback.format_exc())
        else:
            self.ok(name)


def eq(what, expected, actual):
    if expected != actual:
        raise AssertionError(f"{what}:\n  expected: {expected!r}\n  actual:   {actual!r}")


def deep_merge(base, override):
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def chart_min_kube(chart_yaml):
    m = re.search(r">=\s*v?(\d+)\.(\d+)", chart_yaml.get("kubeVersion", ""))
    if not m:
        raise SystemExit("chart/Chart.yaml: kubeVersion must be '>=X.Y...'")
    return f"{m.group(1)}.{m.group(2)}.0"


def kube_versions(minimum):
    """Every Kubernetes minor from the chart's minimum to the newest kubernetes-validate knows."""
    lo = int(minimum.split(".")[1])
    hi = int(NEWEST_KUBE.split(".")[1])
    return [f"1.{m}.0" for m in range(lo, hi + 1)]


class Renderer:
    def __init__(self, chart_dir):
        self.chart = helm.Chart.load(chart_dir)

    def render(self, values, name=RELEASE, revision=1, upgrade=False):
        """The objects the chart renders: (workload objects, test hook objects, NOTES)."""
        files = self.chart.render(
            values, name=name, namespace=NAMESPACE, revision=revision,
            is_install=not upgrade, is_upgrade=upgrade,
        )
        objects, hooks, notes = [], [], ""
        for path, text in sorted(files.items()):
            if path.endswith("NOTES.txt"):
                notes = text
                continue
            docs = [d for d in yaml.safe_load_all(text) if d]
            (hooks if "/templates/tests/" in path else objects).extend(docs)
        return objects, hooks, notes


# ---- what a rendered workload must be --------------------------------------------------

def expected_labels(chart_meta):
    return {
        "helm.sh/chart": f"link-extractor-{chart_meta['version']}",
        "app.kubernetes.io/name": "link-extractor",
        "app.kubernetes.io/instance": RELEASE,
        "app.kubernetes.io/version": str(chart_meta["appVersion"]),
        "app.kubernetes.io/managed-by": "Helm",
    }


def crawl_args(crawl):
    """The crawl options the values ask for, in `link-extractor --help` order; none
    unless crawl.depth is above 0 or crawl.sitemap is true."""
    if not (crawl["depth"] > 0 or crawl["sitemap"]):
        return []
    args = ["--depth", str(crawl["depth"])] if crawl["depth"] > 0 else []
    if crawl["sitemap"]:
        args.append("--sitemap")
    if crawl.get("scope") is not None:
        args += ["--scope", crawl["scope"]]
    for pattern in crawl["include"]:
        args += ["--include", pattern]
    for pattern in crawl["exclude"]:
        args += ["--exclude", pattern]
    for key, option in (("maxPages", "--max-pages"), ("perHost", "--per-host"), ("delay", "--delay")):
        if crawl.get(key) is not None:
            args += [option, str(crawl[key])]
    if crawl["ignoreRobots"]:
        args.append("--ignore-robots")
    return args


def expected_args(values):
    args = ["-o", values["output"]]
    if values["workload"]["kind"] == "IndexedJob":
        args += ["-i", URLS_FILE, "--shard", f"auto/{values['workload']['indexedJob']['completions']}"]
    else:
        for url in values["urls"]:
            args += ["-u", url]
    return args + crawl_args(values["crawl"]) + list(values["args"])


def check_labels(where, labels, want, extra=None):
    want = dict(want, **(extra or {}))
    eq(f"{where} labels", want, labels)


def check_pod_spec(where, spec, values, chart_meta, configmap_name=None):
    eq(f"{where} restartPolicy", "Never", spec.get("restartPolicy"))
    eq(f"{where} automountServiceAccountToken", False, spec.get("automountServiceAccountToken"))
    eq(f"{where} enableServiceLinks", False, spec.get("enableServiceLinks"))
    eq(f"{where} pod securityContext", POD_SECURITY_CONTEXT, spec.get("securityContext"))
    eq(f"{where} container names", [CONTAINER], [c["name"] for c in spec["containers"]])
    c = spec["containers"][0]
    image = values["image"]
    eq(f"{where} image", f"{image['repository']}:{image['tag'] or chart_meta['appVersion']}", c["image"])
    eq(f"{where} imagePullPolicy", image["pullPolicy"], c["imagePullPolicy"])
    eq(f"{where} args", expected_args(values), c["args"])
    eq(f"{where} container securityContext", CONTAINER_SECURITY_CONTEXT, c.get("securityContext"))
    eq(f"{where} resources", values["resources"], c.get("resources"))
    eq(f"{where} env", values.get("env") or None, c.get("env"))
    eq(f"{where} terminationMessagePolicy", "FallbackToLogsOnError", c.get("terminationMessagePolicy"))
    if values["workload"]["kind"] == "IndexedJob":
        eq(f"{where} volumeMounts",
           [{"name": "urls", "mountPath": "/etc/link-extractor", "readOnly": True}], c.get("volumeMounts"))
        eq(f"{where} volumes",
           [{"name": "urls", "configMap": {"name": configmap_name, "defaultMode": 0o444}}], spec.get("volumes"))
    else:
        eq(f"{where} volumeMounts", None, c.get("volumeMounts"))
        eq(f"{where} volumes", None, spec.get("volumes"))


def per_index(values):
    """The IndexedJob's backoffLimitPerIndex, if the values set one."""
    if values["workload"]["kind"] != "IndexedJob":
        return None
    return values["workload"]["indexedJob"].get("backoffLimitPerIndex")


def check_job_spec(where, spec, values):
    job = values["workload"]["job"]
    # With a limit per shard, backoffLimit is left out (Kubernetes makes it the maximum).
    backoff = job["backoffLimit"] if per_index(values) is None else None
    eq(f"{where} backoffLimit", backoff, spec.get("backoffLimit"))
    eq(f"{where} activeDeadlineSeconds", job["activeDeadlineSeconds"], spec.get("activeDeadlineSeconds"))
    eq(f"{where} ttlSecondsAfterFinished", job["ttlSecondsAfterFinished"], spec.get("ttlSecondsAfterFinished"))
    eq(f"{where} podFailurePolicy", POD_FAILURE_POLICY, spec.get("podFailurePolicy"))


def check_workload(objects, values, chart_meta, revision=1):
    """Asserts on the objects rendered for `values` (the chart's defaults merged in)."""
    kind = values["workload"]["kind"]
    labels = expected_labels(chart_meta)
    run_name = f"{FULLNAME}-r{revision}"
    by_kind = {}
    for obj in objects:
        by_kind.setdefault(obj["kind"], []).append(obj)
        if obj["kind"] != "Pod":  # a Pod's labels are its pod labels, checked below
            check_labels(f"{obj['kind']} metadata", obj["metadata"].get("labels"), labels)
    want_kinds = {
        "Pod": ["Pod"], "Job": ["Job"], "CronJob": ["CronJob"], "IndexedJob": ["ConfigMap", "Job"],
    }[kind]
    eq("rendered kinds", sorted(want_kinds), sorted(o["kind"] for o in objects))
    pod_labels = dict(labels, **values.get("podLabels", {}))
    if kind == "Pod":
        pod = by_kind["Pod"][0]
        eq("Pod name (revision in it)", run_name, pod["metadata"]["name"])
        check_pod_spec("Pod", pod["spec"], values, chart_meta)
        check_labels("Pod", pod["metadata"]["labels"], pod_labels)
    elif kind in ("Job", "IndexedJob"):
        job = by_kind["Job"][0]
        eq("Job name (revision in it)", run_name, job["metadata"]["name"])
        check_job_spec("Job", job["spec"], values)
        template = job["spec"]["template"]
        check_labels("Job pod template", template["metadata"]["labels"], pod_labels)
        configmap_name = None
        if kind == "IndexedJob":
            n = values["workload"]["indexedJob"]["completions"]
            parallelism = values["workload"]["indexedJob"].get("parallelism") or n
            eq("IndexedJob completionMode", "Indexed", job["spec"].get("completionMode"))
            eq("IndexedJob completions", n, job["spec"].get("completions"))
            eq("IndexedJob parallelism", parallelism, job["spec"].get("parallelism"))
            eq("IndexedJob backoffLimitPerIndex", per_index(values), job["spec"].get("backoffLimitPerIndex"))
            cm = by_kind["ConfigMap"][0]
            configmap_name = cm["metadata"]["name"]
            eq("ConfigMap name (revision in it)", run_name, configmap_name)
            eq("ConfigMap data: the URL list, one per line",
               {"urls.txt": "".join(f"{u}\n" for u in values["urls"])}, cm.get("data"))
            eq("ConfigMap immutable", True, cm.get("immutable"))
            args = template["spec"]["containers"][0]["args"]
            eq("IndexedJob args: -i the mounted list, --shard auto/N",
               ["-i", URLS_FILE, "--shard", f"auto/{n}"], args[2:6])
        else:
            for field in ("completionMode", "completions", "parallelism", "backoffLimitPerIndex"):
                eq(f"Job {field}", None, job["spec"].get(field))
        check_pod_spec("Job pod template", template["spec"], values, chart_meta, configmap_name)
    elif kind == "CronJob":
        cron = by_kind["CronJob"][0]
        cj = values["workload"]["cronJob"]
        eq("CronJob name (stable, no revision)", FULLNAME, cron["metadata"]["name"])
        spec = cron["spec"]
        want = {
            "schedule": cj["schedule"],
            "concurrencyPolicy": cj["concurrencyPolicy"],
            "startingDeadlineSeconds": cj["startingDeadlineSeconds"],
            "successfulJobsHistoryLimit": cj["successfulJobsHistoryLimit"],
            "failedJobsHistoryLimit": cj["failedJobsHistoryLimit"],
            "suspend": cj["suspend"],
            "timeZone": cj["timeZone"] or None,
        }
        eq("CronJob schedule and policies", want, {k: spec.get(k) for k in want})
        check_labels("CronJob jobTemplate", spec["jobTemplate"]["metadata"]["labels"], labels)
        job_spec = spec["jobTemplate"]["spec"]
        check_job_spec("CronJob jobTemplate", job_spec, values)
        check_labels("CronJob pod template", job_spec["template"]["metadata"]["labels"], pod_labels)
        check_pod_spec("CronJob pod template", job_spec["template"]["spec"], values, chart_meta)


def check_test_hook(hooks, values, chart_meta):
    eq("test hooks", ["Pod"], [h["kind"] for h in hooks])
    pod = hooks[0]
    eq("test hook name", f"{FULLNAME}-test", pod["metadata"]["name"])
    eq("test hook annotations",
       {"helm.sh/hook": "test", "helm.sh/hook-delete-policy": "before-hook-creation"},
       pod["metadata"].get("annotations"))
    spec = pod["spec"]
    eq("test hook restartPolicy", "Never", spec.get("restartPolicy"))
    eq("test hook automountServiceAccountToken", False, spec.get("automountServiceAccountToken"))
    eq("test hook pod securityContext", POD_SECURITY_CONTEXT, spec.get("securityContext"))
    c = spec["containers"][0]
    eq("test hook args", values["test"]["args"], c["args"])
    eq("test hook image", f"{values['image']['repository']}:{chart_meta['appVersion']}", c["image"])
    eq("test hook container securityContext", CONTAINER_SECURITY_CONTEXT, c.get("securityContext"))


# ---- the checks ------------------------------------------------------------------------

def lint(checks, chart_dir, versions, examples):
    for version in versions:
        for label, values in [("default values", None)] + [(f"examples/{n}", v) for n, v in examples]:
            result = helm.lint(chart_dir, values, strict=True, kube_version=f"v{version}")
            findings = [f"[{m['severity']}] {m['path']}: {m['error']}" for m in result.get("messages", [])]
            findings += [str(e) for e in result.get("errors", []) if str(e) not in " ".join(findings)]
            if findings:
                checks.fail(f"helm lint --strict, Kubernetes {version}, {label}: no findings", "\n".join(findings))
            else:
                checks.ok(f"helm lint --strict, Kubernetes {version}, {label}: no findings")


def test(checks, chart_dir, out_dir):
    with open(os.path.join(chart_dir, "Chart.yaml")) as f:
        chart_meta = yaml.safe_load(f)
    with open(os.path.join(chart_dir, "values.yaml")) as f:
        defaults = yaml.safe_load(f)
    minimum = chart_min_kube(chart_meta)
    versions = kube_versions(minimum)
    examples_dir = os.path.join(chart_dir, "examples")
    examples = []
    for name in sorted(os.listdir(examples_dir)):
        if name.endswith(".yaml"):
            with open(os.path.join(examples_dir, name)) as f:
                examples.append((name, yaml.safe_load(f)))

    cargo = open(os.path.join(chart_dir, "..", "Cargo.toml")).read()
    m = re.search(r'^version\s*=\s*"([^"]+)"', cargo, re.M)
    checks.equal("Chart.yaml appVersion is the Cargo.toml version", m and m.group(1), str(chart_meta["appVersion"]))
    checks.equal("Chart.yaml kubeVersion", ">=1.25.0-0", chart_meta.get("kubeVersion"))

    lint(checks, chart_dir, [minimum, NEWEST_KUBE], examples)

    r = Renderer(chart_dir)
    rendered_dir = os.path.join(out_dir, "rendered")
    os.makedirs(rendered_dir, exist_ok=True)
    for stale in os.listdir(rendered_dir):
        os.remove(os.path.join(rendered_dir, stale))
    manifests = {}  # case -> list of objects (workload and hooks)

    # Every kind with the default values, then with chosen values, then each example.
    custom = {
        "urls": ["https://a.example/", "http://b.example:8080/x?y=1", "https://c.example/"],
        "output": "json",
        "args": ["-j", "4", "--timeout", "10s"],
        "podLabels": {"team": "sre"},
        "workload": {"indexedJob": {"completions": 3, "parallelism": 2}},
    }
    crawl = {
        "crawl": {
            "depth": 2, "sitemap": True, "scope": "site", "include": ["^https://a\\.example/"],
            "exclude": ["\\?", "[.]pdf$"], "maxPages": 1000000, "perHost": 2, "delay": "1.5s",
            "ignoreRobots": True,
        },
    }
    cases = [("default", {})]
    for kind in ("Pod", "Job", "CronJob", "IndexedJob"):
        cases.append((f"{kind.lower()}-defaults", {"workload": {"kind": kind}}))
        cases.append((f"{kind.lower()}-custom", deep_merge(custom, {"workload": {"kind": kind}})))
        cases.append((f"{kind.lower()}-crawl", deep_merge(deep_merge(custom, crawl), {"workload": {"kind": kind}})))
    cases.append(("sitemap-only", {"crawl": {"sitemap": True}}))
    cases.append(("indexedjob-per-index", {"workload": {"kind": "IndexedJob", "indexedJob": {"backoffLimitPerIndex": 0}}}))
    cases.append(("job-per-index-ignored", {"workload": {"kind": "Job", "indexedJob": {"backoffLimitPerIndex": 1}}}))
    cases += [(f"example-{n[:-5]}", v) for n, v in examples]
    for case, overrides in cases:
        values = deep_merge(defaults, overrides)

        def render_case(case=case, overrides=overrides, values=values):
            objects, hooks, notes = r.render(overrides)
            manifests[case] = objects + hooks
            with open(os.path.join(rendered_dir, f"{case}.yaml"), "w") as f:
                yaml.safe_dump_all(objects + hooks, f, sort_keys=False)
            check_workload(objects, values, chart_meta)
            check_test_hook(hooks, values, chart_meta)
            kind = values["workload"]["kind"]
            for needle in ("kubectl", "logs", f"-n {NAMESPACE}",
                           FULLNAME if kind == "CronJob" else f"{FULLNAME}-r1"):
                if needle not in notes:
                    raise AssertionError(f"NOTES.txt does not mention {needle!r}")
            # A Job with a limit per shard may end Failed: NOTES must not wait for Complete.
            if per_index(values) is not None and ("--watch" not in notes or "condition=Complete" in notes):
                raise AssertionError("NOTES.txt waits for Complete on a Job with backoffLimitPerIndex")

        checks.run(f"render {case} ({values['workload']['kind']}): objects, args, security contexts, "
                   "labels, test hook, NOTES", render_case)
    checks.equal("the default workload kind is Pod", "Pod", defaults["workload"]["kind"])

    # The crawl example, written out: what each of its pods runs, and how its Job fails.
    def crawl_example():
        job = next(o for o in manifests["example-crawl-indexed-job"] if o["kind"] == "Job")
        eq("crawl example args", [
            "-o", "jsonl", "-i", URLS_FILE, "--shard", "auto/3",
            "--depth", "3", "--scope", "prefix", "--exclude", "[?&](page|sort)=",
            "--max-pages", "20000", "--per-host", "2", "--delay", "250ms",
            "-j", "8",
        ], job["spec"]["template"]["spec"]["containers"][0]["args"])
        eq("crawl example Job: one try per shard, no Job-wide backoffLimit",
           {"completionMode": "Indexed", "completions": 3, "parallelism": 3, "backoffLimitPerIndex": 0,
            "backoffLimit": None, "activeDeadlineSeconds": 21600},
           {k: job["spec"].get(k) for k in ("completionMode", "completions", "parallelism",
                                             "backoffLimitPerIndex", "backoffLimit", "activeDeadlineSeconds")})
    checks.run("examples/crawl-indexed-job.yaml: the exact args (--shard auto/3, then the crawl options) "
               "and backoffLimitPerIndex 0", crawl_example)

    # helm upgrade: a new revision gives the Pod/Job/ConfigMap new names; the CronJob keeps its name.
    def upgrade():
        for kind, names in (("Pod", ["Pod"]), ("Job", ["Job"]), ("IndexedJob", ["ConfigMap", "Job"])):
            objects, _, notes = r.render({"workload": {"kind": kind}}, revision=7, upgrade=True)
            eq(f"{kind} upgrade names", {k: f"{FULLNAME}-r7" for k in names},
               {o["kind"]: o["metadata"]["name"] for o in objects})
            if f"{FULLNAME}-r7" not in notes:
                raise AssertionError("NOTES.txt does not name revision 7's object")
        objects, _, _ = r.render({"workload": {"kind": "CronJob"}}, revision=7, upgrade=True)
        eq("CronJob upgrade name", FULLNAME, objects[0]["metadata"]["name"])
    checks.run("helm upgrade (revision 7): Pod, Job, ConfigMap renamed …-r7; CronJob name kept", upgrade)

    def long_names():
        name = "a-very-long-release-name-that-goes-on-and-on-and-on-and-on"
        for kind in ("Pod", "Job", "IndexedJob", "CronJob"):
            objects, hooks, _ = r.render({"workload": {"kind": kind}}, name=name, revision=123)
            eq("test hook name", f"{name[:58]}-test", hooks[0]["metadata"]["name"])
            for obj in objects + hooks:
                limit = 52 if obj["kind"] == "CronJob" else 63
                n = obj["metadata"]["name"]
                if len(n) > limit or n.endswith("-") or not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", n):
                    raise AssertionError(f"{obj['kind']} name {n!r} ({len(n)} characters, limit {limit})")
                if obj in objects and obj["kind"] in ("Pod", "Job", "ConfigMap") and not n.endswith("-r123"):
                    raise AssertionError(f"{obj['kind']} name {n!r} lost its revision")
    checks.run("long release name: names within 63 characters (CronJob 52), revision kept", long_names)

    # Values the schema or the templates must refuse.
    bad_values = [
        ("typo in a nested key", {"workload": {"kindd": "Job"}}, "kindd"),
        ("unknown workload kind", {"workload": {"kind": "Deployment"}}, "/workload/kind"),
        ("typo at the top level", {"imagee": {"tag": "1"}}, "imagee"),
        ("typo in securityContext", {"securityContext": {"allowPrivilegeEscalaton": False}}, "allowPrivilegeEscalaton"),
        ("URL without a scheme", {"urls": ["example.com/"]}, "urls"),
        ("unknown output format", {"output": "xml"}, "output"),
        ("completions 0", {"workload": {"kind": "IndexedJob", "indexedJob": {"completions": 0}}}, "completions"),
        ("runAsUser as a string", {"podSecurityContext": {"runAsUser": "nobody"}}, "runAsUser"),
        ("typo in crawl", {"crawl": {"dept": 2}}, "dept"),
        ("crawl.depth -1", {"crawl": {"depth": -1}}, "/crawl/depth"),
        ("crawl.depth as a string", {"crawl": {"depth": "2"}}, "/crawl/depth"),
        ("unknown crawl.scope", {"crawl": {"depth": 1, "scope": "nowhere"}}, "/crawl/scope"),
        ("crawl.perHost 0", {"crawl": {"depth": 1, "perHost": 0}}, "/crawl/perHost"),
        ("crawl.maxPages 0", {"crawl": {"depth": 1, "maxPages": 0}}, "/crawl/maxPages"),
        ("crawl.delay 0s (link-extractor takes 0, not 0s)", {"crawl": {"depth": 1, "delay": "0s"}}, "/crawl/delay"),
        ("crawl.delay without a number", {"crawl": {"depth": 1, "delay": "soon"}}, "/crawl/delay"),
        ("an empty crawl.include", {"crawl": {"depth": 1, "include": [""]}}, "/crawl/include"),
        ("backoffLimitPerIndex -1", {"workload": {"indexedJob": {"backoffLimitPerIndex": -1}}}, "backoffLimitPerIndex"),
    ]
    for label, overrides, needle in bad_values:
        def reject(overrides=overrides, needle=needle):
            try:
                r.render(overrides)
            except helm.HelmValuesError as e:
                if needle not in str(e):
                    raise AssertionError(f"the error does not name {needle!r}: {e}")
                return
            raise AssertionError("rendered without a HelmValuesError")
        checks.run(f"values schema rejects: {label}", reject)

    bad_renders = [
        ("no urls and no args", {"urls": []}, "set urls"),
        ("IndexedJob without urls", {"workload": {"kind": "IndexedJob"}, "urls": [], "args": ["-u", "https://a/"]},
         "reads its URLs from the urls value"),
        ("crawl.scope without a crawl", {"crawl": {"scope": "prefix"}}, "crawl.scope applies when crawling"),
        ("crawl.include without a crawl", {"crawl": {"include": ["/docs/"]}}, "crawl.include applies when crawling"),
        ("crawl.perHost without a crawl", {"crawl": {"perHost": 2}}, "crawl.perHost applies when crawling"),
        ("crawl.ignoreRobots without a crawl", {"crawl": {"ignoreRobots": True}}, "crawl.ignoreRobots applies when crawling"),
    ]
    for label, overrides, needle in bad_renders:
        def refuse(overrides=overrides, needle=needle):
            try:
                r.render(overrides)
            except helm.HelmError as e:
                if needle not in str(e):
                    raise AssertionError(f"the error does not say {needle!r}: {e}")
                return
            raise AssertionError("rendered without an error")
        checks.run(f"templates refuse: {label}", refuse)

    # Kubernetes OpenAPI schemas, strict (unknown fields are errors), every version.
    def needs_per_index(objects):
        return any(o["kind"] == "Job" and "backoffLimitPerIndex" in o["spec"] for o in objects)

    def kube_tuple(version):
        return tuple(int(p) for p in version.split("."))

    for version in versions:
        def validate(version=version):
            errors = []
            for case, objects in manifests.items():
                if needs_per_index(objects) and kube_tuple(version) < kube_tuple(PER_INDEX_KUBE):
                    continue  # documented as Kubernetes 1.29+ (the field is unknown before 1.28)
                for obj in objects:
                    try:
                        kubernetes_validate.validate(obj, version, strict=True)
                    except kubernetes_validate.SchemaNotFoundError as e:
                        errors.append(f"{case}: {obj['kind']}: no schema (a removed or unknown apiVersion): {e}")
                    except kubernetes_validate.ValidationError as e:
                        errors.append(f"{case}: {obj['kind']}/{obj['metadata']['name']}: {e.message} at {list(e.path)}")
            if errors:
                raise AssertionError("\n".join(errors))
        count = sum(len(objs) for case, objs in manifests.items()
                    if not (needs_per_index(objs) and kube_tuple(version) < kube_tuple(PER_INDEX_KUBE)))
        skipped = "" if kube_tuple(version) >= kube_tuple(PER_INDEX_KUBE) else \
            " (the backoffLimitPerIndex cases only from 1.29)"
        checks.run(f"kubernetes-validate --strict, Kubernetes {version}: {count} rendered objects{skipped}", validate)

    def validator_catches_typo():
        obj = copy.deepcopy(manifests["job-defaults"][0])
        sc = obj["spec"]["template"]["spec"]["containers"][0]["securityContext"]
        sc["allowPrivilegeEscalaton"] = sc.pop("allowPrivilegeEscalation")
        try:
            kubernetes_validate.validate(obj, NEWEST_KUBE, strict=True)
        except kubernetes_validate.ValidationError:
            return
        raise AssertionError("a misspelt field passed validation")
    checks.run("kubernetes-validate --strict rejects a misspelt field (control)", validator_catches_typo)

    # Pod Security Standard "restricted".
    def pss():
        found = []
        pods = 0
        for case, objects in manifests.items():
            for obj in objects:
                pods += sum(1 for _ in pss_restricted.pod_templates(obj))
                found += [f"{case}: {v}" for v in pss_restricted.violations(obj)]
        if found:
            raise AssertionError("\n".join(found))
        if pods < len(manifests) * 2:
            raise AssertionError(f"only {pods} pod specs checked")
    checks.run("Pod Security Standard restricted: every rendered pod spec, test hooks included", pss)

    loosened = [
        ("allowPrivilegeEscalation: true", {"securityContext": {"allowPrivilegeEscalation": True}}, "privilege escalation"),
        ("seccomp Unconfined", {"podSecurityContext": {"seccompProfile": {"type": "Unconfined"}},
                                "securityContext": {"seccompProfile": {"type": "Unconfined"}}}, "seccomp"),
        ("capabilities not dropped", {"securityContext": {"capabilities": {"drop": []}}}, "capabilities"),
        ("runAsUser 0", {"podSecurityContext": {"runAsUser": 0, "runAsNonRoot": False},
                         "securityContext": {"runAsUser": 0, "runAsNonRoot": False}}, "non-root"),
    ]
    for label, overrides, needle in loosened:
        def flagged(overrides=overrides, needle=needle):
            objects, _, _ = r.render(deep_merge({"workload": {"kind": "Job"}}, overrides))
            found = [v for obj in objects for v in pss_restricted.violations(obj)]
            if not any(needle in v for v in found):
                raise AssertionError(f"not flagged; violations found: {found}")
        checks.run(f"the PSS check flags values that loosen it: {label}", flagged)

    # Package, then render the package as a user's `helm install link-extractor-X.tgz` would.
    def package():
        os.makedirs(out_dir, exist_ok=True)
        path = helm.package(chart_dir, destination=out_dir)
        eq("package name", f"link-extractor-{chart_meta['version']}.tgz", os.path.basename(path))
        with tarfile.open(path) as tgz:
            names = set(tgz.getnames())
            for want in ("Chart.yaml", "values.yaml", "values.schema.json", "README.md",
                         "templates/NOTES.txt", "templates/_helpers.tpl", "templates/tests/test-run.yaml",
                         "examples/indexed-job.yaml", "examples/crawl-indexed-job.yaml"):
                if f"link-extractor/{want}" not in names:
                    raise AssertionError(f"the package lacks {want}: {sorted(names)}")
        packaged = helm.Chart.load(path)
        try:
            a = packaged.render({"workload": {"kind": "IndexedJob"}}, name=RELEASE, namespace=NAMESPACE)
        finally:
            packaged.close()
        b = r.chart.render({"workload": {"kind": "IndexedJob"}}, name=RELEASE, namespace=NAMESPACE)
        eq("the package renders as the directory does", b, a)
        print(f"       {path} ({os.path.getsize(path)} bytes, {helm.digest(path)})")
    checks.run("helm package", package)


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("lint", "test"):
        sys.exit(__doc__)
    chart_dir = sys.argv[2] if len(sys.argv) > 2 else "chart"
    out_dir = sys.argv[3] if len(sys.argv) > 3 else os.path.join("target", "chart")
    checks = Checks()
    print(f"helm SDK {helm.helm_sdk_version()}, kubernetes-validate {kubernetes_validate.__version__}")
    if sys.argv[1] == "lint":
        with open(os.path.join(chart_dir, "Chart.yaml")) as f:
            minimum = chart_min_kube(yaml.safe_load(f))
        examples = []
        examples_dir = os.path.join(chart_dir, "examples")
        for name in sorted(os.listdir(examples_dir)):
            if name.endswith(".yaml"):
                with open(os.path.join(examples_dir, name)) as f:
                    examples.append((name, yaml.safe_load(f)))
        lint(checks, chart_dir, [minimum, NEWEST_KUBE], examples)
    else:
        test(checks, chart_dir, out_dir)
    print(f"chart-{sys.argv[1]}: {checks.passed} passed, {checks.failed} failed")
    sys.exit(1 if checks.failed else 0)


if __name__ == "__main__":
    main()
