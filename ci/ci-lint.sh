#!/usr/bin/env bash
# make ci-lint: check the GitLab CI configuration and the self-hosted GitLab files
# offline, without a GitLab server:
#
#   .gitlab-ci.yml (+ the job template it includes)
#     gitlab-ci-local --list          GitLab's JSON schema, stages, needs, include: local
#     gitlab-ci-local --validate-dependency-chain
#                                     every `needs` is a job that runs, in a branch, a
#                                     merge request and a tag pipeline
#     gitlab-ci-local --preview       the template's job is expanded into links:example
#     check-jsonschema vendor.gitlab-ci   a second, newer copy of GitLab's schema
#     gitlab-ci-verify --no-lint-api  shellcheck of every script line
#     scripts named in jobs           exist and are executable
#   yamllint                          the CI files and docs/gitlab/compose.yaml
#   check-jsonschema vendor.compose-spec   docs/gitlab/compose.yaml
#   docs/gitlab defaults              .env.example matches compose.yaml and register-runner.sh
#   hadolint                          ci/gitlab/job-image.Containerfile (the job image the
#                                     pipeline builds; `make image-test` lints the product one)
#   ShellCheck                        ci/*.sh, ci/gitlab/*.sh, .ci/run, docs/gitlab/*.sh
#
# The tools are installed once, pinned, into ${LINK_EXTRACTOR_TOOLS:-~/.cache/link-extractor-tools}
# (Python venv and npm prefix). gitlab-ci-local runs in a temporary git repository holding
# a copy of the work tree, so that nothing is written to the repository and files not
# committed yet can be included (it accepts only git-tracked files in `include: local`).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
# shellcheck source=ci/tools.sh
. ci/tools.sh

# Pinned tools. gitlab-ci-local 4.74 and later need Node 22 (Set.prototype.union) and
# crash on Node 20.
GITLAB_CI_LOCAL_VERSION=4.73.0
PIP_TOOLS=(gitlab-ci-verify-bin==2.11.12 yamllint==1.38.0 check-jsonschema==0.39.0 "$TOOLS_PIP_HADOLINT")

CI_FILE=.gitlab-ci.yml
TEMPLATE=ci/gitlab/link-extractor.gitlab-ci.yml
COMPOSE=docs/gitlab/compose.yaml
JOB_IMAGE=ci/gitlab/job-image.Containerfile
YAMLLINT_CONFIG='{extends: relaxed, rules: {line-length: {max: 120}}}'

log() { printf 'ci-lint: %s\n' "$*" >&2; }

# ---- tools -------------------------------------------------------------------------
install_tools() {
    local missing=()
    command -v shellcheck >/dev/null || missing+=(shellcheck)
    command -v git >/dev/null || missing+=(git)
    command -v node >/dev/null || missing+=(nodejs)
    command -v npm >/dev/null || missing+=(npm)
    if [ ${#missing[@]} -gt 0 ]; then
        tools_apt "${missing[@]}"
    fi
    tools_pip "${PIP_TOOLS[@]}"
    local npm_dir="$TOOLS_DIR/npm" have=""
    if [ -f "$npm_dir/node_modules/gitlab-ci-local/package.json" ]; then
        have="$(node -p "require('$npm_dir/node_modules/gitlab-ci-local/package.json').version")"
    fi
    if [ "$have" != "$GITLAB_CI_LOCAL_VERSION" ]; then
        log "npm install gitlab-ci-local@$GITLAB_CI_LOCAL_VERSION"
        mkdir -p "$npm_dir"
        timeout 600 npm install --prefix "$npm_dir" --save-exact --no-audit --no-fund --loglevel=error \
            "gitlab-ci-local@$GITLAB_CI_LOCAL_VERSION" >&2
    fi
    GCL="$npm_dir/node_modules/.bin/gitlab-ci-local"
}

# ---- checks ------------------------------------------------------------------------
passed=0
failed=0
failures=()
out=""

# check NAME COMMAND...: run the command with its output in $out; print it on failure.
check() {
    local name="$1" rc=0
    shift
    "$@" >"$work/out" 2>&1 || rc=$?
    out="$(cat "$work/out")"
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
        printf 'ok    %s\n' "$name"
    else
        failed=$((failed + 1))
        failures+=("$name")
        printf 'FAIL  %s (exit %s)\n' "$name" "$rc"
        sed 's/^/      /' "$work/out" | tail -n 40
    fi
}

# A copy of the work tree (tracked and untracked files, not ignored ones) in a new git
# repository with one commit and a GitLab-like origin.
make_repo_copy() {
    local repo="$work/repo"
    mkdir -p "$repo"
    if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
        git -C "$root" ls-files -z --cached --others --exclude-standard |
            (cd "$root" && while IFS= read -r -d '' f; do
                [ -f "$f" ] && printf '%s\0' "$f"
            done) |
            (cd "$root" && xargs -0 -r cp --parents -t "$repo")
    else
        cp -a "$root/." "$repo/"
        rm -rf "$repo/target"
    fi
    git -C "$repo" init -q -b main
    git -C "$repo" add -A
    git -C "$repo" -c user.name=ci-lint -c user.email=ci-lint@localhost \
        commit -q --no-verify -m "ci-lint copy"
    git -C "$repo" remote add origin https://gitlab.example.com/sre/link-extractor.git
    git -C "$repo" update-ref refs/remotes/origin/main HEAD
    git -C "$repo" symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/main
}

# gitlab-ci-local in the copy; its state and HOME stay in the temporary directory.
gcl() {
    (cd "$work/repo" && timeout 300 "$GCL" --home "$work/gcl-home" \
        --ignore-predefined-vars CI_COMMIT_BRANCH,CI_PIPELINE_SOURCE,CI_COMMIT_TAG,CI_MERGE_REQUEST_IID "$@")
}

# gitlab-ci-verify FILE in the copy: shellcheck of the script lines, offline (without
# --no-lint-api it asks the GitLab API to merge the configuration).
verify() {
    (cd "$work/repo" && timeout 120 "$TOOLS_VENV/bin/gitlab-ci-verify" --no-lint-api --gitlab-ci-file "$1")
}

# The pipelines the workflow rules allow, as gitlab-ci-local variables.
PIPELINES=(
    "branch:--variable CI_COMMIT_BRANCH=main --variable CI_PIPELINE_SOURCE=push"
    "merge-request:--variable CI_PIPELINE_SOURCE=merge_request_event --variable CI_MERGE_REQUEST_IID=1"
    "tag:--variable CI_COMMIT_TAG=v0.1.0 --variable CI_PIPELINE_SOURCE=push"
)

check_needs() {
    local p name vars
    for p in "${PIPELINES[@]}"; do
        name="${p%%:*}"
        vars="${p#*:}"
        # shellcheck disable=SC2086 # vars is a list of options
        gcl --validate-dependency-chain $vars >"$work/needs-$name" 2>&1 || {
            echo "pipeline: $name"
            cat "$work/needs-$name"
            return 1
        }
        grep -h -e 'dependencies are valid' "$work/needs-$name" | sed "s/^/$name: /"
    done
}

# The template's hidden job, expanded into links:example, keeps its contract.
check_template_expansion() {
    gcl --preview >"$work/preview.yml" 2>"$work/preview.err" || {
        cat "$work/preview.err"
        return 1
    }
    "$TOOLS_VENV/bin/python" - "$work/preview.yml" <<'PY'
import sys

import yaml

doc = yaml.safe_load(open(sys.argv[1]))
job = doc.get("links:example")
problems = []
if not job:
    sys.exit("links:example is missing from the expanded configuration")
image = job.get("image") or {}
if image.get("name") != "$LINK_EXTRACTOR_IMAGE":
    problems.append(f"image.name is {image.get('name')!r}")
if image.get("entrypoint") != [""]:
    problems.append(f"image.entrypoint is {image.get('entrypoint')!r}, not ['']")
script = "\n".join(job.get("script") or [])
for needle in ("link-extractor", "-o jsonl", "$LINK_EXTRACTOR_OUTPUT"):
    if needle not in script:
        problems.append(f"the script does not contain {needle!r}")
artifacts = job.get("artifacts") or {}
if artifacts.get("when") != "always":
    problems.append(f"artifacts.when is {artifacts.get('when')!r}, not 'always'")
if "$LINK_EXTRACTOR_OUTPUT" not in (artifacts.get("paths") or []):
    problems.append("artifacts.paths does not keep $LINK_EXTRACTOR_OUTPUT")
if problems:
    sys.exit("links:example: " + "; ".join(problems))
print("links:example: image, entrypoint, script and artifacts from .link-extractor")
PY
}

# Every repository script that a job runs (a script line starting with ci/...) exists and is executable (git mode 100755 when
# tracked): a runner checks the repository out and runs it as it is.
check_job_scripts() {
    local f bad=0 mode
    while IFS= read -r f; do
        if [ ! -f "$root/$f" ]; then
            echo "$f: named in a job script, does not exist"
            bad=1
        elif [ ! -x "$root/$f" ]; then
            echo "$f: not executable"
            bad=1
        else
            mode="$(git -C "$root" ls-files -s -- "$f" 2>/dev/null | cut -d ' ' -f 1)"
            if [ -n "$mode" ] && [ "$mode" != 100755 ]; then
                echo "$f: git mode $mode, not 100755 (git update-index --chmod=+x $f)"
                bad=1
            else
                echo "$f: executable"
            fi
        fi
    done < <(grep -hoE '^[[:space:]]*- "?ci/[A-Za-z0-9_./-]+\.(sh|py)' "$CI_FILE" "$TEMPLATE" |
        sed -E 's/^[[:space:]]*- "?//' | sort -u)
    return "$bad"
}

# docs/gitlab: every ${VAR:-default} in compose.yaml and register-runner.sh has the
# default that .env.example documents, and .env.example sets nothing else.
check_self_hosted_defaults() {
    "$TOOLS_VENV/bin/python" - docs/gitlab/.env.example "$COMPOSE" docs/gitlab/register-runner.sh <<'PY'
import re
import sys

env_file, *users = sys.argv[1:]
env = {}
for line in open(env_file):
    line = line.strip()
    if line and not line.startswith("#"):
        key, _, value = line.partition("=")
        env[key] = value
problems = []
used = set()
for path in users:
    for key, default in re.findall(r"\$\{([A-Z_]+):-([^}]*)\}", open(path).read()):
        used.add(key)
        if key not in env:
            problems.append(f"{path}: ${{{key}}} is not in {env_file}")
        elif env[key] != default:
            problems.append(f"{path}: ${{{key}:-{default}}}, but {env_file} says {env[key]}")
problems += [f"{env_file}: {key} is used nowhere" for key in sorted(set(env) - used)]
if problems:
    sys.exit("\n".join(problems))
print(f"{len(env)} settings, {len(used)} used, defaults agree")
PY
}

shell_files() {
    local f
    for f in ci/*.sh ci/gitlab/*.sh .ci/run docs/gitlab/*.sh; do
        [ -f "$f" ] && printf '%s\n' "$f"
    done
}

main() {
    install_tools
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    export TMPDIR="$work" # gitlab-ci-verify leaves its shellcheck snippets in TMPDIR
    make_repo_copy

    echo "ci-lint: gitlab-ci-local $("$GCL" --version), ${PIP_TOOLS[0]/==/ }," \
        "yamllint $("$TOOLS_VENV/bin/yamllint" --version | cut -d ' ' -f 2)," \
        "check-jsonschema $("$TOOLS_VENV/bin/check-jsonschema" --version | awk '{print $NF}')," \
        "$(shellcheck --version | sed -n 's/^version: /shellcheck /p')"

    check "gitlab-ci-local --list ($CI_FILE: schema, stages, needs, includes)" gcl --list
    grep -E '^[a-z].*(on_success|manual|always|delayed)' <<<"$out" | sed 's/^/      /' || true
    check "gitlab-ci-local --validate-dependency-chain (branch, merge request, tag)" check_needs
    check "gitlab-ci-local --preview (the template expanded into links:example)" check_template_expansion
    check "check-jsonschema vendor.gitlab-ci ($CI_FILE, $TEMPLATE)" \
        "$TOOLS_VENV/bin/check-jsonschema" --builtin-schema vendor.gitlab-ci --data-transform gitlab-ci \
        "$CI_FILE" "$TEMPLATE"
    check "gitlab-ci-verify --no-lint-api ($CI_FILE script lines)" verify "$CI_FILE"
    check "gitlab-ci-verify --no-lint-api ($TEMPLATE script lines)" verify "$TEMPLATE"
    check "scripts run by jobs exist and are executable" check_job_scripts
    check "yamllint ($CI_FILE, $TEMPLATE, $COMPOSE)" \
        "$TOOLS_VENV/bin/yamllint" --strict -d "$YAMLLINT_CONFIG" "$CI_FILE" "$TEMPLATE" "$COMPOSE"
    check "check-jsonschema vendor.compose-spec ($COMPOSE)" \
        "$TOOLS_VENV/bin/check-jsonschema" --builtin-schema vendor.compose-spec "$COMPOSE"
    check "docs/gitlab: .env.example, compose.yaml and register-runner.sh agree" check_self_hosted_defaults
    check "hadolint ($JOB_IMAGE)" "$TOOLS_VENV/bin/hadolint" "$JOB_IMAGE"
    local scripts
    mapfile -t scripts < <(shell_files)
    check "shellcheck (${scripts[*]})" shellcheck -x "${scripts[@]}"

    echo
    if [ "$failed" -gt 0 ]; then
        printf 'ci-lint: failed: %s\n' "${failures[@]}"
    fi
    echo "ci-lint: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

main "$@"
