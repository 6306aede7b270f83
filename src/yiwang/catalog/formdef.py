"""An application form's definition (ItemVersion.form_fields): its fields, and the check made before publishing.

A definition is a JSON list of fields, for example::

    {"name": "shop_name", "label": "店铺名称", "label_en": "Shop name", "type": "text", "required": true,
     "max_length": 100}
    {"name": "branch_address", "label": "分店地址", "type": "text", "required": true,
     "show_if": {"has_branch": true}}
    {"name": "contact_phone", "label": "联系电话", "type": "phone", "prefill": "phone"}

It belongs to the catalog (a version's form is part of its guide); the cases module renders and validates what
applicants type against it (cases.forms).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem

TYPES = (
    "text",
    "textarea",
    "number",
    "date",
    "choice",
    "multichoice",
    "checkbox",
    "phone",
    "id_number",
    "credit_code",
    "email",
)
CHOICE_TYPES = ("choice", "multichoice")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TEXT_MAX = 200
TEXTAREA_MAX = 2000
MAX_FIELDS = 60

# Profile fields a form field may be prefilled from (identity.space.PERSON_FIELDS / ENTERPRISE_FIELDS).
PERSON_PREFILL = ("name", "doc_type", "doc_number", "nationality", "phone", "email", "address")
ENTERPRISE_PREFILL = ("name", "credit_code", "kind", "legal_rep_name", "address", "phone")
PREFILL_SOURCES = tuple(dict.fromkeys(PERSON_PREFILL + ENTERPRISE_PREFILL))
# Or a field of a shared data resource: "data:<resource code>.<field name>" (the material source "data" knows the
# codes; the cases module prefills through cases.uploads.SHARED_DATA, with the applicant's consent).
DATA_PREFILL = re.compile(r"^data:(?P<code>[A-Z0-9][A-Z0-9_.-]{2,39})\.(?P<field>[a-z][a-z0-9_]{0,39})$")

# Used when an item defines no form of its own: how to reach the applicant, and what they ask for.
DEFAULT_FIELDS: list[dict[str, Any]] = [
    {
        "name": "contact_phone",
        "label": "联系电话",
        "label_en": "Contact phone",
        "type": "phone",
        "required": True,
        "prefill": "phone",
    },
    {
        "name": "address",
        "label": "联系地址",
        "label_en": "Contact address",
        "type": "text",
        "required": False,
        "max_length": 200,
        "prefill": "address",
    },
    {
        "name": "description",
        "label": "申请事项说明",
        "label_en": "What you are applying for",
        "type": "textarea",
        "required": False,
        "max_length": 1000,
    },
]


@dataclass(frozen=True)
class Field:
    """One field of a form, read from its JSON definition (already checked by `definition_problems`)."""

    name: str
    label: str
    label_en: str
    type: str
    required: bool
    help: str
    help_en: str
    choices: tuple[tuple[str, str, str], ...]  # (value, label, label_en)
    show_if: dict[str, Any]
    prefill: str
    max_length: int | None
    min: Decimal | None
    max: Decimal | None

    @property
    def display_label(self) -> str:
        """The label in the active language (Chinese unless English was chosen and given)."""
        return self.label_en if (get_language() or "").startswith("en") and self.label_en else self.label

    @property
    def display_help(self) -> str:
        return self.help_en if (get_language() or "").startswith("en") and self.help_en else self.help

    @property
    def display_choices(self) -> list[tuple[str, str]]:
        en = (get_language() or "").startswith("en")
        return [(v, (le if en and le else lz)) for v, lz, le in self.choices]

    @property
    def limit(self) -> int:
        return self.max_length or (TEXTAREA_MAX if self.type == "textarea" else TEXT_MAX)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _choices(raw: Any) -> tuple[tuple[str, str, str], ...]:
    out = []
    for c in raw or []:
        if isinstance(c, dict):
            value = str(c.get("value", ""))
            out.append((value, str(c.get("label") or value), str(c.get("label_en") or "")))
        elif isinstance(c, list | tuple) and c:
            out.append((str(c[0]), str(c[1] if len(c) > 1 else c[0]), str(c[2]) if len(c) > 2 else ""))
        else:
            out.append((str(c), str(c), ""))
    return tuple(out)


def parse(definition: list[dict[str, Any]] | None) -> list[Field]:
    """The form's fields; an empty definition means the default form."""
    fields = []
    for d in definition or DEFAULT_FIELDS:
        max_length = d.get("max_length")
        fields.append(
            Field(
                name=str(d["name"]),
                label=str(d.get("label") or d["name"]),
                label_en=str(d.get("label_en") or ""),
                type=str(d.get("type") or "text"),
                required=bool(d.get("required", False)),
                help=str(d.get("help") or ""),
                help_en=str(d.get("help_en") or ""),
                choices=_choices(d.get("choices")),
                show_if=dict(d.get("show_if") or {}),
                prefill=str(d.get("prefill") or ""),
                max_length=int(max_length) if isinstance(max_length, int) and max_length > 0 else None,
                min=_decimal(d.get("min")),
                max=_decimal(d.get("max")),
            )
        )
    return fields


def fields_of(version: Any) -> list[Field]:
    return parse(getattr(version, "form_fields", None))


# ---------------------------------------------------------------------------------------------------------------
# Checking a definition (the catalog calls this before a version can be published)
# ---------------------------------------------------------------------------------------------------------------


def definition_problems(definition: Any, prefix: str = "form_fields") -> list[Problem]:
    """Every mistake in a form definition, each on `form_fields.<n>.<key>` (n counted from 1)."""
    if definition in (None, ""):
        return []
    if not isinstance(definition, list):
        return [Problem(prefix, _("The application form must be a list of fields."))]
    if len(definition) > MAX_FIELDS:
        return [Problem(prefix, _("An application form has at most %(n)s fields."), params={"n": MAX_FIELDS})]
    out: list[Problem] = []
    seen: dict[str, dict] = {}
    for i, d in enumerate(definition, 1):
        f = f"{prefix}.{i}"
        if not isinstance(d, dict):
            out.append(Problem(f, _("Each form field must be an object with a name, a label and a type.")))
            continue
        name = d.get("name")
        if not isinstance(name, str) or not NAME_RE.match(name):
            out.append(
                Problem(
                    f"{f}.name",
                    _("A field name is 1–40 lower-case letters, digits or underscores, starting with a letter."),
                )
            )
        elif name in seen:
            out.append(Problem(f"{f}.name", _("Field %(name)s is defined twice."), params={"name": name}))
        if not str(d.get("label") or "").strip():
            out.append(Problem(f"{f}.label", _("Each form field needs a label."), code="required"))
        ftype = d.get("type", "text")
        if ftype not in TYPES:
            out.append(
                Problem(
                    f"{f}.type",
                    _("Unknown field type %(type)s; use one of: %(types)s."),
                    params={"type": ftype, "types": ", ".join(TYPES)},
                )
            )
        if ftype in CHOICE_TYPES:
            choices = _choices(d.get("choices") if isinstance(d.get("choices"), list) else None)
            values = [c[0] for c in choices]
            if not choices:
                out.append(Problem(f"{f}.choices", _("A choice field needs its list of choices."), code="required"))
            elif len(set(values)) != len(values) or any(not v.strip() for v in values):
                out.append(Problem(f"{f}.choices", _("Each choice needs a value, and no value may repeat.")))
        elif d.get("choices"):
            out.append(Problem(f"{f}.choices", _("Only choice fields have choices.")))
        if "max_length" in d and (
            not isinstance(d["max_length"], int)
            or isinstance(d["max_length"], bool)
            or not 1 <= d["max_length"] <= TEXTAREA_MAX
        ):
            out.append(
                Problem(
                    f"{f}.max_length",
                    _("The maximum length is a whole number from 1 to %(n)s."),
                    params={"n": TEXTAREA_MAX},
                )
            )
        for key in ("min", "max"):
            if key in d and _decimal(d[key]) is None:
                out.append(Problem(f"{f}.{key}", _("The lower and upper bounds must be numbers.")))
        lo, hi = _decimal(d.get("min")), _decimal(d.get("max"))
        if lo is not None and hi is not None and lo > hi:
            out.append(Problem(f"{f}.min", _("The lower bound is above the upper bound.")))
        prefill = d.get("prefill")
        data_source = DATA_PREFILL.match(str(prefill)) if prefill else None
        if data_source is not None:
            from . import sources

            if sources.missing("data", {data_source["code"]}):
                out.append(
                    Problem(
                        f"{f}.prefill",
                        _("No shared data resource has the code %(code)s."),
                        params={"code": data_source["code"]},
                    )
                )
        elif prefill and prefill not in PREFILL_SOURCES:
            out.append(
                Problem(
                    f"{f}.prefill",
                    _("Unknown prefill source %(source)s; use one of: %(sources)s."),
                    params={"source": prefill, "sources": ", ".join(PREFILL_SOURCES)},
                )
            )
        show_if = d.get("show_if")
        if show_if is not None:
            if not isinstance(show_if, dict) or not show_if:
                out.append(Problem(f"{f}.show_if", _("A condition names the fields it depends on and their values.")))
            else:
                for other in show_if:
                    if other not in seen:
                        out.append(
                            Problem(
                                f"{f}.show_if",
                                _("The condition refers to %(name)s, which is not a field above this one."),
                                params={"name": other},
                            )
                        )
        if isinstance(name, str) and name not in seen:
            seen[name] = d
    return out
