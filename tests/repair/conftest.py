from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from archives import services
from archives.models import CreditRecord
from credit_portal.roles import Role
from tests import factories as f
from tests.archives.conftest import World, negative_data  # noqa: F401
from tests.archives.conftest import world as world  # noqa: F401 - fixture re-export
from tests.factories import lately

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "proof.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def links(monkeypatch: pytest.MonkeyPatch, world: World) -> dict[int, object]:
    """Citizen accounts linked to subjects. The real link is disclosure's; the adapter
    ``repair.citizens.subject_for`` is replaced here so the repair rules are tested alone."""
    mapping: dict[int, object] = {world.citizen.pk: world.subject}
    monkeypatch.setattr("repair.citizens.subject_for", lambda user: mapping.get(getattr(user, "pk", None)))
    return mapping


def publish(world: World, **overrides: object) -> CreditRecord:
    """A published negative record, by default decided 120 days ago: past the general
    tier's 3-month minimum (repairable) and within its 12 months of display, whenever the
    suite runs. A given decision date without a conduct date gets one 10 days before."""
    if "decided_on" not in overrides:
        overrides = {**lately(120), **overrides}
    elif "occurred_on" not in overrides:
        overrides = {**overrides, "occurred_on": overrides["decided_on"] - timedelta(days=10)}  # type: ignore[operator]
    record = services.draft_record(world.archive, by=world.edu_clerk, **negative_data(world, **overrides))
    if record.is_negative:  # negative information is submitted with its evidence
        services.attach_evidence(pdf("decision.pdf"), by=world.edu_clerk, record=record)
    services.submit_record(record, by=world.edu_clerk)
    return services.publish_record(record, by=world.edu_reviewer)


@pytest.fixture
def record(world: World) -> CreditRecord:
    return publish(world)


@pytest.fixture
def officer2(world: World) -> object:
    return f.make_user("credit_officer2", roles=(Role.CREDIT_OFFICE,))


@pytest.fixture
def supervisor(world: World) -> object:
    from django.contrib.auth.models import Permission

    user = f.make_user("credit_supervisor", roles=(Role.CREDIT_OFFICE,))
    user.user_permissions.add(Permission.objects.get(codename="supervise_case", content_type__app_label="repair"))
    return type(user).objects.get(pk=user.pk)


__all__ = ["date", "pdf", "publish"]


@pytest.fixture(autouse=True)
def _english() -> object:
    # Messages are asserted on their English source text; the default language is zh-hans.
    from django.utils import translation

    with translation.override("en"):
        yield


def answer(world: World, objection: object, **proposal: object) -> object:
    """The department's answer with four eyes: the clerk drafts, the reviewer signs."""
    from repair import services as repair_services

    drafted = repair_services.draft_answer(objection, by=world.edu_clerk, **proposal)
    return repair_services.sign_answer(drafted, by=world.edu_reviewer)


def english_client(user: object) -> object:
    """A signed-in test client reading the pages in English (the source strings)."""
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


@pytest.fixture
def linked_citizen(world: World) -> object:
    """The citizen linked to the subject through disclosure, as on the real pages."""
    from disclosure.services.registration import link_citizen

    link_citizen(world.citizen, world.subject, by=world.credit_office)
    return world.citizen
