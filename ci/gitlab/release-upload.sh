#!/bin/sh
# GitLab CI job release:upload (tag pipelines): upload the static binary (artifact of
# build:static) and its SHA-256 sum to the project's generic package registry, as
# package link-extractor, version $CI_COMMIT_TAG. The release:create job links them.
# POSIX sh: it runs in the curlimages/curl image.
set -eu

: "${CI_COMMIT_TAG:?}" "${CI_JOB_TOKEN:?}" "${CI_API_V4_URL:?}" "${CI_PROJECT_ID:?}"

bin=target/x86_64-unknown-linux-musl/release/link-extractor
name=link-extractor-x86_64-unknown-linux-musl
if [ ! -x "$bin" ]; then
    echo "release-upload: $bin is missing: it is the artifact of the build:static job" >&2
    exit 1
fi
cargo_version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
if [ "${CI_COMMIT_TAG#v}" != "$cargo_version" ]; then
    echo "release-upload: tag $CI_COMMIT_TAG does not match version $cargo_version in Cargo.toml" >&2
    exit 1
fi

url="${CI_API_V4_URL}/projects/${CI_PROJECT_ID}/packages/generic/link-extractor/${CI_COMMIT_TAG}"
sum="$(mktemp)"
trap 'rm -f "$sum"' EXIT
printf '%s  %s\n' "$(sha256sum "$bin" | cut -d ' ' -f 1)" "$name" >"$sum"
cat "$sum"

upload() { # upload FILE NAME
    curl --fail-with-body --silent --show-error --retry 3 \
        --header "JOB-TOKEN: $CI_JOB_TOKEN" --upload-file "$1" "$url/$2"
    echo
    echo "uploaded $url/$2"
}
upload "$bin" "$name"
upload "$sum" "$name.sha256"
