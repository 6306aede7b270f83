"""The application form engine: an item version's `form_fields` checked, rendered, prefilled and validated.

A form definition is a JSON list of fields (ItemVersion.form_fields), for example::

    {"name": "shop_name", "label": "店铺名称", "label_en": "Shop name", "type": "text", "required": true,
     "max_length": 100}
    {"name": "branch_address", "label": "分店地址", "type": "text", "required": true,
     "show_if": {"has_branch": true}}
    {"name": "contact_phone", "label": "联系电话", "type": "phone", "prefill": "phone"}

The definition itself and its check before publishing live in the catalog (catalog.formdef); here the apply
pages render and validate what a person typed (`clean`), and the API validates JSON the same way. A field
hidden by its condition (`show_if`) is never required and never kept: what the applicant could not see is not
part of the application. Every refusal is a `Problem` on the field's own name, in Chinese and English.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from yiwang.catalog.formdef import (  # noqa: F401  (re-exported: the form's shape, for the pages and the API)
    CHOICE_TYPES,
    DEFAULT_FIELDS,
    EMAIL_RE,
    ENTERPRISE_PREFILL,
    MAX_FIELDS,
    NAME_RE,
    PERSON_PREFILL,
    PREFILL_SOURCES,
    TEXT_MAX,
    TEXTAREA_MAX,
    TYPES,
    Field,
    _choices,
    _decimal,
    definition_problems,
    fields_of,
    parse,
)
from yiwang.core.codes import credit_code_error
from yiwang.core.errors import Problem

# ---------------------------------------------------------------------------------------------------------------
# Conditions and validation of what the applicant typed
# ---------------------------------------------------------------------------------------------------------------


def _matches(actual: Any, expected: Any) -> bool:
    if isinstance(expected, list):
        if isinstance(actual, list):
            return any(a in expected for a in actual)
        return actual in expected
    if isinstance(actual, list):
        return expected in actual
    if isinstance(expected, bool):
        return bool(actual) is expected
    return str(actual) == str(expected) if actual is not None else False


def visible(field: Field, data: Mapping[str, Any]) -> bool:
    """A field shows when every field its condition names has the expected value (a list means any of them)."""
    return all(_matches(data.get(name), expected) for name, expected in field.show_if.items())


def _raw(raw: Mapping[str, Any], field: Field) -> Any:
    """The field's raw value from a QueryDict (a form post) or a dict (JSON)."""
    if field.type == "multichoice":
        if hasattr(raw, "getlist"):
            return raw.getlist(field.name)
        value = raw.get(field.name)
        if value in (None, ""):
            return []
        return value if isinstance(value, list) else [value]
    return raw.get(field.name)


def _checkbox(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in (None, ""):
        return False
    s = str(value).strip().lower()
    if s in ("on", "true", "1", "yes"):
        return True
    if s in ("off", "false", "0", "no"):
        return False
    return None


def _problem(field: Field, message: Any, code: str = "invalid", params: dict | None = None) -> Problem:
    return Problem(field.name, message, code=code, params=params, extra={"label": field.label})


def clean_value(field: Field, value: Any) -> tuple[Any, Problem | None]:
    """One visible field's value, normalised; or the problem with it."""
    t = field.type
    if t == "checkbox":
        b = _checkbox(value)
        if b is None:
            return None, _problem(field, _("Tick the box or leave it empty."))
        if field.required and not b:
            return None, _problem(field, _("Tick this box to continue."), "required")
        return b, None
    if t == "multichoice":
        values = [str(v) for v in value if str(v).strip()] if isinstance(value, list) else []
        if not isinstance(value, list):
            return None, _problem(field, _("Choose from the list."))
        allowed = {c[0] for c in field.choices}
        if any(v not in allowed for v in values):
            return None, _problem(field, _("Choose from the list."))
        if field.required and not values:
            return None, _problem(field, _("Choose at least one."), "required")
        return list(dict.fromkeys(values)), None
    if value is None:
        text = ""
    elif isinstance(value, str | int | float | Decimal) and not isinstance(value, bool):
        text = str(value).strip()
    else:
        return None, _problem(field, _("Enter text, not a list or an object."))
    if not text:
        if field.required:
            return None, _problem(field, _("%(label)s is required."), "required", {"label": field.label})
        return ("" if t not in ("number",) else None), None
    if t in ("text", "textarea"):
        if len(text) > field.limit:
            return None, _problem(
                field,
                _("At most %(n)s characters (you entered %(m)s)."),
                "too_long",
                {"n": field.limit, "m": len(text)},
            )
        if t == "text" and ("\n" in text or "\r" in text):
            text = " ".join(text.split())
        return text, None
    if t == "number":
        d = _decimal(text.replace(",", "").replace("，", ""))
        if d is None:
            return None, _problem(field, _("Enter a number, such as 120 or 35.5."))
        if field.min is not None and d < field.min:
            return None, _problem(field, _("The number must be at least %(n)s."), "too_small", {"n": field.min})
        if field.max is not None and d > field.max:
            return None, _problem(field, _("The number must be at most %(n)s."), "too_large", {"n": field.max})
        return (int(d) if d == d.to_integral_value() else float(d)), None
    if t == "date":
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return None, _problem(field, _("Enter a date as YYYY-MM-DD, for example 2025-10-08."))
        return day.isoformat(), None
    if t == "choice":
        if text not in {c[0] for c in field.choices}:
            return None, _problem(field, _("Choose from the list."))
        return text, None
    if t == "phone":
        digits = re.sub(r"[\s\-]", "", text)
        if digits.startswith("+86"):
            digits = digits[3:]
        mobile = len(digits) == 11 and digits.isdigit() and digits[0] == "1"
        landline = re.fullmatch(r"0\d{2,3}\d{7,8}", digits) is not None
        if not (mobile or landline):
            return None, _problem(
                field, _("Enter an 11-digit mobile number starting with 1, or a landline with its area code.")
            )
        return digits, None
    if t == "id_number":
        from yiwang.identity.documents import document_number_error

        number = text.upper().replace(" ", "")
        err = document_number_error("resident_id", number)
        if err:
            return None, _problem(field, err)
        return number, None
    if t == "credit_code":
        code = text.upper().replace(" ", "")
        err = credit_code_error(code)
        if err:
            return None, _problem(field, err)
        return code, None
    if t == "email":
        if len(text) > 254 or not EMAIL_RE.match(text):
            return None, _problem(field, _("Enter an email address such as name@example.com."))
        return text, None
    return None, _problem(field, _("This field has an unknown type."))  # pragma: no cover - definitions are checked


def clean(fields: Any, raw: Mapping[str, Any]) -> Any:
    """The form's data (visible fields only, normalised) and every problem at once: (data, problems).

    Given an item version instead of its parsed fields, returns the data alone and raises ProblemsError with
    every problem (the API's way: `forms.clean(version, data)`); see `validate`.

    Conditions are evaluated on the cleaned values of the fields above, so "has a branch: no" hides (and does
    not require) the branch address, whatever was typed into it before the box was unticked.
    """
    if not isinstance(fields, list):
        return validate(fields, raw)
    data: dict[str, Any] = {}
    problems: list[Problem] = []
    known = {f.name for f in fields}
    # Unknown names are refused only in JSON (the API); a page post also carries its own controls.
    extra = [k for k in raw if k not in known] if not hasattr(raw, "getlist") else []
    for f in fields:
        if not visible(f, data):
            continue
        value, problem = clean_value(f, _raw(raw, f))
        if problem is not None:
            problems.append(problem)
            # Keep what was typed, so conditions below still evaluate as the applicant sees them.
            data[f.name] = _raw(raw, f)
            continue
        data[f.name] = value
    for bad in {p.field for p in problems}:
        data.pop(bad, None)
    for name in extra:
        problems.append(Problem(name, _("This form has no field named %(name)s."), params={"name": name}))
    return data, problems


def validate(version: Any, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The version's form data checked; raises ProblemsError listing every problem."""
    from yiwang.core.errors import ProblemsError

    data, problems = clean(fields_of(version), raw)
    if problems:
        raise ProblemsError(problems)
    return data


def raw_values(fields: list[Field], raw: Mapping[str, Any]) -> dict[str, Any]:
    """What was typed, as typed (for redisplay and for drafts): strings, lists for multichoice, bools for boxes."""
    out: dict[str, Any] = {}
    for f in fields:
        value = _raw(raw, f)
        if f.type == "checkbox":
            out[f.name] = bool(_checkbox(value))
        elif f.type == "multichoice":
            out[f.name] = [str(v) for v in value] if isinstance(value, list) else []
        elif value is not None:
            out[f.name] = str(value)[:TEXTAREA_MAX]
    return out


# ---------------------------------------------------------------------------------------------------------------
# Prefill from My Space
# ---------------------------------------------------------------------------------------------------------------


def prefill_values(subject: Any, fields: list[Field], *, used_by: str, purpose: str, **context: Any) -> dict[str, Any]:
    """Initial values from the applicant's profile, and from shared data (`data:<resource>.<field>`, through
    cases.uploads.SHARED_DATA; `context` may name the handling `organisation`), only with their consent (each use
    recorded in My Space).

    `subject` is the Person, or the Enterprise the person acts for. Fields whose source the subject's profile
    does not have (a person's credit code) stay empty.
    """
    from yiwang.identity import space
    from yiwang.identity.models import Person

    known = PERSON_PREFILL if isinstance(subject, Person) else ENTERPRISE_PREFILL
    wanted = {f.name: f.prefill for f in fields if f.prefill and f.prefill in known}
    shared = {f.name: f.prefill for f in fields if f.prefill and f.prefill.startswith("data:")}
    out: dict[str, Any] = {}
    if wanted:
        values = space.prefill(subject, list(dict.fromkeys(wanted.values())), used_by=used_by, purpose=purpose)
        out = {name: values[source] for name, source in wanted.items() if values.get(source)}
    if shared:
        from . import uploads

        found = uploads.prefill_shared(subject, shared, purpose=purpose, **context)
        out.update({k: v for k, v in found.items() if k not in out and v not in (None, "")})
    return out
