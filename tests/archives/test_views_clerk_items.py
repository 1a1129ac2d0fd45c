"""The clerk's own items and taking back what was never published: my items page,
deleting a draft, a draft finding or an evidence file not yet published; the record
form does not trap a clerk who switches to positive after choosing a severity; every
text field has a maximum length."""

from __future__ import annotations

import pytest
from django.urls import reverse

from archives import forms, services
from archives.models import AnnualFinding, CreditRecord, Evidence
from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.models import AuditEntry
from tests.archives.conftest import World, draft_negative, pdf, publish_negative
from tests.archives.test_views_pages import _record_post

pytestmark = pytest.mark.django_db


def test_my_items_lists_drafts_submitted_and_returned_with_the_reason(client, world: World) -> None:
    draft = draft_negative(world, title="补课记录甲")
    submitted = services.submit_record(draft_negative(world, title="我的待审"), by=world.edu_clerk)
    returned = services.return_record(
        services.submit_record(draft_negative(world, title="我的退回"), by=world.edu_clerk),
        by=world.edu_reviewer, reason="请补充文号",
    )
    client.force_login(world.edu_clerk)
    page = client.get(reverse("archives:my_items")).content.decode()
    for record in (draft, submitted, returned):
        assert reverse("archives:record", args=[record.pk]) in page
    assert "请补充文号" in page
    # Another clerk's items are not theirs.
    client.force_login(world.health_clerk)
    assert "补课记录甲" not in client.get(reverse("archives:my_items")).content.decode()


def test_clerk_deletes_a_draft_and_its_evidence(client, world: World) -> None:
    draft = draft_negative(world)
    client.force_login(world.edu_reviewer)  # a reviewer does not delete clerks' drafts
    assert client.post(reverse("archives:record_delete", args=[draft.pk])).status_code == 403
    client.force_login(world.edu_clerk)
    assert "govuk-button--warning" in client.get(reverse("archives:record_delete", args=[draft.pk])).content.decode()
    response = client.post(reverse("archives:record_delete", args=[draft.pk]))
    assert response.url == reverse("archives:archive", args=[world.archive.pk])
    assert not CreditRecord.objects.filter(pk=draft.pk).exists()
    assert not Evidence.objects.exists()
    assert AuditEntry.objects.filter(action="archives.record.deleted", object_id=str(draft.pk)).exists()


def test_deleting_a_draft_removes_its_stored_files_only_when_the_deletion_commits(
    world: World, django_capture_on_commit_callbacks
) -> None:
    from django.core.files.storage import default_storage
    from django.db import transaction

    kept = draft_negative(world)
    kept_file = kept.evidence.get().file.name
    with pytest.raises(RuntimeError), transaction.atomic():  # noqa: PT012 - the rollback is the point
        services.delete_draft(kept, by=world.edu_clerk)
        raise RuntimeError("rolled back")
    assert CreditRecord.objects.filter(pk=kept.pk).exists()
    assert default_storage.exists(kept_file)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.delete_draft(kept, by=world.edu_clerk)
    assert default_storage.exists(kept_file), "the file went before the rows' deletion committed"
    for callback in callbacks:
        callback()
    assert not default_storage.exists(kept_file)


def test_a_published_record_cannot_be_deleted(client, world: World) -> None:
    record = publish_negative(world)
    client.force_login(world.edu_clerk)
    assert client.post(reverse("archives:record_delete", args=[record.pk])).status_code == 403
    with pytest.raises(TransitionNotAllowed):
        services.delete_draft(record, by=world.edu_clerk)
    assert CreditRecord.objects.filter(pk=record.pk).exists()


def test_evidence_is_removed_before_publication_and_kept_after(client, world: World) -> None:
    draft = draft_negative(world)
    evidence = draft.evidence.get()
    client.force_login(world.health_clerk)
    assert client.post(reverse("archives:evidence_delete", args=[evidence.pk])).status_code == 404
    client.force_login(world.edu_clerk)
    assert client.post(reverse("archives:evidence_delete", args=[evidence.pk])).status_code == 302
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    published = publish_negative(world)
    kept = published.evidence.get()
    assert client.post(reverse("archives:evidence_delete", args=[kept.pk])).status_code == 403
    assert Evidence.objects.filter(pk=kept.pk).exists()


def test_draft_finding_is_deleted_and_a_signed_one_is_not(client, world: World) -> None:
    draft = services.draft_finding(world.archive, year=2025, status="warning", basis="警示", by=world.edu_clerk)
    services.attach_evidence(pdf(), by=world.edu_clerk, finding=draft)
    client.force_login(world.edu_clerk)
    assert client.post(reverse("archives:finding_delete", args=[draft.pk])).status_code == 302
    assert not AnnualFinding.objects.filter(pk=draft.pk).exists()
    signed = services.sign_finding(
        services.draft_finding(world.archive, year=2024, status="trustworthy", basis="守信", by=world.edu_clerk),
        by=world.edu_reviewer,
    )
    assert client.post(reverse("archives:finding_delete", args=[signed.pk])).status_code == 403
    assert AnnualFinding.objects.filter(pk=signed.pk).exists()


def test_switching_to_positive_after_choosing_a_severity_does_not_trap_the_form(client, world: World) -> None:
    client.force_login(world.edu_clerk)
    response = client.post(reverse("archives:record_new", args=[world.archive.pk]),
                           _record_post(world, polarity="positive", severity="serious", is_penalty="on",
                                        category=str(world.basic.pk)))
    assert response.status_code == 302
    record = CreditRecord.objects.get()
    assert (record.polarity, record.severity, record.is_penalty) == ("positive", "", False)


@pytest.mark.parametrize(
    "form_class", [forms.RecordForm, forms.CorrectionForm, forms.ReasonForm, forms.FindingForm, forms.EvidenceForm,
                   forms.SubjectEditForm, forms.ArchiveEditForm, forms.FindByIdNumberForm, forms.FindByNameForm],
)
def test_every_text_field_has_a_maximum_length(world: World, form_class: type) -> None:
    kwargs = {"categories": []} if issubclass(form_class, forms.RecordForm) else {}
    form = form_class(**kwargs)
    for name, field in form.fields.items():
        if type(field).__name__ == "CharField":
            assert field.max_length, f"{form_class.__name__}.{name}"


def test_an_overlong_reason_is_a_form_error(client, world: World) -> None:
    record = services.submit_record(draft_negative(world), by=world.edu_clerk)
    client.force_login(world.edu_reviewer)
    response = client.post(reverse("archives:record_return", args=[record.pk]), {"reason": "长" * 2001})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    record.refresh_from_db()
    assert record.state == CreditRecord.State.SUBMITTED
