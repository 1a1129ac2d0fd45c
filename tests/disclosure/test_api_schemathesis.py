"""Schemathesis over the whole OpenAPI schema, against the live server: every operation
the schema advertises, with generated valid and invalid inputs, as an anonymous caller
and as an institution's system with its API key. No answer may be a 5xx, and every
error answer is in the portal's one format (code + message).

Bounded (``EXAMPLES`` per operation and caller) so the pass takes well under two
minutes on CI's machine. It runs once, on PostgreSQL (CI's second pass): the inputs are
the same on every run (derandomized), and PostgreSQL refuses more of them than SQLite
does (NUL in text, strings over a column's length, numbers out of range), so the
PostgreSQL run is the one that can find a 5xx; on SQLite as well it cost ≈ 50 s of the
first pass's worker time.
"""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disclosure.services import institutions
from tests.disclosure.conftest import grant

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

EXAMPLES = 60


def _check(response: requests.Response, label: str) -> None:
    assert response.status_code < 500, f"{label}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400 and response.headers.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        assert "detail" in body, f"{label}: {body}"
        if response.status_code != 404 or "code" in body:
            assert "code" in body or "genuine" in body, f"{label}: {body}"


def test_no_operation_answers_5xx_to_any_generated_input(live_server, disc):
    _authorization, code = grant(disc)
    staff = disc.employer_staff.institution_staff
    _api_key, key = institutions.issue_api_key(staff, name="fuzz", by=disc.world.credit_office)
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json")
    callers = {"anonymous": {}, "institution": {"Authorization": f"Api-Key {key}"}}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/disclosure/queries/", "/api/disclosure/reports/verify/"}
    # Closed at the end: the live server's thread serving a kept-alive socket keeps its
    # database connection until the socket closes (Django's ThreadedWSGIServer closes
    # connections in close_request), which left a session on PostgreSQL's test database.
    with requests.Session() as session:
        for operation in operations:
            for caller, headers in callers.items():
                _fuzz(operation, f"{operation.method.upper()} {operation.path} as {caller}", headers, session,
                      live_server.url)
        # The real thing still works after the storm (nothing broke the data).
        body = {"name": disc.subject.name, "id_number": disc.subject.id_number, "code": code, "purpose": "recruitment"}
        response = session.post(f"{live_server.url}/api/disclosure/queries/", json=body,
                                headers={"Authorization": f"Api-Key {key}"})
    assert response.status_code in {201, 403, 429}, response.text


def _fuzz(operation, label: str, headers: dict[str, str], session: requests.Session, base_url: str) -> None:
    @settings(
        max_examples=EXAMPLES, deadline=None, database=None,
        suppress_health_check=list(HealthCheck), derandomize=True,
    )
    @given(case=operation.as_strategy(), hostile=st.sampled_from(["", "\x00", "１２３", "9" * 40, "<b>x</b>"]))
    def run(case, hostile):
        response = case.call(base_url=base_url, session=session, headers=headers)
        _check(response, label)
        # The same operation with a hostile value in every string of the body.
        if isinstance(case.body, dict) and hostile:
            case.body = {k: (hostile if isinstance(v, str) else v) for k, v in case.body.items()}
            _check(case.call(base_url=base_url, session=session, headers=headers), label)

    run()
