"""Rows of the synthetic benchmark data set (``manage.py generate_demo_data``).

Pure row builders, run in worker processes: each call turns a chunk of person numbers
into the rows of every table (subjects, archives, records in every state and severity,
yearly findings, authorizations with their scope, queries, objections, repair
applications and their first case step). ID numbers and phones are SM4-encrypted with
the same row-bound associated data as ``EncryptedTextField`` and found through the same
blind index, so the synthetic people behave like real ones on every page.

Primary keys are assigned here from ranges reserved by the caller, so a chunk never
needs a round trip to learn an id; two dialects format the values: PostgreSQL's COPY
text format and plain tuples for SQLite's ``executemany``.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from archives import validators
from archives.demo import synthetic_id_number
from archives.services.findings import seal_for
from archives.services.records import add_months, display
from archives.services.subjects import subject_index_for
from credit_portal.bulkload import Format as _Format
from credit_portal.bulkload import copy_text as _copy_text
from credit_portal.bulkload import format_default  # noqa: F401 - part of this module's interface
from credit_portal.crypto import associated_data_for, encrypt

# The demo people (archives.demo, disclosure.demo) are registered in 110105; the
# synthetic ones in 110108 (also a Beijing district python-stdnum knows), so no
# synthetic ID number can equal a demo person's, whatever the count.
REGION = "110108"
FIRST_BIRTH = date(1960, 1, 1)
BIRTH_DAYS = 40 * 365  # people born 1960–1999: adults, so no record is a minor's
ORDERS = 1000  # the three-digit order code of GB 11643
CAPACITY = BIRTH_DAYS * ORDERS

RECORDS_PER_PERSON = 11  # ten current records plus the superseded first version of one
AUTHORIZATION_EVERY = 10  # one person in ten authorized the benchmark institution
OBJECTION_EVERY = 100  # one in a hundred objected to a record, another one in a hundred applied for repair
# Where each category's synthetic information comes from (001 §三（五）: 日常监管、抽查检查、
# 登记变更、年度考核、表彰奖励、处罚处分); the penalty decision among them is 处罚处分.
SOURCE_TYPES = {
    "rewards-penalties": "commendation", "public-interest": "commendation", "social-service": "commendation",
    "violations": "supervision", "complaints": "spot_check", "training": "assessment",
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍建红文辉力斌宇浩凯鹏飞"

# Columns in COPY order; the builders below emit values in exactly this order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "archives_subject": (
        "id", "name", "gender", "id_number", "id_number_index", "id_number_masked", "birth_date", "phone",
        "political_status", "education", "created_at", "updated_at", "created_by_id",
    ),
    "archives_archive": (
        "id", "employer", "title", "post", "practice_start", "duties", "state", "closed_reason", "closed_at",
        "created_at", "last_updated_at", "created_by_id", "department_id", "occupation_id", "subject_id",
    ),
    "archives_creditrecord": (
        "id", "lineage", "version", "is_current", "polarity", "severity", "title", "description", "decision_number",
        "deciding_body", "occurred_on", "decided_on", "source", "unit_credit_code", "unit_name", "is_penalty", "state",
        "display_until", "subject_was_minor", "under_objection", "return_reason", "change_reason", "submitted_at",
        "published_at", "ended_at", "created_at", "updated_at", "archive_id", "category_id", "created_by_id",
        "domain_id", "published_by_id", "supersedes_id", "updated_by_id", "review_department_id",
        "review_occupation_id", "source_type",
    ),
    "archives_annualfinding": (
        "id", "year", "version", "is_current", "status", "basis", "state", "created_at", "signed_at", "seal",
        "decided_on", "display_until", "created_by_id", "signed_by_id", "archive_id",
    ),
    "disclosure_authorization": (
        "id", "reference", "purpose", "purpose_other", "valid_from", "valid_until", "max_uses", "uses", "state",
        "code_hash", "created_at", "granted_at", "ended_at", "revoke_reason", "receipt", "requested_by_id",
        "subject_id", "grantee_id",
    ),
    "disclosure_authorization_occupations": ("authorization_id", "occupation_id"),
    "disclosure_authorization_categories": ("authorization_id", "recordcategory_id"),
    "disclosure_querylog": (
        "id", "occurred_at", "purpose", "purpose_other", "outcome", "reason", "channel", "ip_address",
        "result_digest", "actor_id", "authorization_id", "institution_id", "report_id", "subject_id",
    ),
    "repair_objection": (
        "id", "reference", "filed_at", "accept_due", "decide_due", "accepted_at", "concluded_at", "conclusion",
        "state", "reasons", "refusal_reason", "proposal", "proposal_reason", "proposed_changes", "proposed_at",
        "result", "assigned_to_id", "concluded_by_id", "filed_by_id", "proposed_by_id", "record_id",
        "resulting_record_id", "subject_id",
    ),
    "repair_repairapplication": (
        "id", "reference", "filed_at", "accept_due", "decide_due", "accepted_at", "concluded_at", "conclusion",
        "state", "fulfilment", "commitment_text", "commitment_confirmed_at", "extra_actions", "refusal_reason",
        "assigned_to_id", "concluded_by_id", "filed_by_id", "record_id", "subject_id",
    ),
    "repair_caseevent": ("id", "action", "note", "at", "due", "actor_id", "objection_id", "application_id"),
}

# Tables whose primary key the loader assigns (the two scope tables get theirs from the sequence).
SEQUENCED = (
    "archives_archive", "archives_creditrecord", "archives_annualfinding", "disclosure_querylog",
    "repair_objection", "repair_repairapplication", "repair_caseevent",
)

# One row in the cycle of records that are not published: every other state appears.
OTHER_STATES = ("draft", "submitted", "returned", "withdrawn", "repaired", "expired")


def person_number(n: int) -> str:
    """The n-th synthetic ID number: distinct for every n below ``CAPACITY``."""
    birth = FIRST_BIRTH + timedelta(days=n % BIRTH_DAYS)
    return synthetic_id_number(REGION, birth, (n // BIRTH_DAYS) % ORDERS)


def person_name(n: int) -> str:
    """A two- or three-character name; about 80,000 distinct ones, so names repeat as in a city."""
    name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)]
    third = (n // (len(SURNAMES) * len(GIVEN))) % (len(GIVEN) + 1)
    return name + (GIVEN[third - 1] if third else "")


@dataclass(frozen=True)
class Context:
    """Everything a worker needs, read once by the command (picklable)."""

    postgres: bool
    today: date
    now: datetime
    author_id: int
    institution_id: int
    targets: tuple[tuple[int, int], ...]  # (occupation_id, department_id), alternating
    categories: dict[str, int]  # code -> id
    max_months: dict[str, int]  # display tier -> months
    bases: dict[str, int] = field(default_factory=dict)  # first reserved id per table
    first_person: int = 0  # person number of chunk offset 0
    # Columns the builders do not name (added to a model since), with their model
    # defaults already formatted for the dialect: appended to every row of the table.
    extras: dict[str, tuple[tuple[str, ...], tuple[object, ...]]] = field(default_factory=dict)


@lru_cache(maxsize=65536)
def _add_months(day: date, months: int) -> date:
    """``add_months`` memoized: the decision dates repeat across people, and dateutil's
    relativedelta was over a quarter of the row-building time (cProfile of a chunk)."""
    return add_months(day, months)


def build_chunk(ctx: Context, offset: int, size: int) -> dict[str, object]:
    """The rows of persons ``offset`` … ``offset + size - 1`` of this run, by table:
    COPY text for PostgreSQL, lists of tuples for SQLite."""
    f = _Format(ctx.postgres)
    out: dict[str, list[tuple]] = {table: [] for table in COLUMNS}
    now, today, author = f.ts(ctx.now), ctx.today, ctx.author_id
    cat = ctx.categories
    lineage_prefix = uuid.uuid5(uuid.NAMESPACE_URL, f"synthetic:{ctx.bases['archives_creditrecord']}").hex[:20]
    # Dates repeat across people (ages are drawn from a few hundred values): each
    # (age, tier) is computed and formatted once per chunk, and so is each "days ago"
    # timestamp. Date arithmetic and isoformat/strftime were about a tenth of a chunk's time.
    dates: dict[tuple[int, str], tuple[int, object, object, object]] = {}
    stamps: dict[int, object] = {}

    def record_dates(age_days: int, tier: str) -> tuple[int, object, object, object]:
        found = dates.get((age_days, tier))
        if found is None:
            decided = today - timedelta(days=age_days)
            until = _add_months(decided, ctx.max_months[tier]) if tier else None
            found = dates[(age_days, tier)] = (decided.year, f.d(decided - timedelta(days=10)), f.d(decided), f.d(until))
        return found

    def days_ago(days: int) -> object:
        found = stamps.get(days)
        if found is None:
            found = stamps[days] = f.ts(ctx.now - timedelta(days=days))
        return found

    for i in range(offset, offset + size):
        n = ctx.first_person + i
        number = person_number(n)
        subject_id = uuid.uuid4()
        occupation_id, department_id = ctx.targets[n % len(ctx.targets)]
        archive_id = ctx.bases["archives_archive"] + i
        out["archives_subject"].append((
            f.u(subject_id), person_name(n), validators.gender_of(number),
            encrypt(number, associated_data=associated_data_for("archives_subject", subject_id, "id_number")),
            subject_index_for(number), validators.masked_id_number(number), f.d(validators.birth_date_of(number)),
            encrypt(f"139{n:08d}"[-11:], associated_data=associated_data_for("archives_subject", subject_id, "phone")),
            "", "", now, now, author,
        ))
        out["archives_archive"].append((
            archive_id, "合成单位", "", "", None, "", "open", "", None, now,
            # A spread of last updates, so the overdue list has entries in every cadence.
            days_ago((n * 13) % 500), author, department_id, occupation_id, f.u(subject_id),
        ))
        first_record = ctx.bases["archives_creditrecord"] + i * RECORDS_PER_PERSON
        serious = n % 20 == 0

        def record(k: int, *, polarity: str, severity: str, category: str, state: str, age_days: int,
                   version: int = 1, is_current: bool = True, supersedes: int | None = None,
                   lineage_of: int | None = None, under_objection: bool = False, n: int = n,
                   first_record: int = first_record, archive_id: int = archive_id,
                   department_id: int = department_id, occupation_id: int = occupation_id) -> None:
            tier = severity or ("positive" if polarity == "positive" else "")
            year, occurred_text, decided_text, until_text = record_dates(age_days, tier)
            published = state not in ("draft", "submitted", "returned")
            ended = state in ("withdrawn", "repaired", "expired", "corrected")
            title = {"positive": "合成表彰记录", "neutral": "合成培训记录"}.get(polarity, "合成违规记录")
            lineage = f"{lineage_prefix}{first_record + (k if lineage_of is None else lineage_of):012x}"
            out["archives_creditrecord"].append((
                first_record + k, f"{lineage[:8]}-{lineage[8:12]}-{lineage[12:16]}-{lineage[16:20]}-{lineage[20:]}"
                if ctx.postgres else lineage, version, f.b(is_current), polarity, severity, title, "",
                f"合成〔{year}〕{n}-{k}号", "示范市合成数据机关", occurred_text,
                decided_text, "web", "", "", f.b(polarity == "negative" and k == 2), state, until_text, f.b(False),
                f.b(under_objection), "请补充决定书编号。" if state == "returned" else "",
                "合成更正或撤销。" if state in ("withdrawn",) or supersedes else "",
                None if state == "draft" else now, now if published else None, now if ended else None, now, now,
                archive_id, cat[category], author, None, author if published else None, supersedes, author,
                *((department_id, occupation_id) if state == "submitted" else (None, None)),
                "penalty" if polarity == "negative" and k == 2 else SOURCE_TYPES[category],
            ))

        objection = n % OBJECTION_EVERY == 7
        repair = n % OBJECTION_EVERY == 57
        recent = (n * 7) % 600 + 20
        record(0, polarity="positive", severity="", category="rewards-penalties", state="published", age_days=recent)
        record(1, polarity="positive", severity="", category="public-interest", state="published",
               age_days=recent + 101)
        record(2, polarity="negative", severity="general", category="violations", state="published",
               age_days=(n * 3) % 300 + 10, under_objection=objection)
        record(3, polarity="negative", severity="minor", category="complaints", state="published", age_days=recent % 80)
        # Published negative records are within their display period (general: 12 months),
        # as publication leaves them (``records.common.expire_if_over``); record 4, which one
        # person in a hundred applies to repair, is past the general minimum of 3 months.
        record(4, polarity="negative", severity="serious" if serious else "general", category="violations",
               state="published", age_days=recent + 17 if serious else 100 + recent % 250)
        record(5, polarity="neutral", severity="", category="training", state="published", age_days=recent + 5)
        record(6, polarity="negative", severity="general", category="violations", state="corrected",
               age_days=recent % 300 + 40, is_current=False)
        # n // 2: both departments (n % 2) get every state.
        other = OTHER_STATES[(n // 2) % len(OTHER_STATES)]
        record(7, polarity="negative", severity="general", category="violations", state=other,
               age_days=1500 + n % 300 if other == "expired" else recent + 3)
        record(8, polarity="negative", severity="general", category="violations", state="expired",
               age_days=1500 + n % 300)
        record(9, polarity="positive", severity="", category="social-service", state="published", age_days=recent + 60)
        record(10, polarity="negative", severity="general", category="violations", state="published",
               age_days=recent % 300 + 40, version=2, supersedes=first_record + 6, lineage_of=6)

        status = "serious" if serious else "warning" if n % 10 == 5 else "trustworthy"
        finding_id = ctx.bases["archives_annualfinding"] + i
        basis = {"serious": "存在严重失信行为（合成）。", "warning": "存在警示行为（合成）。"}.get(status, "无失信记录（合成）。")
        signed_at = ctx.now
        # As sign_finding sets them: last year's finding, signed this year.
        finding_decided = display.finding_decided_on(today.year - 1, today)
        out["archives_annualfinding"].append((
            finding_id, today.year - 1, 1, f.b(True), status, basis, "signed", now, f.ts(signed_at),
            seal_for(archive_id=archive_id, year=today.year - 1, version=1, status=status, basis=basis,
                     signed_by_id=author, signed_at=signed_at.isoformat()),
            f.d(finding_decided), f.d(display.finding_display_until(status, finding_decided, max_months=ctx.max_months)),
            author, author, archive_id,
        ))

        if n % AUTHORIZATION_EVERY == 0:
            authorization_id = uuid.uuid4()
            out["disclosure_authorization"].append((
                f.u(authorization_id), f"HC{n:012d}", "recruitment", "", f.ts(ctx.now - timedelta(days=10)),
                f.ts(ctx.now + timedelta(days=80)), 5, 1, "active",
                # A digest no code can produce: these authorizations are never used by a code.
                hashlib.sha256(b"synthetic:" + authorization_id.bytes).hexdigest(), now, now, None, "", "{}",
                None, f.u(subject_id), ctx.institution_id,
            ))
            out["disclosure_authorization_occupations"].append((f.u(authorization_id), occupation_id))
            for code in ("rewards-penalties", "violations", "training"):
                out["disclosure_authorization_categories"].append((f.u(authorization_id), cat[code]))
            out["disclosure_querylog"].append((
                ctx.bases["disclosure_querylog"] + i // AUTHORIZATION_EVERY, days_ago(n % 9),
                "recruitment", "", "granted", "ok", "api" if n % 20 else "web", None, "", author,
                f.u(authorization_id), ctx.institution_id, None, f.u(subject_id),
            ))
        if objection or repair:
            case_id = (ctx.bases["repair_objection"] if objection else ctx.bases["repair_repairapplication"]) + i // OBJECTION_EVERY
            filed = ctx.now - timedelta(days=n % 5)
            due = f.d(today + timedelta(days=2))
            if objection:
                out["repair_objection"].append((
                    case_id, f"YY-HC-{n:010d}", f.ts(filed), due, None, None, None, "", "submitted",
                    "记录与事实不符（合成）。", "", "", "", "{}", None, "", None, None, author, None,
                    first_record + 2, None, f.u(subject_id),
                ))
            else:
                out["repair_repairapplication"].append((
                    case_id, f"XF-HC-{n:010d}", f.ts(filed), due, None, None, None, "", "submitted",
                    "已履行处罚决定（合成）。", "本人承诺守法诚信（合成）。", f.ts(filed), "", "", None, None, author,
                    first_record + 4, f.u(subject_id),
                ))
            out["repair_caseevent"].append((
                ctx.bases["repair_caseevent"] + (i // OBJECTION_EVERY) * 2 + (0 if objection else 1), "filed", "",
                f.ts(filed), due, author, case_id if objection else None, None if objection else case_id,
            ))
    for table, (_columns, values) in ctx.extras.items():
        if values and out.get(table):
            out[table] = [row + values for row in out[table]]
    if ctx.postgres:
        return {table: _copy_text(rows) for table, rows in out.items() if rows}
    return {table: rows for table, rows in out.items() if rows}


def reserved_ids(subjects: int) -> dict[str, int]:
    """How many ids of each sequenced table ``subjects`` persons take (an upper bound)."""
    cases = subjects // OBJECTION_EVERY + 1
    return {
        "archives_archive": subjects, "archives_creditrecord": subjects * RECORDS_PER_PERSON,
        "archives_annualfinding": subjects, "disclosure_querylog": subjects // AUTHORIZATION_EVERY + 1,
        "repair_objection": cases, "repair_repairapplication": cases, "repair_caseevent": cases * 2,
    }
