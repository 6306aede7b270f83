"""Accounts, a department system and the items to apply for, for the load test (bench/load/run.py calls it).

Runs against DATABASE_URL, a PostgreSQL database with the demo city (`yiwang seed_demo`, `demo_accounts`) and its
cases (`yiwang generate_cases`). Writes a JSON file for the locustfile:

- citizens: generated applicants (the ones with the longest histories) given an account and a password, so their
  "my cases" lists are real ones;
- clerks (comprehensive window of the city), reviewers and approvers of 蚌埠市市场监督管理局;
- a department system of that bureau (client credentials, cases:read);
- the items citizens apply for: that bureau's online items a person may apply for with the form the locustfile
  sends, each checked by applying once here through the real apply command.
Idempotent: run it again and it reuses what it made.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1] / "src"))

PASSWORD = "Load-test-2026"
ORG = "蚌埠市市场监督管理局"
CENTRE = "蚌埠市政务服务中心"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="JSON file to write")
    ap.add_argument("--citizens", type=int, default=300)
    ap.add_argument("--staff", type=int, default=12, help="clerks, reviewers and approvers, each")
    ap.add_argument("--items", type=int, default=30, help="items citizens apply for")
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from yiwang.cases import applying
    from yiwang.cases.actions import Caller
    from yiwang.cases.models import Case
    from yiwang.catalog.formdef import DEFAULT_FIELDS
    from yiwang.catalog.models import ServiceItem
    from yiwang.identity.clients import create_client
    from yiwang.identity.models import MachineClient, Person
    from yiwang.orgs.models import Membership, Organisation, Role

    User = get_user_model()
    org = Organisation.objects.get(name=ORG)
    centre = Organisation.objects.get(name=CENTRE)
    hashed = make_password(PASSWORD)

    # Citizens: generated persons with the most cases (the generator gives the lowest indexes the most).
    persons = list(Person.objects.filter(doc_type="resident_id").order_by("id")[: args.citizens * 2])
    citizens = []
    with transaction.atomic():
        for p in persons[: args.citizens]:
            if p.user_id is None:
                p.user = User.objects.create(username=f"load-p{p.pk}", password=hashed, first_name=p.name)
                p.save(update_fields=["user"])
            citizens.append({"username": p.user.username, "name": p.name})

    def staff(prefix: str, organisation, role: str, covers: bool = False) -> list[str]:
        names = []
        for i in range(args.staff):
            user, _made = User.objects.get_or_create(
                username=f"load-{prefix}-{i}", defaults={"password": hashed, "is_staff": True}
            )
            Membership.objects.get_or_create(
                user=user, organisation=organisation, role=role, defaults={"covers_division": covers}
            )
            names.append(user.username)
        return names

    clerks = staff("clerk", centre, Role.WINDOW_CLERK, covers=True)
    reviewers = staff("reviewer", org, Role.REVIEWER)
    approvers = staff("approver", org, Role.APPROVER)

    client = MachineClient.objects.filter(name="负载测试部门系统").first()
    if client is not None:
        client.application.delete()
    client, secret = create_client("负载测试部门系统", "department", org, ["cases:read"], rate_limit=100_000)

    # Items: try candidates with a real application by the first citizen (kept: those that pass every check).
    first = Person.objects.get(user__username=citizens[0]["username"])
    caller = Caller.for_user(first.user)
    items = []
    candidates = (
        ServiceItem.objects.filter(
            organisation=org,
            current__isnull=False,
            current__for_persons=True,
            current__online_depth__gte=2,
            current__min_identity_level__lte=2,
        )
        .select_related("current")
        .order_by("item_code")
    )
    for item in candidates:
        if len(items) >= args.items:
            break
        form = form_for(item.current.form_fields or DEFAULT_FIELDS)  # no form of its own: the default one
        try:
            with transaction.atomic():
                applying.apply(
                    caller,
                    applying.ApplyRequest(item_code=item.item_code, channel="portal", form=form, idempotency_key=""),
                )
                transaction.set_rollback(True)  # a dry run: the check is what counts
        except Exception as exc:
            print(f"  skip {item.current.name}: {str(exc)[:80]}")
            continue
        items.append({"item_code": item.item_code, "name": item.current.name, "form": form})
    if not items:
        raise SystemExit("no item of the bureau accepts a plain online application")
    out = {
        "password": PASSWORD,
        "citizens": citizens,
        "clerks": clerks,
        "reviewers": reviewers,
        "approvers": approvers,
        "client_id": client.application.client_id,
        "client_secret": secret,
        "items": items,
        "searches": ["营业执照", "yyzz", "食品经营许可", "开饭店", "社保卡", "公积金提取", "出生医学证明", "护照"],
        "cases": Case.objects.count(),
    }
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=1))
    print(
        f"{len(citizens)} citizens, {len(clerks)} clerks, {len(reviewers)} reviewers, {len(approvers)} approvers, "
        f"{len(items)} items, a department system → {args.out}"
    )


def form_for(fields: list[dict]) -> dict:
    """Plausible answers to an item's application form (cases.forms field types)."""
    out: dict = {}
    for f in fields:
        kind, name = f.get("type", "text"), f.get("name")
        if not name or (not f.get("required") and kind not in ("phone",)):
            continue
        choices = f.get("choices") or []
        if choices:
            first = choices[0]
            out[name] = first.get("value") if isinstance(first, dict) else first
        elif kind == "phone":
            out[name] = "13900001111"
        elif kind in ("number", "integer", "money"):
            out[name] = 1
        elif kind == "date":
            out[name] = "2026-12-01"
        elif kind in ("checkbox", "boolean", "pledge"):
            out[name] = True
        elif kind == "id_number":
            out[name] = "340302199001011237"
        elif kind == "credit_code":
            out[name] = "91340300MA2N00000X"
        else:
            out[name] = "负载测试"
    return out


if __name__ == "__main__":
    main()
