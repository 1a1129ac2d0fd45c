"""The default credit level rules, each with the seed or law it rests on."""

from django.db import migrations

RULES = [
    # (level, condition, severity, finding_status, years, source)
    ("serious", "negative_record", "serious", "", 0,
     "《广东省加强个人诚信体系建设分工方案》第25条（四类严重失信行为）；"
     "《国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见》（国办发〔2020〕49号）"),
    ("serious", "finding", "", "serious", 3,
     "安阳县《关于建立和完善重点人群信用记录加快推进个人诚信体系建设的通知》附件《信用信息记录表》填表说明（严重失信行为认定）；"
     "《信用修复管理办法》（严重失信信息公示期限最长3年）"),
    ("warning", "negative_record", "general", "", 0,
     "安阳县《关于建立和完善重点人群信用记录加快推进个人诚信体系建设的通知》四、结果应用（依据信用状况实施分级分类监管）"),
    ("warning", "finding", "", "warning", 2,
     "安阳县《关于建立和完善重点人群信用记录加快推进个人诚信体系建设的通知》附件《信用信息记录表》填表说明（警示行为认定）"),
    ("good", "clean_years", "minor", "", 3,
     "安阳县《关于建立和完善重点人群信用记录加快推进个人诚信体系建设的通知》四、结果应用（连续3年以上无不良信用记录）；"
     "《广东省加强个人诚信体系建设分工方案》第23条"),
]


def seed(apps, schema_editor):
    LevelRule = apps.get_model("levels", "LevelRule")
    for level, condition, severity, status, years, source in RULES:
        LevelRule.objects.get_or_create(
            condition=condition, severity=severity, finding_status=status, is_active=True,
            defaults={"level": level, "years": years, "source": source},
        )


def unseed(apps, schema_editor):
    apps.get_model("levels", "LevelRule").objects.filter(created_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("levels", "0001_credit_levels")]
    operations = [migrations.RunPython(seed, unseed)]
