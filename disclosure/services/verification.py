"""The one check that a credit report is genuine, for the public page and the API.

Anyone holding a report (on paper, as PDF) types its number and verification code and
sees the frozen report as it was issued: its content in the same rendering, its
recipient, purpose and counts. A copy with a row deleted or a word changed then
differs visibly from what the portal shows; the digest alone could not show that to a
reader.

What people type is normalised first: full-width characters (typed with a Chinese
input method) are folded by NFKC, letters are upper-cased, spaces and dashes dropped.
Whatever is then not the shape of a number or a code is refused with a clear message
before any lookup; the comparison is constant-time over ASCII bytes (a non-ASCII
``str`` would make ``hmac.compare_digest`` raise). Rate-limited per client address
(guessing codes), audited either way.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from credit_portal import audit, ratelimit
from disclosure import conf
from disclosure.models import CreditReport
from disclosure.selectors import report_by_number
from disclosure.services.report_retention import lawfully_purged, purged_message
from disclosure.services.reports import content_intact, verification_code

# Report numbers: XY, the issue date and 8 (older reports) or 12 random digits.
NUMBER_PATTERN = re.compile(r"XY\d{16,20}")
# Verification codes: 12 hexadecimal characters, printed in three groups of four.
CODE_PATTERN = re.compile(r"[0-9A-F]{12}")
_SEPARATORS = re.compile(r"[\s\-_‐‑‒–—―－·.]+")


class Outcome:
    GENUINE = "genuine"
    NO_MATCH = "no_match"
    INVALID = "invalid"
    RATE_LIMITED = "rate_limited"
    # The number and code match, but the stored content is not what was issued.
    ALTERED = "altered"
    # The number and code match; the content was deleted after the 5-year retention.
    PURGED = "purged"


@dataclass(frozen=True)
class Verification:
    outcome: str
    report: CreditReport | None = None
    message: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def genuine(self) -> bool:
        return self.outcome == Outcome.GENUINE


def _fold(value: str) -> str:
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value or "")).upper()


def normalize_number(value: str) -> str | None:
    """The canonical report number, or None when what was typed cannot be one."""
    folded = _fold(value)
    return folded if NUMBER_PATTERN.fullmatch(folded) else None


def normalize_code(value: str) -> str | None:
    """The canonical verification code (12 characters 0–9, A–F), or None."""
    folded = _fold(value)
    return folded if CODE_PATTERN.fullmatch(folded) else None


def altered_message() -> str:
    """What a reader of a report whose stored copy was changed is told (the page and the API)."""
    return _(
        "This number and code belong to a report the portal issued, but the portal's copy of it has been "
        "changed since it was issued, so the report cannot be confirmed. Do not rely on it; contact the credit office."
    )


def verify_report(number: str, code: str, *, request: HttpRequest | None = None, channel: str = "web") -> Verification:
    """Check a report's number and code; the one service behind the verification page
    and the API. Callers: anyone, unauthenticated. Never raises on any input."""
    errors: dict[str, str] = {}
    canonical_number = normalize_number(number)
    canonical_code = normalize_code(code)
    if canonical_number is None:
        errors["number"] = _(
            "Enter the report number as printed: XY followed by 16 or 20 digits, like XY20261128000012345678."
        )
    if canonical_code is None:
        errors["code"] = _(
            "Enter the verification code as printed: 12 characters, digits 0 to 9 and letters A to F, "
            "like 1A2B-3C4D-5E6F."
        )
    if errors:
        return Verification(Outcome.INVALID, message=_("Check the report number and the verification code."),
                            errors=errors)
    if request is not None and not ratelimit.hit_ip(
        request, "report-verify", limit=conf.get("DISCLOSURE_VERIFY_PER_IP_WINDOW"),
        window=conf.get("DISCLOSURE_VERIFY_WINDOW_SECONDS"),
    ):
        return Verification(Outcome.RATE_LIMITED, message=_("Too many checks from your network. Try again in 10 minutes."))
    # What it shows is read from the frozen content (``issued_facts``): no related row.
    report = report_by_number(canonical_number)
    typed = (canonical_code or "").encode("ascii")
    if report is None:
        # Same work either way, so timing does not tell numbers apart.
        hmac.compare_digest(typed, b"0" * 12)
        found = None
    else:
        expected = verification_code(report).replace("-", "").encode("ascii")
        found = report if hmac.compare_digest(typed, expected) else None
    if found is not None and lawfully_purged(found):
        return Verification(Outcome.PURGED, message=purged_message(found))
    if found is not None and not content_intact(found, request=request, channel=channel):
        return Verification(Outcome.ALTERED, message=altered_message())
    audit.record_read(
        "disclosure.report.verified", target=found, subject_ref=str(found.subject_id) if found else "",
        detail={"genuine": found is not None, "channel": channel}, request=request,
    )
    if found is None:
        return Verification(Outcome.NO_MATCH, message=_("No report matches this number and verification code. Check both."))
    return Verification(Outcome.GENUINE, report=found)


def issued_facts(report: CreditReport) -> dict[str, Any]:
    """What the verification shows besides the content: recipient, purpose and counts,
    read from the frozen snapshot (never from today's records)."""
    content = report.content
    summary = content.get("summary", {})
    issued_to = content.get("issued_to")
    return {
        "number": report.number,
        "issued_at": report.issued_at,
        "kind": str(report.get_kind_display()),
        "issued_to": f"{issued_to['name']}（{issued_to['credit_code']}）" if issued_to else _("The person themself"),
        "purpose": content.get("purpose") or "",
        "digest": report.digest,
        "counts": {
            "records": summary.get("records", 0),
            "negative": summary.get("negative", 0),
            "positive": summary.get("positive", 0),
            "archives": len(content.get("archives", [])),
        },
    }
