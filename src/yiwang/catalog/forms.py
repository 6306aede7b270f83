"""Forms and checks the catalog editor and the items API share.

The services validate what a published version must meet; these checks add what any draft must
meet before it touches the database (known choices, lengths), so a bad value is a per-field
problem, never a database error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import QuerySet
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem, problems_from_validation_error
from yiwang.orgs.models import Organisation

from .models import (
    HANDLING_ITEM_DIGIT,
    HandlingItem,
    HandlingKind,
    ItemVersion,
    Material,
    OnlineDepth,
    ProcessStep,
    ServiceItem,
    TimeUnit,
)
from .services import MATERIAL_FIELDS, STEP_FIELDS, VERSION_FIELDS
from .validation import item_problems

# Field labels for problems that do not name a model field directly.
EXTRA_LABELS = {
    "service_object": _("service object"),
    "steps": _("process steps"),
    "materials": _("materials"),
    "status": _("status"),
    "themes": _("themes"),
    "organisation": _("implementing body"),
    "item_code": _("implementation code"),
    "catalog_code": _("basic code"),
    "handling_item": _("handling item"),
    "__all__": _("item"),
}


def derive_item_code(organisation: Organisation, catalog_code: str, handling_item: str = "") -> str:
    """The 31-character implementation code: credit code (18) + basic code (12) + handling-item digit."""
    return f"{organisation.credit_code}{catalog_code}{HANDLING_ITEM_DIGIT.get(handling_item or '', '0')}"


def field_label(field: str) -> str:
    """A person's name for a problem's field path, e.g. "materials.2.name" → "材料 2 · 名称"."""
    parts = field.split(".")
    head = parts[0]
    if head in ("materials", "steps", "fees") and len(parts) >= 2:
        group = {"materials": _("Material %(n)s"), "steps": _("Step %(n)s"), "fees": _("Fee %(n)s")}[head]
        label = str(group) % {"n": parts[1]}
        if len(parts) > 2:
            model = {"materials": Material, "steps": ProcessStep}.get(head)
            sub = parts[2]
            name = sub
            if model is not None:
                try:
                    name = str(model._meta.get_field(sub).verbose_name)
                except Exception:
                    name = str(EXTRA_LABELS.get(sub, sub))
            label = f"{label} · {name}"
        return label
    if head in EXTRA_LABELS:
        return str(EXTRA_LABELS[head])
    try:
        return str(ItemVersion._meta.get_field(head).verbose_name)
    except Exception:
        return head


def _field_problems(instance, exclude: list[str], prefix: str = "") -> list[Problem]:
    """Django field checks (choices, lengths, numbers) without requiring what a draft may leave blank."""
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as exc:
        out = [p for p in problems_from_validation_error(exc, prefix) if p.code not in ("blank",)]
        for p in out:
            # Django's length messages are lazy plurals that render only through "%": render them
            # lazily, so each language still gets its own words.
            if p.params:
                p.message, p.params = _lazy_format(p.message, p.params), None
        return out
    return []


def _range_problems(instance, exclude: list[str], prefix: str = "") -> list[Problem]:
    """Integer bounds as PostgreSQL enforces them, checked on every database alike."""
    out: list[Problem] = []
    ranges = BaseDatabaseOperations.integer_field_ranges
    for f in instance._meta.concrete_fields:
        if f.name in exclude or not isinstance(f, models.IntegerField) or f.primary_key or f.is_relation:
            continue
        value = getattr(instance, f.attname)
        low, high = ranges.get(f.get_internal_type(), (None, None))
        if isinstance(value, int) and low is not None and not (low <= value <= high):
            out.append(
                Problem(
                    f"{prefix}{f.name}",
                    _("This number must be between %(low)s and %(high)s."),
                    code="out_of_range",
                    params={"low": low, "high": high},
                )
            )
    return out


def _lazy_format(message: Any, params: dict[str, Any]) -> Any:
    return lazy(lambda: str(message % params), str)()


def draft_problems(
    version: dict[str, Any], materials: list[dict[str, Any]] | None, steps: list[dict[str, Any]] | None
) -> list[Problem]:
    """What any draft content must meet before it is stored (the publish rules come later)."""
    out: list[Problem] = []
    v = ItemVersion(**{k: version[k] for k in VERSION_FIELDS if k in version})
    skip = ["item", "number", "status", "created_by", "result_sample", "published_at", "retired_at"]
    skip += [f.name for f in ItemVersion._meta.fields if f.name not in version and f.name not in skip]
    out += _field_problems(v, skip)
    out += _range_problems(v, skip)
    for i, m in enumerate(materials or [], 1):
        obj = Material(**{k: m[k] for k in MATERIAL_FIELDS if k in m})
        out += _field_problems(obj, ["version", "blank_form", "sample", "order"], f"materials.{i}.")
        out += _range_problems(obj, ["version"], f"materials.{i}.")
    for i, s in enumerate(steps or [], 1):
        obj = ProcessStep(**{k: s[k] for k in STEP_FIELDS if k in s})
        out += _field_problems(obj, ["version", "countersign_org", "order"], f"steps.{i}.")
        out += _range_problems(obj, ["version"], f"steps.{i}.")
    # Where the database's own validators already caught a bound (PostgreSQL), say it once.
    named = {p.field for p in out if p.code != "out_of_range"}
    return [p for p in out if p.code != "out_of_range" or p.field not in named]


# ---------------------------------------------------------------------------------------------
# The admin's "add item" form: identity and the first draft's essentials
# ---------------------------------------------------------------------------------------------


class ItemCreateForm(forms.ModelForm):
    """Creates an item and its first draft; the rest of the guide is filled in on the draft."""

    item_code = forms.CharField(
        label=_("implementation code"),
        max_length=31,
        required=False,
        help_text=_(
            "Leave blank to derive it: the implementing body's credit code, the basic code and the "
            "handling-item digit (0 not split, 1 new, 2 change, 3 renewal, 4 cancellation)."
        ),
    )
    name = forms.CharField(label=_("name"), max_length=200)
    handling_kind = forms.TypedChoiceField(
        label=_("handling kind"), choices=HandlingKind.choices, coerce=int, initial=HandlingKind.PROMISED
    )
    statutory_limit = forms.IntegerField(label=_("statutory time limit"), min_value=0, initial=20)
    promised_limit = forms.IntegerField(label=_("promised time limit"), min_value=0, initial=20)
    limit_unit = forms.ChoiceField(label=_("time limit unit"), choices=TimeUnit.choices, initial=TimeUnit.WORKING_DAY)
    online_depth = forms.TypedChoiceField(
        label=_("online depth"), choices=OnlineDepth.choices, coerce=int, initial=OnlineDepth.ONE_VISIT
    )
    visits_required = forms.IntegerField(label=_("visits required"), min_value=0, max_value=20, initial=1)

    class Meta:
        model = ServiceItem
        fields = ["organisation", "catalog_code", "handling_item"]

    def __init__(self, *args, organisations: QuerySet[Organisation] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations.select_related("division")
        self.fields["catalog_code"].help_text = _(
            "12 characters; the first two are the item type code (01 to 10, or 20)."
        )
        self.fields["handling_item"].choices = HandlingItem.choices

    def clean_catalog_code(self) -> str:
        return (self.cleaned_data.get("catalog_code") or "").strip().upper()

    def clean_item_code(self) -> str:
        return (self.cleaned_data.get("item_code") or "").strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        org = data.get("organisation")
        cc = data.get("catalog_code") or ""
        if org is not None and cc and not data.get("item_code"):
            data["item_code"] = derive_item_code(org, cc, data.get("handling_item") or "")
        item = ServiceItem(
            organisation=org,
            catalog_code=cc,
            item_code=data.get("item_code", ""),
            handling_item=data.get("handling_item"),
        )
        for p in item_problems(item):
            name = p.field if p.field in self.fields else None
            if name == "organisation" and "organisation" in self.errors:
                continue
            self.add_error(name, str(p))
        return data

    def version_data(self) -> dict[str, Any]:
        """The first draft's elements: the essentials asked here, type and level derived."""
        d = self.cleaned_data
        org: Organisation = d["organisation"]
        return {
            "name": d["name"].strip(),
            "item_type": d["catalog_code"][:2],
            "level": org.division.level,
            "competent_department": org.name,
            "handling_kind": d["handling_kind"],
            "statutory_limit": d["statutory_limit"],
            "statutory_unit": d["limit_unit"],
            "promised_limit": d["promised_limit"],
            "promised_unit": d["limit_unit"],
            "online_depth": d["online_depth"],
            "visits_required": d["visits_required"],
            "place": org.address,
            "phone": org.phone,
            "result_type": "approval",
        }


# ---------------------------------------------------------------------------------------------
# The draft editor: aliases and fees as lines rather than raw JSON
# ---------------------------------------------------------------------------------------------


class LinesField(forms.CharField):
    """A list of texts edited one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class FeesField(forms.CharField):
    """Fees edited one per line as "name | standard | legal basis"."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(
                " | ".join(str(f.get(k, "")) for k in ("name", "standard", "basis")) if isinstance(f, dict) else str(f)
                for f in value
            )
        return value

    def to_python(self, value) -> list[dict[str, str]]:
        text = super().to_python(value) or ""
        fees = []
        for n, line in enumerate((ln for ln in text.splitlines() if ln.strip()), 1):
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 3:
                raise ValidationError(
                    _("Line %(n)s: write each fee as name | standard | legal basis."), params={"n": n}, code="invalid"
                )
            fees.append(dict(zip(("name", "standard", "basis"), parts, strict=True)))
        return fees


class DraftForm(forms.ModelForm):
    """Edits a draft's guide elements; the admin saves it through services.update_draft."""

    aliases = LinesField(label=_("colloquial names"), required=False, help_text=_("One per line."))
    fees = FeesField(
        label=_("fees"),
        required=False,
        help_text=_("One fee per line: name | standard | legal basis."),
    )

    class Meta:
        model = ItemVersion
        fields = [f for f in VERSION_FIELDS if f != "change_note"] + ["themes", "result_sample", "change_note"]
        widgets = {
            "legal_basis": forms.Textarea(attrs={"rows": 3}),
            "acceptance_conditions": forms.Textarea(attrs={"rows": 3}),
            "themes": forms.CheckboxSelectMultiple,
        }
