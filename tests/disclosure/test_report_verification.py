"""Verification shows what was issued: one service behind the page and the API; codes
typed full-width or in lower case are normalised, anything else refused clearly; an
edited copy differs visibly from what the portal shows. Report numbers never clash."""

from __future__ import annotations

import unicodedata

import pytest
from django.db import IntegrityError
from django.urls import reverse

from credit_portal.models import AuditEntry
from disclosure.models import CreditReport
from disclosure.services import queries
from disclosure.services import reports as report_services
from disclosure.services.reports import verification_code
from disclosure.services.verification import normalize_code, normalize_number, verify_report
from tests.disclosure.conftest import grant


def _issue(disc) -> CreditReport:
    _auth, code = grant(disc)
    return queries.query_record(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
        purpose="recruitment",
    ).report


def _full_width(text: str) -> str:
    """What a Chinese input method types: every ASCII character as its full-width form."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def test_full_width_and_lower_case_are_folded():
    assert normalize_code(_full_width("1a2b-3c4d-5e6f")) == "1A2B3C4D5E6F"
    assert normalize_code(" 1a2b 3c4d 5e6f ") == "1A2B3C4D5E6F"
    assert normalize_number(_full_width("xy20261128000012345678")) == "XY20261128000012345678"
    assert unicodedata.normalize("NFKC", _full_width("A")) == "A"


@pytest.mark.parametrize("typed", ["", "1A2B", "1A2B-3C4D-5E6G", "验证码验证码验证码验证码", "1A2B-3C4D-5E6F-7", "１Ａ２Ｂ３Ｃ４Ｄ５Ｅ６Ｘ"])
def test_malformed_codes_are_refused_with_a_clear_message(typed):
    assert normalize_code(typed) is None


@pytest.mark.django_db
def test_page_accepts_full_width_and_wrong_case(client, disc):
    report = _issue(disc)
    client.logout()
    typed_code = _full_width(verification_code(report).lower())
    typed_number = _full_width(report.number.lower())
    page = client.post(reverse("disclosure:verify_report"), {"number": typed_number, "code": typed_code})
    assert page.status_code == 200
    html = page.content.decode()
    assert "本报告由本平台出具" in html
    assert report.digest in html


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["１Ａ２Ｂ－３Ｃ４Ｄ－５Ｅ６Ｘ", "验证码", "ＸＸ", "1a2b-3c4d-5e6", "\u00e9" * 12])
def test_page_refuses_malformed_codes_clearly_and_never_500s(client, disc, code):
    report = _issue(disc)
    client.logout()
    before = AuditEntry.objects.filter(action="disclosure.report.verified").count()
    response = client.post(reverse("disclosure:verify_report"), {"number": report.number, "code": code})
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "数字 0–9 和字母 A–F" in html
    assert report.digest not in html
    # A malformed code is refused before any lookup: nothing was checked, nothing audited.
    assert AuditEntry.objects.filter(action="disclosure.report.verified").count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["１Ａ２Ｂ－３Ｃ４Ｄ－５Ｅ６Ｘ", "验证码", "\u00e9" * 12])
def test_api_refuses_malformed_codes_with_400(client, disc, code):
    report = _issue(disc)
    client.logout()
    response = client.post(reverse("disclosure:api_verify"), {"number": report.number, "code": code},
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json()["genuine"] is False
    assert "code" in response.json()["errors"]


@pytest.mark.django_db
def test_api_accepts_full_width_and_wrong_case_and_returns_the_report_as_issued(client, disc):
    report = _issue(disc)
    client.logout()
    response = client.post(reverse("disclosure:api_verify"), {
        "number": _full_width(report.number.lower()), "code": _full_width(verification_code(report).lower()),
    }, content_type="application/json")
    assert response.status_code == 200
    data = response.json()
    assert data["genuine"] is True
    assert data["content"] == report.content
    assert data["issued_to"] == f"{disc.employer.name}（{disc.employer.credit_code}）"
    assert data["purpose"] == "招聘录用"
    assert data["counts"] == {"records": 3, "negative": 2, "positive": 1, "archives": 2}
    assert data["digest"] == report.digest


@pytest.mark.django_db
def test_wrong_code_is_no_match_on_page_and_api(client, disc):
    report = _issue(disc)
    client.logout()
    page = client.post(reverse("disclosure:verify_report"), {"number": report.number, "code": "0000-0000-0000"})
    assert "没有与" in page.content.decode()
    assert report.digest not in page.content.decode()
    api = client.post(reverse("disclosure:api_verify"), {"number": report.number, "code": "0000-0000-0000"},
                      content_type="application/json")
    assert api.status_code == 404


@pytest.mark.django_db
def test_an_edited_copy_differs_visibly_from_what_the_page_shows(client, disc):
    """Someone deletes the negative rows from a copy of the report and changes the
    count. The verification page shows the report as issued: the deleted rows and the
    true counts are there, so the edited copy does not match."""
    report = _issue(disc)
    client.force_login(disc.employer_staff)
    original = client.get(reverse("disclosure:report", args=[report.number])).content.decode()
    tampered = original.replace("违规有偿补课", "").replace("收受红包", "")
    client.logout()
    shown = client.post(reverse("disclosure:verify_report"), {
        "number": report.number, "code": verification_code(report)}).content.decode()
    for title in ("违规有偿补课", "收受红包", "优秀教师"):
        assert title in shown
        assert title in original
    assert "违规有偿补课" not in tampered
    # The counts as issued: 2 archives, 3 records, 2 negative.
    assert "2 份档案，3 条记录：不良 2 条，正面 1 条" in shown
    # What was issued is not what the archive holds today, and the page says so.
    assert "此后被更正、撤销或修复的记录，在此仍按原样显示" in shown
    assert disc.employer.name in shown
    assert "招聘录用" in shown
    # The rendering is the same as the report page's: the same summary and record blocks.
    for marker in ('id="report-summary"', 'id="negative-check"', 'id="report-scope"'):
        assert marker in shown
        assert marker in original


@pytest.mark.django_db
def test_verification_never_reads_todays_records(client, disc):
    """The page shows the frozen snapshot: a record withdrawn after issue still shows."""
    from archives.models import CreditRecord

    report = _issue(disc)
    CreditRecord.objects.filter(pk=disc.negative.pk).update(state=CreditRecord.State.WITHDRAWN)
    client.logout()
    shown = client.post(reverse("disclosure:verify_report"), {
        "number": report.number, "code": verification_code(report)}).content.decode()
    assert "违规有偿补课" in shown


@pytest.mark.django_db
def test_one_service_for_page_and_api(disc, monkeypatch):
    from disclosure import api
    from disclosure.views import reports as report_views

    assert api.verify_report is verify_report
    assert report_views.verify_report_service is verify_report


@pytest.mark.django_db
def test_guessing_verification_codes_is_rate_limited(client, disc):
    number = "XY" + "2" * 20
    for _ in range(20):
        client.post(reverse("disclosure:verify_report"), {"number": number, "code": "0000-0000-0000"})
    response = client.post(reverse("disclosure:verify_report"), {"number": number, "code": "0000-0000-0000"})
    assert "10分钟" in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    api = client.post(reverse("disclosure:api_verify"), {"number": number, "code": "0000-0000-0000"},
                      content_type="application/json")
    assert api.status_code == 429


@pytest.mark.django_db
def test_qr_code_link_fills_in_the_number_only(client, disc):
    report = _issue(disc)
    page = client.get(reverse("disclosure:verify_report") + f"?number={report.number}").content.decode()
    assert f'value="{report.number}"' in page
    assert report.digest not in page


# --- report numbers ----------------------------------------------------------------------------


def test_report_numbers_carry_twelve_random_digits():
    number = report_services.new_report_number()
    assert len(number) == 22
    assert number.startswith("XY")


@pytest.mark.django_db
def test_a_clashing_report_number_is_retried_not_a_500(disc, monkeypatch):
    first = _issue(disc)
    fresh = "XY20261128999999999999"
    numbers = iter([first.number, first.number, fresh])
    monkeypatch.setattr(report_services, "new_report_number", lambda: next(numbers))
    second = _issue(disc)
    assert second.number == fresh
    assert second.content["number"] == fresh
    assert second.digest == report_services.digest_of(second.content)
    assert CreditReport.objects.count() == 2


@pytest.mark.django_db
def test_a_query_whose_number_clashes_leaves_one_report_one_log_and_one_entry(disc, monkeypatch):
    """The query's report, its log and the log's audit entry are written together (one
    statement on PostgreSQL): a number already taken writes none of them, and the retry
    writes each once, the log and its entry naming the report that was written."""
    from credit_portal.models import AuditEntry
    from disclosure.models import QueryLog

    first = _issue(disc)
    entries = AuditEntry.objects.filter(action="disclosure.query.granted")
    logs, before = QueryLog.objects.filter(outcome="granted"), entries.count()
    numbers = iter([first.number, first.number, "XY20261128777777777777"])
    monkeypatch.setattr(report_services, "new_report_number", lambda: next(numbers))
    second = _issue(disc)
    assert second.number == "XY20261128777777777777"
    assert CreditReport.objects.count() == 2
    assert logs.count() == 2
    log = logs.get(report=second)
    assert log.result_digest == second.digest
    assert entries.count() == before + 1
    assert entries.filter(object_id=str(log.pk)).count() == 1


@pytest.mark.django_db
def test_clashes_beyond_the_retries_raise(disc, monkeypatch):
    first = _issue(disc)
    monkeypatch.setattr(report_services, "new_report_number", lambda: first.number)
    with pytest.raises(IntegrityError):
        report_services.issue_self_report(disc.subject, by=disc.citizen)
    assert CreditReport.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_a_clash_on_postgresql_rolls_back_only_the_insert(disc, monkeypatch):
    """On PostgreSQL a failed INSERT aborts the transaction unless a savepoint wraps it:
    the retry must leave the query's transaction (use spent, log written) intact."""
    from disclosure.models import QueryLog

    first = _issue(disc)
    numbers = iter([first.number, "XY20261128888888888888"])
    monkeypatch.setattr(report_services, "new_report_number", lambda: next(numbers))
    second = _issue(disc)
    assert second.number == "XY20261128888888888888"
    assert QueryLog.objects.filter(report=second, outcome="granted").exists()


@pytest.mark.django_db
def test_reports_of_the_first_format_still_render_everywhere(client, disc):
    """Reports frozen before the summary block existed still show on the report page,
    the verification page, the API and as PDF."""
    from disclosure.pdf import render_report_pdf

    report = _issue(disc)
    old = dict(report.content)
    for key in ("negative_check",):
        old.pop(key)
    old["format"] = "credit-report/1"
    old["summary"] = {"records": 3, "negative": 2, "positive": 1}
    old["scope"] = {"all_archives": True, "all_categories": True}
    CreditReport.objects.filter(pk=report.pk).update(content=old, digest=report_services.digest_of(old))
    report.refresh_from_db()
    client.force_login(disc.employer_staff)
    assert client.get(reverse("disclosure:report", args=[report.number])).status_code == 200
    client.logout()
    shown = client.post(reverse("disclosure:verify_report"), {
        "number": report.number, "code": verification_code(report)})
    assert shown.status_code == 200
    assert "违规有偿补课" in shown.content.decode()
    assert render_report_pdf(report).startswith(b"%PDF")


ODD_INPUTS = [
    {"number": "XY" + "9" * 200, "code": "1A2B-3C4D-5E6F"},
    {"number": "XY2026\x00", "code": "1A2B\x00"},
    {"number": "", "code": ""},
    {"number": "ＸＹ２０２６１１２８０００００００００００１", "code": "𝟏𝐀𝟐𝐁𝟑𝐂𝟒𝐃𝟓𝐄𝟔𝐅"},
    {"number": "<script>", "code": "' OR 1=1 --"},
]


@pytest.mark.django_db
@pytest.mark.parametrize("data", ODD_INPUTS)
def test_odd_input_never_500s_on_page_or_api(client, disc, data):
    page = client.post(reverse("disclosure:verify_report"), data)
    assert page.status_code == 200
    assert "govuk-error-summary" in page.content.decode()
    api = client.post(reverse("disclosure:api_verify"), data, content_type="application/json")
    assert api.status_code in {400, 404}
    assert client.post(reverse("disclosure:api_verify"), {"number": [1], "code": {"a": 1}},
                       content_type="application/json").status_code == 400


@pytest.mark.django_db
def test_content_changed_in_the_database_behind_its_digest_is_shown_nowhere(client, disc):
    """An insider with the database deletes the negative records from a stored report
    and sets its counts to nought, leaving the digest (and so the printed code) alone.
    The verification must not call that copy genuine, and no page shows it: the digest
    is recomputed wherever a report is shown, and each refusal is audited."""
    report = _issue(disc)
    content = dict(report.content)
    content["summary"] = {**content["summary"], "negative": 0}
    content["archives"] = [
        {**archive, "records": [r for r in archive.get("records", []) if r.get("polarity") != "negative"]}
        for archive in content["archives"]
    ]
    assert content != report.content
    CreditReport.objects.filter(pk=report.pk).update(content=content)
    code = verification_code(report)

    client.logout()
    page = client.post(reverse("disclosure:verify_report"), {"number": report.number, "code": code})
    html = page.content.decode()
    assert "被改动过" in html
    assert "无法确认" in html
    assert "本报告由本平台出具" not in html
    assert report.digest not in html
    api = client.post(reverse("disclosure:api_verify"), {"number": report.number, "code": code},
                      content_type="application/json")
    assert api.status_code == 409
    assert api.json()["genuine"] is False
    assert verify_report(report.number, code).report is None

    client.force_login(disc.employer_staff)
    for name in ("disclosure:report", "disclosure:report_pdf"):
        response = client.get(reverse(name, args=[report.number]))
        assert response.status_code == 409
        assert "被改动过" in response.content.decode()
    assert client.get(reverse("disclosure:api_report", args=[report.number])).status_code == 409
    altered = AuditEntry.objects.filter(action="disclosure.report.altered", object_id=str(report.pk))
    assert altered.count() == 6
    assert not AuditEntry.objects.filter(action="disclosure.report.viewed", object_id=str(report.pk)).exists()

    # Put back as issued, it is shown and verified again.
    CreditReport.objects.filter(pk=report.pk).update(content=report.content)
    assert verify_report(report.number, code).genuine
    assert client.get(reverse("disclosure:report", args=[report.number])).status_code == 200
