"""Reports tell the whole truth of their scope: each purpose's mandatory content is
data with its legal basis; the person may add categories, never remove mandatory ones;
the form, the consent service and the query function all enforce it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from archives.models import AnnualFinding, CreditRecord
from archives.services.records import display
from departments.models import RecordCategory
from disclosure.models import Authorization, MandatoryContent, Purpose
from disclosure.services import authorizations as auth_services
from disclosure.services import queries
from tests.disclosure.conftest import grant, make_record
from tests.disclosure.test_views_flows import login

MANDATORY_PURPOSES = [Purpose.RECRUITMENT, Purpose.APPOINTMENT, Purpose.LICENSING, Purpose.AWARDS, Purpose.BIDDING]


def _five_negative_records(disc) -> set[str]:
    """The person of the complaint: five effective negative records in the teacher archive
    (one from the fixture, four here, in several categories)."""
    w = disc.world
    integrity = RecordCategory.objects.get(code="integrity")
    complaints = RecordCategory.objects.get(code="complaints")
    make_record(w.archive, by=w.edu_clerk, title="违规收受礼金", category=integrity, severity=CreditRecord.Severity.SERIOUS)
    make_record(w.archive, by=w.edu_clerk, title="家长投诉属实", category=complaints, severity=CreditRecord.Severity.MINOR)
    make_record(w.archive, by=w.edu_clerk, title="体罚学生", category=disc.rewards)
    make_record(w.archive, by=w.edu_clerk, title="学术不端")
    return {"违规有偿补课", "违规收受礼金", "家长投诉属实", "体罚学生", "学术不端"}


def _finding(disc, year: int, status: str) -> AnnualFinding:
    w = disc.world
    decided_on = display.finding_decided_on(year, timezone.localdate())
    return AnnualFinding.objects.create(
        archive=w.archive, year=year, status=status, basis="年度考核", state=AnnualFinding.State.SIGNED,
        created_by=w.edu_clerk, signed_by=w.edu_reviewer, signed_at=timezone.now(),
        decided_on=decided_on, display_until=display.finding_display_until(status, decided_on),
    )


def _mandatory_ticks() -> tuple[RecordCategory, ...]:
    return tuple(RecordCategory.objects.filter(code="violations"))


@pytest.mark.django_db
def test_each_mandatory_purpose_has_rules_with_a_source() -> None:
    for purpose in MANDATORY_PURPOSES:
        rules = MandatoryContent.objects.filter(purpose=purpose, is_active=True)
        kinds = set(rules.values_list("content", flat=True))
        assert {"negative_records", "latest_finding", "category"} <= kinds, purpose
        assert all(rule.source.strip() for rule in rules)
    assert not MandatoryContent.objects.filter(purpose=Purpose.FINANCIAL).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("purpose", MANDATORY_PURPOSES)
def test_report_holds_every_negative_record_whatever_was_ticked(disc, purpose) -> None:
    """The bug of the complaint, for each purpose: the person ticks only 奖惩情况 (plus
    the mandatory category the form keeps ticked); the report still shows all five
    negative records and the latest finding, and never says "无不良记录"."""
    negatives = _five_negative_records(disc)
    # Last year's, within the display period of a warning (general: at most a year from
    # its year's end), and the year before's.
    last_year = timezone.localdate().year - 1
    _finding(disc, last_year - 1, AnnualFinding.Status.TRUSTWORTHY)
    _finding(disc, last_year, AnnualFinding.Status.WARNING)
    _auth, code = grant(disc, purpose=purpose, occupations=(disc.world.teacher,),
                        categories=(disc.rewards, *_mandatory_ticks()))
    report = queries.query_record(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code, purpose=purpose,
    ).report
    records = [r for a in report.content["archives"] for r in a["records"]]
    assert negatives <= {r["title"] for r in records if r["polarity"] == "negative"}
    assert report.content["summary"]["negative"] == 5
    assert report.content["negative_check"] == {"complete": False, "found": 5}
    teacher = report.content["archives"][0]
    assert [f["year"] for f in teacher["findings"]] == [last_year]  # the latest one only
    assert report.content["summary"]["latest_findings"][0]["year"] == last_year
    assert report.content["scope"]["mandatory"]
    assert any("其他档案" in item for item in report.content["scope"]["left_out"])
    # The doctor archive was not authorized: its negative record stays out.
    assert "收受红包" not in {r["title"] for r in records}


@pytest.mark.django_db
def test_financial_purpose_shows_only_what_was_ticked_and_says_what_it_looked_at(client, disc) -> None:
    _five_negative_records(disc)
    _auth, code = grant(disc, purpose=Purpose.FINANCIAL, categories=(disc.rewards,))
    report = queries.query_record(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
        purpose=Purpose.FINANCIAL,
    ).report
    # 体罚学生 is a negative record of the ticked category; nothing else negative shows.
    assert report.content["summary"]["negative"] == 1
    _auth, code = grant(disc, purpose=Purpose.FINANCIAL, categories=(RecordCategory.objects.get(code="training"),))
    clean = queries.query_record(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
        purpose=Purpose.FINANCIAL,
    ).report
    assert clean.content["negative_check"] == {"complete": False, "found": 0}
    login(client, disc.employer_staff)
    page = client.get(reverse("disclosure:report", args=[clean.number])).content.decode()
    assert "无不良记录" not in page
    assert "本报告查看的范围内没有不良记录" in page
    assert "奖惩情况" in page  # named among what the report leaves out


@pytest.mark.django_db
def test_no_negative_records_is_said_only_when_the_whole_archive_was_looked_at(client, disc) -> None:
    CreditRecord.objects.filter(polarity=CreditRecord.Polarity.NEGATIVE).update(state=CreditRecord.State.WITHDRAWN)
    _auth, code = grant(disc, purpose=Purpose.RECRUITMENT, categories=(disc.rewards, *_mandatory_ticks()))
    report = queries.query_record(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
        purpose=Purpose.RECRUITMENT,
    ).report
    assert report.content["negative_check"] == {"complete": True, "found": 0}
    login(client, disc.employer_staff)
    assert "无不良记录" in client.get(reverse("disclosure:report", args=[report.number])).content.decode()


@pytest.mark.django_db
def test_consent_without_a_mandatory_category_is_refused(disc) -> None:
    with pytest.raises(ValidationError) as exc:
        auth_services.check_terms(
            disc.subject, grantee=disc.employer, purpose=Purpose.RECRUITMENT, categories=(disc.rewards,), days=10,
            max_uses=1,
        )
    message = " ".join(exc.value.message_dict["categories"])
    assert "相关违法违纪违约行为" in message
    assert "济政办〔2017〕55号" in message


@pytest.mark.django_db
def test_forged_post_removing_a_mandatory_category_is_refused_and_changes_nothing(client, disc) -> None:
    login(client, disc.citizen)
    before = Authorization.objects.count()
    response = client.post(reverse("disclosure:authorization_new"), {
        "grantee": str(disc.employer.pk), "purpose": "recruitment", "categories": [str(disc.rewards.pk)],
        "days": "10", "max_uses": "1",
    })
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "相关违法违纪违约行为" in page
    assert "不能去掉" in page
    assert Authorization.objects.count() == before
    assert "disclosure_authorization_draft" not in client.session


@pytest.mark.django_db
def test_form_marks_mandatory_categories_and_says_why(client, disc) -> None:
    login(client, disc.citizen)
    page = client.get(reverse("disclosure:authorization_new")).content.decode()
    assert "部分用途的报告依法必须包含的内容" in page
    assert "济政办〔2017〕55号" in page
    assert "相关违法违纪违约行为（部分用途必含，见上文）" in page
    violations = RecordCategory.objects.get(code="violations")
    response = client.post(reverse("disclosure:authorization_new"), {
        "grantee": str(disc.employer.pk), "purpose": "recruitment",
        "categories": [str(disc.rewards.pk), str(violations.pk)], "days": "10", "max_uses": "1",
    })
    assert response.status_code == 302
    check = client.get(reverse("disclosure:authorization_check")).content.decode()
    assert "本用途依法必含的内容" in check
    assert "所授权档案中的每一条有效不良记录" in check
    # Choosing none means every kind: nothing mandatory is missing.
    response = client.post(reverse("disclosure:authorization_new"), {
        "grantee": str(disc.employer.pk), "purpose": "recruitment", "days": "10", "max_uses": "1",
    })
    assert response.status_code == 302


@pytest.mark.django_db
def test_query_function_adds_mandatory_content_to_an_authorization_without_it(disc) -> None:
    """An authorization written before the rule (or by any path that skipped the form)
    still yields a whole report: the query function applies the rules itself."""
    _five_negative_records(disc)
    auth, code = grant(disc, purpose=Purpose.FINANCIAL, categories=(disc.rewards,))
    Authorization.objects.filter(pk=auth.pk).update(purpose=Purpose.RECRUITMENT)
    report = queries.query_record(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
        purpose=Purpose.RECRUITMENT, categories=["rewards-penalties"],
    ).report
    # All six negative records: five in the teacher archive and one in the doctor archive.
    assert report.content["summary"]["negative"] == 6


@pytest.mark.django_db
def test_rule_without_a_source_is_refused() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        MandatoryContent.objects.create(purpose=Purpose.FINANCIAL, content="negative_records", source="")
    assert not MandatoryContent.objects.filter(purpose=Purpose.FINANCIAL).exists()


@pytest.mark.django_db
def test_admin_refuses_a_rule_without_a_source(client, disc) -> None:
    office = disc.world.credit_office
    office.is_staff = True
    office.save()
    client.force_login(office)
    url = reverse("admin:disclosure_mandatorycontent_add")
    assert client.get(url).status_code == 200
    response = client.post(url, {"purpose": "financial", "content": "negative_records", "source": "   ",
                                 "is_active": "on"})
    assert response.status_code == 200
    assert "errornote" in response.content.decode() or "errorlist" in response.content.decode()
    assert not MandatoryContent.objects.filter(purpose=Purpose.FINANCIAL).exists()
    response = client.post(url, {"purpose": "financial", "content": "negative_records",
                                 "source": "《征信业管理条例》第二十条", "is_active": "on"})
    assert response.status_code == 302
    assert MandatoryContent.objects.filter(purpose=Purpose.FINANCIAL).exists()


@pytest.mark.django_db
def test_expired_negative_record_is_not_mandatory(disc) -> None:
    today = timezone.localdate()
    make_record(disc.world.archive, by=disc.world.edu_clerk, title="已过展示期", display_until=today - timedelta(days=1))
    _auth, code = grant(disc, purpose=Purpose.RECRUITMENT, categories=(disc.rewards, *_mandatory_ticks()))
    report = queries.query_record(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
        purpose=Purpose.RECRUITMENT,
    ).report
    assert "已过展示期" not in {r["title"] for a in report.content["archives"] for r in a["records"]}


@pytest.mark.django_db
def test_only_the_credit_office_keeps_the_rules(client, disc) -> None:
    clerk = disc.world.edu_clerk
    clerk.is_staff = True
    clerk.save()
    client.force_login(clerk)
    count = MandatoryContent.objects.count()
    assert client.get(reverse("admin:disclosure_mandatorycontent_changelist")).status_code == 403
    response = client.post(reverse("admin:disclosure_mandatorycontent_add"), {
        "purpose": "financial", "content": "negative_records", "source": "x", "is_active": "on"})
    assert response.status_code == 403
    assert MandatoryContent.objects.count() == count


@pytest.mark.django_db
def test_whole_scope_report_says_it_leaves_nothing_out(client, disc) -> None:
    _auth, code = grant(disc, purpose=Purpose.FINANCIAL)
    report = queries.query_record(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
        purpose=Purpose.FINANCIAL,
    ).report
    assert report.content["scope"]["left_out"] == []
    assert report.content["negative_check"] == {"complete": True, "found": 2}
    login(client, disc.employer_staff)
    page = client.get(reverse("disclosure:report", args=[report.number])).content.decode()
    assert "无：本报告涵盖全部档案和全部信息类别。" in page
    assert "金融服务" in page


@pytest.mark.django_db
def test_institution_request_cannot_leave_out_a_mandatory_category(client, disc) -> None:
    login(client, disc.employer_staff)
    page = client.get(reverse("disclosure:institution_request")).content.decode()
    assert "部分用途的报告依法必须包含的内容" in page
    before = Authorization.objects.count()
    response = client.post(reverse("disclosure:institution_request"), {
        "name": disc.subject.name, "id_number": disc.subject.id_number, "purpose": "licensing",
        "categories": [str(disc.rewards.pk)], "days": "10", "max_uses": "1"})
    assert response.status_code == 200
    assert "不能去掉" in response.content.decode()
    assert Authorization.objects.count() == before


@pytest.mark.django_db
def test_consent_receipt_names_the_mandatory_content(client, disc) -> None:
    auth, _code = grant(disc, purpose=Purpose.AWARDS)
    purpose = auth.receipt["services"][0]["purposes"][0]
    assert "所授权档案中的每一条有效不良记录" in purpose["mandatoryContent"]
    assert any("安县信用办〔2022〕5号" in s for s in purpose["mandatoryContentBasis"])
    login(client, disc.citizen)
    page = client.get(reverse("disclosure:authorization_receipt", args=[auth.pk])).content.decode()
    assert "本用途依法必含的内容" in page


@pytest.mark.django_db
def test_rules_read_with_the_scope_are_the_rules_in_force(disc) -> None:
    """The query reads a purpose's rules in the same statement as the authorization's
    scope (``mandatory.rule_rows``): the same rules, in the same order, as
    ``mandatory_for``; a rule retired or added is seen by the next query."""
    from django.db.models import Value

    from disclosure.services.mandatory import mandatory_for, mandatory_from_rows, rule_rows

    # A second category rule, so the order among categories is checked too.
    MandatoryContent.objects.create(purpose=Purpose.RECRUITMENT, content=MandatoryContent.Content.CATEGORY,
                                    category=disc.rewards, source="测试依据")
    for purpose in Purpose.values:
        rows = [row[1:] for row in rule_rows(purpose, Value("rule"))]
        assert mandatory_from_rows(purpose, rows) == mandatory_for(purpose), purpose
        assert mandatory_from_rows(purpose, rows).labels() == mandatory_for(purpose).labels()

    _auth, code = grant(disc, purpose=Purpose.RECRUITMENT)
    MandatoryContent.objects.filter(purpose=Purpose.RECRUITMENT, category=disc.rewards).update(is_active=False)
    report = queries.query_record(by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number,
                                  code=code, purpose=Purpose.RECRUITMENT).report
    assert report.content["scope"]["mandatory"] == mandatory_for(Purpose.RECRUITMENT).labels()
    assert "测试依据" not in report.content["scope"]["mandatory_sources"]


@pytest.mark.django_db
def test_rules_built_once_per_rows_never_outlive_a_change(disc) -> None:
    """``mandatory_from_rows`` keeps what it built by the rows it was given: a rule's
    source changed, a category renamed, a rule added or retired gives other rows, so the
    next query sees the change (never the Mandatory built before it)."""
    from django.db.models import Value

    from disclosure.services.mandatory import mandatory_for, mandatory_from_rows, rule_rows

    def current() -> object:
        return mandatory_from_rows(Purpose.RECRUITMENT, [row[1:] for row in rule_rows(Purpose.RECRUITMENT, Value("rule"))])

    first = current()
    assert current() is first  # the same rows: built once
    rule = MandatoryContent.objects.create(purpose=Purpose.RECRUITMENT, content=MandatoryContent.Content.CATEGORY,
                                           category=disc.rewards, source="旧依据")
    added = current()
    assert added != first
    assert added == mandatory_for(Purpose.RECRUITMENT)
    MandatoryContent.objects.filter(pk=rule.pk).update(source="新依据")
    assert "新依据" in current().sources
    assert "旧依据" not in current().sources
    RecordCategory.objects.filter(pk=disc.rewards.pk).update(name="改名的类别")
    assert any(c.name == "改名的类别" for c in current().categories)
    assert current().labels() == mandatory_for(Purpose.RECRUITMENT).labels()
    MandatoryContent.objects.filter(pk=rule.pk).update(is_active=False)
    assert current() == first == mandatory_for(Purpose.RECRUITMENT)
