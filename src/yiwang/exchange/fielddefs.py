"""A resource's fields (信息项): their shape, their checks, and how a value is masked for a consumer.

A field is {name, label, type, description, sensitivity}: `name` is the short ASCII key consumers see in answers
(lower case, digits, underscores), `label` the Chinese name of the 信息项. Older rows (and the demo city's first
seed) hold bare labels; `normalise` turns them into objects with a name made of the label's pinyin initials.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem
from yiwang.identity import masking

from .models import FieldType, Sensitivity

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_FIELDS = 80


def name_for(label: str, taken: set[str]) -> str:
    """An ASCII name for a Chinese label (公民身份号码 → gmsfhm), unique among `taken` (which it extends)."""
    from pypinyin import Style, lazy_pinyin

    base = "".join(lazy_pinyin(label, style=Style.FIRST_LETTER, errors="ignore")).lower()
    base = re.sub(r"[^a-z0-9_]", "", base)[:30] or "f"
    if not base[0].isalpha():
        base = "f" + base
    name, n = base, 2
    while name in taken:
        name, n = f"{base}{n}", n + 1
    taken.add(name)
    return name


def _guess_type(label: str) -> str:
    if "身份号码" in label or "身份证" in label:
        return FieldType.ID_NUMBER
    if "信用代码" in label:
        return FieldType.CREDIT_CODE
    if "日期" in label or "年月" in label:
        return FieldType.DATE
    return FieldType.TEXT


def normalise(fields: Any) -> list[dict[str, str]]:
    """Field objects, whatever was stored (bare labels get a name, a guessed type, and "internal" sensitivity)."""
    out: list[dict[str, str]] = []
    taken = {str(f.get("name")) for f in fields or [] if isinstance(f, dict)}
    for f in fields or []:
        if isinstance(f, dict):
            out.append(
                {
                    "name": str(f.get("name", "")),
                    "label": str(f.get("label") or f.get("name", "")),
                    "type": str(f.get("type") or FieldType.TEXT),
                    "description": str(f.get("description") or ""),
                    "sensitivity": str(f.get("sensitivity") or Sensitivity.INTERNAL),
                }
            )
        else:
            label = str(f)
            kind = _guess_type(label)
            out.append(
                {
                    "name": name_for(label, taken),
                    "label": label,
                    "type": kind,
                    "description": "",
                    "sensitivity": Sensitivity.SENSITIVE if kind == FieldType.ID_NUMBER else Sensitivity.INTERNAL,
                }
            )
    return out


def problems(fields: Any, where: str = "fields") -> list[Problem]:
    """Every problem of a list of field objects, naming the field by position."""
    out: list[Problem] = []
    if not isinstance(fields, list) or not fields:
        return [Problem(where, _("List the resource's fields (at least one)."), "required")]
    if len(fields) > MAX_FIELDS:
        return [Problem(where, _("A resource has at most %(n)s fields."), "too_many", params={"n": MAX_FIELDS})]
    seen: set[str] = set()
    for i, f in enumerate(fields):
        at = f"{where}.{i}"
        if not isinstance(f, dict):
            out.append(Problem(at, _("Each field is an object with a name and a label."), "invalid"))
            continue
        name = str(f.get("name") or "")
        if not NAME_RE.match(name):
            out.append(
                Problem(
                    f"{at}.name",
                    _("A field name is lower-case letters, digits and underscores, starting with a letter."),
                    "invalid",
                )
            )
        elif name in seen:
            out.append(Problem(f"{at}.name", _("Two fields are named %(name)s."), "duplicate", params={"name": name}))
        seen.add(name)
        label = str(f.get("label") or "").strip()
        if not label or len(label) > 60:
            out.append(Problem(f"{at}.label", _("Give the field's Chinese name (at most 60 characters)."), "invalid"))
        if f.get("type", FieldType.TEXT) not in FieldType.values:
            out.append(Problem(f"{at}.type", _("Unknown field type."), "invalid"))
        if f.get("sensitivity", Sensitivity.INTERNAL) not in Sensitivity.values:
            out.append(Problem(f"{at}.sensitivity", _("Unknown sensitivity."), "invalid"))
        if len(str(f.get("description") or "")) > 200:
            out.append(Problem(f"{at}.description", _("At most 200 characters."), "too_long"))
    return out


def parse_lines(text: str) -> list[dict[str, str]]:
    """Fields typed one per line on the resource page: `name | label | type | sensitivity | description`.

    Missing parts take defaults (a bare label gets a name from its pinyin initials), so "户籍地址" alone is a line.
    """
    out: list[dict[str, str]] = []
    taken: set[str] = set()
    for raw in (text or "").splitlines():
        parts = [p.strip() for p in raw.split("|")]
        if not any(parts):
            continue
        if len(parts) == 1:
            label = parts[0]
            kind = _guess_type(label)
            out.append(
                {
                    "name": name_for(label, taken),
                    "label": label,
                    "type": kind,
                    "description": "",
                    "sensitivity": Sensitivity.SENSITIVE if kind == FieldType.ID_NUMBER else Sensitivity.INTERNAL,
                }
            )
            continue
        parts += [""] * (5 - len(parts))
        name, label, kind, sensitivity, description = parts[:5]
        taken.add(name)
        out.append(
            {
                "name": name,
                "label": label,
                "type": kind or _guess_type(label),
                "description": description,
                "sensitivity": sensitivity or Sensitivity.INTERNAL,
            }
        )
    return out


def as_lines(fields: Any) -> str:
    return "\n".join(
        " | ".join([f["name"], f["label"], f["type"], f["sensitivity"], f["description"]]).rstrip(" |")
        for f in normalise(fields)
    )


def mask(value: Any, field: dict[str, str]) -> Any:
    """A value as a consumer without the full field sees it: the platform's masking rules by type."""
    if value is None or value == "":
        return value
    text = str(value)
    kind = field.get("type")
    if kind == FieldType.ID_NUMBER:
        return masking.mask_id_number(text)
    if kind == FieldType.CREDIT_CODE:
        return text  # a legal person's code is public
    if kind == FieldType.DATE:
        return text[:4] + "-**-**" if len(text) >= 4 else "****"
    if kind == FieldType.NUMBER:
        return "***"
    label = field.get("label", "")
    if "地址" in label or "住所" in label or "坐落" in label:
        return masking.mask_address(text)
    if "电话" in label or "手机" in label:
        return masking.mask_phone(text)
    if "姓名" in label or "人" in label[-1:]:
        return masking.mask_name(text)
    return text[:1] + "*" * min(8, max(1, len(text) - 1))
