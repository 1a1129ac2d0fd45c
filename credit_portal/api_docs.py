"""The API documentation page (/api/docs/): the OpenAPI schema read aloud in Chinese.

Swagger UI speaks English only and fails accessibility checks (contrast, labels, nested
interactive controls); institutions' and departments' developers in China read Chinese.
This page renders the same schema drf-spectacular generates (so it cannot drift from the
API) with the portal's own templates: one section per operation with its parameters,
request fields and answers. Texts from the schema are translated through the catalogue
(their English wording is the msgid). The interactive Swagger UI stays available for
developers at /api/docs/interactive/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_GET
from drf_spectacular.generators import SchemaGenerator

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Field:
    name: str
    type: str
    required: bool
    description: str
    choices: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Answer:
    status: str
    description: str
    fields: list[Field]


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Field]
    body: list[Field]
    answers: list[Answer]

    @property
    def anchor(self) -> str:
        return f"{self.method}-{self.path.strip('/').replace('/', '-').replace('{', '').replace('}', '')}"


def _text(value: Any) -> str:
    """A schema text in the reader's language (the English wording is the msgid), without
    the enum listing drf-spectacular appends ("* `minor` - minor"): the choices are shown
    in their own list."""
    if not value:
        return ""
    text = str(value).split("\n\n* `", 1)[0]
    if text.startswith("* `"):
        return ""
    return gettext(text).strip()


# Names a program sends (external_id, submit, null, X-Credit-Key, YYYY-MM-DD, ISO 8601)
# inside a Chinese description: set in code type, as developer documentation does.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*(?:[ =][0-9]+)?")
_CJK = re.compile(r"[\u3400-\u9fff]")


def code_identifiers(text: str) -> SafeString:
    """HTML of `text` with the identifiers in a Chinese sentence set as <code>."""
    if not _CJK.search(text):
        return escape(text)
    parts = []
    last = 0
    for match in _IDENTIFIER.finditer(text):
        parts.append(escape(text[last:match.start()]))
        parts.append(format_html('<code class="portal-code">{}</code>', match.group()))
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


def _ref(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in spec:
        spec = schema["components"]["schemas"][spec["$ref"].rsplit("/", 1)[-1]]
    return spec


def _variant(spec: dict[str, Any]) -> dict[str, Any]:
    """The schema of a wrapped field: drf-spectacular wraps an enum in ``allOf``, and an
    optional model choice in ``oneOf`` with an empty ``BlankEnum`` after it."""
    for key in ("allOf", "oneOf", "anyOf"):
        if spec.get(key):
            return spec[key][0]
    return spec


def _type_name(schema: dict[str, Any], spec: dict[str, Any]) -> str:
    spec = _ref(schema, spec)
    if any(key in spec for key in ("allOf", "oneOf", "anyOf")):
        return _type_name(schema, _variant(spec))
    kind = spec.get("type", "object" if "properties" in spec else "")
    if kind == "array":
        return gettext("list of %(item)s") % {"item": _type_name(schema, spec.get("items", {}))}
    if "enum" in spec:
        kind = "string"
    return {
        "string": gettext("text"), "integer": gettext("whole number"), "number": gettext("number"),
        "boolean": gettext("true or false"), "object": gettext("object"),
    }.get(kind, kind)


def _choices(schema: dict[str, Any], spec: dict[str, Any]) -> list[tuple[str, str]]:
    spec = _ref(schema, _variant(spec))
    if spec.get("type") == "array":
        return _choices(schema, spec.get("items", {}))
    if "enum" not in spec:
        return []
    # drf-spectacular lists an enum's labels as "* `value` - label" lines in its description.
    labels = {}
    for line in (spec.get("description") or "").splitlines():
        if line.startswith("* `") and "` - " in line:
            value, label = line[3:].split("` - ", 1)
            labels[value] = label
    choices = []
    for value in spec["enum"]:
        if value in (None, ""):
            continue
        label = labels.get(str(value), "")
        # A label that only repeats the value ("minor - minor") says nothing more.
        choices.append((str(value), "" if label == str(value) else label))
    return choices


def _fields(schema: dict[str, Any], spec: dict[str, Any] | None, *, prefix: str = "") -> list[Field]:
    """The fields of ``spec``; the fields of a list of objects follow their list, named
    ``list[].field`` (one level: a department system's records, a page's results)."""
    if not spec:
        return []
    spec = _ref(schema, spec)
    required = set(spec.get("required", []))
    result = []
    for name, prop in spec.get("properties", {}).items():
        resolved = _ref(schema, _variant(prop))
        description = prop.get("description") or prop.get("title") or ""
        if "enum" in resolved and description == resolved.get("description"):
            description = ""
        result.append(Field(
            name=prefix + name, type=_type_name(schema, prop), required=name in required,
            description=code_identifiers(_text(description)), choices=_choices(schema, prop),
        ))
        item = _ref(schema, resolved.get("items", {})) if resolved.get("type") == "array" else {}
        if not prefix and item.get("properties"):
            result.extend(_fields(schema, item, prefix=f"{name}[]."))
    return result


def _body_schema(content: dict[str, Any] | None) -> dict[str, Any] | None:
    if not content:
        return None
    media = content.get("application/json") or next(iter(content.values()), {})
    return media.get("schema")


def operations(schema: dict[str, Any]) -> list[Operation]:
    """Every operation of the schema, in path order, ready for the template."""
    result = []
    for path, item in schema.get("paths", {}).items():
        for method in HTTP_METHODS:
            spec = item.get(method)
            if spec is None:
                continue
            parameters = [
                Field(
                    name=parameter["name"], type=_type_name(schema, parameter.get("schema", {})),
                    required=bool(parameter.get("required")),
                    description=code_identifiers(_text(parameter.get("description"))),
                )
                for parameter in spec.get("parameters", [])
            ]
            answers = [
                Answer(
                    status=status, description=code_identifiers(_text(answer.get("description"))),
                    fields=_fields(schema, _body_schema(answer.get("content"))),
                )
                for status, answer in spec.get("responses", {}).items()
            ]
            description = _text(spec.get("description"))
            # Operations without a summary are titled by the first clause of their description.
            summary = _text(spec.get("summary")) or re.split(r"[：:。.]", description, maxsplit=1)[0]
            result.append(Operation(
                method=method.upper(), path=path, summary=summary,
                description=code_identifiers(description), parameters=parameters,
                body=_fields(schema, _body_schema((spec.get("requestBody") or {}).get("content"))), answers=answers,
            ))
    return result


@require_GET
def api_docs(request: HttpRequest) -> HttpResponse:
    """The API documentation in the reader's language, generated from the live schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return render(request, "api_docs.html", {
        "operations": operations(schema),
        "api_title": _text(schema["info"].get("title")),
        "api_description": _text(schema["info"].get("description")),
    })
