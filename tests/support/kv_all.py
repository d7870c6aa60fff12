"""Every schema error kubernetes-validate's strict schemas find in each object of the files
named on the command line (one JSON object per line), for tests/schema_oracle.rs.

kubernetes-validate's own command line stops at an object's first error and at the first
file it cannot parse; this reads each file on its own and asks its validator for every
error (jsonschema's iter_errors), with the same schemas and the same YAML reading (PyYAML).
Run with the Python of the kubernetes-validate that ../shared/tools/install-peers.sh
installs."""

import json
import os
import re
import sys

import jsonschema
import yaml
from kubernetes_validate import utils
from referencing import Registry, Resource

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import categories  # noqa: E402

VERSION = "1.%s.0" % sys.argv[1]
strict_dir = "v%s-local-strict" % VERSION


def schema_for(obj):
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", obj["apiVersion"])
    name = "kubernetes-json-schema/%s/%s-%s.json" % (strict_dir, obj["kind"].lower(), api)
    try:
        return utils.schema_contents(name, VERSION)
    except FileNotFoundError:
        return None


defs = utils.schema_contents("kubernetes-json-schema/%s/_definitions.json" % strict_dir, VERSION)


def errors(obj, schema):
    registry = Resource.from_contents(defs) @ (Resource.from_contents(schema) @ Registry())
    v = jsonschema.validators.Draft202012Validator(schema, registry=registry)
    return categories(v, obj)


for filename in sys.argv[2:]:
    try:
        with open(filename) as f:
            docs = [d for d in yaml.load_all(f.read(), Loader=yaml.SafeLoader) if d]
    except Exception:
        continue
    for obj in docs:
        if not isinstance(obj, dict) or not isinstance(obj.get("apiVersion"), str) or not isinstance(obj.get("kind"), str):
            continue
        schema = schema_for(obj)
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
            "kind": obj["kind"],
            "name": name if isinstance(name, str) else None,
            "errors": found,
        }))
