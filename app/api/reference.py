"""The API reference at /api/v1/docs: a server-rendered page made from the generated OpenAPI
document (no JavaScript, nothing from a CDN), with its headings in the reader's language."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask import Blueprint, current_app
from flask_babel import lazy_gettext as _l

from app.api.core import API_ROOT, api
from app.api.tokens import RESOURCES
from app.htmx import render
from app.security import public

bp = Blueprint("api_docs", __name__)
METHODS = ("get", "post", "patch", "put", "delete")
# The problem types the API answers with (the `type` of a problem links here).
PROBLEM_TYPES = {
    "unauthenticated": _l("401: no token, or a token that is unknown, revoked or expired, or whose holder is no "
                          "longer an active admin."),
    "scope": _l("403: the token lacks the scope the call needs (named in “errors”)."),
    "invalid": _l("422: the input is not valid; “errors” says what, per field."),
    "refused": _l("422: the referral is the customer themselves, their own address, domain or company."),
    "duplicate": _l("409: this person was introduced before."),
    "objected": _l("409: this person asked not to be contacted."),
    "taken": _l("409: there is already an account with this e-mail address."),
    "moved": _l("409: someone moved the referral in the meantime; read it again."),
    "same-stage": _l("409: the referral is already at this stage."),
    "not-in-pipeline": _l("409: the referral waits for a check by sales and is not in the pipeline yet."),
}


@dataclass
class Field:
    name: str
    type: str
    required: bool
    description: str = ""
    children: list[Field] = field(default_factory=list)


@dataclass
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: str
    scopes: list[str]
    parameters: list[Field]
    body: list[Field]
    status: str
    response: list[Field]
    problems: list[str]
    curl: str


def _resolve(spec: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    if ref:
        return spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


def _type(spec: dict, schema: dict) -> str:
    schema = _resolve(spec, schema) if "$ref" not in schema else schema
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    kind = schema.get("type", "object")
    kinds = kind if isinstance(kind, list) else [kind]
    words = []
    for k in kinds:
        if k == "array":
            words.append(f"array of {_type(spec, schema.get('items', {}))}")
        else:
            words.append(k + (f" ({schema['format']})" if schema.get("format") and k != "null" else ""))
    text = " | ".join(words)
    if schema.get("enum"):
        text += ": " + ", ".join(str(v) for v in schema["enum"] if v is not None)
    if "minimum" in schema or "maximum" in schema:
        text += f" [{schema.get('minimum', '')}…{schema.get('maximum', '')}]"
    if "maxLength" in schema:
        text += f" (≤ {schema['maxLength']})"
    return text


def _fields(spec: dict, schema: dict, depth: int = 0) -> list[Field]:
    schema = _resolve(spec, schema)
    required = set(schema.get("required", []))
    result = []
    for name, prop in schema.get("properties", {}).items():
        children = []
        target = prop.get("items", prop) if prop.get("type") == "array" else prop
        if "$ref" in target and depth < 2:
            children = _fields(spec, target, depth + 1)
        result.append(Field(name, _type(spec, prop), name in required, prop.get("description", ""), children))
    return result


def _curl(method: str, path: str, body: list[Field]) -> str:
    url = current_app.config["BASE_URL"].rstrip("/") + path
    parts = [f"curl -X {method.upper()} '{url}'", '-H "Authorization: Bearer $TOKEN"']
    if body:
        example = {f.name: f"<{f.type}>" for f in body if f.required}
        parts += ['-H "Content-Type: application/json"', f"-d '{json.dumps(example)}'"]
    return " \\\n  ".join(parts)


def operations(spec: dict) -> dict[str, list[Operation]]:
    """The document's operations per resource, in the order of the paths."""
    grouped: dict[str, list[Operation]] = {resource: [] for resource in RESOURCES}
    for path, item in spec.get("paths", {}).items():
        resource = path.removeprefix(API_ROOT + "/").split("/", 1)[0]
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [Field(p["name"], f"{p['in']}: {_type(spec, p.get('schema', {}))}", bool(p.get("required")),
                            p.get("description", "")) for p in [*shared, *op.get("parameters", [])]]
            body_schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            body = _fields(spec, body_schema) if body_schema else []
            status, response = "", []
            for code, answer in op.get("responses", {}).items():
                if code.startswith("2"):
                    status = code
                    schema = answer.get("content", {}).get("application/json", {}).get("schema")
                    response = _fields(spec, schema) if schema else []
                    break
            scopes = [scope for requirement in op.get("security", []) for scopes in requirement.values()
                      for scope in scopes]
            text = " ".join((op.get("summary", "") + " " + op.get("description", "")).split())
            summary, _sep, description = text.partition(". ")
            grouped.setdefault(resource, []).append(Operation(
                method.upper(), path, f"{method}-{path.strip('/').replace('/', '-').replace('{', '').replace('}', '')}",
                summary.rstrip(".") + ".", description, scopes, params, body, status, response,
                sorted(code for code in op.get("responses", {}) if code[:1] in "45"), _curl(method, path, body)))
    return {resource: ops for resource, ops in grouped.items() if ops}


@bp.route(f"{API_ROOT}/docs")
@public
def reference():
    spec = api.spec.to_dict()
    return render("api/reference.html", spec=spec, groups=operations(spec), resources=RESOURCES,
                  problem_types=PROBLEM_TYPES)
