"""Every audit action written by the code is named ``<app>.<object>.<verb>`` (docs/audit.md):
the literal names handed to ``audit.record`` / ``audit.record_read`` are read from the
source, so a new two-part or unprefixed name fails here before it reaches the trail."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("credit_portal", "departments", "archives", "disclosure", "repair", "exchange")
# A name handed to audit.record / record_read, or to a helper that records it
# (``retire_rule(rule, action="levels.rule.retired", by=by)``).
CALL = re.compile(r"\brecord(?:_read)?\(\s*f?\"([^\"]+)\"|\baction=f?\"([a-z_]+\.[^\"]*)\"")
# ``intake``, ``levels``, ``listing`` and ``units`` are the app labels of archives' sub-apps. A literal ending in "." is the front of
# a name completed in code (``"disclosure.query." + outcome``): app and object.
# An f-string's placeholder stands for one part (``{case_type.audit_object}``).
PART = r"(?:[a-z_]+|\{[a-z_.]+\})"
NAME = re.compile(rf"(?:{'|'.join((*APPS, 'intake', 'levels', 'listing', 'units'))})\.{PART}\.{PART}?")


def _written_names() -> dict[str, str]:
    names = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for match in CALL.finditer(path.read_text(encoding="utf-8")):
                names[match.group(1) or match.group(2)] = path.relative_to(ROOT).as_posix()
    return names


def test_the_scan_finds_the_actions() -> None:
    names = _written_names()
    assert "exchange.event.requeued" in names
    assert "disclosure.authorization.revoked" in names
    assert "levels.point_rule.retired" in names


def test_every_action_is_app_object_verb() -> None:
    wrong = {name: where for name, where in _written_names().items() if not NAME.fullmatch(name)}
    assert wrong == {}


def test_the_check_refuses_an_old_name() -> None:
    assert not NAME.fullmatch("exchange.requeued")
    assert not NAME.fullmatch("record.published")
    assert NAME.fullmatch("repair.{case_type.audit_object}.viewed")
