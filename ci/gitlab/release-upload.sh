#!/bin/sh
# GitLab CI job release:upload (tag pipelines): upload dist/ (artifact of build:dist: the
# two .tar.gz archives, their CycloneDX SBOMs and SHA256SUMS, made by ci/dist.sh) to the
# project's generic package registry, as package link-extractor, version $CI_COMMIT_TAG.
# Writes release.env (RELEASE_VERSION, the version in the file names) for release:create,
# which links the files from the release.
# POSIX sh: it runs in the curlimages/curl image.
set -eu

: "${CI_COMMIT_TAG:?}" "${CI_JOB_TOKEN:?}" "${CI_API_V4_URL:?}" "${CI_PROJECT_ID:?}"

cargo_version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
if [ "${CI_COMMIT_TAG#v}" != "$cargo_version" ]; then
    echo "release-upload: tag $CI_COMMIT_TAG does not match version $cargo_version in Cargo.toml" >&2
    exit 1
fi
if [ ! -f dist/SHA256SUMS ]; then
    echo "release-upload: dist/SHA256SUMS is missing: dist/ is the artifact of the build:dist job" >&2
    exit 1
fi
files="$(awk '{print $2}' dist/SHA256SUMS)"
for f in $files; do
    case "$f" in
        "link-extractor-$cargo_version-"*) ;;
        *)
            echo "release-upload: dist/SHA256SUMS names $f, not a file of version $cargo_version" >&2
            exit 1
            ;;
    esac
done
# What is uploaded is what was summed.
(cd dist && sha256sum -c SHA256SUMS)

url="${CI_API_V4_URL}/projects/${CI_PROJECT_ID}/packages/generic/link-extractor/${CI_COMMIT_TAG}"
upload() { # upload NAME (in dist/)
    curl --fail-with-body --silent --show-error --retry 3 \
        --header "JOB-TOKEN: $CI_JOB_TOKEN" --upload-file "dist/$1" "$url/$1"
    echo
    echo "uploaded $url/$1"
}
for f in $files SHA256SUMS; do
    upload "$f"
done
echo "RELEASE_VERSION=$cargo_version" >release.env
