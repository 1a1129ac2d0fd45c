from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from credit_portal.models import AuditEntry
from disclosure.models import Authorization, CreditReport, QueryLog
from disclosure.services import authorizations as auth_services
from disclosure.services.reports import verification_code
from tests.disclosure.conftest import grant


def login(client, user):
    client.logout()
    client.force_login(user)


# --- registration -----------------------------------------------------------------


@pytest.mark.django_db
def test_registration_pages_answer_the_same_for_known_and_unknown_people(client, world, sms, django_capture_on_commit_callbacks):
    from tests import factories as f

    form = {"name": world.subject.name, "id_number": world.subject.id_number, "phone": "13700000009",
            "password": "a-long-Pass-phrase-42", "password_again": "a-long-Pass-phrase-42"}
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("disclosure:register"), form)
    client.session.flush()
    unknown_form = dict(form, id_number=f.make_id_number(seq=44))
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post(reverse("disclosure:register"), unknown_form)
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("disclosure:register_verify")
    assert len(sms) == 1


@pytest.mark.django_db
def test_registration_end_to_end_signs_the_citizen_in(client, world, sms, django_capture_on_commit_callbacks):
    form = {"name": world.subject.name, "id_number": world.subject.id_number, "phone": "13700000009",
            "password": "a-long-Pass-phrase-42", "password_again": "a-long-Pass-phrase-42"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("disclosure:register"), form)
    wrong = client.post(reverse("disclosure:register_verify"), {"code": "abc"})
    assert wrong.status_code == 200
    assert "错误" in wrong.content.decode() or "Error" in wrong.content.decode()
    code = re.search(r"\d{6}", sms[0][1]).group(0)
    response = client.post(reverse("disclosure:register_verify"), {"code": code})
    assert response["Location"] == reverse("disclosure:my_home")
    assert client.get(reverse("disclosure:my_home")).status_code == 200
    # Signed in through the backend a phone sign-in uses (its get_user reads every later request's user).
    assert client.session["_auth_user_backend"] == "disclosure.auth.PhoneBackend"


@pytest.mark.django_db
def test_registration_invalid_input_keeps_what_was_typed(client, world):
    response = client.post(reverse("disclosure:register"), {"name": "张三", "id_number": "1234", "phone": "1", "password": "x", "password_again": "y"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="张三"' in body
    assert "govuk-error-summary" in body


# --- authorizations -----------------------------------------------------------------


def _grant_through_pages(client, disc, **overrides):
    data = {"grantee": str(disc.employer.pk), "purpose": "recruitment", "purpose_other": "",
            "occupations": [disc.world.teacher.pk], "days": "30", "max_uses": "2"}
    data.update(overrides)
    login(client, disc.citizen)
    response = client.post(reverse("disclosure:authorization_new"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    check = client.get(reverse("disclosure:authorization_check"))
    assert check.status_code == 200
    assert Authorization.objects.count() == 0  # nothing granted before check-your-answers is confirmed
    done = client.post(reverse("disclosure:authorization_check"))
    return done


@pytest.mark.django_db
def test_grant_shows_the_code_once_and_stores_only_a_digest(client, disc):
    done = _grant_through_pages(client, disc)
    auth = Authorization.objects.get()
    assert done["Location"] == reverse("disclosure:authorization_granted", args=[auth.pk])
    page = client.get(done["Location"]).content.decode()
    code = re.search(r'id="authorization-code">([0-9A-Z-]{14})<', page).group(1)
    assert auth.code_hash == auth_services.code_digest(code)
    assert code not in str(auth.receipt)
    again = client.get(done["Location"]).content.decode()
    assert code not in again
    assert auth.state == Authorization.State.ACTIVE
    assert (auth.valid_until - auth.valid_from) == timedelta(days=30)
    assert list(auth.occupations.all()) == [disc.world.teacher]


@pytest.mark.django_db
def test_grant_refuses_more_than_90_days(client, disc):
    login(client, disc.citizen)
    response = client.post(reverse("disclosure:authorization_new"), {
        "grantee": str(disc.employer.pk), "purpose": "recruitment", "days": "91", "max_uses": "1"})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


@pytest.mark.django_db
def test_other_purpose_needs_text(client, disc):
    login(client, disc.citizen)
    response = client.post(reverse("disclosure:authorization_new"), {
        "grantee": "anyone", "purpose": "other", "purpose_other": "", "days": "5", "max_uses": "1"})
    assert response.status_code == 200
    assert 'href="#id_purpose_other"' in response.content.decode()


@pytest.mark.django_db
def test_revoke_through_pages(client, disc):
    auth, _code = grant(disc)
    login(client, disc.citizen)
    check = client.get(reverse("disclosure:authorization_revoke", args=[auth.pk]))
    assert check.status_code == 200
    response = client.post(reverse("disclosure:authorization_revoke", args=[auth.pk]), {"reason": "不再需要"})
    assert response["Location"] == reverse("disclosure:authorization_revoked", args=[auth.pk])
    auth.refresh_from_db()
    assert auth.state == Authorization.State.REVOKED
    # Another citizen cannot revoke by changing the id.
    auth2, _ = grant(disc)
    login(client, disc.other_citizen)
    assert client.post(reverse("disclosure:authorization_revoke", args=[auth2.pk])).status_code == 404
    auth2.refresh_from_db()
    assert auth2.state == Authorization.State.ACTIVE


@pytest.mark.django_db
def test_institution_request_then_citizen_approves(client, disc):
    login(client, disc.employer_staff)
    response = client.post(reverse("disclosure:institution_request"), {
        "name": disc.subject.name, "id_number": disc.subject.id_number, "purpose": "recruitment",
        "days": "10", "max_uses": "1"})
    assert response.status_code == 200
    code = re.search(r'portal-code">([0-9A-Z-]{14})<', response.content.decode()).group(1)
    auth = Authorization.objects.get(state=Authorization.State.PENDING)
    login(client, disc.citizen)
    assert "示范科技有限公司" in client.get(reverse("disclosure:my_home")).content.decode()
    # Before approving, the person sees what the law adds to a recruitment report, as
    # when they grant on their own: every negative record comes with it.
    for name in ("disclosure:authorization_approve", "disclosure:authorization_detail"):
        page = client.get(reverse(name, args=[auth.pk])).content.decode()
        row = page[page.index('id="mandatory-row"'):]
        row = row[: row.index("</div>")]
        assert "本用途依法必含的内容" in row, name
        assert "不良" in row, name
    client.post(reverse("disclosure:authorization_approve", args=[auth.pk]), {"action": "approve"})
    auth.refresh_from_db()
    assert auth.state == Authorization.State.ACTIVE
    login(client, disc.employer_staff)
    response = client.post(reverse("disclosure:institution_query"), {
        "name": disc.subject.name, "id_number": disc.subject.id_number, "code": code, "purpose": "recruitment"})
    assert response.status_code == 302


# --- queries over the web form and the API: the authorization matrix -------------------------


def _make(disc, kind):
    """An authorization in the state ``kind`` names, and the code to present."""
    if kind == "none":
        return "ABCD-EFGH-JKMN"
    if kind == "wrong_scope":
        # Financial services: a purpose without mandatory content, so the scope is what was ticked.
        _auth, code = grant(disc, purpose="financial", categories=(disc.rewards,))
        return code
    auth, code = grant(disc, max_uses=1)
    if kind == "expired":
        Authorization.objects.filter(pk=auth.pk).update(valid_until=timezone.now() - timedelta(seconds=1), valid_from=timezone.now() - timedelta(days=1))
    elif kind == "revoked":
        auth_services.revoke_authorization(auth, by=disc.citizen)
    elif kind == "used_up":
        Authorization.objects.filter(pk=auth.pk).update(uses=1, state=Authorization.State.USED_UP)
    return code


MATRIX = [
    ("active", None),
    ("none", "not_matched"),
    ("expired", "expired"),
    ("revoked", "revoked"),
    ("used_up", "used_up"),
    ("wrong_scope", "out_of_scope"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "reason"), MATRIX)
def test_api_query_matrix(client, disc, kind, reason):
    code = _make(disc, kind)
    login(client, disc.employer_staff)
    body = {"name": disc.subject.name, "id_number": disc.subject.id_number, "code": code, "purpose": "recruitment"}
    if kind == "wrong_scope":
        body["categories"] = ["violations"]
        body["purpose"] = "financial"
    response = client.post(reverse("disclosure:api_query"), body, content_type="application/json")
    log = QueryLog.objects.latest("id")
    if reason is None:
        assert response.status_code == 201
        data = response.json()
        assert data["verification_code"] == verification_code(CreditReport.objects.get(number=data["number"]))
        assert log.outcome == "granted"
        assert log.channel == "api"
    else:
        assert response.status_code == 403
        assert response.json()["reason"] == reason
        assert log.outcome == "refused"
        assert log.reason == reason


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "reason"), MATRIX)
def test_web_query_matrix(client, disc, kind, reason):
    code = _make(disc, kind)
    login(client, disc.employer_staff)
    if kind == "wrong_scope":
        # The page asks for the whole authorized scope; a category-limited code still works
        # and returns only that category.
        response = client.post(reverse("disclosure:institution_query"), {
            "name": disc.subject.name, "id_number": disc.subject.id_number, "code": code, "purpose": "financial"})
        report = CreditReport.objects.get()
        assert {r["category_code"] for a in report.content["archives"] for r in a["records"]} == {"rewards-penalties"}
        return
    response = client.post(reverse("disclosure:institution_query"), {
        "name": disc.subject.name, "id_number": disc.subject.id_number, "code": code, "purpose": "recruitment"})
    if reason is None:
        assert response.status_code == 302
        report_page = client.get(response["Location"]).content.decode()
        assert "违规有偿补课" in report_page
        assert disc.subject.id_number not in report_page
    else:
        assert response.status_code == 200
        assert "govuk-error-summary" in response.content.decode()
        assert QueryLog.objects.get().reason == reason


@pytest.mark.django_db
def test_wrong_name_and_wrong_code_read_the_same_on_the_page(client, disc):
    _auth, code = grant(disc)
    login(client, disc.employer_staff)
    a = client.post(reverse("disclosure:institution_query"), {
        "name": "别人", "id_number": disc.subject.id_number, "code": code, "purpose": "recruitment"}).content.decode()
    b = client.post(reverse("disclosure:institution_query"), {
        "name": disc.subject.name, "id_number": disc.subject.id_number, "code": "ZZZZ-ZZZZ-ZZZZ", "purpose": "recruitment"}).content.decode()

    def summary(html):
        return re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S).group(1).strip()

    assert summary(a) == summary(b)


@pytest.mark.django_db
def test_citizen_sees_the_query_in_the_log(client, disc):
    _auth, code = grant(disc)
    login(client, disc.employer_staff)
    client.post(reverse("disclosure:institution_query"), {
        "name": disc.subject.name, "id_number": disc.subject.id_number, "code": code, "purpose": "recruitment"})
    login(client, disc.citizen)
    page = client.get(reverse("disclosure:my_queries")).content.decode()
    from disclosure.models import Purpose

    assert "示范科技有限公司" in page
    assert str(Purpose.RECRUITMENT.label) in page


@pytest.mark.django_db
def test_reading_own_record_is_audited_but_not_a_query(client, disc):
    login(client, disc.citizen)
    client.get(reverse("disclosure:my_home"))
    client.get(reverse("disclosure:my_archive", args=[disc.world.archive.pk]))
    assert AuditEntry.objects.filter(action="disclosure.own_record.viewed", subject_ref=str(disc.subject.pk)).count() == 2
    assert not QueryLog.objects.exists()


@pytest.mark.django_db
def test_citizen_report_download(client, disc):
    login(client, disc.citizen)
    response = client.post(reverse("disclosure:my_report"))
    report = CreditReport.objects.get(kind=CreditReport.Kind.SELF)
    assert response["Location"] == reverse("disclosure:report", args=[report.number])
    pdf = client.get(reverse("disclosure:report_pdf", args=[report.number]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert not QueryLog.objects.exists()


@pytest.mark.django_db
def test_citizen_archive_shows_every_state_but_draft_with_flags(client, disc):
    from archives.models import CreditRecord
    from tests.disclosure.conftest import make_record

    w = disc.world
    make_record(w.archive, by=w.edu_clerk, title="修复的记录", state=CreditRecord.State.REPAIRED)
    make_record(w.archive, by=w.edu_clerk, title="撤销的记录", state=CreditRecord.State.WITHDRAWN)
    make_record(w.archive, by=w.edu_clerk, title="草稿记录", state=CreditRecord.State.DRAFT)
    make_record(w.archive, by=w.edu_clerk, title="异议中的记录", under_objection=True)
    login(client, disc.citizen)
    page = client.get(reverse("disclosure:my_archive", args=[w.archive.pk])).content.decode()
    for title in ("修复的记录", "撤销的记录", "异议中的记录", "违规有偿补课"):
        assert title in page
    assert "草稿记录" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["my_home", "my_findings", "my_notices", "my_queries", "my_reports", "my_authorizations", "my_listings"])
def test_citizen_menu_marks_the_page_the_person_is_on(client, disc, name):
    login(client, disc.citizen)
    url = reverse(f"disclosure:{name}")
    page = client.get(url).content.decode()
    menu = page[page.index('<nav class="portal-subnav"'):]
    menu = menu[:menu.index("</nav>")]
    assert re.findall(r'href="([^"]+)" aria-current="page"', menu) == [url]


@pytest.mark.django_db
def test_citizen_archive_says_a_negative_records_kind_and_severity_once(client, disc):
    # The card's own tag says it (负面记录 · 严重程度); the flags under the title said it again.
    from archives.models import CreditRecord
    from tests.disclosure.conftest import make_record

    w = disc.world
    make_record(w.archive, by=w.edu_clerk, title="严重的记录", severity=CreditRecord.Severity.SERIOUS)
    make_record(w.archive, by=w.edu_clerk, title="异议中的记录", under_objection=True)
    negative = CreditRecord.objects.filter(
        archive=w.archive, is_current=True, state=CreditRecord.State.PUBLISHED, polarity=CreditRecord.Polarity.NEGATIVE
    )
    login(client, disc.citizen)
    page = client.get(reverse("disclosure:my_archive", args=[w.archive.pk])).content.decode()
    tags = re.findall(r'<strong class="govuk-tag govuk-tag--red portal-inset__tag">([^<]*)</strong>', page)
    assert sorted(tags) == sorted(f"负面记录 · {r.get_severity_display()}" for r in negative)
    assert "负面记录 · 严重" in tags
    assert "负面 · " not in page
    assert page.count("异议处理中") >= 1


# --- report verification ---------------------------------------------------------------------


# Verification: tests/disclosure/test_report_verification.py


@pytest.mark.django_db
def test_expired_authorization_shows_expired_to_citizen(client, disc):
    auth, _code = grant(disc, days=1)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        login(client, disc.citizen)
        page = client.get(reverse("disclosure:my_authorizations")).content.decode()
    assert auth.reference in page
    assert "expired" in page or "已过期" in page or "过期" in page


@pytest.mark.django_db
def test_the_persons_own_pages_do_not_overstate_who_sees_what(client, disc):
    """Tried as the person a record harms: a record from before they were 18 is never
    shown to others (003 item 10), so their page must not say until when it is; the
    query log says which reads it lists (queries under an authorization or the green
    channel) and where the departments' own reads are kept."""
    from tests.disclosure.conftest import make_record

    make_record(disc.world.archive, by=disc.world.edu_reviewer, title="未成年时的违纪", subject_was_minor=True,
                display_until=timezone.localdate() + timedelta(days=400))
    client.force_login(disc.citizen)
    page = client.get(reverse("disclosure:my_archive", args=[disc.world.archive.pk])).content.decode()
    card = page[page.index("未成年时的违纪"):]
    card = card[: card.index("</dl>")]
    assert "行为发生时您未满18周岁" in card
    assert "对他人显示至" not in card
    queries = client.get(reverse("disclosure:my_queries")).content.decode()
    assert "凭您的授权或通过绿色通道" in queries
    assert "审计日志" in queries


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["repaired", "withdrawn", "expired"])
def test_a_record_no_longer_shown_does_not_say_until_when_it_is_shown(client, disc, state):
    """A repaired, withdrawn or expired record keeps its display date in the table, but it
    is shown to no one any more: the card says so (its tag) and names no date it would be
    shown until, as the staff page does (the date only while published)."""
    from tests.disclosure.conftest import make_record

    make_record(disc.world.archive, by=disc.world.edu_reviewer, title="不再显示的记录", state=state,
                display_until=timezone.localdate() + timedelta(days=400))
    make_record(disc.world.archive, by=disc.world.edu_reviewer, title="仍在显示的记录")
    client.force_login(disc.citizen)
    page = client.get(reverse("disclosure:my_archive", args=[disc.world.archive.pk])).content.decode()

    def card(title: str) -> str:
        part = page[page.index(title):]
        return part[: part.index("</dl>")]

    assert "对他人显示至" not in card("不再显示的记录")
    assert "对他人显示至" in card("仍在显示的记录")
