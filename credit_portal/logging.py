"""A logging formatter that masks ID numbers and mobile numbers before anything is written.

Personal data must never reach logs (DESIGN §8). Code should not log it in the first
place; this filter is the net under that rule.
"""

from __future__ import annotations

import logging
import re

# 18-digit resident ID (last char may be X) and 11-digit mainland mobile numbers,
# not embedded in longer digit runs.
# A run of digits after a decimal point is a fraction (a duration), not a number to hide.
_ID_NUMBER = re.compile(r"(?<![\d.])\d{17}[\dXx](?!\d)")
_MOBILE = re.compile(r"(?<![\d.])1[3-9]\d{9}(?!\d)")
# A UUID (a Celery task id, a file id) is left whole: its last group is twelve hex
# characters, eleven of them digits often enough ("…-c13812345678") to look like a mobile
# number, which masked the id and failed the test suite's scan about once in a few
# thousand task ids.
_UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")


def _redact_plain(text: str) -> str:
    text = _ID_NUMBER.sub("[ID]", text)
    return _MOBILE.sub("[PHONE]", text)


def redact(text: str) -> str:
    parts, end = [], 0
    for uuid in _UUID.finditer(text):
        parts += [_redact_plain(text[end:uuid.start()]), uuid.group()]
        end = uuid.end()
    parts.append(_redact_plain(text[end:]))
    return "".join(parts)


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then masks ID numbers and phones in the output.

    A formatter rather than a filter: a filter that rewrote the record would hide the
    original from every later handler, including the test suite's scan for personal data
    that code logged in the first place.
    """

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
