"""Every error Python's jsonschema finds in each custom resource of the files named on the
command line, validated against the public CRD catalog's JSON Schema for its kind (the
catalog directory is the first argument), one JSON object per line, for
tests/catalog_oracle.rs.

kure checks a custom resource against a CRD among the linted files before any catalog, so
objects whose kind a CRD among these files declares are left out (first pass), as are
objects of Kubernetes' own API groups. Run with the Python of the kubernetes-validate that
../shared/tools/install-peers.sh installs (it has jsonschema and PyYAML)."""

import json
import os
import sys

import jsonschema
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import categories  # noqa: E402

catalog = sys.argv[1]
files = sys.argv[2:]


# PyYAML has no constructor for YAML 1.1's `=` (the value key type); kubectl and kure read a
# plain `=` as the string "="
yaml.SafeLoader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def load(filename):
    try:
        with open(filename) as f:
            return [d for d in yaml.load_all(f.read(), Loader=yaml.SafeLoader) if d]
    except Exception:
        return []


docs = {f: load(f) for f in files}

# the kinds the files' own CRDs declare: kure checks those against the CRD
declared = set()
for f, ds in docs.items():
    for d in ds:
        if not isinstance(d, dict) or d.get("kind") != "CustomResourceDefinition":
            continue
        spec = d.get("spec") or {}
        if not isinstance(spec, dict):
            continue
        group = spec.get("group")
        kind = (spec.get("names") or {}).get("kind")
        versions = spec.get("versions") or []
        if isinstance(spec.get("version"), str):
            versions = versions + [{"name": spec["version"]}]
        for v in versions:
            if isinstance(v, dict) and isinstance(v.get("name"), str):
                declared.add(("%s/%s" % (group, v["name"]), kind))

cache = {}


def schema_for(api, kind):
    group, _, version = api.partition("/")
    path = os.path.join(catalog, group, "%s_%s.json" % (kind.lower(), version))
    if path not in cache:
        try:
            with open(path) as f:
                cache[path] = json.load(f)
        except (OSError, ValueError):
            cache[path] = None
    return cache[path]


def errors(obj, schema):
    # OpenAPI v3.0's schema objects (a CRD's) follow JSON Schema draft 4: `exclusiveMaximum`
    # is a boolean beside `maximum`
    v = jsonschema.validators.validator_for(schema, default=jsonschema.Draft4Validator)(schema)
    return categories(v, obj)


for filename in files:
    for obj in docs[filename]:
        if not isinstance(obj, dict):
            continue
        api, kind = obj.get("apiVersion"), obj.get("kind")
        if not isinstance(api, str) or not isinstance(kind, str) or "/" not in api:
            continue
        # Kubernetes' own groups have no dot; kustomize's and KRM functions' objects are
        # read by tools, never served (kure does not check them either)
        group = api.split("/")[0]
        if "." not in group or group in ("kustomize.config.k8s.io", "config.kubernetes.io", "kpt.dev"):
            continue
        if (api, kind) in declared:
            continue
        schema = schema_for(api, kind)
        if schema is None:
            continue
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        name = meta.get("name")
        try:
            found = errors(obj, schema)
        except Exception as e:  # a value the validator cannot handle
            found = [("crash", str(e)[:100])]
        print(json.dumps({
            "file": filename,
            "kind": kind,
            "name": name if isinstance(name, str) else None,
            "errors": found,
        }))
