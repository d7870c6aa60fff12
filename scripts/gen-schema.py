#!/usr/bin/env python3
"""Writes data/k8s-schema.txt, kure's table of the Kubernetes API types, from the JSON
schemas shipped in the kubernetes-validate package (Apache-2.0), versions 1.25 to 1.37.

    python3 scripts/gen-schema.py [SCHEMA_DIR]

SCHEMA_DIR holds `v1.NN.0-local-strict/_definitions.json`; by default it is found inside
the kubernetes-validate that ../shared/tools/install-peers.sh installs under $PEERS
(default ~/.local/kure-peers). Neither the build nor the tests run this; regenerating
does.

The table, one record per line:

    kure-schema 1                          the format
    V 25 37                                the versions held (minor numbers)
    N <name>                               a definition's name; its id is its order
    K <first> <last> <apiVersion> <Kind> <name id>
                                           a kind served from version first to last
    D <name id> <first> <last> <body id>   a definition's body in versions first..last
    B <body>                               a body; its id is its order among the B lines

A body is a type: `s` string, `i` integer, `n` number, `b` boolean, `io` int-or-string,
`q` quantity (string or number), `*` any value, `o` any object, `#<name id>` another
definition, `[T` a list of T, `{T` a map of T; or an object with known fields,
`o <field>:<type>[!] ...`, where `!` marks a required field. Each distinct body is stored
once: a definition that did not change between versions has one `D` line.
"""

import glob
import json
import os
import re
import sys

FIRST, LAST = 25, 37

SPECIAL = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": "io",
    "io.k8s.apimachinery.pkg.api.resource.Quantity": "q",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time": "s",
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": "s",
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON": "*",
    "io.k8s.apimachinery.pkg.runtime.RawExtension": "*",
}


def schema_dir():
    if len(sys.argv) > 1:
        return sys.argv[1]
    peers = os.environ.get("PEERS", os.path.expanduser("~/.local/kure-peers"))
    found = glob.glob(
        os.path.join(
            peers,
            "kubernetes-validate/lib/python3*/site-packages/kubernetes_validate/kubernetes-json-schema",
        )
    )
    if not found:
        sys.exit("kubernetes-validate not found: run ../shared/tools/install-peers.sh, or name the schema directory")
    return found[0]


def ref_name(ref):
    return ref.rsplit("/", 1)[-1]


def kinds_of(t):
    t = t.get("type")
    if t is None:
        return set()
    return {t} if isinstance(t, str) else set(t)


class Gen:
    def __init__(self):
        self.names = {}

    def name_id(self, name):
        if name not in self.names:
            self.names[name] = len(self.names)
        return self.names[name]

    def ty(self, s):
        """A property's type expression."""
        if "$ref" in s:
            name = ref_name(s["$ref"])
            if name in SPECIAL:
                return SPECIAL[name]
            return "#%d" % self.name_id(name)
        if "oneOf" in s or "anyOf" in s or "allOf" in s:
            return "*"
        k = kinds_of(s) - {"null"}
        if not k:
            return "*"
        if "array" in k:
            return "[" + self.ty(s.get("items", {}))
        if "object" in k:
            ap = s.get("additionalProperties")
            if isinstance(ap, dict):
                return "{" + self.ty(ap)
            return "o"
        if "string" in k:
            return "s"
        if "integer" in k:
            return "i"
        if "number" in k:
            return "n"
        if "boolean" in k:
            return "b"
        return "*"

    def body(self, name, d):
        if name in SPECIAL:
            return SPECIAL[name]
        props = d.get("properties")
        if not props:
            if "oneOf" in d or not d:
                return "*"
            return self.ty(d)
        required = set(d.get("required", []))
        fields = []
        for p in sorted(props):
            if " " in p or ":" in p:
                sys.exit("field name kure cannot store: %r in %s" % (p, name))
            fields.append("%s:%s%s" % (p, self.ty(props[p]), "!" if p in required else ""))
        head = "o" if d.get("additionalProperties") is False else "O"
        return " ".join([head] + fields)


def main():
    root = schema_dir()
    gen = Gen()
    bodies = {}  # body text -> id
    body_list = []
    defs = {}  # name id -> list of (version, body id)
    kinds = {}  # (apiVersion, kind) -> list of (version, name id)
    source = None
    for v in range(FIRST, LAST + 1):
        path = os.path.join(root, "v1.%d.0-local-strict" % v, "_definitions.json")
        with open(path) as f:
            data = json.load(f)["$defs"]
        source = source or root
        for name in sorted(data):
            d = data[name]
            nid = gen.name_id(name)
            b = gen.body(name, d)
            if b not in bodies:
                bodies[b] = len(body_list)
                body_list.append(b)
            defs.setdefault(nid, []).append((v, bodies[b]))
            for gvk in d.get("x-kubernetes-group-version-kind", []):
                if name.endswith("List") and gvk["kind"].endswith("List"):
                    continue
                if gvk["kind"] in ("DeleteOptions", "WatchEvent", "Status", "APIVersions",
                                   "APIGroup", "APIGroupList", "APIResourceList"):
                    continue
                api = gvk["version"] if not gvk["group"] else "%s/%s" % (gvk["group"], gvk["version"])
                kinds.setdefault((api, gvk["kind"]), []).append((v, nid))
    out = ["kure-schema 1", "V %d %d" % (FIRST, LAST)]
    names = sorted(gen.names, key=gen.names.get)
    out += ["N " + n for n in names]

    def ranges(pairs):
        """(version, value) pairs -> (first, last, value) runs of equal values."""
        runs = []
        for v, x in sorted(pairs):
            if runs and runs[-1][2] == x and runs[-1][1] == v - 1:
                runs[-1][1] = v
            else:
                runs.append([v, v, x])
        return runs

    for (api, kind), pairs in sorted(kinds.items()):
        for first, last, nid in ranges(pairs):
            out.append("K %d %d %s %s %d" % (first, last, api, kind, nid))
    for nid in sorted(defs):
        for first, last, bid in ranges(defs[nid]):
            out.append("D %d %d %d %d" % (nid, first, last, bid))
    out += ["B " + b for b in body_list]
    dest = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "k8s-schema.txt")
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open(dest, "w") as f:
        f.write("\n".join(out) + "\n")
    print("%s: %d names, %d kinds, %d bodies, %d bytes" % (
        os.path.normpath(dest), len(names), len(kinds), len(body_list), os.path.getsize(dest)))


if __name__ == "__main__":
    main()
