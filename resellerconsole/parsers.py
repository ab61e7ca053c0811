"""The API's JSON parser: refuses nesting deeper than any request of ours needs, before parsing it.

Python's json module recurses once per level, so ~1,000 levels raise RecursionError (a 500) in the parser or,
nearer the limit, in a serializer later; API_JSON_MAX_DEPTH answers 400 before any of that.
"""

from __future__ import annotations

import codecs
import re

from django.conf import settings
from django.utils.translation import ngettext
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DRFJSONParser
from rest_framework.parsers import get_encoding
from rest_framework.utils import json

from .errors import DomainError

#: A string literal, escapes included (unrolled, so it stays linear on long strings).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """How deep `text`'s arrays and objects nest, counted without recursion (for malformed text an estimate;
    the parser refuses it anyway)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class JSONParser(DRFJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            text = codecs.getreader(get_encoding(parser_context or {}))(stream).read()
            limit = settings.API_JSON_MAX_DEPTH
            if json_depth(text) > limit:
                raise DomainError(
                    ngettext(
                        "The JSON nests deeper than %(limit)d level.",
                        "The JSON nests deeper than %(limit)d levels.",
                        limit,
                    )
                    % {"limit": limit},
                    code="too_deep",
                )
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as exc:  # DRF's own answer to malformed JSON or text in the wrong encoding
            raise ParseError(f"JSON parse error - {exc}") from exc
