"""Every page the public's roles reach (anyone, a citizen, an institution), in Chromium:
the check of test_every_page.py, in a file of its own so that xdist runs it on the other
worker (its docstring says what is checked, and why two files). Every role of
tests/page_crawl.py that is not named here is checked there.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_every_page import ONCE, PUBLIC_ROLES, check_every_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@ONCE
@pytest.mark.parametrize("role", PUBLIC_ROLES)
def test_every_page_of_each_role_in_both_modes_and_widths(browser: Any, live_server: Any, role: str) -> None:
    check_every_page(browser, live_server, role)
