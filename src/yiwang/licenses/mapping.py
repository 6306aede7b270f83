"""Where each field of an item's result license comes from (`ItemVersion.result_fields`), checked and applied.

A mapping is a JSON object {license field name: source}. Sources:

- `form:<field>` — the application form's field (it must exist; for a required license field it must be required
  and always shown);
- `applicant:<fact>` — the holder the case is for (the enterprise, else the person): `name`, `number` (credit code
  or document number), `credit_code` and `legal_rep` (enterprises only), `address`, `phone`;
- `case:<fact>` — `number` (the case number), `item` (the item's name), `issuer` (the issuing organisation's name);
- `date:issued` / `date:expires` — the issue date (the approval's day) and the last valid day by the type's rule;
- `const:<text>` — a fixed text;
- `number` — the certificate number from the type's numbering rule (only for the type's number field).

A license field the mapping leaves out is matched as before: the form field of the same name, else of the same
label, else a fact of the same name (`legal_rep`, `address`, `holder_name`, `item_name`, `case_number`, `issuer`,
`approved_on`), else — for the type's number field — its numbering rule.

`version_problems` runs when a version is published (registered with catalog.sources), so a mapping that cannot be
filled is refused then, not discovered after an approval; `values` fills the license when the case is approved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from yiwang.catalog import formdef
from yiwang.core.errors import Problem

from .models import HolderKind, LicenseType

APPLICANT_FACTS = ("name", "number", "credit_code", "legal_rep", "address", "phone")
ENTERPRISE_ONLY = ("credit_code", "legal_rep")
CASE_FACTS = ("number", "item", "issuer")
DATES = ("issued", "expires")
# License field names matched to a fact when the mapping and the form say nothing about them.
BY_NAME = {
    "holder_name": "applicant:name",
    "name": "applicant:name",
    "legal_rep": "applicant:legal_rep",
    "address": "applicant:address",
    "item_name": "case:item",
    "case_number": "case:number",
    "issuer": "case:issuer",
    "approved_on": "date:issued",
}
FORM_TYPES = {"date": ("date",), "number": ("number",), "choice": ("choice",)}


@dataclass(frozen=True)
class Source:
    kind: str  # form, applicant, case, date, const, number
    arg: str = ""

    def __str__(self) -> str:
        return self.kind if self.kind == "number" else f"{self.kind}:{self.arg}"


def parse(text: Any) -> Source | None:
    """A source from its text, or None when it is not one."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if text == "number":
        return Source("number")
    kind, sep, arg = text.partition(":")
    if not sep:
        return None
    if kind == "const":
        return Source("const", arg)
    arg = arg.strip()
    known = {"applicant": APPLICANT_FACTS, "case": CASE_FACTS, "date": DATES}
    if kind == "form" and formdef.NAME_RE.match(arg):
        return Source("form", arg)
    if kind in known and arg in known[kind]:
        return Source(kind, arg)
    return None


def effective(
    version: Any, license_type: LicenseType, form: list[formdef.Field] | None = None
) -> dict[str, Source | None]:
    """Every license field's source: the mapping's, else the field matched by name or label, else a fact."""
    mapping = version.result_fields if isinstance(getattr(version, "result_fields", None), dict) else {}
    form = formdef.fields_of(version) if form is None else form
    by_name = {f.name for f in form}
    by_label = {f.label.strip(): f.name for f in form}
    out: dict[str, Source | None] = {}
    for spec in license_type.field_specs():
        name = spec["name"]
        if name in mapping:
            out[name] = parse(mapping[name])
        elif name in by_name:
            out[name] = Source("form", name)
        elif spec["label"].strip() in by_label:
            out[name] = Source("form", by_label[spec["label"].strip()])
        elif name in BY_NAME:
            out[name] = parse(BY_NAME[name])
        elif license_type.is_numbered and name == license_type.number_field:
            out[name] = Source("number")
        else:
            out[name] = None
    return out


# --- checked when a version is published ------------------------------------------------------------------------


def _problem(name: str, message: Any, code: str, /, **params: Any) -> Problem:
    return Problem(f"result_fields.{name}", message, code, params=params)


def _const_problem(spec: dict, value: str) -> Any:
    if spec["type"] == "choice" and value not in spec["choices"]:
        return _("the fixed value %(value)s is not one of: %(choices)s")
    if spec["type"] == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return _("the fixed value must be a date like 2024-01-31")
    if spec["type"] == "number":
        try:
            Decimal(value)
        except InvalidOperation:
            return _("the fixed value must be a number")
    return None


def _source_problem(spec: dict, src: Source, form: list[formdef.Field], license_type: LicenseType) -> Problem | None:
    name, label = spec["name"], spec["label"]
    holder = license_type.holder_kind
    if src.kind == "form":
        field = next((f for f in form if f.name == src.arg), None)
        if field is None:
            return _problem(
                name,
                _("%(label)s comes from the form field %(field)s, which the application form does not have."),
                "unknown_form_field",
                label=label,
                field=src.arg,
            )
        wanted = FORM_TYPES.get(spec["type"])
        if wanted and field.type not in wanted:
            return _problem(
                name,
                _("%(label)s is of type %(type)s on the license; the form field %(field)s must be of that type too."),
                "form_field_type",
                label=label,
                type=spec["type"],
                field=src.arg,
            )
        foreign = [v for v, _l, _e in field.choices if v not in spec["choices"]]
        if spec["type"] == "choice" and foreign:
            return _problem(
                name,
                _("The form field %(field)s offers %(values)s, which %(label)s cannot be; it allows: %(choices)s."),
                "form_field_choices",
                field=src.arg,
                values="、".join(foreign),
                label=label,
                choices="、".join(spec["choices"]),
            )
        if spec["required"] and (not field.required or field.show_if):
            return _problem(
                name,
                _("The license requires %(label)s, so the form field %(field)s must be required and always shown."),
                "form_field_optional",
                label=label,
                field=src.arg,
            )
    elif src.kind == "applicant" and src.arg in ENTERPRISE_ONLY and holder != HolderKind.ENTERPRISE:
        return _problem(
            name,
            _("%(label)s: only an enterprise has this fact, and this license is held by a person."),
            "holder",
            label=label,
        )
    elif src.kind == "date":
        if spec["type"] not in ("date", "text"):
            return _problem(name, _("%(label)s cannot hold a date."), "date_type", label=label)
        if src.arg == "expires" and not license_type.has_expiry:
            return _problem(name, _("%(label)s: this license type never expires."), "no_expiry", label=label)
    elif src.kind == "const":
        if not src.arg.strip() and spec["required"]:
            return _problem(name, _("%(label)s is required; the fixed value is empty."), "required", label=label)
        if reason := _const_problem(spec, src.arg.strip()):
            return _problem(
                name,
                _("%(label)s: %(reason)s."),
                "bad_const",
                label=label,
                reason=reason % {"choices": "、".join(spec["choices"]), "value": src.arg.strip()},
            )
    elif src.kind == "number" and not (license_type.is_numbered and name == license_type.number_field):
        return _problem(
            name,
            _(
                "%(label)s is not this license type's certificate number, which is the only field its numbering rule "
                "fills."
            ),
            "not_numbered",
            label=label,
        )
    return None


def version_problems(version: Any, item: Any, license_type: LicenseType, issuer_ids: set[int]) -> list[Problem]:
    """Why approving a case of this version could not issue its license; [] when it always can."""
    out: list[Problem] = []
    raw = version.result_fields or {}
    specs = {s["name"]: s for s in license_type.field_specs()}
    for key in raw:
        if key not in specs:
            out.append(
                _problem(
                    key,
                    _("The license type %(type)s has no field %(name)s."),
                    "unknown_field",
                    type=license_type.name,
                    name=key,
                )
            )
        elif parse(raw[key]) is None:
            out.append(
                _problem(
                    key,
                    _(
                        "“%(source)s” is not a source; use form:<field>, applicant:<fact>, case:<fact>, date:issued, "
                        "date:expires, const:<text> or number."
                    ),
                    "bad_source",
                    source=str(raw[key])[:60],
                )
            )
    enterprise_holder = license_type.holder_kind == HolderKind.ENTERPRISE
    if enterprise_holder and version.for_persons:
        out.append(
            Problem(
                "service_object",
                _("%(type)s is issued to legal persons: an item that results in it cannot serve natural persons."),
                "holder_kind",
                params={"type": license_type.name},
            )
        )
    if not enterprise_holder and version.for_enterprises:
        out.append(
            Problem(
                "service_object",
                _("%(type)s is issued to natural persons: an item that results in it cannot serve legal persons."),
                "holder_kind",
                params={"type": license_type.name},
            )
        )
    org = getattr(item, "organisation", None) if item is not None else None
    if org is not None and issuer_ids and org.pk not in issuer_ids:
        out.append(
            Problem(
                "result_license_type",
                _("%(issuer)s does not issue %(type)s."),
                "not_an_issuer",
                params={"issuer": org.name, "type": license_type.name},
            )
        )
    form = formdef.fields_of(version)
    for name, src in effective(version, license_type, form).items():
        spec = specs[name]
        if src is None:
            if spec["required"] and name in raw:
                continue  # already reported as a bad source
            if spec["required"]:
                out.append(
                    _problem(
                        name,
                        _(
                            "The license requires %(label)s (%(name)s): map it to a form field, a fact of the "
                            "applicant or the case, a date or a fixed value."
                        ),
                        "unmapped",
                        label=spec["label"],
                        name=name,
                    )
                )
            continue
        if problem := _source_problem(spec, src, form, license_type):
            out.append(problem)
    return out


def result_problems(version: Any, item: Any, memo: dict) -> list[Problem]:
    """The check registered with catalog.sources: the version's result license type looked up once per run."""
    code = version.result_license_type
    types = memo.setdefault("licenses.types", {})
    if code not in types:
        lt = LicenseType.objects.filter(code=code).first()
        types[code] = (lt, lt.issuer_ids() if lt is not None else set())
    license_type, issuer_ids = types[code]
    if license_type is None:
        return []  # the catalog reports an unknown type itself
    return version_problems(version, item, license_type, issuer_ids)


# --- applied when a case is approved ----------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A form value as license field text (lists joined, booleans as 是/否)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value if str(v).strip())
    return str(value).strip()


def _applicant(case: Any, fact: str) -> str:
    if case.enterprise_id:
        e = case.enterprise
        return {
            "name": e.name,
            "number": e.credit_code,
            "credit_code": e.credit_code,
            "legal_rep": e.legal_rep_name,
            "address": e.address,
            "phone": e.phone,
        }.get(fact, "")
    p = case.person
    return {"name": p.name, "number": p.doc_number, "address": p.address, "phone": p.phone}.get(fact, "")


def values(case: Any, license_type: LicenseType, issued_on: dt.date) -> dict[str, str]:
    """The license's field values from the approved case (the number is left to the type's rule)."""
    from .services import default_expiry

    form = case.form_data or {}
    out: dict[str, str] = {}
    for name, src in effective(case.version, license_type).items():
        if src is None or src.kind == "number":
            continue
        if src.kind == "form":
            value = _text(form.get(src.arg))
        elif src.kind == "applicant":
            value = _text(_applicant(case, src.arg))
        elif src.kind == "case":
            value = {"number": case.case_number, "item": case.item_name, "issuer": case.organisation.name}[src.arg]
        elif src.kind == "date":
            day = issued_on if src.arg == "issued" else default_expiry(license_type, issued_on)
            value = day.isoformat() if day else ""
        else:
            value = src.arg.strip()
        if value:
            out[name] = value
    return out
