#!/usr/bin/env bash
# GitLab CI job chart:package (and usable by hand): package chart/ into
# dist/link-extractor-VERSION.tgz with the Helm engine of helm-python-sdk (ci/tools.sh
# installs it; no helm binary is needed).
#
# On a tag pipeline (CI_COMMIT_TAG=v1.2.3 or 1.2.3) the chart's version and appVersion
# become 1.2.3, which must also be the version in Cargo.toml; otherwise Chart.yaml's
# own version and appVersion are kept.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=ci/tools.sh
. ci/tools.sh

version=""
if [ -n "${CI_COMMIT_TAG:-}" ]; then
    version="${CI_COMMIT_TAG#v}"
    cargo_version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
    if [ "$version" != "$cargo_version" ]; then
        echo "chart-package: tag $CI_COMMIT_TAG does not match version $cargo_version in Cargo.toml" >&2
        exit 1
    fi
fi

tools_chart
# Only the chart packages: dist/ also holds the release archives (make dist, ci/dist.sh).
mkdir -p dist
rm -f dist/*.tgz
"$TOOLS_VENV/bin/python" - "$version" <<'PY'
import sys

import helm_python as helm

version = sys.argv[1] or None
kwargs = {"version": version, "app_version": version} if version else {}
path = helm.package("chart", destination="dist", **kwargs)
print(f"packaged {path} ({helm.digest(path)})")
PY
ls -l dist
