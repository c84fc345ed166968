#!/usr/bin/env bash
# Installs the crawl benchmark's peers: GNU wget (Debian) and, from PyPI into a venv
# under target/, LinkChecker and Scrapy at the versions of bench/peers/requirements.txt.
# Idempotent: a venv whose installed set matches the requirements is kept.
#
#   bench/peers/setup.sh            prints the venv's python on its last line
#
# Environment: PYTHON (default python3) makes the venv; PEERS_VENV (default
# target/bench-peers/venv) is where it goes.
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=${PYTHON:-python3}
VENV=${PEERS_VENV:-target/bench-peers/venv}
REQ=bench/peers/requirements.txt

if ! command -v wget >/dev/null; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        timeout 600 apt-get update -qq
        timeout 600 apt-get install -y -qq --no-install-recommends wget
    else
        echo "peers: wget is needed (Debian: apt-get install wget)" >&2
        exit 1
    fi
fi

stamp=$VENV/.requirements
if [[ -x $VENV/bin/python && -f $stamp ]] && cmp -s "$REQ" "$stamp"; then
    echo "peers: $VENV is up to date" >&2
else
    rm -rf "$VENV"
    mkdir -p "$(dirname "$VENV")"
    timeout 300 "$PYTHON" -m venv "$VENV"
    timeout 600 "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ"
    cp "$REQ" "$stamp"
    "$VENV/bin/python" -m pip freeze --disable-pip-version-check > "$VENV/freeze.txt"
fi
echo "peers: $(wget --version | head -1); linkchecker $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("linkchecker"))'); scrapy $("$VENV/bin/python" -c 'import scrapy; print(scrapy.__version__)')" >&2
echo "$VENV/bin/python"
