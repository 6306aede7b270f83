"""Certificate numbers (证书编号) under a license type's numbering rule, e.g. 食品经营许可证 `JY` + 14 digits.

A rule (`LicenseType.number_pattern`) is literal text with placeholders:

- `{serial:N}` — an N-digit serial (1 to 12 digits), exactly once, from a sequence per (type, issuer, year) kept
  in the database (`CertificateCounter`, one row per key, incremented by an UPDATE that holds the row until commit;
  no process keeps a counter of its own);
- `{division}` — the issuer's 6-digit administrative division code (GB/T 2260);
- `{year}` / `{yy}` — the issue year (4 or 2 digits). Only a rule that shows the year restarts its sequence each
  year; a rule without it has one sequence (year 0), so a number can never repeat;
- `{choice:FIELD}` — the position (1 to 9) of the license's value of the choice field FIELD among its choices,
  e.g. 主体业态 食品销售经营者 → 1, 餐饮服务经营者 → 2, 单位食堂 → 3;
- `{check}` — last: the ISO 7064 MOD 11,10 check digit over every digit before it.

The number goes into the type's `number_field`; the License row keeps it in `certificate_no` too, unique per
(type, issuer, number, version) in the database.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem, ProblemsError

if TYPE_CHECKING:
    from yiwang.orgs.models import Organisation

    from .models import LicenseType

TOKEN = re.compile(r"\{([a-z]+)(?::([A-Za-z0-9_]+))?\}")
LITERAL = re.compile(r"^[0-9A-Za-z\-/()（）〔〕\[\]第号字\u4e00-\u9fff]*$")
MAX_SERIAL_DIGITS = 12


@dataclass(frozen=True)
class Part:
    kind: str  # text, serial, division, year, yy, choice, check
    value: str = ""  # the literal text, the choice field's name
    digits: int = 0  # serial width


def parse(pattern: str) -> list[Part]:
    """The rule's parts; raises ValueError with a message naming the mistake."""
    parts: list[Part] = []
    at = 0
    for m in TOKEN.finditer(pattern):
        if m.start() > at:
            parts.append(Part("text", pattern[at : m.start()]))
        name, arg = m.group(1), m.group(2) or ""
        if name == "serial":
            if not arg.isdigit() or not 1 <= int(arg) <= MAX_SERIAL_DIGITS:
                raise ValueError("serial")
            parts.append(Part("serial", digits=int(arg)))
        elif name in ("division", "year", "yy", "check") and not arg:
            parts.append(Part(name))
        elif name == "choice" and arg:
            parts.append(Part("choice", arg))
        else:
            raise ValueError("token")
        at = m.end()
    if at < len(pattern):
        parts.append(Part("text", pattern[at:]))
    return parts


def pattern_problems(pattern: str, number_field: str, specs: list[dict]) -> list[Problem]:
    """Mistakes in a type's numbering rule, on `number_pattern` / `number_field`."""
    pattern, number_field = (pattern or "").strip(), (number_field or "").strip()
    if not pattern and not number_field:
        return []
    by_name = {s["name"]: s for s in specs}
    out: list[Problem] = []
    if not pattern:
        return [Problem("number_pattern", _("Give the numbering rule of the certificate number field."), "required")]
    if not number_field:
        out.append(Problem("number_field", _("Name the field that carries the certificate number."), "required"))
    elif number_field not in by_name:
        out.append(
            Problem(
                "number_field", _("This license type has no field %(name)s."), "unknown_field", {"name": number_field}
            )
        )
    elif by_name[number_field]["type"] != "text":
        out.append(Problem("number_field", _("The certificate number field must be a text field."), "bad_type"))
    try:
        parts = parse(pattern)
    except ValueError:
        return [
            *out,
            Problem(
                "number_pattern",
                _(
                    "Unknown placeholder in the numbering rule; use {serial:N}, {division}, {year}, {yy}, "
                    "{choice:field} and {check}."
                ),
                "bad_pattern",
            ),
        ]
    if sum(p.kind == "serial" for p in parts) != 1:
        out.append(Problem("number_pattern", _("The numbering rule needs exactly one {serial:N}."), "bad_pattern"))
    checks = [i for i, p in enumerate(parts) if p.kind == "check"]
    if checks and checks != [len(parts) - 1]:
        out.append(Problem("number_pattern", _("{check} can only come once, at the end."), "bad_pattern"))
    for p in parts:
        if p.kind == "text" and not LITERAL.match(p.value):
            out.append(
                Problem(
                    "number_pattern",
                    _("The fixed text of a numbering rule is letters, digits and Chinese characters."),
                    "bad_pattern",
                )
            )
        if p.kind == "choice":
            spec = by_name.get(p.value)
            if spec is None or spec["type"] != "choice":
                out.append(
                    Problem(
                        "number_pattern",
                        _("{choice:%(name)s} needs a choice field of that name."),
                        "bad_pattern",
                        {"name": p.value},
                    )
                )
            elif not spec["required"] or not 1 <= len(spec["choices"]) <= 9:
                out.append(
                    Problem(
                        "number_pattern",
                        _("The field %(name)s in the number must be required and have 1 to 9 choices."),
                        "bad_pattern",
                        {"name": p.value},
                    )
                )
    return out


def uses_year(pattern: str) -> bool:
    return any(p.kind in ("year", "yy") for p in parse(pattern))


def check_digit(digits: str) -> str:
    """ISO 7064 MOD 11,10 (the hybrid system of the citizen and organisation codes): one digit over `digits`."""
    p = 10
    for c in digits:
        s = (p + int(c)) % 10 or 10
        p = (2 * s) % 11
    return str((11 - p) % 10)


def take(license_type: LicenseType, issuer: Organisation, year: int, count: int = 1) -> int:
    """Reserves `count` serials of (type, issuer, year); returns the first. Call inside a transaction.

    The UPDATE locks the counter row until the caller commits, so concurrent issuers wait and never share a
    serial; a row created at the same moment by two processes is caught by its unique constraint
    (get_or_create retries the read).
    """
    from .models import CertificateCounter

    counter, _created = CertificateCounter.objects.get_or_create(license_type=license_type, issuer=issuer, year=year)
    CertificateCounter.objects.filter(pk=counter.pk).update(last=F("last") + count)
    last = CertificateCounter.objects.filter(pk=counter.pk).values_list("last", flat=True).get()
    return last - count + 1


def render(
    pattern: str, serial: int, issuer: Organisation, issued_on: dt.date, fields: dict[str, Any], specs: list[dict]
) -> str:
    """The number for one serial: the rule's parts filled in from the issuer, the date and the license's fields."""
    by_name = {s["name"]: s for s in specs}
    out = ""
    for p in parse(pattern):
        if p.kind == "text":
            out += p.value
        elif p.kind == "serial":
            text = f"{serial:0{p.digits}d}"
            if len(text) > p.digits:
                raise ProblemsError(
                    [Problem("number_pattern", _("The certificate numbers of this rule are used up."), "exhausted")]
                )
            out += text
        elif p.kind == "division":
            out += issuer.division.code[:6]
        elif p.kind == "year":
            out += f"{issued_on.year:04d}"
        elif p.kind == "yy":
            out += f"{issued_on.year % 100:02d}"
        elif p.kind == "choice":
            choices = by_name[p.value]["choices"]
            value = str(fields.get(p.value) or "")
            if value not in choices:
                raise ProblemsError(
                    [
                        Problem(
                            f"fields.{p.value}",
                            _("%(label)s must be one of: %(choices)s."),
                            "bad_choice",
                            {"label": by_name[p.value]["label"], "choices": "、".join(choices)},
                        )
                    ]
                )
            out += str(choices.index(value) + 1)
        elif p.kind == "check":
            out += check_digit("".join(c for c in out if c.isdigit()))
    return out


def numbers(
    license_type: LicenseType, issuer: Organisation, issued_on: dt.date, rows: list[dict[str, Any]]
) -> list[str]:
    """Certificate numbers for licenses of one type, issuer and issue year (one per field dict in `rows`)."""
    pattern = license_type.number_pattern
    year = issued_on.year if uses_year(pattern) else 0
    first = take(license_type, issuer, year, len(rows))
    specs = license_type.field_specs()
    return [render(pattern, first + i, issuer, issued_on, row, specs) for i, row in enumerate(rows)]
