"""What tests/support/kv_all.py and tests/support/catalog_all.py share: each jsonschema
error of an object as the (category, field path) the schema oracles compare with kure's
findings."""

import re


def path_of(parts):
    """A field path as the API server writes it: `spec.containers[0].image`."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += "[%d]" % p
        else:
            out += ("." if out else "") + str(p)
    return out


def categories(validator, obj):
    """Every error `validator` finds in `obj`, as (category, path): `unknown` (one per field
    an `additionalProperties` error names), `required`, `type` (a `type`, `oneOf` or `anyOf`
    mismatch), `enum`, or the validator's own keyword for the rest."""
    out = []
    for e in validator.iter_errors(obj):
        where = list(e.absolute_path)
        if e.validator == "additionalProperties":
            for name in re.findall(r"'([^']*)'", e.message.split("(")[-1]):
                out.append(("unknown", path_of(where + [name])))
        elif e.validator == "required":
            m = re.match(r"'([^']*)' is a required property", e.message)
            if m:
                out.append(("required", path_of(where + [m.group(1)])))
        elif e.validator in ("type", "oneOf", "anyOf"):
            out.append(("type", path_of(where)))
        elif e.validator == "enum":
            out.append(("enum", path_of(where)))
        else:
            out.append((e.validator, path_of(where)))
    return out
