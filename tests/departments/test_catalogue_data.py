"""The catalogue loaded by migration 0002 against the words of the seeds."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps as global_apps
from django.test import override_settings

from departments import catalogue_data
from departments.models import (
    CoverageEntry,
    Department,
    Domain,
    Occupation,
    OccupationCategory,
    OccupationDepartment,
    RecordCategory,
    UpdateCadence,
)

pytestmark = pytest.mark.django_db

# 000 §一, quoting 国办发〔2016〕98号: the 14 groups ("会计审计人员" is one group there;
# the catalogue keeps accountants and auditors apart, as 001 and 000 §二（八） do).
CORE_000 = [
    "公务员", "企业法定代表人及相关责任人", "律师", "教师", "医师", "执业药师", "评估师", "税务师",
    "注册消防工程师", "会计人员", "审计人员", "房地产中介从业人员", "认证人员", "金融从业人员", "导游",
]
# 001 §三（三）: the 22 groups and their one responsible unit each (names without 县).
TABLE_001 = {
    "公务员": "组织部", "企业法定代表人及相关责任人": "市监局", "驾驶员": "交通运输局", "律师": "司法局",
    "教师": "教育局", "医师": "卫健委", "执业药师": "市监局", "家政服务从业人员": "人社局", "评估师": "财政局",
    "税务师": "税务局", "食药安全员": "市监局", "招投标代理机构从业人员": "发改委", "注册消防工程师": "消防救援支队",
    "会计人员": "财政局", "审计人员": "审计局", "房地产中介从业人员": "住建局", "认证人员": "市监局",
    "金融从业人员": "金融办", "导游": "文广新旅局", "护工": "民政局", "劳动用工": "人社局", "社会保障": "人社局",
}
# 000 §一 "鼓励探索", 002 §二（一）4–5 and §二（二）2, 004 第11项.
EXTENDED = [
    "寄递人员", "安全评估师", "卫生评估师", "道路运输经营者及从业人员", "机动车驾驶人", "环境影响评价及检验监测从业人员",
    "质量检验检测人员", "新闻媒体从业人员", "互联网从业人员", "中介服务人员", "电子商务平台从业人员",
    "工程建设设计、施工、监理负责人及相关注册人员", "统计从业人员", "专利代理人", "社会工作师", "事业单位工作人员",
    "注册会计师", "18岁以上成年学生", "关键岗位的食品药品从业人员", "信用服务机构、征信机构及相关人员",
    "行业协会商会会员",  # 000 §三（二）, 004 item 27: members' archives kept by associations
]
ANNEX_000 = [
    "市委组织部", "市人社局", "市市监局", "市应急管理局", "市生态环境局", "市住建局", "市公安局", "市司法局", "市教育局",
    "市卫健委", "市财政局", "市税务局", "市消防救援支队", "市审计局", "市金融办", "市文广新旅局", "市民政局", "市科技局",
    "市行政审批局", "市委网信办", "市交通运输局", "市邮政管理局", "市自然资源局", "市商务局",
]
COMMON = {"basic-info", "employment-history", "rewards-penalties", "violations", "complaints", "other"}

# 000 §二（一）–（十一）: responsible units and every content named, by category code.
SECTION_000 = {
    "civil-servant": ({"organization"}, COMMON | {"integrity", "yearly-assessment"}),
    "enterprise-legal-rep": (
        {"market-regulation", "emergency", "ecology", "housing", "public-security"},
        (COMMON - {"complaints"}) | {"yearly-assessment", "professional-credit", "dishonest-debtor",
                                     "unit-serious-dishonesty"},
    ),
    "lawyer": ({"justice"}, COMMON | {"business-info", "social-service", "yearly-assessment", "professional-credit",
                                      "practice-penalties", "integrity", "public-interest"}),
    "teacher": ({"education"}, COMMON | {"yearly-assessment", "qualification", "professional-norms", "training"}),
    "doctor": ({"health"}, COMMON | {"yearly-assessment", "professional-credit", "training"}),
    "tax-agent": ({"taxation"}, COMMON | {"business-info", "yearly-assessment", "professional-credit",
                                         "practice-penalties"}),
    "fire-engineer": ({"fire-rescue"}, COMMON | {"yearly-assessment", "professional-credit", "training"}),
    "auditor": ({"finance", "audit"}, COMMON | {"business-info", "yearly-assessment", "professional-credit",
                                               "practice-penalties"}),
    "real-estate-agent": ({"housing"}, COMMON | {"business-info", "yearly-assessment", "professional-credit",
                                                "practice-penalties"}),
    "finance-staff": ({"financial-affairs"}, COMMON | {"business-info", "yearly-assessment", "professional-credit",
                                                      "practice-penalties"}),
    "tour-guide": ({"culture-tourism"}, (COMMON - {"complaints"}) | {"training"}),
}


def _departments(occupation: Occupation, seed: str | None = None) -> set[str]:
    rows = OccupationDepartment.objects.filter(occupation=occupation)
    if seed:
        rows = rows.filter(seed=seed)
    return set(rows.values_list("department__code", flat=True))


def _categories(occupation: Occupation, seed: str | None = None) -> set[str]:
    rows = OccupationCategory.objects.filter(occupation=occupation)
    if seed:
        rows = rows.filter(seed=seed)
    return set(rows.values_list("category__code", flat=True))


@pytest.mark.parametrize("name", CORE_000 + list(TABLE_001) + EXTENDED)
def test_every_group_of_the_seeds_has_departments_and_the_common_categories(name: str) -> None:
    occupation = Occupation.objects.get(name=name)
    assert occupation.departments.exists()
    assert COMMON <= _categories(occupation)
    assert occupation.seed_references


def test_groups_are_split_core_local_extended() -> None:
    assert set(Occupation.objects.filter(group="core").values_list("name", flat=True)) == set(CORE_000)
    assert set(Occupation.objects.filter(group="local").values_list("name", flat=True)) == set(TABLE_001) - set(CORE_000)
    assert set(Occupation.objects.filter(group="extended").values_list("name", flat=True)) == set(EXTENDED)


@pytest.mark.parametrize(("name", "department"), TABLE_001.items())
def test_the_001_table_mapping_is_kept(name: str, department: str) -> None:
    occupation = Occupation.objects.get(name=name)
    assert department in set(occupation.departments.values_list("name", flat=True))


@pytest.mark.parametrize("code", SECTION_000)
def test_000_section_two_is_followed_exactly(code: str) -> None:
    departments, categories = SECTION_000[code]
    occupation = Occupation.objects.get(code=code)
    assert _departments(occupation, "000") == departments
    assert _categories(occupation, "000") == categories


def test_spot_checks_of_000_section_two() -> None:
    teacher = Occupation.objects.get(code="teacher")
    assert {"qualification", "training"} <= _categories(teacher)
    assert [d.display_name for d in teacher.departments.all()] == ["市教育局"]
    assert [d.display_name for d in Occupation.objects.get(code="doctor").departments.all()] == ["市卫健委"]
    guide = Occupation.objects.get(code="tour-guide")
    assert "training" in _categories(guide)
    assert [d.display_name for d in guide.departments.all()] == ["市文广新旅局"]
    civil = Occupation.objects.get(code="civil-servant")
    assert [d.display_name for d in civil.departments.all()] == ["市委组织部"]
    assert "integrity" in _categories(civil, "000")


def test_where_seeds_disagree_both_mappings_are_kept_with_their_seed() -> None:
    auditor = Occupation.objects.get(code="auditor")
    assert set(OccupationDepartment.objects.filter(occupation=auditor).values_list("department__name", "seed")) == {
        ("财政局", "000"), ("审计局", "000"),
    }
    accountant = Occupation.objects.get(code="accountant")
    assert set(OccupationDepartment.objects.filter(occupation=accountant).values_list("department__name", "seed")) == {
        ("财政局", "001"),
    }
    # 000 §二（十一） lists no complaints for tour guides; 001 §三（二） does for every group.
    assert OccupationCategory.objects.get(occupation__code="tour-guide", category__code="complaints").seed == "001"


def test_specific_contents_quote_the_seed() -> None:
    doctor = Occupation.objects.get(code="doctor").special_contents
    for item in ("无证上岗", "泄露患者隐私", "乱收费", "收取红包"):
        assert item in doctor
    assert "挂靠（证）" in Occupation.objects.get(code="tax-agent").special_contents
    assert "火灾隐患整改" in Occupation.objects.get(code="fire-engineer").special_contents
    assert "强迫购物" in Occupation.objects.get(code="tour-guide").special_contents
    assert "破产清算" in Occupation.objects.get(code="enterprise-legal-rep").special_contents
    assert "学术造假" in Occupation.objects.get(code="adult-student").special_contents


def test_the_agreed_codes_exist() -> None:
    department_codes = {
        "organization", "human-resources", "market-regulation", "emergency", "ecology", "housing", "public-security",
        "justice", "education", "health", "finance", "taxation", "fire-rescue", "audit", "financial-affairs",
        "culture-tourism", "civil-affairs", "science", "administrative-approval", "cyberspace", "transport", "postal",
        "natural-resources", "commerce", "credit-office",
    }
    occupation_codes = {
        "civil-servant", "enterprise-legal-rep", "lawyer", "teacher", "doctor", "licensed-pharmacist", "appraiser",
        "tax-agent", "fire-engineer", "auditor", "accountant", "real-estate-agent", "certification-staff",
        "finance-staff", "tour-guide", "driver", "courier", "adult-student",
    }
    assert department_codes <= set(Department.objects.values_list("code", flat=True))
    assert occupation_codes <= set(Occupation.objects.values_list("code", flat=True))
    office = Department.objects.get(code="credit-office")
    assert office.kind == Department.Kind.CREDIT_OFFICE


def test_the_24_units_of_the_annex_each_have_an_empty_coverage_row() -> None:
    entries = list(CoverageEntry.objects.select_related("department").order_by("department__sort_order"))
    assert [e.department.display_name for e in entries] == ANNEX_000
    assert all(
        e.archive_established is None and not (e.policy_document or e.next_steps or e.remarks) for e in entries
    )


def test_names_are_stored_without_the_level_prefix() -> None:
    for department in Department.objects.all():
        assert not department.name.startswith(("市", "县", "省")) or department.code == "market-regulation"
    # 市监局 is the abbreviation itself (市场监管局), not a prefix.
    assert Department.objects.get(code="market-regulation").name == "市监局"


def test_the_16_key_domains_of_000_and_the_ones_other_seeds_add() -> None:
    names = list(Domain.objects.order_by("sort_order").values_list("name", flat=True))
    assert names[:16] == [
        "食品药品", "安全生产", "消防安全", "交通安全", "环境保护", "生物安全", "产品质量", "税收缴纳", "医疗卫生",
        "劳动保障", "工程建设", "金融服务", "知识产权", "司法诉讼", "电子商务", "志愿服务",
    ]
    assert {"涉税中介服务", "统计调查", "住房保障", "道路运输", "文化市场"} <= set(names)


def test_every_category_has_a_legal_basis_citing_a_seed_and_a_national_source() -> None:
    for category in RecordCategory.objects.all():
        assert re.search(r"00[0-4] §", category.legal_basis), category.code
        assert re.search(r"〔20\d\d〕|《", category.legal_basis), category.code
    assert set(RecordCategory.objects.filter(is_common=True).values_list("code", flat=True)) == COMMON


def test_every_mapping_has_a_seed_and_a_local_one_says_why() -> None:
    for mapping in OccupationDepartment.objects.all():
        assert mapping.seed
        if mapping.seed == "local":
            assert mapping.note.startswith("提议")


@pytest.mark.parametrize(
    ("level", "organization", "education", "office"),
    [("city", "市委组织部", "市教育局", "市信用办"), ("county", "县委组织部", "县教育局", "县信用办"),
     ("province", "省委组织部", "省教育局", "省信用办")],
)
def test_display_name_follows_the_portal_level(level: str, organization: str, education: str, office: str) -> None:
    with override_settings(PORTAL_LEVEL=level):
        assert Department.objects.get(code="organization").display_name == organization
        assert Department.objects.get(code="education").display_name == education
        assert Department.objects.get(code="credit-office").display_name == office


def test_the_migration_is_reversible() -> None:
    migration = importlib.import_module("departments.migrations.0002_catalogue")
    counts = [m.objects.count() for m in (Department, Domain, RecordCategory, Occupation, CoverageEntry)]
    # Loaded by 0005, 0006 and 0007, not 0002.
    later = (catalogue_data.STUDENT_MISCONDUCT_CATEGORIES, catalogue_data.SANCTION_CATEGORIES,
             catalogue_data.HONOUR_CATEGORIES)
    counts[2] -= sum(len(rows) for rows in later)
    counts[3] -= 1
    # Migrating backwards reverses the later migrations that point at the catalogue first:
    # disclosure's mandatory-content rules protect the categories they name.
    importlib.import_module("disclosure.migrations.0003_mandatory_content_rules").unload(global_apps, None)
    # The joint-punishment measures name the departments that apply them.
    importlib.import_module("archives.listing.migrations.0002_joint_punishment_measures").unload(global_apps, None)
    honours = importlib.import_module("departments.migrations.0008_typed_honours")
    honours.unload_honours(global_apps, None)
    associations = importlib.import_module("departments.migrations.0007_associations_member_archives_and_sanctions")
    associations.unload_associations(global_apps, None)
    students = importlib.import_module("departments.migrations.0006_adult_students_minimum_age_and_misconduct")
    students.unload_adult_students(global_apps, None)
    migration.unload_catalogue(global_apps, None)
    assert [m.objects.count() for m in (Department, Domain, RecordCategory, Occupation, CoverageEntry)] == [0] * 5
    assert not OccupationDepartment.objects.exists()
    assert not OccupationCategory.objects.exists()
    migration.load_catalogue(global_apps, None)
    assert [m.objects.count() for m in (Department, Domain, RecordCategory, Occupation, CoverageEntry)] == counts
    # The cadences (0004) come back from the catalogue's defaults, one per occupation.
    importlib.import_module("departments.migrations.0005_update_cadence_as_data").cadences_from_occupations(
        global_apps, None
    )
    assert UpdateCadence.objects.count() == counts[3]
    students.load_adult_students(global_apps, None)
    associations.load_associations(global_apps, None)
    honours.load_honours(global_apps, None)
    assert RecordCategory.objects.count() == counts[2] + sum(len(rows) for rows in later)
    assert UpdateCadence.objects.count() == counts[3] + 1


def test_data_fits_the_columns() -> None:
    for occupation in catalogue_data.OCCUPATIONS:
        for _code, _seed, note in (*occupation["departments"], *occupation["categories"]):
            assert len(note) <= 200
