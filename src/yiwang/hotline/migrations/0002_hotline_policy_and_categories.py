"""The first deadline policy (GB/T 33358 local limits) and a starting category tree (the Open311 services)."""

from django.db import migrations
from django.utils import timezone

LIMITS = {
    "consult": {"normal": [3, "wd"], "urgent": [2, "h"]},
    "help": {"normal": [3, "wd"], "urgent": [2, "h"]},
    "complaint": {"normal": [13, "wd"], "urgent": [2, "h"]},
    "report": {"normal": [13, "wd"], "urgent": [2, "h"]},
    "suggestion": {"normal": [13, "wd"], "urgent": [2, "h"]},
    "praise": {"normal": [3, "wd"], "urgent": [2, "h"]},
}

TREE = [
    ("urban", "城市管理", "", [
        ("road", "道路设施", "路面 坑洼 破损 井盖"),
        ("lighting", "路灯照明", "路灯 不亮"),
        ("sanitation", "环境卫生", "垃圾 清运 脏乱"),
        ("illegal_building", "违章搭建", "违建 私搭乱建"),
        ("noise", "噪声扰民", "噪音 施工 夜间"),
        ("parking", "占道停车", "停车 占道"),
    ]),
    ("transport", "交通出行", "", [
        ("bus", "公交服务", "公交 线路 站台"),
        ("taxi", "出租车网约车", "出租车 拒载 绕路"),
    ]),
    ("market", "市场监管", "", [
        ("food_safety", "食品安全", "食品 过期 餐馆"),
        ("price", "价格收费", "乱收费 价格"),
        ("consumer", "消费维权", "退款 质量 消费"),
    ]),
    ("social", "社会保障", "", [
        ("insurance", "社保医保", "社保 医保 养老"),
        ("employment", "就业创业", "就业 失业 创业"),
        ("wages", "劳动欠薪", "欠薪 工资 拖欠"),
    ]),
    ("housing", "住房城建", "", [
        ("property", "物业管理", "物业 电梯 小区"),
        ("water", "供水", "停水 水压 水质"),
        ("power", "供电", "停电 电压"),
        ("gas", "燃气", "燃气 煤气 泄漏"),
    ]),
    ("environment", "生态环境", "", [
        ("pollution", "环境污染", "污染 排污 异味 油烟"),
    ]),
    ("government", "政务服务", "", [
        ("service", "办事服务", "办事 窗口 办件 审批"),
        ("policy", "政策咨询", "政策 补贴"),
        ("enterprise", "企业诉求", "企业 有诉即办 营商环境"),
    ]),
    ("other", "其他", "", []),
]


def forwards(apps, schema_editor):
    DeadlinePolicy = apps.get_model("hotline", "DeadlinePolicy")
    Category = apps.get_model("hotline", "Category")
    DeadlinePolicy.objects.get_or_create(
        version=1,
        defaults={
            "limits": LIMITS,
            "note": "GB/T 33358-2016；紧急 2 小时，咨询、求助 3 个工作日，投诉、举报、建议 13 个工作日",
            "effective_from": timezone.now().replace(year=2000),
        },
    )
    for i, (code, name, keywords, children) in enumerate(TREE):
        parent, _ = Category.objects.get_or_create(
            code=code, defaults={"name": name, "keywords": keywords, "position": i * 10, "path": f"/{code}/"}
        )
        for j, (ccode, cname, ckeywords) in enumerate(children):
            Category.objects.get_or_create(
                code=ccode,
                defaults={
                    "name": cname,
                    "keywords": ckeywords,
                    "parent": parent,
                    "position": j * 10,
                    "path": f"/{code}/{ccode}/",
                },
            )


class Migration(migrations.Migration):
    dependencies = [("hotline", "0001_hotline_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
