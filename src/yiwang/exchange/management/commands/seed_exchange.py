"""`yiwang seed_exchange`: the demo city's data sharing — the 20 demo resources made usable, with records, services,
grants and two weeks of call statistics.

Run by `make demo` after seed_demo and demo_identities. For each of the city's 20 demo data resources (人口, 法人,
婚姻, 社保, 不动产 …, laid by seed_demo with bare field labels) it names the fields, marks the sensitive ones, names
whom each record is about (a resident ID number or a credit code; resources without one get a 公民身份号码 field),
gives conditional resources their legal basis, adds a query service by that number, and fills the embedded table
connector with records about the demo people and companies (so 张三's applications fetch his 户籍, 婚姻, 社保 and
不动产 data, and 蚌埠淮河食品有限公司's its 营业执照 data). Every department whose items take a material from a
resource is granted it (sensitive fields masked). Fourteen past days of calls are logged (and rolled up) so the
statistics pages have a history.

`--if-empty` does nothing when the resources already have services; without it the set-up is brought up to date.
Fails with a non-zero exit when the demo city is missing.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from yiwang.catalog.models import ServiceItem
from yiwang.identity.models import Enterprise, Person
from yiwang.orgs.models import Organisation

from ... import calllog, catalog, fielddefs, grants, store
from ...models import CallChannel, CallStatus, DataResource, DataService, FieldType, Grant, Sensitivity

PREFIX = "DR340300"
HISTORY_DAYS = 14
SENSITIVE_WORDS = ("身份号码", "地址", "住所", "坐落", "姓名", "权利人", "所有人", "户主", "金额", "基数", "原因")
BASIS = "《政务信息资源共享管理暂行办法》（国发〔2016〕51号）第九条"


def _fields(resource: DataResource) -> tuple[list[dict[str, str]], str, str]:
    """Named fields, the data-subject kind and field (a 公民身份号码 added when the resource had no number)."""
    fields = fielddefs.normalise(resource.fields)
    for f in fields:
        if any(w in f["label"] for w in SENSITIVE_WORDS):
            f["sensitivity"] = Sensitivity.SENSITIVE
    if resource.code.startswith(PREFIX) and resource.name in ("纳税信息",):
        fields[0]["type"] = FieldType.CREDIT_CODE
    for kind, subject in ((FieldType.ID_NUMBER, "person"), (FieldType.CREDIT_CODE, "enterprise")):
        found = next((f for f in fields if f["type"] == kind), None)
        if found is not None:
            return fields, subject, found["name"]
    taken = {f["name"] for f in fields}
    name = fielddefs.name_for("公民身份号码", taken)
    fields.insert(
        0,
        {
            "name": name,
            "label": "公民身份号码",
            "type": FieldType.ID_NUMBER,
            "description": "记录所涉自然人",
            "sensitivity": Sensitivity.SENSITIVE,
        },
    )
    return fields, "person", name


def _value(f: dict[str, str], subject: Any, rng: random.Random) -> str:
    label, kind = f["label"], f["type"]
    if kind == FieldType.DATE:
        day = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(5000))
        return day.strftime("%Y-%m") if "年月" in label else day.isoformat()
    if "姓名" in label or label in ("权利人", "所有人", "户主姓名", "法定代表人"):
        return getattr(subject, "legal_rep_name", "") or subject.name
    if label in ("名称", "纳税人名称"):
        return subject.name
    if "地址" in label or "住所" in label or "坐落" in label or "地点" in label:
        return f"安徽省蚌埠市龙子湖区东海大道{rng.randrange(1, 3000)}号"
    if "状态" in label:
        return rng.choice(("正常", "正常", "存续"))
    if "金额" in label or "基数" in label or "面积" in label:
        return f"{rng.randrange(500, 20000)}.00"
    if "号" in label:
        return f"{rng.randrange(10**9, 10**10)}"
    return rng.choice(("一类", "二类", "正常", "是", "城镇职工", "蚌埠市"))


class Command(BaseCommand):
    help = "Make the demo city's data resources usable: services, records, grants and call statistics (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the resources have services.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed of the records and the figures.")

    def handle(self, *args: Any, if_empty: bool, seed: int, **options: Any) -> None:
        resources = list(DataResource.objects.filter(code__startswith=PREFIX).select_related("provider"))
        if not resources:
            raise CommandError("The demo data resources are missing: run `yiwang seed_demo` first.")
        if if_empty and DataService.objects.filter(resource__in=resources).exists():
            self.stdout.write(f"{len(resources)} demo data resources already have services; nothing seeded")
            return
        rng = random.Random(seed)
        persons = list(Person.objects.order_by("pk")[:100])
        companies = list(Enterprise.objects.order_by("pk")[:50])
        made_grants = records = 0
        with transaction.atomic():
            for r in resources:
                fields, subject_kind, subject_field = _fields(r)
                r = catalog.save_resource(
                    r,
                    {
                        "fields": fields,
                        "subject_kind": subject_kind,
                        "subject_field": subject_field,
                        "sharing_basis": r.sharing_basis or ("" if r.sharing == "unconditional" else BASIS),
                        "conditions": r.conditions
                        or ("" if r.sharing == "unconditional" else "仅限办理政务服务事项核验使用"),
                    },
                    note="demo: fields named, data subject, service",
                )
                catalog.save_service(
                    r,
                    code=f"{r.code}.Q",
                    name=f"按{'信用代码' if subject_kind == 'enterprise' else '身份证号'}查询{r.name}",
                    keys=[subject_field],
                )
                subjects = persons if subject_kind == "person" else companies
                key_of = (lambda s: s.doc_number) if subject_kind == "person" else (lambda s: s.credit_code)
                rows = [
                    {f["name"]: (key_of(s) if f["name"] == subject_field else _value(f, s, rng)) for f in fields}
                    for s in subjects
                ]
                records += store.put_records(r, rows, replace=True)
                consumers = Organisation.objects.filter(
                    pk__in=ServiceItem.objects.filter(current__materials__data_resource_code=r.code).values(
                        "organisation"
                    )
                ).distinct()
                for org in consumers:
                    if not Grant.objects.filter(resource=r, consumer=org, revoked_at__isnull=True).exists():
                        grants.grant_platform_use(r, org)
                        made_grants += 1
        calls = self._history(rng)
        self.stdout.write(
            f"{len(resources)} data resources with services, {records} records, {made_grants} grants, "
            f"{calls} past calls logged"
        )

    def _history(self, rng: random.Random) -> int:
        """Fourteen past days of calls for every current grant (written through the call log, so rolled up)."""
        today = timezone.localdate()
        out: list[calllog.CallRecord] = []
        for g in Grant.objects.filter(revoked_at__isnull=True).select_related("resource"):
            service = g.resource.services.first()
            for back in range(1, HISTORY_DAYS + 1):
                day = today - dt.timedelta(days=back)
                for _n in range(rng.randrange(3, 25) if day.weekday() < 5 else rng.randrange(0, 3)):
                    at = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randrange(8, 18), rng.randrange(60))))
                    sent = at + dt.timedelta(milliseconds=rng.randrange(1, 4))
                    answered = sent + dt.timedelta(milliseconds=int(rng.lognormvariate(2.3, 0.6)))
                    status = rng.choices(
                        [CallStatus.OK, CallStatus.NOT_FOUND, CallStatus.FAILED, CallStatus.DENIED], [90, 6, 2, 2]
                    )[0]
                    out.append(
                        calllog.CallRecord(
                            id=0,
                            requested_at=at,
                            provider_sent_at=sent,
                            provider_answered_at=answered,
                            responded_at=answered + dt.timedelta(milliseconds=rng.randrange(1, 3)),
                            consumer_id=g.consumer_id,
                            client_id=None,
                            user_id=None,
                            provider_id=g.resource.provider_id,
                            resource_id=g.resource_id,
                            service_id=service.pk if service else None,
                            channel=rng.choice([CallChannel.CASE, CallChannel.CASE, CallChannel.PREFILL]),
                            purpose="一网通办申报材料免提交",
                            legal_basis=g.legal_basis,
                            case_number="",
                            subject_hash="",
                            request_bytes=rng.randrange(80, 160),
                            response_bytes=rng.randrange(200, 900) if status == CallStatus.OK else 0,
                            records=1 if status == CallStatus.OK else 0,
                            status=status,
                            error="timeout" if status == CallStatus.FAILED else "",
                        )
                    )
        if out:
            start, _end = calllog._take_block(len(out))
            for i, rec in enumerate(out):
                rec.id = start + i
            calllog.write(out)
        return len(out)
