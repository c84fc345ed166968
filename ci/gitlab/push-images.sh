#!/usr/bin/env bash
# GitLab CI job container:build: build the images from the static binaries (artifacts of
# build:static and build:static-arm64) with buildah, without a Docker daemon, and push them:
#
#   $CI_REGISTRY_IMAGE:TAG      Containerfile, FROM scratch: the binary alone, one image
#                               for linux/amd64 and one for linux/arm64 (the Containerfile's
#                               prebuilt stage picks the binary by TARGETARCH), pushed as
#                               one manifest list (an OCI index) with both images
#   $CI_REGISTRY_IMAGE/ci:TAG   ci/gitlab/job-image.Containerfile: the amd64 binary on
#                               busybox, the image of GitLab jobs that run link-extractor
#
# TAG is $CI_COMMIT_SHA; on tag pipelines also the tag (v1.2.3 and 1.2.3) and latest.
# The pushed digests go to images.env (a dotenv report): later jobs use exactly these.
#
# Environment: the CI_* variables GitLab sets; REGISTRY_TLS_VERIFY=false for a registry
# served over plain HTTP; LINK_EXTRACTOR_CI_BASE_IMAGE overrides the busybox base.
# buildah runs in the job container as root with STORAGE_DRIVER=vfs and
# BUILDAH_ISOLATION=chroot: the Containerfiles only COPY, nothing is RUN, so building the
# arm64 image on an amd64 runner needs no emulation.
set -euo pipefail

: "${CI_REGISTRY:?}" "${CI_REGISTRY_USER:?}" "${CI_REGISTRY_PASSWORD:?}"
: "${CI_REGISTRY_IMAGE:?}" "${CI_COMMIT_SHA:?}"

for bin in target/x86_64-unknown-linux-musl/release/link-extractor \
    target/aarch64-unknown-linux-musl/release/link-extractor; do
    if [ ! -x "$bin" ]; then
        echo "push-images: $bin is missing: it is the artifact of build:static / build:static-arm64" >&2
        exit 1
    fi
done

tls="--tls-verify=${REGISTRY_TLS_VERIFY:-true}"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
created="${CI_COMMIT_TIMESTAMP:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}"
args=(
    --build-arg "VERSION=${CI_COMMIT_TAG:-$version}"
    --build-arg "REVISION=$CI_COMMIT_SHA"
    --build-arg "CREATED=$created"
    --build-arg "SOURCE=${CI_PROJECT_URL:-https://gitlab.example.com/sre/link-extractor}"
)
tags=("$CI_COMMIT_SHA")
if [ -n "${CI_COMMIT_TAG:-}" ]; then
    # v1.2.3 is also pushed as 1.2.3: the chart's default image tag is its appVersion.
    tags+=("$CI_COMMIT_TAG")
    [ "${CI_COMMIT_TAG#v}" = "$CI_COMMIT_TAG" ] || tags+=("${CI_COMMIT_TAG#v}")
    tags+=(latest)
fi

buildah --version
printf '%s' "$CI_REGISTRY_PASSWORD" |
    buildah login "$tls" --username "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"

list="localhost/link-extractor:$CI_COMMIT_SHA"
buildah manifest create "$list"
for arch in amd64 arm64; do
    buildah build "${args[@]}" --platform "linux/$arch" --build-arg BIN_STAGE=prebuilt \
        -f Containerfile -t "localhost/link-extractor:$CI_COMMIT_SHA-$arch" .
    buildah manifest add "$list" "containers-storage:localhost/link-extractor:$CI_COMMIT_SHA-$arch"
done
buildah manifest inspect "$list"
base=()
if [ -n "${LINK_EXTRACTOR_CI_BASE_IMAGE:-}" ]; then
    base=(--build-arg "BASE_IMAGE=$LINK_EXTRACTOR_CI_BASE_IMAGE")
fi
buildah build "${args[@]}" "${base[@]}" \
    -f ci/gitlab/job-image.Containerfile -t "localhost/link-extractor-ci:$CI_COMMIT_SHA" .

: >images.env
# push KIND LOCAL REMOTE_REPOSITORY DOTENV_NAME: KIND is "list" (the manifest list and
# every image in it) or "image".
push() {
    local tag digest
    for tag in "${tags[@]}"; do
        if [ "$1" = list ]; then
            buildah manifest push "$tls" --all --format oci --digestfile digest.txt "$2" "docker://$3:$tag"
        else
            buildah push "$tls" --digestfile digest.txt "$2" "docker://$3:$tag"
        fi
        digest="$(cat digest.txt)"
        echo "pushed $3:$tag ($digest)"
    done
    rm -f digest.txt
    echo "$4=$3@$digest" >>images.env
}
push list "$list" "$CI_REGISTRY_IMAGE" LINK_EXTRACTOR_IMAGE_REF
push image "localhost/link-extractor-ci:$CI_COMMIT_SHA" "$CI_REGISTRY_IMAGE/ci" LINK_EXTRACTOR_CI_IMAGE_REF
cat images.env
