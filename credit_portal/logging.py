"""A logging filter that masks ID numbers and mobile numbers before anything is written.

Personal data must never reach logs (DESIGN §8). Code should not log it in the first
place; this filter is the net under that rule.
"""

from __future__ import annotations

import logging
import re

# 18-digit resident ID (last char may be X) and 11-digit mainland mobile numbers,
# not embedded in longer digit runs.
_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def redact(text: str) -> str:
    text = _ID_NUMBER.sub("[ID]", text)
    return _MOBILE.sub("[PHONE]", text)


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True
