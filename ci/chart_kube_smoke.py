#!/usr/bin/env python3
"""Render the chart's Pod or IndexedJob for `podman kube play` (used by ci/image.sh test).

Usage: chart_kube_smoke.py CHART OUT_YAML KIND SHARDS IMAGE_REPO IMAGE_TAG URL...

KIND Pod: the rendered Pod as it is. KIND IndexedJob: podman 4.3 does not run Jobs, so
the Job's pod template becomes SHARDS Pods, pod i with JOB_COMPLETION_INDEX=i (what the
Job controller sets), after the rendered ConfigMap they mount. Writes the YAML to
OUT_YAML and prints, one line per container podman creates, in shard order, the pod's
name and the container's (POD-CONTAINER), separated by a space.
"""
import copy
import sys

import helm_python as helm
import yaml


def main():
    if len(sys.argv) < 8:
        sys.exit(__doc__)
    chart, out, kind, shards, repo, tag = sys.argv[1:7]
    urls = sys.argv[7:]
    values = {
        "workload": {"kind": kind, "indexedJob": {"completions": int(shards)}},
        "urls": urls,
        "image": {"repository": repo, "tag": tag, "pullPolicy": "Never"},
        "test": {"enabled": False, "args": []},
    }
    ch = helm.Chart.load(chart)
    try:
        files = ch.render(values, name="smoke", namespace="default", is_install=True)
    finally:
        ch.close()
    docs = []
    for path, text in sorted(files.items()):
        if path.endswith("NOTES.txt"):
            continue
        docs.extend(d for d in yaml.safe_load_all(text) if d)
    out_docs = []
    for doc in docs:
        if doc["kind"] in ("Pod", "ConfigMap"):
            out_docs.append(doc)
        elif doc["kind"] == "Job" and kind == "IndexedJob":
            template = doc["spec"]["template"]
            for i in range(int(shards)):
                pod_spec = copy.deepcopy(template["spec"])
                for container in pod_spec["containers"]:
                    env = container.setdefault("env", [])
                    env.append({"name": "JOB_COMPLETION_INDEX", "value": str(i)})
                meta = copy.deepcopy(template["metadata"])
                meta["name"] = f"{doc['metadata']['name']}-{i}"
                out_docs.append({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": pod_spec})
        else:
            sys.exit(f"unexpected {doc['kind']} in the rendered {kind}")
    # ConfigMaps first: the Pods mount them.
    out_docs.sort(key=lambda d: d["kind"] != "ConfigMap")
    with open(out, "w") as f:
        yaml.safe_dump_all(out_docs, f, sort_keys=False)
    for doc in out_docs:
        if doc["kind"] == "Pod":
            for container in doc["spec"]["containers"]:
                pod = doc["metadata"]["name"]
                print(f"{pod} {pod}-{container['name']}")


if __name__ == "__main__":
    main()
