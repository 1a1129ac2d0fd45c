"""Fixtures for the listing procedure: the archives ``world`` with a published serious
record, and helpers that take a listing through its steps."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from archives.listing import services
from archives.listing.models import Listing, ListingCategory
from archives.models import CreditRecord
from tests.archives.conftest import World, publish_negative
from tests.archives.conftest import world as world  # noqa: F401 - fixture re-export

SERIOUS = {"severity": CreditRecord.Severity.SERIOUS, "title": "出具虚假学历证明", "decision_number": "示教罚〔2026〕30号"}


@pytest.fixture(autouse=True)
def _english() -> Any:
    # Messages are asserted on their English source text; the default language is zh-hans.
    from django.utils import translation

    with translation.override("en"):
        yield


def serious(world: World, **overrides: Any) -> CreditRecord:
    return publish_negative(world, **{**SERIOUS, **overrides})


@pytest.fixture
def record(world: World) -> CreditRecord:
    return serious(world)


def propose(world: World, records: list[CreditRecord], **overrides: Any) -> Listing:
    by = overrides.pop("by", world.edu_clerk)
    data: dict[str, Any] = {
        "records": records, "category": ListingCategory.MARKET_AND_SOCIAL_ORDER,
        "facts": "伪造学历证明骗取教师资格。", "legal_basis": "《教师资格条例》第十九条",
    }
    data.update(overrides)
    return services.propose_listing(world.archive, by=by, **data)


def publish(world: World, listing: Listing) -> Listing:
    """Decide a proposed listing for publication once its window is over (the caller
    travels past ``objection_due`` or the objection was answered)."""
    return services.decide_listing(listing, by=world.edu_reviewer, publish=True, reason="事实清楚，依据充分。")


__all__ = ["SERIOUS", "date", "propose", "publish", "serious"]
