"""The joint-punishment measures loaded by migration (catalogue data the credit office
then keeps in the admin). Each names the department that applies it and its basis in
the seeds by their official titles (pages show it: 001 = 《关于建立和完善重点人群信用记录
加快推进个人诚信体系建设的通知》, 003 = 《济源市人民政府办公室关于加强个人诚信体系建设的
实施意见》, 004 = 《广东省加强个人诚信体系建设分工方案》); ``categories`` empty = every
category of 004 item 25."""

from __future__ import annotations

MEASURES: tuple[dict[str, str], ...] = (
    {
        "code": "restrict-appointment", "department": "organization",
        "name": "限制担任党政机关、事业单位和国有企业领导职务，在录用、聘用、晋升中审慎考量",
        "legal_basis": "《广东省加强个人诚信体系建设分工方案》第25项：对四类严重失信个人依法依规采取联合行政性惩戒措施；《济源市人民政府办公室关于加强个人诚信体系建设的实施意见》第6项：将联合惩戒措施落实到人",
        "categories": "",
    },
    {
        "code": "restrict-licensing", "department": "administrative-approval",
        "name": "行政许可从严审查，不适用“绿色通道”“容缺受理”和告知承诺",
        "legal_basis": "《关于建立和完善重点人群信用记录加快推进个人诚信体系建设的通知》结果应用：“绿色通道”“容缺受理”仅适用于优良信用记录者，对严重失信个人依法依规实施惩戒",
        "categories": "",
    },
    {
        "code": "restrict-awards", "department": "human-resources",
        "name": "取消评先评优、荣誉称号和表彰奖励的参评资格",
        "legal_basis": "《关于建立和完善重点人群信用记录加快推进个人诚信体系建设的通知》结果应用：评先评优、资格荣誉优先考虑优良信用个人；《广东省加强个人诚信体系建设分工方案》第25项",
        "categories": "",
    },
    {
        "code": "restrict-funding", "department": "finance",
        "name": "限制申请财政资金补助和政策性扶持",
        "legal_basis": "《济源市人民政府办公室关于加强个人诚信体系建设的实施意见》第6项：依法依规采取行政性约束和惩戒措施；《广东省加强个人诚信体系建设分工方案》第25项",
        "categories": "",
    },
    {
        "code": "key-supervision", "department": "market-regulation",
        "name": "列为重点监管对象，提高检查抽查比例和频次",
        "legal_basis": "《济源市人民政府办公室关于加强个人诚信体系建设的实施意见》第6项：将严重失信个人列为重点监管对象，依法依规采取行政性约束和惩戒措施",
        "categories": "health_safety,market_order",
    },
)
