#!/usr/bin/env python3
# repro-pins: writes one image's folder of the twice-build artifact from an OCI layout
# (see "The twice-build gate (contract)"): oci-layout, index.json, every index, manifest and
# config blob the index reaches (layer blobs left out), and layers/<hex>.jsonl with one JSON
# object per tar entry of each layer, in tar order. Standard library only (plus the zstd
# command for zstd layers), so it runs on any GitHub runner.
# Usage: python3 repro-listing.py LAYOUT_DIR OUT_DIR
# The copy inlined in templates/repro-verify.yml must stay identical to this file (a test checks).
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile

INDEX_TYPES = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}
MANIFEST_TYPES = {
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
}


def blob_path(layout, digest):
    algorithm, _, hexdigest = digest.partition(":")
    if algorithm != "sha256" or not re.fullmatch(r"[a-f0-9]{64}", hexdigest):
        raise SystemExit("unsupported digest: %r" % digest)
    return os.path.join(layout, "blobs", "sha256", hexdigest)


def copy_blob(layout, out, digest):
    target = blob_path(out, digest)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(blob_path(layout, digest), target)
    with open(target, "rb") as handle:
        return json.load(handle)


def entry_path(name):
    while name.startswith("./") or name.startswith("/"):
        name = name[1:] if name.startswith("/") else name[2:]
    name = name.rstrip("/")
    return "." if name in ("", ".") else name


def entry_type(member):
    if member.isreg():
        return "file"
    if member.isdir():
        return "dir"
    if member.issym():
        return "symlink"
    if member.islnk():
        return "hardlink"
    if member.ischr():
        return "char"
    if member.isblk():
        return "block"
    if member.isfifo():
        return "fifo"
    return "other"


def list_layer(path, media_type, listing):
    with open(path, "rb") as handle:
        magic = handle.read(4)
    process = None
    if media_type.endswith("+zstd") or magic == b"\x28\xb5\x2f\xfd":
        process = subprocess.Popen(["zstd", "-dc", path], stdout=subprocess.PIPE)
        archive = tarfile.open(fileobj=process.stdout, mode="r|")
    else:
        archive = tarfile.open(path, mode="r|*")
    with archive, open(listing, "w", encoding="utf-8") as out:
        for member in archive:
            kind = entry_type(member)
            digest = None
            if kind == "file":
                sha = hashlib.sha256()
                content = archive.extractfile(member)
                for chunk in iter(lambda: content.read(1 << 20), b""):
                    sha.update(chunk)
                digest = sha.hexdigest()
            mtime = member.mtime
            if isinstance(mtime, float) and mtime.is_integer():
                mtime = int(mtime)
            entry = {
                "path": entry_path(member.name),
                "type": kind,
                "mode": member.mode & 0o7777,
                "uid": member.uid,
                "gid": member.gid,
                "size": member.size if kind == "file" else 0,
                "mtime": mtime,
                "sha256": digest,
                "linkname": member.linkname or "",
            }
            out.write(json.dumps(entry, separators=(",", ":")) + "\n")
    if process is not None and process.wait() != 0:
        raise SystemExit("zstd failed on %s" % path)


def is_attestation(descriptor):
    platform = descriptor.get("platform") or {}
    annotations = descriptor.get("annotations") or {}
    return annotations.get("vnd.docker.reference.type") == "attestation-manifest" or (
        platform.get("os") == "unknown" and platform.get("architecture") == "unknown"
    )


def walk(layout, out, descriptor, depth):
    if depth > 4:
        raise SystemExit("indexes nested too deep")
    media_type = descriptor.get("mediaType", "")
    document = copy_blob(layout, out, descriptor["digest"])
    if media_type in INDEX_TYPES:
        for child in document.get("manifests", []):
            walk(layout, out, child, depth + 1)
    elif media_type in MANIFEST_TYPES:
        copy_blob(layout, out, document["config"]["digest"])
        if is_attestation(descriptor):
            return
        for layer in document.get("layers", []):
            hexdigest = layer["digest"].partition(":")[2]
            listing = os.path.join(out, "layers", hexdigest + ".jsonl")
            if not os.path.exists(listing):
                list_layer(blob_path(layout, layer["digest"]), layer.get("mediaType", ""), listing)


def main(layout, out):
    os.makedirs(os.path.join(out, "layers"), exist_ok=True)
    shutil.copyfile(os.path.join(layout, "oci-layout"), os.path.join(out, "oci-layout"))
    shutil.copyfile(os.path.join(layout, "index.json"), os.path.join(out, "index.json"))
    with open(os.path.join(layout, "index.json"), "rb") as handle:
        index = json.load(handle)
    for descriptor in index.get("manifests", []):
        walk(layout, out, descriptor, 0)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: repro-listing.py LAYOUT_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
