"""The bundles' write path: defining a bundle (checked whole, with field errors) and submitting one (一表申请).

Submitting never creates a case itself: each applicable item is applied for through the one door,
`cases.applying.apply`, with the item's own share of the one form, inside one transaction — so either every case
and the bundle application exist, or nothing was written. Every refusal of the door comes back unchanged (its
stable code), naming the item it concerns.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.cases import applying, forms
from yiwang.cases import services as case_services
from yiwang.cases.actions import Caller
from yiwang.cases.models import Case, State
from yiwang.catalog import formdef
from yiwang.catalog.models import ServiceItem, VersionStatus
from yiwang.core import conditions
from yiwang.core.errors import Problem, ProblemsError

from .models import Bundle, BundleApplication, BundleCase, BundleItem, BundleStatus

CODE_RE = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
MAX_ITEMS = 20


# --- the merged form ---------------------------------------------------------------------------------------------


def _renamed(f: formdef.Field, mapping: Mapping[str, str]) -> formdef.Field:
    show_if = {mapping.get(k, k): v for k, v in f.show_if.items()}
    return dataclasses.replace(f, name=mapping.get(f.name, f.name), show_if=show_if)


def question_fields(bundle: Bundle) -> list[formdef.Field]:
    return formdef.parse(bundle.questions) if bundle.questions else []


def item_fields(bi: BundleItem) -> list[formdef.Field]:
    """The item's current form, its fields renamed to the bundle's names."""
    return [_renamed(f, bi.field_map or {}) for f in formdef.fields_of(bi.item.current)]


def merged_fields(bundle: Bundle, items: list[BundleItem] | None = None) -> list[formdef.Field]:
    """The one form: the questions, then each item's fields under the bundle's names, each name asked once
    (required when any item requires it)."""
    items = items if items is not None else list(bundle.items.select_related("item__current"))
    out: dict[str, formdef.Field] = {f.name: f for f in question_fields(bundle)}
    for bi in items:
        for f in item_fields(bi):
            if f.name in out:
                if f.required and not out[f.name].required:
                    out[f.name] = dataclasses.replace(out[f.name], required=True)
                continue
            out[f.name] = f
    return list(out.values())


def applicable(bundle: Bundle, answers: Mapping[str, Any], items: list[BundleItem] | None = None) -> list[BundleItem]:
    """The items whose condition holds on the answers (an item without a condition always applies)."""
    items = items if items is not None else list(bundle.items.select_related("item__current", "item__organisation"))
    return [bi for bi in items if not bi.applies_if or conditions.holds(bi.applies_if, answers)]


def promised_sum(items: list[BundleItem]) -> int:
    """The items' promised limits added up (working days): what the bundle's own limit is shown against."""
    return sum(int(getattr(bi.item.current, "promised_limit", 0) or 0) for bi in items if bi.item.current_id)


# --- defining a bundle -------------------------------------------------------------------------------------------


@dataclass
class ItemSpec:
    item_code: str
    field_map: dict[str, str] = dataclasses.field(default_factory=dict)
    applies_if: dict = dataclasses.field(default_factory=dict)


def _item_problems(specs: list[ItemSpec], question_names: list[str]) -> tuple[list[Problem], list[Any]]:
    problems: list[Problem] = []
    found: list[Any] = []
    if not specs:
        problems.append(Problem("items", _("A bundle holds at least one item."), "required"))
    if len(specs) > MAX_ITEMS:
        problems.append(Problem("items", _("A bundle holds at most %(n)s items."), params={"n": MAX_ITEMS}))
    seen: set[str] = set()
    merged: dict[str, tuple[str, str]] = {}  # bundle field name → (type, item code)
    for i, spec in enumerate(specs, 1):
        f = f"items.{i}"
        item = ServiceItem.objects.select_related("current").filter(item_code=(spec.item_code or "").strip()).first()
        if item is None or item.current_id is None or item.current.status != VersionStatus.PUBLISHED:
            problems.append(Problem(f"{f}.item_code", _("No published item has this code."), "unknown_item"))
            continue
        if item.item_code in seen:
            problems.append(Problem(f"{f}.item_code", _("This item is in the bundle twice."), "duplicate"))
            continue
        seen.add(item.item_code)
        found.append(item)
        own = {x.name: x for x in formdef.fields_of(item.current)}
        if not isinstance(spec.field_map, dict):
            problems.append(Problem(f"{f}.field_map", _("The field mapping must be an object.")))
            continue
        for src, dst in spec.field_map.items():
            if src not in own:
                problems.append(
                    Problem(
                        f"{f}.field_map.{src}", _("This item's form has no field named %(name)s."), params={"name": src}
                    )
                )
            if not isinstance(dst, str) or not formdef.NAME_RE.match(dst):
                problems.append(
                    Problem(
                        f"{f}.field_map.{src}",
                        _("A field name is 1–40 lower-case letters, digits or underscores, starting with a letter."),
                    )
                )
        for x in own.values():
            name = spec.field_map.get(x.name, x.name) if isinstance(spec.field_map.get(x.name), str) else x.name
            if name in merged and merged[name][0] != x.type:
                problems.append(
                    Problem(
                        f"{f}.field_map.{x.name}",
                        _(
                            "Field %(name)s is already asked as another type (%(other)s) by item %(item)s; map it to "
                            "another name."
                        ),
                        "conflict",
                        params={"name": name, "other": merged[name][0], "item": merged[name][1]},
                    )
                )
            merged.setdefault(name, (x.type, item.item_code))
        if spec.applies_if:
            problems += conditions.problems(spec.applies_if, field=f"{f}.applies_if", variables=question_names)
    return problems, found


def save_bundle(
    *,
    organisation: Any,
    code: str,
    name: str,
    items: list[ItemSpec],
    name_en: str = "",
    keywords: str = "",
    description: str = "",
    questions: list | None = None,
    promised_days: int | None = None,
    bundle: Bundle | None = None,
) -> Bundle:
    """Creates or replaces a bundle's definition, checked whole first: every problem at once, nothing half-saved."""
    code = (code or "").strip().lower()
    problems: list[Problem] = []
    if not CODE_RE.match(code):
        problems.append(
            Problem(
                "code", _("A code is 2–40 lower-case letters, digits or hyphens, starting with a letter."), "invalid"
            )
        )
    elif Bundle.objects.filter(code=code).exclude(pk=getattr(bundle, "pk", None)).exists():
        problems.append(Problem("code", _("Another bundle has this code."), "duplicate"))
    if not (name or "").strip():
        problems.append(Problem("name", _("Give the bundle the name people use, such as 我要开餐馆."), "required"))
    elif len(name) > 100:
        problems.append(Problem("name", _("At most %(n)s characters."), params={"n": 100}))
    if promised_days is not None and not (isinstance(promised_days, int) and 0 < promised_days <= 365):
        problems.append(Problem("promised_days", _("A whole number of working days from 1 to 365.")))
    questions = questions or []
    problems += formdef.definition_problems(questions, prefix="questions")
    qnames = [str(q.get("name")) for q in questions if isinstance(q, dict)] if isinstance(questions, list) else []
    item_problems, found = _item_problems(items, qnames)
    problems += item_problems
    if problems:
        raise ProblemsError(problems)
    with transaction.atomic():
        if bundle is None:
            bundle = Bundle(organisation=organisation)
        else:
            bundle = Bundle.objects.select_for_update().get(pk=bundle.pk)
            bundle.revision += 1
        bundle.code, bundle.name, bundle.name_en = code, name.strip(), (name_en or "").strip()[:100]
        bundle.keywords, bundle.description = (keywords or "").strip()[:300], description or ""
        bundle.questions, bundle.promised_days = questions, promised_days
        bundle.save()
        bundle.items.all().delete()
        BundleItem.objects.bulk_create(
            BundleItem(
                bundle=bundle, item=item, order=i, field_map=spec.field_map or {}, applies_if=spec.applies_if or {}
            )
            for i, (spec, item) in enumerate(zip(items, found, strict=True), 1)
        )
    return bundle


def set_status(bundle: Bundle, status: str) -> Bundle:
    """Publishes or retires a bundle (a published bundle's items must all still be published)."""
    if status not in BundleStatus.values:
        raise ProblemsError([Problem("status", _("Unknown status."))])
    if status == BundleStatus.PUBLISHED:
        for i, bi in enumerate(bundle.items.select_related("item__current"), 1):
            if bi.item.current_id is None or bi.item.current.status != VersionStatus.PUBLISHED:
                raise ProblemsError(
                    [Problem(f"items.{i}.item_code", _("No published item has this code."), "unknown_item")]
                )
    Bundle.objects.filter(pk=bundle.pk).update(status=status, updated_at=timezone.now())
    bundle.status = status
    return bundle


# --- submitting ----------------------------------------------------------------------------------------------------


@dataclass
class Submitted:
    application: BundleApplication
    created: bool
    cases: list[Case]


def _subset(raw: Mapping[str, Any], names: set[str]) -> Mapping[str, Any]:
    """A form post is passed whole (a page carries its own controls); JSON only with the names asked."""
    if hasattr(raw, "getlist"):
        return raw
    return {k: v for k, v in raw.items() if k in names}


def _number() -> str:
    return "YJ" + timezone.localdate().strftime("%Y%m%d") + f"{secrets.randbelow(10**8):08d}"


def _labelled(p: Problem, bi: BundleItem, reverse: Mapping[str, str]) -> Problem:
    name = bi.item.current.name if bi.item.current_id else bi.item.item_code
    field_name = reverse.get(p.field, p.field)
    return Problem(field_name, p.message, p.code, params=p.params, extra={**p.extra, "item": name})


def check(
    caller: Caller, bundle: Bundle, *, channel: str, enterprise: Any = None, items: list[BundleItem] | None = None
) -> list[Problem]:
    """The door's own checks (item open to the channel, who applies, eligibility) for each item, named by item."""
    problems: list[Problem] = []
    for bi in items if items is not None else applicable(bundle, {}):
        try:
            applying.check(
                caller, applying.ApplyRequest(item_code=bi.item.item_code, channel=channel, enterprise=enterprise)
            )
        except ProblemsError as exc:
            problems += [_labelled(p, bi, {}) for p in exc.problems]
    return problems


def submit(
    caller: Caller,
    bundle: Bundle,
    *,
    form: Mapping[str, Any],
    channel: str,
    enterprise: Any = None,
    idempotency_key: str = "",
) -> Submitted:
    """One form, one submission: one case per applicable item through `cases.applying.apply`, linked by one
    bundle application; raises ProblemsError with every problem, having written nothing."""
    scope = case_services.idempotency_scope(getattr(caller.user, "pk", None), getattr(caller.client, "pk", None))
    key = case_services.normal_key(idempotency_key)
    if scope and key:
        earlier = BundleApplication.objects.filter(idempotency_scope=scope, idempotency_key=key).first()
        if earlier is not None:
            return Submitted(earlier, False, cases_of(earlier))
    if bundle.status != BundleStatus.PUBLISHED:
        raise ProblemsError([Problem("bundle", _("This bundle is not open for applications."), "unknown_bundle")])
    all_items = list(bundle.items.select_related("item__current", "item__organisation"))
    qfields = question_fields(bundle)
    all_names = {f.name for f in merged_fields(bundle, all_items)}
    answers, problems = forms.clean(qfields, _subset(form, {f.name for f in qfields}))
    if problems:
        raise ProblemsError(problems)
    chosen = applicable(bundle, answers, all_items)
    if not chosen:
        raise ProblemsError(
            [Problem("__all__", _("Given your answers, no item of this bundle applies."), "nothing_applies")]
        )
    problems = check(caller, bundle, channel=channel, enterprise=enterprise, items=chosen)
    if problems:
        raise ProblemsError(problems)
    fields = merged_fields(bundle, chosen)
    data, problems = forms.clean(fields, _subset(form, {f.name for f in fields}))
    if not hasattr(form, "getlist"):
        problems += [
            Problem(k, _("This form has no field named %(name)s."), params={"name": k})
            for k in form
            if k not in all_names
        ]
    if problems:
        raise ProblemsError(problems)
    typed = forms.raw_values(fields, form)
    cases: list[Case] = []
    try:
        with transaction.atomic():
            app = BundleApplication.objects.create(
                number=_number(),
                bundle=bundle,
                applicant_name="",
                submitted_by=caller.user,
                idempotency_scope=scope if key else "",
                idempotency_key=key,
                answers=answers,
                form_data=data,
                channel=channel,
                submitted_at=timezone.now(),
            )
            for n, bi in enumerate(chosen, 1):
                mapping = bi.field_map or {}
                reverse = {mapping.get(f.name, f.name): f.name for f in formdef.fields_of(bi.item.current)}
                own = {src: typed[dst] for dst, src in reverse.items() if dst in typed}
                try:
                    done = applying.apply(
                        caller,
                        applying.ApplyRequest(
                            item_code=bi.item.item_code,
                            channel=channel,
                            form=own,
                            enterprise=enterprise,
                            idempotency_key=f"{key}#{n}" if key else "",
                        ),
                    )
                except ProblemsError as exc:
                    inverse = {v: k for k, v in reverse.items()}
                    raise ProblemsError([_labelled(p, bi, inverse) for p in exc.problems]) from exc
                cases.append(done.case)
                BundleCase.objects.create(application=app, case=done.case, order=n)
            first = cases[0]
            app.person_id, app.enterprise_id, app.applicant_name = (
                first.person_id,
                first.enterprise_id,
                first.applicant_name,
            )
            app.save(update_fields=["person", "enterprise", "applicant_name"])
    except IntegrityError:
        earlier = BundleApplication.objects.filter(idempotency_scope=scope, idempotency_key=key).first()
        if key and earlier is not None:
            return Submitted(earlier, False, cases_of(earlier))
        raise
    return Submitted(app, True, cases)


# --- reading -------------------------------------------------------------------------------------------------------

OPEN = (State.SUBMITTED, State.CORRECTION, State.IN_PROGRESS, State.SUSPENDED)


def cases_of(app: BundleApplication) -> list[Case]:
    return [link.case for link in app.links.select_related("case", "case__organisation").order_by("order", "id")]


def progress(cases: list[Case]) -> str:
    """The bundle application's state, derived from its cases: "correction" (one needs the applicant),
    "open" (still being handled), or "done" (every case concluded)."""
    if any(c.state == State.CORRECTION for c in cases):
        return "correction"
    if any(c.state in OPEN for c in cases):
        return "open"
    return "done"
