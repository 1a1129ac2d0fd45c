from django.db import migrations

# DESIGN §7: display periods counted from the date of the decision document.
# 国办发〔2025〕22号 and the NDRC 《信用修复管理办法》 (in force 2026-04-01) set the tiers:
# minor — in principle not published, at most 3 months; general — 3 months to 1 year;
# serious — 1 to 3 years. Positive information has no national period: a local,
# configurable default of 3 years.
RULES = [
    ("minor", 0, 3, False, "国办发〔2025〕22号；国家发展改革委《信用修复管理办法》（2026年4月1日起施行）：轻微失信信息原则上不公示，公示期最长3个月"),
    ("general", 3, 12, True, "国办发〔2025〕22号；国家发展改革委《信用修复管理办法》（2026年4月1日起施行）：一般失信信息公示期最短3个月、最长1年"),
    ("serious", 12, 36, True, "国办发〔2025〕22号；国家发展改革委《信用修复管理办法》（2026年4月1日起施行）：严重失信信息公示期最短1年、最长3年"),
    ("positive", 0, 36, True, "本地规则（可配置）：守信褒扬信息默认展示3年"),
]


def load(apps, schema_editor):
    DisplayRule = apps.get_model("archives", "DisplayRule")
    for tier, min_months, max_months, published, source in RULES:
        DisplayRule.objects.update_or_create(
            tier=tier,
            defaults={"min_months": min_months, "max_months": max_months, "published": published, "source": source},
        )


def unload(apps, schema_editor):
    apps.get_model("archives", "DisplayRule").objects.filter(tier__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("archives", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
