#!/usr/bin/env bash
# Check the Helm chart in chart/ with the real Helm engine, offline.
#
#   ci/chart.sh lint   helm lint --strict (helm-python-sdk): no findings at all
#   ci/chart.sh test   lint, render every workload kind and example, assert on the
#                      objects, schema rejections, kubernetes-validate --strict for every
#                      Kubernetes version the chart supports, PSS restricted, helm package
#
# The tools are pinned PyPI packages in ${LINK_EXTRACTOR_TOOLS:-$HOME/.cache/link-extractor-tools}/venv
# (see ci/tools.sh); no helm binary is needed. Output: target/chart/.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=ci/tools.sh disable=SC1091
source ci/tools.sh

case "${1:-}" in
    lint | test) ;;
    *)
        echo "usage: ci/chart.sh lint|test" >&2
        exit 2
        ;;
esac
tools_chart
PYTHONDONTWRITEBYTECODE=1 exec timeout 600 "$TOOLS_VENV/bin/python" ci/chart_check.py "$1" chart target/chart
