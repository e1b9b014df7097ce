#!/usr/bin/env python3
"""openapi_check.py - hold real responses to the OpenAPI document.

  openapi_check.py DOC METHOD PATH-TEMPLATE STATUS < body.json
      Validate the JSON body on stdin against the schema DOC gives for
      METHOD PATH-TEMPLATE (e.g. GET /api/v1/hosts/{id}) answering STATUS,
      falling back to the 4XX/5XX range, then to "default". Fails when the
      document does not describe that operation or that status, when the
      body is not JSON, or when it does not match.
  openapi_check.py --structure DOC
      Check the document's own shape: OpenAPI 3.0.x, info with title and
      version, each path starting with "/" and each operation with
      responses, every $ref resolving, every component schema an object.

DOC is a file or an http(s) URL (the server's /api/v1/openapi.json).
Exit status: 0 valid; 1 invalid (the reasons on stderr); 2 usage error.
Needs python3-jsonschema.
"""
import json
import ssl
import sys
import urllib.request

try:
    import jsonschema
except ImportError:  # pragma: no cover
    sys.stderr.write("openapi_check: python3-jsonschema is needed\n")
    sys.exit(2)

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def load(doc):
    if doc.startswith("http://") or doc.startswith("https://"):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with urllib.request.urlopen(doc, context=ctx) as r:
            return json.load(r)
    with open(doc, encoding="utf-8") as f:
        return json.load(f)


def resolve(doc, ref):
    if not ref.startswith("#/"):
        raise KeyError(ref)
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[part]
    return node


def to_jsonschema(doc, node, seen=()):
    """An OpenAPI 3.0 schema as plain JSON Schema: references inlined
    (a recursive one becomes {}), nullable as a "null" type."""
    if isinstance(node, list):
        return [to_jsonschema(doc, x, seen) for x in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        if ref in seen:
            return {}
        return to_jsonschema(doc, resolve(doc, ref), seen + (ref,))
    out = {}
    for k, v in node.items():
        if k in ("example", "examples", "xml", "externalDocs", "discriminator",
                 "readOnly", "writeOnly", "deprecated"):
            continue
        if k in ("properties", "patternProperties", "definitions"):
            out[k] = {name: to_jsonschema(doc, s, seen) for name, s in v.items()}
        else:
            out[k] = to_jsonschema(doc, v, seen)
    if out.pop("nullable", False):
        t = out.get("type")
        if isinstance(t, str):
            out["type"] = [t, "null"]
        elif "enum" in out:
            out["enum"] = list(out["enum"]) + [None]
        elif t is None:
            out = {"anyOf": [out, {"type": "null"}]}
        if "enum" in out and None not in out["enum"]:
            out["enum"] = list(out["enum"]) + [None]
    return out


def response_schema(doc, method, template, status):
    paths = doc.get("paths", {})
    if template not in paths:
        raise LookupError("the document has no path %s" % template)
    item = paths[template]
    if "$ref" in item:
        item = resolve(doc, item["$ref"])
    op = item.get(method.lower())
    if op is None:
        raise LookupError("the document has no %s %s" % (method.upper(), template))
    responses = op.get("responses", {})
    for key in (str(status), str(status)[0] + "XX", "default"):
        if key in responses:
            resp = responses[key]
            if "$ref" in resp:
                resp = resolve(doc, resp["$ref"])
            content = resp.get("content", {})
            for ctype, media in content.items():
                if ctype.split(";")[0].strip() == "application/json":
                    return to_jsonschema(doc, media.get("schema", {}))
            if content:
                raise LookupError("%s %s %s is documented without application/json"
                                  % (method.upper(), template, key))
            return None  # documented without a body
    raise LookupError("%s %s does not document status %s"
                      % (method.upper(), template, status))


def check_structure(doc):
    errors = []
    ver = doc.get("openapi")
    if not isinstance(ver, str) or not ver.startswith("3.0."):
        errors.append("openapi must be 3.0.x, is %r" % (ver,))
    info = doc.get("info")
    if not isinstance(info, dict) or not isinstance(info.get("title"), str) \
            or not isinstance(info.get("version"), str):
        errors.append("info needs a title and a version (strings)")
    paths = doc.get("paths")
    if not isinstance(paths, dict) or not paths:
        errors.append("paths must be a non-empty object")
        paths = {}
    op_ids = set()
    for path, item in paths.items():
        if not path.startswith("/"):
            errors.append("path %r does not start with /" % path)
        if not isinstance(item, dict):
            errors.append("path %s is not an object" % path)
            continue
        ops = [m for m in item if m in METHODS]
        if not ops:
            errors.append("path %s has no operation" % path)
        params = {p[1:-1] for p in path.split("/") if p.startswith("{") and p.endswith("}")}
        for m in ops:
            op = item[m]
            if not isinstance(op, dict) or not isinstance(op.get("responses"), dict) \
                    or not op["responses"]:
                errors.append("%s %s has no responses" % (m.upper(), path))
                continue
            oid = op.get("operationId")
            if oid is not None:
                if oid in op_ids:
                    errors.append("operationId %s is used twice" % oid)
                op_ids.add(oid)
            declared = set()
            for p in list(item.get("parameters", [])) + list(op.get("parameters", [])):
                if "$ref" in p:
                    try:
                        p = resolve(doc, p["$ref"])
                    except (KeyError, TypeError):
                        continue  # reported below
                if p.get("in") == "path":
                    declared.add(p.get("name"))
            for name in params - declared:
                errors.append("%s %s does not declare its path parameter {%s}"
                              % (m.upper(), path, name))
    comps = doc.get("components", {})
    if not isinstance(comps, dict):
        errors.append("components must be an object")
        comps = {}
    for name, s in comps.get("schemas", {}).items():
        if not isinstance(s, dict):
            errors.append("components.schemas.%s is not an object" % name)

    def walk(node, where):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "$ref" and isinstance(v, str):
                    try:
                        resolve(doc, v)
                    except (KeyError, TypeError):
                        errors.append("%s: $ref %s resolves to nothing" % (where, v))
                else:
                    walk(v, where + "/" + k)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, "%s/%d" % (where, i))
    walk(doc, "#")
    # every schema must itself be a valid JSON Schema once converted
    for name, s in comps.get("schemas", {}).items():
        try:
            jsonschema.Draft7Validator.check_schema(to_jsonschema(doc, s))
        except (jsonschema.SchemaError, KeyError) as e:
            errors.append("components.schemas.%s: %s" % (name, getattr(e, "message", e)))
    return errors


def main(argv):
    if len(argv) == 3 and argv[1] == "--structure":
        errors = check_structure(load(argv[2]))
        for e in errors:
            sys.stderr.write("openapi_check: %s\n" % e)
        return 1 if errors else 0
    if len(argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    doc_path, method, template, status = argv[1:]
    doc = load(doc_path)
    raw = sys.stdin.buffer.read()
    try:
        schema = response_schema(doc, method, template, status)
    except (LookupError, KeyError) as e:
        sys.stderr.write("openapi_check: %s\n" % e)
        return 1
    if schema is None:
        if raw.strip():
            sys.stderr.write("openapi_check: %s %s %s is documented without a body, got %d bytes\n"
                             % (method, template, status, len(raw)))
            return 1
        return 0
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        sys.stderr.write("openapi_check: the body is not JSON: %s\n" % e)
        return 1
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    for e in errors[:20]:
        where = "/".join(str(p) for p in e.absolute_path) or "(the body)"
        sys.stderr.write("openapi_check: %s %s %s: at %s: %s\n"
                         % (method.upper(), template, status, where, e.message))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
