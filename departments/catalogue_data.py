"""The catalogue of the seeds (DESIGN §4) as plain data, loaded by data migrations.

A migration may not import models, so ``migrations/0002_catalogue.py`` and
``0003_seed_references.py`` read these tuples and write them through
``apps.get_model``. The credit office edits the catalogue in the admin afterwards; a
later change to the shipped catalogue goes in a new data migration, not here, because
migrations that already ran never run again.

Every entry says where it comes from. Seeds (``/work/shared/seeds/``):

* 000 – a city (赣州市) credit office notice: the 16 key domains and 14 key groups of
  国办发〔2016〕98号 quoted in its §一, the contents and responsible units of eleven
  archives (§二（一）–（十一）), the annex status table of 24 units;
* 001 – a county (安阳县) credit office notice, 2022: 22 groups with one responsible unit
  each (§三（三）), the contents every record holds (§三（二）), update cadence (§三（五））;
* 002 – a city (盐城市) work plan: more groups and domains (§二（一）4–5, §二（二）2);
* 003 – a city (济源市) government opinion, 2017;
* 004 – the Guangdong provincial division of tasks, 2017 (items 1–32).

Department names are stored without the level prefix (市 / 县 / 省; 市委 for party
organs); the seeds' own names, which differ by level and by the 2018 institutional
reform, are kept in each unit's ``references``. Where the seeds disagree on a mapping
both mappings are kept, each with its seed; a mapping no seed makes (a group listed
without a responsible unit) is a proposal marked ``local`` with a note saying why.

Not loaded as departments, on purpose: units the seeds name only for publicity and
education tasks or that keep no records (宣传部, 文明办, 编办, 团委, 总工会, 妇联, 两建办 – the
Guangdong name of the credit office itself –, the 济源 broadcaster and newspaper), and
provincial-only units (证监局, 通信管理局). The credit office can add any of them.
"""

from __future__ import annotations

from typing import Any

SEED_000 = "000"
SEED_001 = "001"
SEED_002 = "002"
SEED_003 = "003"
SEED_004 = "004"
LOCAL = "local"

GOVERNMENT = "government"
PARTY = "party"
CREDIT_OFFICE = "credit_office"

# ---------------------------------------------------------------------------
# Departments (责任单位)
# ---------------------------------------------------------------------------

# The 24 units of 000's annex (重点人群信用档案建设情况表), in the annex's order: the
# coverage table has one row for each.
ANNEX_DEPARTMENT_CODES: tuple[str, ...] = (
    "organization",
    "human-resources",
    "market-regulation",
    "emergency",
    "ecology",
    "housing",
    "public-security",
    "justice",
    "education",
    "health",
    "finance",
    "taxation",
    "fire-rescue",
    "audit",
    "financial-affairs",
    "culture-tourism",
    "civil-affairs",
    "science",
    "administrative-approval",
    "cyberspace",
    "transport",
    "postal",
    "natural-resources",
    "commerce",
)

DEPARTMENTS: tuple[dict[str, Any], ...] = (
    {
        "code": "organization", "name": "组织部", "kind": PARTY, "seeds": "000,001,002",
        "references": "000 附件序号1、§二（一）（市委组织部）；001 §三（三）序号1（县委组织部）；"
        "002 §二（四）3（市委组织部）",
    },
    {
        "code": "human-resources", "name": "人社局", "kind": GOVERNMENT, "seeds": "000,001,002,003,004",
        "references": "000 附件序号2（市人社局）；001 §三（三）序号8、21、22（县人社局）；002 §二（一）6、§二（四）3"
        "（市人社局）；003 §三（五）14（市人力资源和社会保障局）；004 第5、9、10、11项（人力资源社会保障厅）",
    },
    {
        "code": "market-regulation", "name": "市监局", "kind": GOVERNMENT, "seeds": "000,001,004",
        "references": "000 附件序号3、§二（二）（市市监局）；001 §三（三）序号2、7、11、17（县市场监管局）；"
        "004 第5、10、11、15项（工商局、质监局、食品药品监管局、知识产权局，2018年机构改革后由市场监管部门承担）",
    },
    {
        "code": "emergency", "name": "应急管理局", "kind": GOVERNMENT, "seeds": "000,004",
        "references": "000 附件序号4、§二（二）（市应急管理局）；004 第10项（安全监管局，2018年机构改革后由应急管理部门承担）",
    },
    {
        "code": "ecology", "name": "生态环境局", "kind": GOVERNMENT, "seeds": "000,004",
        "references": "000 附件序号5、§二（二）（市生态环境局）；004 第10项（环境保护厅）",
    },
    {
        "code": "housing", "name": "住建局", "kind": GOVERNMENT, "seeds": "000,001,004",
        "references": "000 附件序号6、§二（二）、§二（九）（市住建局）；001 §三（三）序号16（县住建局）；"
        "004 第10、11项（住房城乡建设厅）",
    },
    {
        "code": "public-security", "name": "公安局", "kind": GOVERNMENT, "seeds": "000,002,003,004",
        "references": "000 附件序号7、§二（二）（市公安局）；002 §二（二）1、§二（三）1、2、4（市公安局）；"
        "003 §三（一）1（市公安局）；004 第8、9、10、11、15项（公安厅）",
    },
    {
        "code": "justice", "name": "司法局", "kind": GOVERNMENT, "seeds": "000,001,004",
        "references": "000 附件序号8、§二（三）（市司法局）；001 §三（三）序号4（县司法局）；004 第10、11项（司法厅）",
    },
    {
        "code": "education", "name": "教育局", "kind": GOVERNMENT, "seeds": "000,001,002,003,004",
        "references": "000 附件序号9、§二（四）（市教育局）；001 §三（三）序号5（县教育局）；002 §二（一）5、6"
        "（市教育局）；003 §三（五）13（市教育局）；004 第4、7、9、11项（教育厅）",
    },
    {
        "code": "health", "name": "卫健委", "kind": GOVERNMENT, "seeds": "000,001,004",
        "references": "000 附件序号10、§二（五）（市卫健委）；001 §三（三）序号6（县卫健委）；"
        "004 第9、10、11、18项（卫生计生委）",
    },
    {
        "code": "finance", "name": "财政局", "kind": GOVERNMENT, "seeds": "000,001,002,004",
        "references": "000 附件序号11、§二（八）（市财政局）；001 §三（三）序号9、14（县财政局）；"
        "002 §三1（市财政局）；004 第11项（财政厅）",
    },
    {
        "code": "taxation", "name": "税务局", "kind": GOVERNMENT, "seeds": "000,001,004",
        "references": "000 附件序号12、§二（六）（市税务局）；001 §三（三）序号10（县（示范区）税务局）；"
        "004 第10、11项（地税局、省国税局，2018年合并为税务局）",
    },
    {
        "code": "fire-rescue", "name": "消防救援支队", "kind": GOVERNMENT, "seeds": "000,001",
        "references": "000 附件序号13、§二（七）（市消防救援支队）；001 §三（三）序号13（县消防救援大队，县一级的同一队伍）",
    },
    {
        "code": "audit", "name": "审计局", "kind": GOVERNMENT, "seeds": "000,001,004",
        "references": "000 附件序号14、§二（八）（市审计局）；001 §三（三）序号15（县审计局）；004 第11项（审计厅）",
    },
    {
        "code": "financial-affairs", "name": "金融办", "kind": GOVERNMENT, "seeds": "000,001,002,004",
        "references": "000 附件序号15、§二（十）（市金融办）；001 §三（三）序号18（县金融办）；"
        "002 §二（三）3（市地方金融监管局）；004 第5、10、11、15项（金融办）",
    },
    {
        "code": "culture-tourism", "name": "文广新旅局", "kind": GOVERNMENT, "seeds": "000,001,003,004",
        "references": "000 附件序号16、§二（十一）（市文广新旅局）；001 §三（三）序号19（县文广体旅局）；"
        "003 §三（五）12（文化广电新闻出版局）；004 第10、11项（文化厅、旅游局）",
    },
    {
        "code": "civil-affairs", "name": "民政局", "kind": GOVERNMENT, "seeds": "000,001,004",
        "references": "000 附件序号17（市民政局）；001 §三（三）序号20（县民政局）；004 第10、27项（民政厅）",
    },
    {
        "code": "science", "name": "科技局", "kind": GOVERNMENT, "seeds": "000",
        "references": "000 附件序号18（市科技局）",
    },
    {
        "code": "administrative-approval", "name": "行政审批局", "kind": GOVERNMENT, "seeds": "000,002",
        "references": "000 附件序号19（市行政审批局）；002 §二（二）1（市行政审批局）",
    },
    {
        "code": "cyberspace", "name": "网信办", "kind": PARTY, "seeds": "000,002,003,004",
        "references": "000 附件序号20（市委网信办）；002 §二（三）1、3、4（市委网信办）；"
        "003 §三（一）1（中共济源市委网络安全和信息化领导小组办公室）；004 第9、15项（省网信办）",
    },
    {
        "code": "transport", "name": "交通运输局", "kind": GOVERNMENT, "seeds": "000,001,004",
        "references": "000 附件序号21（市交通运输局）；001 §三（三）序号3（县交通运输局）；004 第9、10项（交通运输厅）",
    },
    {
        "code": "postal", "name": "邮政管理局", "kind": GOVERNMENT, "seeds": "000,002,004",
        "references": "000 附件序号22（市邮政管理局）；002 §二（三）1（市邮政管理局）；004 第9项（邮政管理局）",
    },
    {
        "code": "natural-resources", "name": "自然资源局", "kind": GOVERNMENT, "seeds": "000",
        "references": "000 附件序号23（市自然资源局）",
    },
    {
        "code": "commerce", "name": "商务局", "kind": GOVERNMENT, "seeds": "000,003,004",
        "references": "000 附件序号24（市商务局）；003 §三（四）9（商务局）；004 第10、15项（商务厅）",
    },
    {
        "code": "credit-office", "name": "信用办", "kind": CREDIT_OFFICE, "seeds": "000,001,002,004",
        "references": "000 §三（一）归集推送至市公共信用信息服务平台；001 文头（安阳县社会信用体系建设领导小组办公室）、"
        "§五（三）报县信用办备案；002 §二、§三（市发改委（市信用办））；004 第20项（各市信用办）、第30项（省两建办）",
    },
    {
        "code": "development-reform", "name": "发改委", "kind": GOVERNMENT, "seeds": "001,002,003,004",
        "references": "001 §三（三）序号12（县发改委）；002 §二、§三（市发改委）；"
        "003 §三（二）3、4，§三（四）10（市发展和改革委员会）；004 第2、3、6、13、14、16–21项（省发展改革委）",
    },
    {
        "code": "pboc", "name": "人民银行", "kind": GOVERNMENT, "seeds": "002,003,004",
        "references": "002 §二（二）2、§二（三）、§二（四）（人民银行盐城支行）；003 §三（一）1、§三（二）3、4、"
        "§三（四）9、10（中国人民银行济源市中心支行）；004 第5、6、9–12、15、19、21、24、28项（人行广州分行）",
    },
    {
        "code": "financial-regulation", "name": "金融监管分局", "kind": GOVERNMENT, "seeds": "004",
        "references": "004 第9、10、11、15项（广东银监局、广东保监局；2023年起由国家金融监督管理总局派出机构承担）",
    },
    {
        "code": "industry-it", "name": "工信局", "kind": GOVERNMENT, "seeds": "002,003,004",
        "references": "002 §二（三）1（市工信局（市大数据局））；003 §三（四）9（工业和信息化委员会）；"
        "004 第13、18项（经济和信息化委）",
    },
    {
        "code": "forestry", "name": "林业局", "kind": GOVERNMENT, "seeds": "004",
        "references": "004 第10项（林业厅）",
    },
    {
        "code": "court", "name": "法院", "kind": GOVERNMENT, "seeds": "002,004",
        "references": "002 §二（三）2（市法院）；004 第10项（省法院）；失信被执行人名单由人民法院依法公布",
    },
    {
        "code": "procuratorate", "name": "检察院", "kind": GOVERNMENT, "seeds": "002,004",
        "references": "002 §二（三）2（市检察院）；004 第10项（省检察院）",
    },
    {
        "code": "statistics", "name": "统计局", "kind": GOVERNMENT, "seeds": "",
        "references": "种子文件未点名；为 002 §二（二）2 的「统计从业人员」和「统计调查」领域提议的责任单位（local）",
    },
)

# ---------------------------------------------------------------------------
# Key domains (重点领域)
# ---------------------------------------------------------------------------

_DOMAINS_OF_98 = "000,002,003,004"

DOMAINS: tuple[dict[str, Any], ...] = (
    # The 16 domains of 国办发〔2016〕98号 as quoted in 000 §一 (also 002 §二（二）2,
    # 003 §三（一）2, 004 第10项).
    {"code": "food-drug", "name": "食品药品", "seeds": _DOMAINS_OF_98},
    {"code": "work-safety", "name": "安全生产", "seeds": _DOMAINS_OF_98},
    {"code": "fire-safety", "name": "消防安全", "seeds": _DOMAINS_OF_98},
    {"code": "traffic-safety", "name": "交通安全", "seeds": _DOMAINS_OF_98},
    {"code": "environment", "name": "环境保护", "seeds": _DOMAINS_OF_98},
    {"code": "biosafety", "name": "生物安全", "seeds": _DOMAINS_OF_98},
    {"code": "product-quality", "name": "产品质量", "seeds": _DOMAINS_OF_98},
    {"code": "tax-payment", "name": "税收缴纳", "seeds": _DOMAINS_OF_98},
    {"code": "healthcare", "name": "医疗卫生", "seeds": _DOMAINS_OF_98},
    {"code": "labour-security", "name": "劳动保障", "seeds": _DOMAINS_OF_98},
    {"code": "construction", "name": "工程建设", "seeds": _DOMAINS_OF_98},
    {"code": "financial-services", "name": "金融服务", "seeds": _DOMAINS_OF_98},
    {"code": "intellectual-property", "name": "知识产权", "seeds": _DOMAINS_OF_98},
    {"code": "judicial-litigation", "name": "司法诉讼", "seeds": _DOMAINS_OF_98},
    {"code": "e-commerce", "name": "电子商务", "seeds": _DOMAINS_OF_98},
    {"code": "volunteer-service", "name": "志愿服务", "seeds": _DOMAINS_OF_98},
    # Added by 002 §二（二）2.
    {"code": "tax-intermediary", "name": "涉税中介服务", "seeds": "002"},
    {"code": "statistical-survey", "name": "统计调查", "seeds": "002"},
    # Added by 004 第10项.
    {"code": "housing-security", "name": "住房保障", "seeds": "004"},
    {"code": "road-transport", "name": "道路运输", "seeds": "004"},
    {"code": "culture-market", "name": "文化市场", "seeds": "004"},
    {"code": "utility-default", "name": "水电煤气电信等消费违约", "seeds": "004"},
)

# ---------------------------------------------------------------------------
# Record categories (信息类别), each with its legal basis (DESIGN §7)
# ---------------------------------------------------------------------------

_NATIONAL = "国办发〔2016〕98号《国务院办公厅关于加强个人诚信体系建设的指导意见》"

CATEGORIES: tuple[dict[str, Any], ...] = (
    {
        "code": "basic-info", "name": "个人基本信息", "is_common": True,
        "description": "姓名、性别、政治面貌、学历、职称、职务、公民身份号码、联系电话、工作单位、从业起始时间、工作职责"
        "（001 附件《信用信息记录表》）。",
        "legal_basis": "000 §二（一）至（十一）各类档案均记录「个人基本信息」；001 §三（二）「个人基本信息」及附件"
        "《信用信息记录表》；002 §二（二）1、003 §三（一）1：以公民身份号码为基础的公民统一社会信用代码；" + _NATIONAL + "。",
    },
    {
        "code": "employment-history", "name": "从业履历", "is_common": True,
        "description": "从业经历与履职信息（000 「从业履历」；001 「从业信息」）。",
        "legal_basis": "000 §二（一）至（十一）「从业履历」；001 §三（二）「从业信息」、§五（二）；002 §二（二）2 "
        "归集各类职业人群「基础信息、履职信息」；" + _NATIONAL + "。",
    },
    {
        "code": "rewards-penalties", "name": "奖惩情况", "is_common": True,
        "description": "表彰奖励与处罚处分（001 §三（五））。",
        "legal_basis": "000 §二（一）至（十一）「奖惩情况」；001 §三（二）「奖惩情况信息」、§三（五）「表彰奖励、处罚处分」、"
        "附件「奖惩情况」栏；002 §二（二）2「荣誉信息」；003 §三（三）5 建立优良信用记录；" + _NATIONAL + "；"
        "国发〔2016〕33号《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》。",
    },
    {
        "code": "yearly-assessment", "name": "年度考核结果", "is_common": False,
        "description": "主管单位的年度考核结果（000 §二（一）至（十））。",
        "legal_basis": "000 §二（一）至（十）「年度考核结果」（§二（十一）导游档案未列）；001 §三（五）「年度考核」；"
        "公务员适用《中华人民共和国公务员法》关于考核的规定；" + _NATIONAL + "。",
    },
    {
        "code": "integrity", "name": "廉政记录", "is_common": False,
        "description": "廉政记录，特别是被纪检监察部门处分的信息（000 §二（一））。",
        "legal_basis": "000 §二（一）公务员「廉政记录（特别是被纪检监察部门处分的信息必须记入信用档案）」、§二（三）律师"
        "「廉政记录」；《中华人民共和国公职人员政务处分法》；" + _NATIONAL + "。",
    },
    {
        "code": "violations", "name": "相关违法违纪违约行为", "is_common": True,
        "description": "相关违法、违纪、违约行为（导游档案为「相关违法违约行为」，000 §二（十一））。",
        "legal_basis": "000 §二（一）至（十）「相关违法违纪违约行为」、§二（十一）「相关违法违约行为」；001 §三（二）"
        "「相关违法违纪违约信息」；004 第25项 四类严重失信行为；" + _NATIONAL + "；国办发〔2020〕49号"
        "《国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见》。",
    },
    {
        "code": "complaints", "name": "投诉申诉情况", "is_common": True,
        "description": "收到投诉、申诉的情况。",
        "legal_basis": "000 §二（一）至（十）「收到投诉申诉情况」；001 §三（二）「受到投诉申诉情况信息」；002 §二（三）5 "
        "完善投诉办理机制；" + _NATIONAL + "。",
    },
    {
        "code": "training", "name": "教育培训记录", "is_common": False,
        "description": "继续教育、职业培训、岗位培训记录。",
        "legal_basis": "000 §二（四）教师、（五）医师、（七）注册消防工程师、（十一）导游「教育培训记录」；003 §三（五）14 "
        "在职教育、职业培训、岗位培训；" + _NATIONAL + "。",
    },
    {
        "code": "qualification", "name": "资质认定", "is_common": False,
        "description": "资格、资质的认定情况（000 §二（四））。",
        "legal_basis": "000 §二（四）教师「资质认定」；《中华人民共和国教师法》教师资格制度；" + _NATIONAL + "。",
    },
    {
        "code": "professional-norms", "name": "职业规范遵守情况", "is_common": False,
        "description": "遵守职业规范、职业道德的情况（000 §二（四））。",
        "legal_basis": "000 §二（四）教师「职业规范遵守情况」；003 §三（五）13 建立完善教师信用评价制度；"
        "《中华人民共和国教师法》关于教师义务的规定；" + _NATIONAL + "。",
    },
    {
        "code": "professional-credit", "name": "职业信用记录", "is_common": False,
        "description": "执业、从业中的信用记录。",
        "legal_basis": "000 §二（二）、（三）、（五）至（十）「职业信用记录」；003 §三（一）2 推广使用职业信用报告；"
        + _NATIONAL + "。",
    },
    {
        "code": "practice-penalties", "name": "执业处罚情况", "is_common": False,
        "description": "因执业行为受到的行政处罚、行业处分。",
        "legal_basis": "000 §二（三）律师、（六）税务师、（八）审计人员、（九）房地产中介从业人员、（十）金融从业人员"
        "「执业处罚情况」；004 第27项 行业协会惩戒措施；《中华人民共和国行政处罚法》关于行政处罚决定公开的规定；"
        + _NATIONAL + "。",
    },
    {
        "code": "business-info", "name": "业务信息", "is_common": False,
        "description": "执业、从业的业务信息。",
        "legal_basis": "000 §二（三）律师、（六）税务师、（八）审计人员、（九）房地产中介从业人员、（十）金融从业人员"
        "「业务信息」；" + _NATIONAL + "。",
    },
    {
        "code": "social-service", "name": "社会服务信息", "is_common": False,
        "description": "提供社会服务（如法律援助）的信息。",
        "legal_basis": "000 §二（三）律师「社会服务信息」；" + _NATIONAL + "。",
    },
    {
        "code": "public-interest", "name": "参加社会公益活动情况", "is_common": False,
        "description": "参加志愿服务、慈善捐助等社会公益活动的情况。",
        "legal_basis": "000 §二（三）律师「参加社会公益活动情况」；003 §三（四）10 通过志愿服务、慈善捐助等社会公益服务形式"
        "修复个人信用；" + _NATIONAL + "（志愿服务领域）。",
    },
    {
        "code": "dishonest-debtor", "name": "失信被执行人及失信企业情况", "is_common": False,
        "description": "是否被列为失信被执行人或所在企业是否为失信企业（000 §二（二））。",
        "legal_basis": "000 §二（二）「是否被列为失信被执行人或所在企业是否为失信企业」；《最高人民法院关于公布失信"
        "被执行人名单信息的若干规定》；004 第25项第三类（有履行能力但拒不履行法定义务）；国发〔2016〕33号。",
    },
    {
        "code": "unit-serious-dishonesty", "name": "所在单位严重失信行为", "is_common": False,
        "description": "所在企业是否因严重失信行为受到行政处罚（国家发改委规定的五类严重失信行为）；单位严重失信行为记入"
        "其法定代表人、主要负责人和其他负有直接责任人员的个人信用记录。",
        "legal_basis": "000 §二（二）「所在企业是否因严重失信行为受到行政处罚（国家发改委规定的五类严重失信行为）」；"
        "003 §三（一）2「对企事业单位严重失信行为，在记入企事业单位信用记录的同时，记入其法定代表人、主要负责人和其他"
        "负有直接责任人员的个人信用记录」；003 §三（三）6 将联合惩戒措施落实到人；国发〔2016〕33号。",
    },
    {
        "code": "other", "name": "其他能反映信用状况的信息", "is_common": True,
        "description": "其他能反映其信用状况的信息；须有法律法规或地方补充目录依据。",
        "legal_basis": "000 §二（一）至（十一）「其他能反映其信用状况的信息」；001 §三（二）「其他能反映其信用状况的信息」；"
        "《全国公共信用信息基础目录》（仅纳入有法律、法规依据或地方补充目录依据的信息）；" + _NATIONAL + "。",
    },
)

COMMON_CATEGORY_CODES: tuple[str, ...] = tuple(c["code"] for c in CATEGORIES if c["is_common"])

# ---------------------------------------------------------------------------
# Key occupation groups (重点职业人群)
# ---------------------------------------------------------------------------

CORE = "core"  # the 14 groups of 国办发〔2016〕98号 as quoted in 000 §一
LOCAL_GROUP = "local"  # added by 001's table
EXTENDED = "extended"  # 000 §一 "鼓励探索", 002, 003, 004

MONTHLY = "monthly"
QUARTERLY = "quarterly"
YEARLY = "yearly"

# 001 §三（五）: records are updated "依据信息产生的周期，按年度、季度或月度". The seed does
# not assign a cadence to each group, so these defaults follow the main source it names
# for the group's information: yearly where the record is fed mainly by the yearly
# assessment (年度考核), quarterly where it is fed by practice supervision and spot checks
# (日常监管、抽查检查), monthly where daily enforcement produces records continuously
# (traffic violations, registration changes, food and drug inspections, contributions).
# The credit office adjusts them in the admin.

# The longest interval between two updates for each cadence: a month, a quarter and a
# year, each with a day of slack so an update on the same calendar day still counts.
CADENCE_DAYS: dict[str, int] = {MONTHLY: 31, QUARTERLY: 92, YEARLY: 366}

CADENCE_SOURCE = (
    "001 §三（五）「各类信用信息要依据信息产生的周期，按年度、季度或月度更新信用记录」；"
    "种子未逐一规定各人群的更新周期，默认值按该人群信息的主要来源确定（年度考核为年度，日常监管、抽查检查为季度，"
    "日常执法、登记变更为月度），信用办可调整"
)


def _categories(seed: str, codes: str, note: str = "") -> tuple[tuple[str, str, str], ...]:
    return tuple((code, seed, note) for code in codes.split())


# 000 §二（一）–（十一）: the contents of each archive, in the seed's order.
_CS_000 = {
    "civil-servant": "basic-info employment-history integrity rewards-penalties yearly-assessment violations "
    "complaints other",
    "enterprise-legal-rep": "basic-info employment-history rewards-penalties yearly-assessment professional-credit "
    "dishonest-debtor unit-serious-dishonesty violations other",
    "lawyer": "basic-info employment-history business-info social-service rewards-penalties yearly-assessment "
    "professional-credit practice-penalties integrity violations complaints public-interest other",
    "teacher": "basic-info employment-history rewards-penalties yearly-assessment qualification professional-norms "
    "violations complaints training other",
    "doctor": "basic-info employment-history rewards-penalties yearly-assessment professional-credit violations "
    "complaints training other",
    "tax-agent": "basic-info employment-history business-info rewards-penalties yearly-assessment professional-credit "
    "practice-penalties violations complaints other",
    "fire-engineer": "basic-info employment-history rewards-penalties yearly-assessment professional-credit "
    "violations complaints training other",
    "auditor": "basic-info employment-history business-info rewards-penalties yearly-assessment professional-credit "
    "practice-penalties violations complaints other",
    "real-estate-agent": "basic-info employment-history business-info rewards-penalties yearly-assessment "
    "professional-credit practice-penalties violations complaints other",
    "finance-staff": "basic-info employment-history business-info rewards-penalties yearly-assessment "
    "professional-credit practice-penalties violations complaints other",
    "tour-guide": "basic-info employment-history rewards-penalties violations training other",
}

_SECTION_000 = {
    "civil-servant": "000 §二（一）",
    "enterprise-legal-rep": "000 §二（二）",
    "lawyer": "000 §二（三）",
    "teacher": "000 §二（四）",
    "doctor": "000 §二（五）",
    "tax-agent": "000 §二（六）",
    "fire-engineer": "000 §二（七）",
    "auditor": "000 §二（八）",
    "real-estate-agent": "000 §二（九）",
    "finance-staff": "000 §二（十）",
    "tour-guide": "000 §二（十一）",
}

_NOTE_001_COMMON = "001 §三（二）：信用记录主要包括的内容"

_OCCUPATIONS: list[dict[str, Any]] = [
    # --- core: the 14 groups of 国办发〔2016〕98号 quoted in 000 §一 ------------------
    {
        "code": "civil-servant", "name": "公务员", "group": CORE, "cadence": YEARLY,
        "references": "000 §一、§二（一）；001 §三（一）、§三（三）序号1；002 §二（一）4、§二（二）2；003 §三（一）2；004 第11项",
        "special": "廉政记录：特别是被纪检监察部门处分的信息必须记入信用档案（000 §二（一））。",
        "departments": (("organization", SEED_000, "000 §二（一）「市委组织部等单位」；001 §三（三）序号1 同（县委组织部）"),),
    },
    {
        "code": "enterprise-legal-rep", "name": "企业法定代表人及相关责任人", "group": CORE, "cadence": MONTHLY,
        "description": "003 §三（一）2 作「企事业单位法定代表人及相关责任人」。",
        "references": "000 §一、§二（二）；001 §三（一）、§三（三）序号2；002 §二（一）4、§二（二）2；003 §三（一）2；004 第11项",
        "special": "因其失责或有违法违规行为导致所在企业破产清算（000 §二（二））；企事业单位严重失信行为同时记入其法定"
        "代表人、主要负责人和其他负有直接责任人员的个人信用记录（003 §三（一）2）。",
        "departments": (
            ("market-regulation", SEED_000, "000 §二（二）；001 §三（三）序号2 同（县市场监管局）"),
            ("emergency", SEED_000, "000 §二（二）"),
            ("ecology", SEED_000, "000 §二（二）"),
            ("housing", SEED_000, "000 §二（二）"),
            ("public-security", SEED_000, "000 §二（二）「市公安局等单位」"),
        ),
    },
    {
        "code": "lawyer", "name": "律师", "group": CORE, "cadence": QUARTERLY,
        "references": "000 §一、§二（三）；001 §三（一）、§三（三）序号4；002 §二（一）4、§二（二）2；003 §三（一）2；004 第11项",
        "departments": (("justice", SEED_000, "000 §二（三）；001 §三（三）序号4 同（县司法局）"),),
    },
    {
        "code": "teacher", "name": "教师", "group": CORE, "cadence": YEARLY,
        "references": "000 §一、§二（四）；001 §二、§三（一）、§三（三）序号5；002 §二（二）2；003 §三（一）2、§三（五）13；"
        "004 第11项",
        "departments": (("education", SEED_000, "000 §二（四）；001 §三（三）序号5 同（县教育局）"),),
    },
    {
        "code": "doctor", "name": "医师", "group": CORE, "cadence": QUARTERLY,
        "references": "000 §一、§二（五）；001 §二、§三（一）、§三（三）序号6；002 §二（二）2；003 §三（一）2；004 第11项",
        "special": "无证上岗、泄露患者隐私、乱收费、收取红包（000 §二（五））。",
        "departments": (("health", SEED_000, "000 §二（五）；001 §三（三）序号6 同（县卫健委）"),),
    },
    {
        "code": "licensed-pharmacist", "name": "执业药师", "group": CORE, "cadence": QUARTERLY,
        "description": "002 §二（二）2 作「执业药师（从业药师）等关键岗位的食品药品从业人员」。",
        "references": "000 §一；001 §三（一）、§三（三）序号7；002 §二（二）2；003 §三（一）2；004 第11项",
        "departments": (("market-regulation", SEED_001, "001 §三（三）序号7（县市场监管局）"),),
    },
    {
        "code": "appraiser", "name": "评估师", "group": CORE, "cadence": QUARTERLY,
        "references": "000 §一；001 §三（一）、§三（三）序号9；002 §二（一）4、§二（二）2；003 §三（一）2；004 第11项",
        "departments": (("finance", SEED_001, "001 §三（三）序号9（县财政局）"),),
    },
    {
        "code": "tax-agent", "name": "税务师", "group": CORE, "cadence": QUARTERLY,
        "description": "002 §二（一）4 作「注册税务师」。",
        "references": "000 §一、§二（六）；001 §三（一）、§三（三）序号10；002 §二（一）4、§二（二）2；003 §三（一）2；"
        "004 第11项",
        "special": "「挂靠（证）」现象（000 §二（六））。",
        "departments": (("taxation", SEED_000, "000 §二（六）；001 §三（三）序号10 同（县（示范区）税务局）"),),
    },
    {
        "code": "fire-engineer", "name": "注册消防工程师", "group": CORE, "cadence": QUARTERLY,
        "references": "000 §一、§二（七）；001 §三（一）、§三（三）序号13；002 §二（二）2；003 §三（一）2；004 第11项",
        "special": "「挂靠（证）」现象、日常防火巡查是否到位、火灾隐患整改是否到位（000 §二（七））。",
        "departments": (("fire-rescue", SEED_000, "000 §二（七）；001 §三（三）序号13 为县消防救援大队"),),
    },
    {
        "code": "accountant", "name": "会计人员", "group": CORE, "cadence": QUARTERLY,
        "description": "000 §一、003 §三（一）2 合称「会计审计人员」；002 §二（一）4 作「会计从业人员」，§二（二）2 作「会计师」。",
        "references": "000 §一（会计审计人员）；001 §三（一）、§三（三）序号14；002 §二（一）4、§二（二）2；003 §三（一）2",
        "departments": (("finance", SEED_001, "001 §三（三）序号14（县财政局）"),),
    },
    {
        "code": "auditor", "name": "审计人员", "group": CORE, "cadence": QUARTERLY,
        "description": "000 §一、003 §三（一）2 合称「会计审计人员」；002 作「审计师」。",
        "references": "000 §一（会计审计人员）、§二（八）；001 §三（一）、§三（三）序号15；002 §二（一）4、§二（二）2；"
        "003 §三（一）2；004 第11项",
        "special": "「挂靠（证）」现象（000 §二（八））。",
        "departments": (
            ("finance", SEED_000, "000 §二（八）「市财政局、市审计局」"),
            ("audit", SEED_000, "000 §二（八）「市财政局、市审计局」；001 §三（三）序号15 仅列县审计局"),
        ),
    },
    {
        "code": "real-estate-agent", "name": "房地产中介从业人员", "group": CORE, "cadence": QUARTERLY,
        "references": "000 §一、§二（九）；001 §三（一）、§三（三）序号16；002 §二（二）2；003 §三（一）2；004 第11项",
        "departments": (("housing", SEED_000, "000 §二（九）；001 §三（三）序号16 同（县住建局）"),),
    },
    {
        "code": "certification-staff", "name": "认证人员", "group": CORE, "cadence": QUARTERLY,
        "references": "000 §一；001 §三（一）、§三（三）序号17；002 §二（二）2；003 §三（一）2",
        "departments": (("market-regulation", SEED_001, "001 §三（三）序号17（县市场监管局）"),),
    },
    {
        "code": "finance-staff", "name": "金融从业人员", "group": CORE, "cadence": QUARTERLY,
        "references": "000 §一、§二（十）；001 §三（一）、§三（三）序号18；002 §二（二）2；003 §三（一）2；004 第11项",
        "departments": (("financial-affairs", SEED_000, "000 §二（十）；001 §三（三）序号18 同（县金融办）"),),
    },
    {
        "code": "tour-guide", "name": "导游", "group": CORE, "cadence": QUARTERLY,
        "references": "000 §一、§二（十一）；001 §三（一）、§三（三）序号19；002 §二（二）2；003 §三（一）2；004 第11项",
        "special": "侵害旅游者合法权益、强迫购物、随意更改既定线路（000 §二（十一））。",
        "departments": (("culture-tourism", SEED_000, "000 §二（十一）；001 §三（三）序号19 为县文广体旅局"),),
    },
    # --- local: the groups 001's table adds -----------------------------------------
    {
        "code": "driver", "name": "驾驶员", "group": LOCAL_GROUP, "cadence": MONTHLY,
        "description": "001 列入的驾驶员（营运驾驶员）；全体机动车驾驶人见「机动车驾驶人」。",
        "references": "001 §三（一）、§三（三）序号3",
        "departments": (("transport", SEED_001, "001 §三（三）序号3（县交通运输局）"),),
    },
    {
        "code": "domestic-service", "name": "家政服务从业人员", "group": LOCAL_GROUP, "cadence": QUARTERLY,
        "references": "001 §三（一）、§三（三）序号8",
        "departments": (("human-resources", SEED_001, "001 §三（三）序号8（县人社局）"),),
    },
    {
        "code": "food-drug-safety-officer", "name": "食药安全员", "group": LOCAL_GROUP, "cadence": MONTHLY,
        "references": "001 §三（一）、§三（三）序号11",
        "departments": (("market-regulation", SEED_001, "001 §三（三）序号11（县市场监管局）"),),
    },
    {
        "code": "bidding-agent", "name": "招投标代理机构从业人员", "group": LOCAL_GROUP, "cadence": QUARTERLY,
        "references": "001 §三（一）、§三（三）序号12",
        "departments": (("development-reform", SEED_001, "001 §三（三）序号12（县发改委）"),),
    },
    {
        "code": "care-worker", "name": "护工", "group": LOCAL_GROUP, "cadence": QUARTERLY,
        "references": "001 §三（一）、§三（三）序号20",
        "departments": (("civil-affairs", SEED_001, "001 §三（三）序号20（县民政局）"),),
    },
    {
        "code": "labour-employment", "name": "劳动用工", "group": LOCAL_GROUP, "cadence": QUARTERLY,
        "description": "001 §三（一）原文所列人群名称。",
        "references": "001 §三（一）、§三（三）序号21",
        "departments": (("human-resources", SEED_001, "001 §三（三）序号21（县人社局）"),),
    },
    {
        "code": "social-security", "name": "社会保障", "group": LOCAL_GROUP, "cadence": MONTHLY,
        "description": "001 §三（一）原文所列人群名称。",
        "references": "001 §三（一）、§三（三）序号22",
        "departments": (("human-resources", SEED_001, "001 §三（三）序号22（县人社局）"),),
    },
    # --- extended: 000 §一 "鼓励探索", then 002, 003, 004 --------------------------------
    {
        "code": "courier", "name": "寄递人员", "group": EXTENDED, "cadence": QUARTERLY,
        "references": "000 §一（鼓励探索）；002 §二（二）2",
        "departments": (("postal", LOCAL, "提议：种子未指定责任单位；002 §二（三）1 由市邮政管理局配合快递业安全监管"),),
    },
    {
        "code": "safety-assessor", "name": "安全评估师", "group": EXTENDED, "cadence": QUARTERLY,
        "references": "000 §一（鼓励探索）；002 §二（二）2",
        "departments": (("emergency", LOCAL, "提议：种子未指定责任单位；安全生产领域主管部门"),),
    },
    {
        "code": "health-assessor", "name": "卫生评估师", "group": EXTENDED, "cadence": QUARTERLY,
        "references": "000 §一（鼓励探索）；002 §二（二）2",
        "departments": (("health", LOCAL, "提议：种子未指定责任单位；医疗卫生领域主管部门"),),
    },
    {
        "code": "road-transport", "name": "道路运输经营者及从业人员", "group": EXTENDED, "cadence": MONTHLY,
        "references": "000 §一（鼓励探索）；002 §二（二）2；004 第10项（道路运输领域）",
        "departments": (("transport", LOCAL, "提议：种子未指定责任单位；004 第10项 道路运输领域由交通运输厅等负责"),),
    },
    {
        "code": "motor-vehicle-driver", "name": "机动车驾驶人", "group": EXTENDED, "cadence": MONTHLY,
        "references": "000 §一（鼓励探索）；002 §二（二）2",
        "departments": (("public-security", LOCAL, "提议：种子未指定责任单位；交通安全领域由公安机关交通管理部门记录"),),
    },
    {
        "code": "eia-testing", "name": "环境影响评价及检验监测从业人员", "group": EXTENDED, "cadence": QUARTERLY,
        "description": "000 §一 作「环境影响评价及检验监测从业人员」，002 §二（二）2 作「环境影响评价及检验检测从业人员」。",
        "references": "000 §一（鼓励探索）；002 §二（二）2",
        "departments": (("ecology", LOCAL, "提议：种子未指定责任单位；环境保护领域主管部门"),),
    },
    {
        "code": "quality-inspector", "name": "质量检验检测人员", "group": EXTENDED, "cadence": QUARTERLY,
        "references": "000 §一（鼓励探索）；002 §二（二）2",
        "departments": (("market-regulation", LOCAL, "提议：种子未指定责任单位；产品质量领域主管部门"),),
    },
    {
        "code": "news-media", "name": "新闻媒体从业人员", "group": EXTENDED, "cadence": QUARTERLY,
        "references": "000 §一（鼓励探索）",
        "departments": (("culture-tourism", LOCAL, "提议：种子未指定责任单位；文广新旅局含新闻出版职能"),),
    },
    {
        "code": "internet-staff", "name": "互联网从业人员", "group": EXTENDED, "cadence": QUARTERLY,
        "references": "000 §一（鼓励探索）",
        "departments": (("cyberspace", LOCAL, "提议：种子未指定责任单位；002 §二（三）1、004 第15项 网信部门负责互联网领域"),),
    },
    {
        "code": "intermediary-service", "name": "中介服务人员", "group": EXTENDED, "cadence": QUARTERLY,
        "references": "000 §一（鼓励探索）",
        "departments": (("administrative-approval", LOCAL, "提议：种子未指定责任单位；行政审批中介服务由行政审批局管理"),),
    },
    {
        "code": "e-commerce-platform", "name": "电子商务平台从业人员", "group": EXTENDED, "cadence": QUARTERLY,
        "references": "000 §一（鼓励探索）；002 §二（二）2",
        "departments": (("commerce", LOCAL, "提议：种子未指定责任单位；电子商务领域主管部门"),),
    },
    {
        "code": "construction-lead", "name": "工程建设设计、施工、监理负责人及相关注册人员", "group": EXTENDED,
        "cadence": QUARTERLY,
        "references": "000 §一（鼓励探索）；002 §二（二）2",
        "departments": (("housing", LOCAL, "提议：种子未指定责任单位；工程建设领域主管部门"),),
    },
    {
        "code": "public-institution-staff", "name": "事业单位工作人员", "group": EXTENDED, "cadence": YEARLY,
        "references": "002 §二（二）2；003 §三（一）2（企事业单位法定代表人及相关责任人）",
        "departments": (("human-resources", LOCAL, "提议：种子未指定责任单位；事业单位人事管理部门"),),
    },
    {
        "code": "food-drug-staff", "name": "关键岗位的食品药品从业人员", "group": EXTENDED, "cadence": MONTHLY,
        "description": "002 §二（二）2 原文：「执业药师（从业药师）等关键岗位的食品药品从业人员」。",
        "references": "002 §二（二）2",
        "departments": (("market-regulation", LOCAL, "提议：种子未指定责任单位；001 将执业药师、食药安全员归县市场监管局"),),
    },
    {
        "code": "statistics-staff", "name": "统计从业人员", "group": EXTENDED, "cadence": QUARTERLY,
        "references": "002 §二（一）4、§二（二）2",
        "departments": (("statistics", LOCAL, "提议：种子未指定责任单位；统计调查领域主管部门"),),
    },
    {
        "code": "patent-agent", "name": "专利代理人", "group": EXTENDED, "cadence": QUARTERLY,
        "references": "002 §二（二）2",
        "departments": (("market-regulation", LOCAL, "提议：种子未指定责任单位；知识产权管理职能多由市场监管部门承担"),),
    },
    {
        "code": "cpa", "name": "注册会计师", "group": EXTENDED, "cadence": QUARTERLY,
        "references": "002 §二（一）4；004 第11项",
        "departments": (("finance", LOCAL, "提议：种子未逐一指定；004 第11项 所列负责单位含财政厅"),),
    },
    {
        "code": "social-worker", "name": "社会工作师", "group": EXTENDED, "cadence": QUARTERLY,
        "references": "004 第11项",
        "departments": (("civil-affairs", LOCAL, "提议：种子未指定责任单位；社会工作主管部门"),),
    },
    {
        "code": "adult-student", "name": "18岁以上成年学生", "group": EXTENDED, "cadence": YEARLY,
        "references": "002 §二（一）5；003 §三（五）13；004 第4项",
        "special": "国家考试舞弊、学术造假、不履行助学贷款还款承诺、伪造就业材料等失信行为（002 §二（一）5；"
        "003 §三（五）13）。",
        "departments": (("education", SEED_002, "002 §二（一）5 牵头单位市教育局；003 §三（五）13、004 第4项 同"),),
    },
    {
        "code": "credit-service-staff", "name": "信用服务机构、征信机构及相关人员", "group": EXTENDED, "cadence": QUARTERLY,
        "references": "002 §二（三）4；003 §三（四）8；004 第12项",
        "special": "违规经营「黑名单」（002 §二（三）4；003 §三（四）8）。",
        "departments": (
            ("public-security", SEED_002, "002 §二（三）4 牵头单位"),
            ("credit-office", SEED_002, "002 §二（三）4 牵头单位市发改委（市信用办）"),
            ("pboc", SEED_004, "004 第12项 人行广州分行负责"),
        ),
    },
]

# 001 §三（一） names these groups, so where 000 §二 omits a common category for one
# of them (tour guides' complaints, legal representatives' complaints) the mapping
# comes from 001 §三（二）.
_IN_001 = frozenset({
    "civil-servant", "enterprise-legal-rep", "driver", "lawyer", "teacher", "doctor", "licensed-pharmacist",
    "domestic-service", "appraiser", "tax-agent", "food-drug-safety-officer", "bidding-agent", "fire-engineer",
    "accountant", "auditor", "real-estate-agent", "certification-staff", "finance-staff", "tour-guide",
    "care-worker", "labour-employment", "social-security",
})


def _build_occupations() -> tuple[dict[str, Any], ...]:
    built = []
    for order, raw in enumerate(_OCCUPATIONS, start=1):
        occupation = dict(raw)
        code = occupation["code"]
        categories: list[tuple[str, str, str]] = []
        if code in _CS_000:
            categories.extend(_categories(SEED_000, _CS_000[code], _SECTION_000[code]))
        held = {c[0] for c in categories}
        note = _NOTE_001_COMMON if code in _IN_001 else _NOTE_001_COMMON + "（通用内容，适用于未逐项规定的人群）"
        categories.extend((c, SEED_001, note) for c in COMMON_CATEGORY_CODES if c not in held)
        occupation["categories"] = tuple(categories)
        occupation.setdefault("description", "")
        occupation.setdefault("special", "")
        occupation["sort_order"] = order
        built.append(occupation)
    return tuple(built)


OCCUPATIONS: tuple[dict[str, Any], ...] = _build_occupations()

# ---------------------------------------------------------------------------
# Adult students (002 §二（一）5; migration 0005)
# ---------------------------------------------------------------------------

# 002 §二（一）5 names the group "18岁以上成年学生": an archive is opened only for a
# student who has turned 18 (full years, 《中华人民共和国民法典》第十七条: 十八周岁以上的
# 自然人为成年人).
ADULT_STUDENT_CODE = "adult-student"
ADULT_STUDENT_MINIMUM_AGE = 18
ADULT_STUDENT_MINIMUM_AGE_BASIS = "002 §二（一）5「18岁以上成年学生」；《中华人民共和国民法典》第十七条"

_STUDENT_BASIS = (
    "002 §二（一）5「对在国家考试舞弊、学术造假、不履行助学贷款还款承诺、伪造就业材料等失信行为人强化教育，"
    "并依法依规记入个人信用档案」；003 §三（五）13；" + _NATIONAL + "。"
)

# The four kinds of misconduct 002 §二（一）5 names, each a negative category of the
# adult students' archive, in the seed's order.
STUDENT_MISCONDUCT_CATEGORIES: tuple[dict[str, Any], ...] = (
    {
        "code": "exam-cheating", "name": "国家考试舞弊", "is_common": False,
        "description": "在国家教育考试等国家考试中作弊、舞弊（002 §二（一）5）。",
        "legal_basis": _STUDENT_BASIS + "《中华人民共和国教育法》第七十九条；《国家教育考试违规处理办法》。",
    },
    {
        "code": "academic-fraud", "name": "学术造假", "is_common": False,
        "description": "抄袭、篡改、伪造数据等学术不端行为（002 §二（一）5）。",
        "legal_basis": _STUDENT_BASIS + "《高等学校预防与处理学术不端行为办法》（教育部令第40号）。",
    },
    {
        "code": "student-loan-default", "name": "不履行助学贷款还款承诺", "is_common": False,
        "description": "未按约定归还国家助学贷款（002 §二（一）5）。",
        "legal_basis": _STUDENT_BASIS,
    },
    {
        "code": "forged-employment-papers", "name": "伪造就业材料", "is_common": False,
        "description": "伪造就业协议、就业证明等就业材料（002 §二（一）5）。",
        "legal_basis": _STUDENT_BASIS,
    },
)

# ---------------------------------------------------------------------------
# Industry associations' member archives and sanctions (migration 0006)
# ---------------------------------------------------------------------------

# 000 §三（二）, 002 §二（二）2, 003 §三（一）2 and 004 第27项 encourage industry associations
# and chambers of commerce (行业协会、商会) to keep their members' credit archives. The seeds
# name no particular association, so none is shipped: a deployment adds its own as
# departments of kind "association" responsible for this group (the demo adds one).
ASSOCIATION_MEMBER_OCCUPATION: dict[str, Any] = {
    "code": "association-member", "name": "行业协会商会会员", "group": EXTENDED, "cadence": QUARTERLY,
    "description": "行业协会、商会等行业组织建立健全的会员信用档案；由各协会作为责任单位记录，推送至公共信用信息平台。",
    "references": "000 §三（二）；002 §二（二）2；003 §三（一）2；004 第27项",
    "special": "行业惩戒：警告、行业内通报批评、公开谴责、不予接纳、限制任职、限制发起、劝退（004 第27项）。",
}

# 004 第27项 puts the task on "省民政厅会同省有关行业主管部门": 民政局, registrar of social
# organizations, supervises; it may read the members' archives but not record the
# associations' sanctions (only associations do, ``keeper_kind``).
ASSOCIATION_SUPERVISOR = ("civil-affairs", "004 第27项「省民政厅会同省有关行业主管部门负责」：民政部门监督；惩戒由协会记录")

_SANCTION_BASIS = (
    "004 第27项「推动行业协会、商会等行业组织建立健全会员信用档案，并按照行业标准、行规、行约等方式开展行业惩戒，"
    "视情节轻重对失信会员实行警告、行业内通报批评、公开谴责、不予接纳、限制任职、限制发起、劝退等惩戒措施」；"
    "000 §三（二）；《社会团体登记管理条例》；" + _NATIONAL + "。"
)

# 004 第27项's sanctions, in the seed's order, lightest first. Only an association
# records them (``keeper_kind``), in its members' archives.
ASSOCIATION_SANCTIONS: tuple[tuple[str, str], ...] = (
    ("association-warning", "警告"),
    ("association-circular-criticism", "行业内通报批评"),
    ("association-public-censure", "公开谴责"),
    ("association-refusal-of-admission", "不予接纳"),
    ("association-restricted-office", "限制任职"),
    ("association-restricted-founding", "限制发起"),
    ("association-advised-withdrawal", "劝退"),
)

SANCTION_CATEGORIES: tuple[dict[str, Any], ...] = tuple(
    {
        "code": code, "name": f"行业惩戒：{name}", "is_common": False, "keeper_kind": "association",
        "description": f"行业协会、商会依行业标准、行规、行约对失信会员实行的「{name}」惩戒措施（004 第27项）。",
        "legal_basis": _SANCTION_BASIS,
    }
    for code, name in ASSOCIATION_SANCTIONS
)

# ---------------------------------------------------------------------------
# Typed honours (003 §三（三）5; migration 0007)
# ---------------------------------------------------------------------------

_HONOUR_BASIS = (
    "003 §三（三）5「对信用状况良好的行政相对人和道德模范、劳动模范、诚信之星、青年五四奖章、青年岗位能手中的诚信典型，"
    "行业协会、商会推荐的诚信会员……要建立优良信用记录」；002 §二（二）2 归集「荣誉信息」；001 §三（五）「表彰奖励」；"
    + _NATIONAL + "。"
)

# Positive categories held by every archive (an honour can come to anyone), each a
# typed 优良信用记录 of 003 §三（三）5; only an association records its recommendation.
HONOUR_CATEGORIES: tuple[dict[str, Any], ...] = (
    {"code": "honour-moral-model", "name": "荣誉：道德模范", "keeper_kind": ""},
    {"code": "honour-labour-model", "name": "荣誉：劳动模范", "keeper_kind": ""},
    {"code": "honour-integrity-star", "name": "荣誉：诚信之星", "keeper_kind": ""},
    {"code": "honour-youth-medal", "name": "荣誉：青年五四奖章、青年岗位能手中的诚信典型", "keeper_kind": ""},
    {"code": "honour-association-recommended", "name": "荣誉：行业协会商会推荐的诚信会员", "keeper_kind": "association"},
)


# Items the seeds say MUST be recorded (必须记入), per occupation, with the seed's words.
# 000 §二 lists what each archive "主要记录" (every OccupationCategory row above); one item
# is stronger: 000 §二（一） civil servants' 廉政记录, "特别是被纪检监察部门处分的信息必须记入信用
# 档案". No other seed (001–004) says 必须 of an archive's content.
MUST_RECORD: tuple[dict[str, str], ...] = (
    {
        "occupation": "civil-servant", "category": "integrity",
        "basis": "000 §二（一）公务员信用档案：「廉政记录（特别是被纪检监察部门处分的信息必须记入信用档案）」",
    },
)
