from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from archives.models import CreditRecord
from credit_portal.models import AuditEntry
from disclosure import selectors
from disclosure.models import Authorization, CreditReport, Purpose, QueryLog
from disclosure.services import authorizations as auth_services
from disclosure.services import queries, query_scope
from disclosure.services.reports import digest_of, verification_code
from disclosure.services.verification import verify_report
from exchange.models import OutboxEvent
from tests.disclosure.conftest import grant, make_record

Reason = QueryLog.Reason


def ask(disc, *, by=None, code, name=None, number=None, purpose=Purpose.RECRUITMENT, **kw):
    return queries.query_record(
        by=by or disc.employer_staff,
        name=name if name is not None else disc.subject.name,
        id_number=number if number is not None else disc.subject.id_number,
        code=code,
        purpose=purpose,
        **kw,
    )


def refused(disc, **kw) -> queries.QueryRefused:
    with pytest.raises(queries.QueryRefused) as exc:
        ask(disc, **kw)
    return exc.value


def titles(report: CreditReport) -> set[str]:
    return {r["title"] for a in report.content["archives"] for r in a["records"]}


@pytest.mark.django_db
def test_granted_query_returns_exactly_the_authorized_scope(disc):
    _auth, code = grant(disc, occupations=(disc.world.teacher,))
    result = ask(disc, code=code)
    assert titles(result.report) == {"违规有偿补课", "优秀教师"}  # not the doctor archive's record
    assert result.log.outcome == QueryLog.Outcome.GRANTED
    assert result.log.subject == disc.subject
    assert result.log.institution == disc.employer
    assert result.report.digest == digest_of(result.report.content)
    assert "id_number" not in str(result.report.content).replace("id_number_masked", "")
    assert disc.subject.id_number not in str(result.report.content)


@pytest.mark.django_db
def test_category_scope_limits_records(disc):
    # A purpose without mandatory content (financial services): the ticked categories only.
    _auth, code = grant(disc, purpose=Purpose.FINANCIAL, categories=(disc.rewards,))
    assert titles(ask(disc, code=code, purpose=Purpose.FINANCIAL).report) == {"优秀教师"}


@pytest.mark.django_db
def test_only_effective_records_reach_a_third_party(disc):
    w = disc.world
    today = timezone.localdate()
    make_record(w.archive, by=w.edu_clerk, title="已撤销", state=CreditRecord.State.WITHDRAWN)
    make_record(w.archive, by=w.edu_clerk, title="已修复", state=CreditRecord.State.REPAIRED)
    make_record(w.archive, by=w.edu_clerk, title="已到期", state=CreditRecord.State.EXPIRED)
    make_record(w.archive, by=w.edu_clerk, title="草稿", state=CreditRecord.State.DRAFT)
    make_record(w.archive, by=w.edu_clerk, title="未成年", subject_was_minor=True)
    make_record(w.archive, by=w.edu_clerk, title="过期展示", display_until=today - timedelta(days=1))
    make_record(w.archive, by=w.edu_clerk, title="今天到期", display_until=today)
    make_record(w.archive, by=w.edu_clerk, title="旧版本", is_current=False)
    _auth, code = grant(disc)
    assert titles(ask(disc, code=code).report) == {"违规有偿补课", "优秀教师", "收受红包", "今天到期"}


@pytest.mark.django_db
def test_objection_flag_travels_into_the_report(disc):
    CreditRecord.objects.filter(pk=disc.negative.pk).update(under_objection=True)
    _auth, code = grant(disc)
    records = [r for a in ask(disc, code=code).report.content["archives"] for r in a["records"]]
    flagged = [r for r in records if r["title"] == "违规有偿补课"][0]
    assert flagged["under_objection"] is True
    assert "statement" in flagged


@pytest.mark.django_db
@pytest.mark.parametrize("variant", ["wrong_name", "wrong_number", "bad_number", "wrong_code", "other_persons_code"])
def test_identity_and_code_failures_give_one_answer_and_are_logged(disc, variant):
    _auth, code = grant(disc)
    _other, other_code = grant_for_other(disc)
    kw = {
        "wrong_name": {"code": code, "name": "别人"},
        "wrong_number": {"code": code, "number": disc.other_subject.id_number},
        "bad_number": {"code": code, "number": "110105"},
        "wrong_code": {"code": "ABCD-EFGH-JKMN"},
        "other_persons_code": {"code": other_code},
    }[variant]
    exc = refused(disc, **kw)
    assert exc.reason == Reason.NOT_MATCHED
    assert str(exc) == str(queries.GENERIC_REFUSAL)
    assert exc.log.outcome == QueryLog.Outcome.REFUSED
    assert exc.log.pk
    assert not CreditReport.objects.exists()


def grant_for_other(disc):
    from django.utils import timezone as tz

    code = auth_services.new_code()
    auth = Authorization.objects.create(
        reference="SQOTHER", subject=disc.other_subject, grantee=disc.employer, purpose=Purpose.RECRUITMENT,
        valid_from=tz.now(), valid_until=tz.now() + timedelta(days=5), max_uses=1, state=Authorization.State.ACTIVE,
        code_hash=auth_services.code_digest(code), granted_at=tz.now(),
    )
    return auth, code


@pytest.mark.django_db
def test_refusal_with_a_known_number_is_visible_to_the_person(disc):
    exc = refused(disc, code="ABCD-EFGH-JKMN")
    assert exc.log.subject == disc.subject


@pytest.mark.django_db
def test_another_institution_presenting_the_code_gets_the_generic_refusal(disc):
    _auth, code = grant(disc)
    exc = refused(disc, code=code, by=disc.bank_staff)
    assert exc.reason == Reason.NOT_GRANTEE
    assert str(exc) == str(queries.GENERIC_REFUSAL)


@pytest.mark.django_db
def test_anyone_with_code_authorization_works_for_any_institution(disc):
    _auth, code = grant(disc, grantee=None)
    assert ask(disc, code=code, by=disc.bank_staff).report.institution == disc.bank


@pytest.mark.django_db
def test_purpose_must_match(disc):
    _auth, code = grant(disc)
    assert refused(disc, code=code, purpose=Purpose.FINANCIAL).reason == Reason.PURPOSE_MISMATCH
    _auth2, code2 = grant(disc, purpose=Purpose.OTHER, purpose_other="租房")
    assert refused(disc, code=code2, purpose=Purpose.OTHER, purpose_other="贷款").reason == Reason.PURPOSE_MISMATCH
    assert ask(disc, code=code2, purpose=Purpose.OTHER, purpose_other="租房").report


@pytest.mark.django_db
def test_asking_beyond_scope_is_refused(disc):
    _auth, code = grant(disc, occupations=(disc.world.teacher,))
    assert refused(disc, code=code, occupations=["doctor"]).reason == Reason.OUT_OF_SCOPE
    _auth2, code2 = grant(disc, purpose=Purpose.FINANCIAL, categories=(disc.rewards,))
    assert refused(disc, code=code2, purpose=Purpose.FINANCIAL, categories=["violations"]).reason == Reason.OUT_OF_SCOPE
    # Narrowing within the scope is fine.
    assert titles(ask(disc, code=code, categories=["violations"]).report) == {"违规有偿补课"}


@pytest.mark.django_db
def test_uses_are_counted_and_the_last_use_ends_it(disc):
    auth, code = grant(disc, max_uses=2)
    ask(disc, code=code)
    auth.refresh_from_db()
    assert (auth.uses, auth.state, auth.ended_at) == (1, Authorization.State.ACTIVE, None)
    ask(disc, code=code)
    auth.refresh_from_db()
    assert auth.uses == 2
    assert auth.state == Authorization.State.USED_UP
    assert auth.ended_at is not None
    assert refused(disc, code=code).reason == Reason.USED_UP


@pytest.mark.django_db
def test_expired_authorization_is_refused_and_marked(disc):
    auth, code = grant(disc, days=30)
    with time_machine.travel(timezone.now() + timedelta(days=30, seconds=1)):
        assert refused(disc, code=code).reason == Reason.EXPIRED
    auth.refresh_from_db()
    assert auth.state == Authorization.State.EXPIRED


@pytest.mark.django_db
def test_query_after_revocation_is_refused_and_logged(disc):
    auth, code = grant(disc)
    ask(disc, code=code)
    auth_services.revoke_authorization(auth, by=disc.citizen)
    exc = refused(disc, code=code)
    assert exc.reason == Reason.REVOKED
    assert QueryLog.objects.filter(subject=disc.subject, reason=Reason.REVOKED).count() == 1
    assert OutboxEvent.objects.filter(event_type="authorization.revoked").count() == 1


@pytest.mark.django_db
def test_pending_request_does_not_work_until_approved(disc):
    terms = auth_services.check_terms(None, grantee=None, purpose=Purpose.RECRUITMENT, days=10, max_uses=1)
    auth, code = auth_services.request_authorization(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, terms=terms
    )
    assert auth.state == Authorization.State.PENDING
    assert auth.grantee == disc.employer
    assert refused(disc, code=code).reason == Reason.PENDING
    auth_services.approve_request(auth, by=disc.citizen)
    assert ask(disc, code=code).report


@pytest.mark.django_db
def test_request_for_unknown_person_stores_nothing_but_looks_the_same(disc):
    terms = auth_services.check_terms(None, grantee=None, purpose=Purpose.RECRUITMENT, days=10, max_uses=1)
    before = Authorization.objects.count()
    auth, code = auth_services.request_authorization(
        by=disc.employer_staff, name="别人", id_number=disc.subject.id_number, terms=terms
    )
    assert auth is None
    assert len(code) == 14
    assert Authorization.objects.count() == before


@pytest.mark.django_db
def test_request_for_archives_the_person_does_not_have_is_never_widened_to_all(disc):
    """An institution asks for the person's auditor archive; the person keeps none (a
    teacher's and a doctor's). Keeping none of the asked occupations would mean every archive, a
    scope the institution never asked for: nothing is stored, as for a person not found."""
    from departments.models import Occupation

    assert not disc.subject.archives.filter(occupation=disc.world.auditor_occ).exists()
    terms = auth_services.check_terms(None, grantee=None, purpose=Purpose.RECRUITMENT, days=10, max_uses=1,
                                      occupations=[disc.world.auditor_occ])
    before = Authorization.objects.count()
    auth, code = auth_services.request_authorization(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, terms=terms
    )
    assert auth is None
    assert len(code) == 14
    assert Authorization.objects.count() == before
    # Asked for both, the request keeps the one the person has.
    terms = auth_services.check_terms(None, grantee=None, purpose=Purpose.RECRUITMENT, days=10, max_uses=1,
                                      occupations=[disc.world.auditor_occ, disc.world.teacher])
    auth, _code = auth_services.request_authorization(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, terms=terms
    )
    assert list(auth.occupations.all()) == [Occupation.objects.get(pk=disc.world.teacher.pk)]


@pytest.mark.django_db
def test_user_without_institution_is_refused_and_logged(disc):
    _auth, code = grant(disc)
    for user in (disc.citizen, disc.world.credit_office, disc.world.edu_clerk):
        exc = refused(disc, code=code, by=user)
        assert exc.reason == Reason.NOT_INSTITUTION


@pytest.mark.django_db
def test_department_staff_query_through_the_same_path(disc):
    _auth, code = grant(disc, grantee=disc.health_institution, purpose=Purpose.LICENSING)
    result = ask(disc, code=code, by=disc.world.health_clerk, purpose=Purpose.LICENSING)
    assert result.log.institution == disc.health_institution
    assert refused(disc, code=code, by=disc.world.edu_clerk, purpose=Purpose.LICENSING).reason == Reason.NOT_INSTITUTION


@pytest.mark.django_db
def test_guessing_codes_is_rate_limited(disc):
    _auth, code = grant(disc)
    for _ in range(10):
        refused(disc, code="ABCD-EFGH-JKMN")
    exc = refused(disc, code=code)  # even the right code, once over the limit
    assert exc.reason == Reason.RATE_LIMITED
    assert QueryLog.objects.filter(reason=Reason.RATE_LIMITED).count() == 1
    # The blocked attempt named a person: it is in that person's query log.
    assert exc.log.subject == disc.subject
    assert selectors.own_query_log(disc.subject).filter(reason=Reason.RATE_LIMITED).exists()


@pytest.mark.django_db
def test_refusals_for_purpose_scope_revocation_or_expiry_never_block_a_valid_code(disc):
    """An office meets these refusals honestly (a wrong purpose picked, an expired
    code): only guesses (unknown codes) count against it."""
    _auth, code = grant(disc, max_uses=20)
    for _ in range(11):
        assert refused(disc, code=code, purpose=Purpose.FINANCIAL).reason == Reason.PURPOSE_MISMATCH
    revoked, revoked_code = grant(disc, purpose=Purpose.LICENSING)
    auth_services.revoke_authorization(revoked, by=disc.citizen)
    for _ in range(11):
        assert refused(disc, code=revoked_code, purpose=Purpose.LICENSING).reason == Reason.REVOKED
    assert ask(disc, code=code).report is not None


@pytest.mark.django_db
def test_blocked_attempt_for_a_non_institution_still_reaches_the_persons_log(disc):
    _auth, code = grant(disc)
    exc = refused(disc, code=code, by=disc.world.finance_clerk)
    assert exc.reason == Reason.NOT_INSTITUTION
    assert exc.log.subject == disc.subject


@pytest.mark.django_db
def test_every_query_is_audited(disc):
    _auth, code = grant(disc)
    ask(disc, code=code)
    refused(disc, code="ABCD-EFGH-JKMN")
    assert AuditEntry.objects.filter(action="disclosure.query.granted", subject_ref=str(disc.subject.pk)).count() == 1
    assert AuditEntry.objects.filter(action="disclosure.query.refused", subject_ref=str(disc.subject.pk)).count() == 1


@pytest.mark.django_db
def test_a_query_is_audited_as_a_read_chained_by_the_chainer(disc):
    """The query's entry commits with the query but does not take the chain head (which
    would queue every query of every web host on one lock); the chainer links it."""
    from credit_portal import audit

    _auth, code = grant(disc)
    ask(disc, code=code)
    entry = AuditEntry.objects.get(action="disclosure.query.granted", subject_ref=str(disc.subject.pk))
    assert entry.sequence is None
    assert audit.chain_pending() >= 1
    entry.refresh_from_db()
    assert entry.sequence is not None
    assert audit.verify_chain().ok


@pytest.mark.django_db
def test_report_verification(disc):
    _auth, code = grant(disc)
    report = ask(disc, code=code).report
    good = verification_code(report)
    assert verify_report(report.number, good).report == report
    assert verify_report(report.number, good.lower().replace("-", " ")).report == report
    assert verify_report(report.number, "0000-0000-0000").report is None
    assert verify_report("XY000", good).report is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_concurrent_queries_cannot_overspend(disc):
    import threading

    from django.db import connection

    auth, code = grant(disc, max_uses=1)
    results: list[str] = []

    def run() -> None:
        try:
            ask(disc, code=code)
            results.append("granted")
        except queries.QueryRefused as exc:
            results.append(exc.reason)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    auth.refresh_from_db()
    assert results.count("granted") == 1
    assert auth.uses == 1


@pytest.mark.django_db
def test_only_the_person_grants_and_revokes(disc):
    terms = auth_services.check_terms(disc.subject, grantee=disc.employer, purpose=Purpose.RECRUITMENT, days=5, max_uses=1)
    with pytest.raises(PermissionDenied):
        auth_services.grant_authorization(disc.subject, by=disc.other_citizen, terms=terms)
    auth, _code = grant(disc)
    with pytest.raises(PermissionDenied):
        auth_services.revoke_authorization(auth, by=disc.other_citizen)
    with pytest.raises(PermissionDenied):
        auth_services.revoke_authorization(auth, by=disc.employer_staff)


@pytest.mark.django_db
def test_full_width_code_as_typed_by_a_chinese_input_method_works(disc):
    _auth, code = grant(disc)
    full_width = code.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    assert full_width != code
    assert ask(disc, code=full_width).report is not None


@pytest.mark.django_db
def test_the_scope_read_with_the_lock_is_the_scope_read_on_its_own(disc):
    """On PostgreSQL the code's authorization is locked and read with its occupations,
    categories and the rules of its purpose in one statement: the same rows as the
    scope's own read (two category rules, so several rows of each kind; an
    authorization naming nothing, a purpose with no rule: no rows but the rules')."""
    from django.db import connection, transaction

    from disclosure.models import MandatoryContent

    MandatoryContent.objects.create(purpose=Purpose.RECRUITMENT, content=MandatoryContent.Content.CATEGORY,
                                    category=disc.rewards, source="测试依据")
    w = disc.world
    granted = [
        grant(disc, occupations=(w.teacher, w.doctor), categories=(disc.rewards, w.violations)),
        grant(disc, purpose=Purpose.FINANCIAL),
        grant(disc, purpose=Purpose.OTHER, purpose_other="测试", categories=(w.violations,)),
    ]
    for authorization, code in granted:
        with transaction.atomic():
            locked = query_scope.locked_by_code(code)
            on_its_own = query_scope.AUTHORIZED_SCOPE.rows(authorization_id=locked.pk, purpose=locked.purpose)
            read = query_scope.authorized_scope(locked)
        assert locked == authorization
        assert hasattr(locked, "query_scope_rules") == (connection.vendor == "postgresql")
        assert sorted(read, key=repr) == sorted((tuple(row) for row in on_its_own), key=repr)
        assert {kind for kind, *_rest in read} >= (
            {"occupation", "category"} if authorization.occupations.exists() else set()
        )
    assert query_scope.locked_by_code("no-such-code") is None


def test_an_authorization_for_a_long_other_purpose_is_granted_and_reaches_the_platform(disc):
    """The person's own words for "other" take 200 characters, the label a few more; the
    schema's purpose takes 200. Granting raised a 500 once events were checked on emit."""
    from exchange import schema

    authorization, _code = grant(disc, purpose=Purpose.OTHER, purpose_other="用" * 200)
    event = OutboxEvent.objects.get(event_type="authorization.granted")
    assert schema.problem(schema.envelope_for(event)) is None
    assert len(event.payload["purpose"]) == 200
    assert event.payload["purpose"].endswith("…")
    assert authorization.purpose_other == "用" * 200  # the portal keeps the words whole
