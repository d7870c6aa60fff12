#!/usr/bin/env python3
"""Writes data/crd-catalog.bin, the public CRD catalog kure embeds, from the archive
../shared/crd-catalog/crds-catalog.tar.zst (datreeio/CRDs-catalog, MIT, 4,234 JSON Schemas).

    python3 scripts/gen-catalog.py [ARCHIVE] [OUT]

Needs the `zstd` command (it compresses each schema and unpacks the archive). Neither the
build nor the tests run this unless asked; regenerating does, and tests/catalog.rs checks
that the table holds every schema of the archive.

Each schema is kept as the archive has it, less its `description`s (the bulk of the text,
and nothing kure judges): `properties`, `required`, `enum`, `default`, `format`,
`x-kubernetes-*` (CEL rules among them) and the rest stay, in their order. Each is one
zstd frame, so a run decodes only the kinds it meets.

The table:

    b"kure-crd-catalog 2\\n"
    u32 count
    count x u32: where each record starts, counted from the first record
    count x record (u16 key length, key, u32 offset, u32 length, u32 decoded length)
    the frames; offsets count from the end of the records

(A lookup binary-searches the records through the positions: nothing is read at start.)

All integers little-endian. A key is the schema's path in the archive without `.json`:
`GROUP/KIND_VERSION` (kind lower-cased, kubeconform's layout), and for OpenShift's own
types `openshift/v4.15-strict/KIND_GROUP_VERSION` and `openshift/v4.11-strict/KIND_VERSION`.
Keys are sorted, so the table is the same for the same archive.
"""

import io
import json
import os
import struct
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ARCHIVE = os.path.join(ROOT, "..", "shared", "crd-catalog", "crds-catalog.tar.zst")
OUT = os.path.join(ROOT, "data", "crd-catalog.bin")

# the keywords whose values are schemas, or maps / lists of schemas
ONE = ("items", "additionalProperties", "not", "additionalItems", "contains")
MANY = ("anyOf", "oneOf", "allOf")
NAMED = ("properties", "patternProperties", "definitions", "dependencies")


def strip(schema):
    """The schema without its descriptions; values of `default`, `enum`, `example` and the
    like are data and kept whole."""
    if not isinstance(schema, dict):
        return schema
    out = {}
    for k, v in schema.items():
        if k == "description":
            continue
        if k in ONE and isinstance(v, dict):
            out[k] = strip(v)
        elif k in ONE and isinstance(v, list):
            out[k] = [strip(x) for x in v]
        elif k in MANY and isinstance(v, list):
            out[k] = [strip(x) for x in v]
        elif k in NAMED and isinstance(v, dict):
            out[k] = {name: strip(s) for name, s in v.items()}
        else:
            out[k] = v
    return out


def main():
    archive = sys.argv[1] if len(sys.argv) > 1 else ARCHIVE
    out_path = sys.argv[2] if len(sys.argv) > 2 else OUT
    tar_bytes = subprocess.run(
        ["zstd", "-dc", archive], check=True, stdout=subprocess.PIPE
    ).stdout
    entries = {}
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        for m in tar.getmembers():
            name = m.name[2:] if m.name.startswith("./") else m.name
            if not m.isfile() or not name.endswith(".json"):
                continue
            text = tar.extractfile(m).read().decode("utf-8")
            schema = strip(json.loads(text))
            entries[name[: -len(".json")]] = json.dumps(
                schema, separators=(",", ":"), ensure_ascii=False
            ).encode("utf-8")
    keys = sorted(entries)
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, k in enumerate(keys):
            p = os.path.join(tmp, "%05d.json" % i)
            with open(p, "wb") as f:
                f.write(entries[k])
            paths.append(p)
        for start in range(0, len(paths), 500):
            subprocess.run(
                ["zstd", "-19", "-q", "-f", "--no-check"] + paths[start : start + 500],
                check=True,
            )
        frames = []
        for p in paths:
            with open(p + ".zst", "rb") as f:
                frames.append(f.read())
    records = bytearray()
    positions = bytearray()
    offset = 0
    for k, frame in zip(keys, frames):
        kb = k.encode("utf-8")
        positions += struct.pack("<I", len(records))
        records += struct.pack("<H", len(kb)) + kb
        records += struct.pack("<III", offset, len(frame), len(entries[k]))
        offset += len(frame)
    index = bytearray()
    index += b"kure-crd-catalog 2\n"
    index += struct.pack("<I", len(keys))
    index += positions
    index += records
    with open(out_path, "wb") as f:
        f.write(bytes(index))
        for frame in frames:
            f.write(frame)
    raw = sum(len(v) for v in entries.values())
    print(
        "%s: %d schemas, %d bytes of JSON in %d bytes"
        % (out_path, len(keys), raw, len(index) + offset)
    )


if __name__ == "__main__":
    main()
