"""Request parsers of the API. Kept apart from ``credit_portal.api`` (which imports
``rest_framework.views``): DRF imports the parser classes named in its settings while
it loads, so this module must not import DRF's views."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

# Deeper JSON than this is refused before it reaches a serializer: no request of this
# API nests more than a few levels, and Python's parser would hit its recursion limit.
MAX_JSON_DEPTH = 32


def _depth_exceeded(text: str, limit: int) -> bool:
    """Whether brackets nest deeper than ``limit`` (outside strings), without parsing."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


class SafeJSONParser(JSONParser):
    """DRF's JSON parser that refuses over-deep nesting (a RecursionError inside the
    parser would otherwise be a 500) and any text that is not valid UTF-8 JSON."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict[str, Any] | None = None) -> Any:
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.ParseError(_("The request body could not be read. Send valid JSON.")) from None
        if _depth_exceeded(text, MAX_JSON_DEPTH):
            raise exceptions.ParseError(_("The request body could not be read. Send valid JSON."))
        try:
            return json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            raise exceptions.ParseError(_("The request body could not be read. Send valid JSON.")) from None


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are not JSON.
    raise ValueError(name)
