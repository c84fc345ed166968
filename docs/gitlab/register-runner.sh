#!/usr/bin/env bash
# Register the compose file's runner with GitLab, with a runner authentication token
# (glrt-...). Run it from any directory, after `docker compose up -d`.
#
#   ./register-runner.sh glrt-XXXXXXXX
#       a token from GitLab: Admin area > CI/CD > Runners > New instance runner
#       (tick "Run untagged jobs"), or a project's Settings > CI/CD > Runners
#   GITLAB_TOKEN=glpat-XXXXXXXX ./register-runner.sh --create
#       creates an instance runner through the API first (POST /user/runners), with a
#       personal access token of an administrator that has the create_runner scope
#
# The runner gets the docker executor, unprivileged, with its job containers on the
# compose network (network_mode), where the name in GitLab's URLs resolves to GitLab.
# Settings come from .env beside this file, else from the defaults in .env.example.
set -euo pipefail
cd "$(dirname "$0")"

usage() {
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

if [ -f .env ]; then
    set -a
    # shellcheck disable=SC1091 # the user's copy of .env.example
    . ./.env
    set +a
fi
host="${GITLAB_HOST:-gitlab}"
port="${GITLAB_HTTP_PORT:-8929}"
network="${GITLAB_NETWORK:-link-extractor-gitlab}"
url="http://$host:$port"

case "${1:-}" in
    glrt-*)
        token="$1"
        ;;
    --create)
        : "${GITLAB_TOKEN:?set GITLAB_TOKEN to a personal access token with the create_runner scope}"
        # From this host: the port is published on localhost.
        response="$(curl --fail-with-body --silent --show-error \
            --header "PRIVATE-TOKEN: $GITLAB_TOKEN" \
            --data runner_type=instance_type \
            --data run_untagged=true \
            --data "description=link-extractor docker runner" \
            "http://127.0.0.1:$port/api/v4/user/runners")" || {
            echo "register-runner: GitLab refused to create the runner: $response" >&2
            exit 1
        }
        token="$(printf '%s' "$response" |
            sed -n 's/.*"token"[[:space:]]*:[[:space:]]*"\(glrt-[^"]*\)".*/\1/p')"
        if [ -z "$token" ]; then
            echo "register-runner: no glrt- token in GitLab's answer: $response" >&2
            exit 1
        fi
        echo "register-runner: created runner $(printf '%s' "$response" |
            sed -n 's/.*"id"[[:space:]]*:[[:space:]]*\([0-9]*\).*/\1/p')"
        ;;
    *)
        usage
        ;;
esac

# With an authentication token, tags, "run untagged", "locked" and the like are the
# runner's settings in GitLab, not options of `register`.
docker compose exec -T runner gitlab-runner register \
    --non-interactive \
    --url "$url" \
    --token "$token" \
    --name "link-extractor-docker" \
    --executor docker \
    --docker-image "${RUNNER_DEFAULT_IMAGE:-debian:bookworm-slim}" \
    --docker-network-mode "$network" \
    --docker-privileged=false \
    --docker-volumes /cache \
    --env REGISTRY_TLS_VERIFY=false

# Let the pipeline's independent jobs (see `needs:`) run side by side.
docker compose exec -T runner \
    sed -i "s/^concurrent = .*/concurrent = ${RUNNER_CONCURRENT:-2}/" /etc/gitlab-runner/config.toml
docker compose exec -T runner gitlab-runner verify
echo "register-runner: registered with $url; job containers join the network $network"
