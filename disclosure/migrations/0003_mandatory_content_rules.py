"""The mandatory content of reports for the purposes where the law ties a decision to
the person's credit: every effective negative record, the latest yearly finding and
the category of violations, each with the document that makes it so.

Sources, in their own words:
- 国办发〔2016〕98号 and 安县信用办〔2022〕5号 §四 (结果应用): "对优良信用个人……在评先评优、
  资格荣誉、奖励扶持等方面予以优先考虑……对严重失信个人依法依规实施相应的惩戒措施".
- 济政办〔2017〕55号 item 13: "将信用评价与……职称职务晋升、岗位聘用……挂钩"; item 5:
  "在实施财政性资金项目安排、招商引资配套政策和有关公共资源交易活动中……".
- 粤府办 分工方案 item 23: "在办理行政许可……过程中，对……连续三年以上无不良信用记录的行政相对人";
  item 25: "出借和借用资质投标、围标串标"; item 27: "限制任职".
"""

from django.db import migrations

BASIS = {
    "recruitment": "《济源市人民政府办公室关于加强个人诚信体系建设的实施意见》（济政办〔2017〕55号）第13项：将信用评价与职称职务晋升、岗位聘用等挂钩；《关于建立和完善重点人群信用记录加快推进个人诚信体系建设的通知》（安县信用办〔2022〕5号）四：对严重失信个人依法依规实施相应的惩戒措施",
    "appointment": "《广东省加强个人诚信体系建设分工方案》第27项：视情节轻重对失信会员实行限制任职等惩戒措施；《济源市人民政府办公室关于加强个人诚信体系建设的实施意见》（济政办〔2017〕55号）第13项：将信用评价与职称职务晋升挂钩",
    "licensing": "《广东省加强个人诚信体系建设分工方案》第23项：在办理行政许可过程中，对连续三年以上无不良信用记录的行政相对人可采取“绿色通道”和“容缺受理”等便利措施；《关于建立和完善重点人群信用记录加快推进个人诚信体系建设的通知》（安县信用办〔2022〕5号）四",
    "awards": "《关于建立和完善重点人群信用记录加快推进个人诚信体系建设的通知》（安县信用办〔2022〕5号）四：对优良信用个人在评先评优、资格荣誉、奖励扶持等方面予以优先考虑；《济源市人民政府办公室关于加强个人诚信体系建设的实施意见》（济政办〔2017〕55号）第13项：评先评优",
    "bidding": "《济源市人民政府办公室关于加强个人诚信体系建设的实施意见》（济政办〔2017〕55号）第5项：在有关公共资源交易活动中对具有优良信用记录的个人为法人的市场主体优先予以支持；《广东省加强个人诚信体系建设分工方案》第25项：出借和借用资质投标、围标串标属严重失信行为",
}


def load(apps, schema_editor):
    MandatoryContent = apps.get_model("disclosure", "MandatoryContent")
    RecordCategory = apps.get_model("departments", "RecordCategory")
    violations = RecordCategory.objects.filter(code="violations").first()
    for purpose, source in BASIS.items():
        for content in ("negative_records", "latest_finding"):
            MandatoryContent.objects.get_or_create(purpose=purpose, content=content, category=None,
                                                   defaults={"source": source})
        if violations is not None:
            MandatoryContent.objects.get_or_create(purpose=purpose, content="category", category=violations,
                                                   defaults={"source": source})


def unload(apps, schema_editor):
    apps.get_model("disclosure", "MandatoryContent").objects.filter(purpose__in=list(BASIS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0002_purposes_and_mandatory_content"),
        ("departments", "0003_seed_references"),
    ]

    operations = [migrations.RunPython(load, unload)]
