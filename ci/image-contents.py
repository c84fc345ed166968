#!/usr/bin/env python3
"""Check that an image saved with `podman save --format docker-archive` holds one file.

Usage: image-contents.py IMAGE_TAR BINARY [OUT]
Passes (exit 0) when the image has a single layer whose only entry is /link-extractor,
a regular file, mode 0555, owned by 0:0, byte-identical to BINARY. With OUT, also writes
the image's /link-extractor there (mode 0755), to run it outside the image (ci/image.sh
runs the arm64 image's binary under qemu-aarch64 this way).
"""
import hashlib
import json
import os
import sys
import tarfile


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: image-contents.py IMAGE_TAR BINARY [OUT]")
    image_tar, binary = sys.argv[1], sys.argv[2]
    out = sys.argv[3] if len(sys.argv) == 4 else None
    with open(binary, "rb") as f:
        want = sha256(f.read())
    problems = []
    with tarfile.open(image_tar) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
        if len(manifest) != 1:
            sys.exit(f"expected one image in the archive, found {len(manifest)}")
        layers = manifest[0]["Layers"]
        entries = []
        for layer in layers:
            with tarfile.open(fileobj=archive.extractfile(layer)) as layer_tar:
                for member in layer_tar.getmembers():
                    data = None
                    if member.isfile():
                        data = layer_tar.extractfile(member).read()
                    entries.append((layer, member, data))
    print(f"layers: {len(layers)}")
    for layer, member, data in entries:
        kind = "file" if member.isfile() else "dir" if member.isdir() else "other"
        print(f"  {member.name} {kind} mode={member.mode:04o} uid={member.uid} gid={member.gid} size={member.size}")
    if len(layers) != 1:
        problems.append(f"{len(layers)} layers, expected 1")
    names = [m.name.lstrip("./") for _, m, _ in entries]
    if names != ["link-extractor"]:
        problems.append(f"entries {names}, expected ['link-extractor'] alone")
    for _, member, data in entries:
        if member.name.lstrip("./") != "link-extractor":
            continue
        if not member.isfile():
            problems.append("/link-extractor is not a regular file")
            continue
        if member.mode & 0o7777 != 0o555:
            problems.append(f"/link-extractor mode {member.mode:04o}, expected 0555")
        if (member.uid, member.gid) != (0, 0):
            problems.append(f"/link-extractor owned by {member.uid}:{member.gid}, expected 0:0")
        if sha256(data) != want:
            problems.append(f"/link-extractor differs from {binary}")
        if out:
            with open(out, "wb") as f:
                f.write(data)
            os.chmod(out, 0o755)
    for problem in problems:
        print(f"problem: {problem}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
