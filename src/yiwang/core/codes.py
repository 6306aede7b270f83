"""Check characters of the national identifier standards every module validates against.

GB 11643 (citizen ID), GB 32100 (unified social credit code), GB/T 2260 (division codes).
Each function returns an error message (lazy, translatable) or None, so forms, the API and
the importers report the same words.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext_lazy as _

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CITIZEN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CITIZEN_CHECK = "10X98765432"
# Registration authority → allowed organisation categories (GB 32100 appendix A).
CREDIT_CATEGORIES = {
    "1": "1239",  # 机构编制
    "2": "19",  # 外交
    "3": "12459",  # 司法行政
    "4": "129",  # 文化
    "5": "1239",  # 民政
    "6": "129",  # 旅游
    "7": "129",  # 宗教
    "8": "129",  # 工会
    "9": "123",  # 工商
    "A": "19",  # 中央军委改革和编制办公室
    "N": "129",  # 农业
    "Y": "1",  # 其他
}


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def credit_code_error(code: str) -> str | None:
    """Why `code` is not a valid unified social credit code, or None."""
    if not isinstance(code, str) or len(code) != 18:
        return _("A unified social credit code has exactly 18 characters.")
    if any(c not in CREDIT_ALPHABET for c in code):
        return _(
            "A unified social credit code uses only digits and the capital letters allowed by GB 32100 (no I, O, S, V, Z)."
        )
    if code[0] not in CREDIT_CATEGORIES or code[1] not in CREDIT_CATEGORIES[code[0]]:
        return _("The registration authority and organisation category (first two characters) are not a valid pair.")
    if not code[2:8].isdigit():
        return _("Characters 3 to 8 must be the six-digit administrative division code.")
    if credit_check_char(code[:17]) != code[17]:
        return _("The check character (last character) is wrong.")
    return None


def make_credit_code(authority: str, category: str, division: str, org_code8: str) -> str:
    """Builds a valid credit code; the organisation code's own check digit is derived too (GB 11714)."""
    org9 = org_code8 + organisation_code_check(org_code8)
    first17 = f"{authority}{category}{division}{org9}"
    return first17 + credit_check_char(first17)


def organisation_code_check(first8: str) -> str:
    """GB 11714 check character of the 9-character organisation code."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(first8, weights, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def citizen_check_char(first17: str) -> str:
    return CITIZEN_CHECK[sum(int(c) * w for c, w in zip(first17, CITIZEN_WEIGHTS, strict=True)) % 11]


def citizen_id_error(number: str) -> str | None:
    """Why `number` is not a valid 18-digit resident ID number (GB 11643), or None."""
    if not isinstance(number, str) or len(number) != 18:
        return _("A citizen ID number has exactly 18 characters.")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return _("A citizen ID number is 17 digits followed by a digit or a capital X.")
    if division_code_error(number[:6]) is not None:
        return _("The first six digits are not an administrative division code.")
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return _("Digits 7 to 14 are not a real date of birth.")
    if born.year < 1900 or born > dt.date.today():
        return _("The date of birth is outside the possible range.")
    if citizen_check_char(number[:17]) != number[17]:
        return _("The check digit (last character) is wrong.")
    return None


_DIVISION_RE = re.compile(r"^\d{6}(\d{6})?$")


def division_level(code: str) -> int:
    """Administrative level of a GB/T 2260 code: 2 province, 3 city, 4 county, 5 township, 6 village."""
    if len(code) == 12:
        return 6 if code[9:] != "000" else 5
    if code[2:] == "0000":
        return 2
    if code[4:] == "00":
        return 3
    return 4


def division_code_error(code: str) -> str | None:
    """Why `code` is not a well-formed GB/T 2260 (6 digits) or extended (12 digits) division code."""
    if not isinstance(code, str) or not _DIVISION_RE.match(code):
        return _("A division code is 6 digits (province, city, county) or 12 digits (township, village).")
    if code[:2] == "00" or int(code[:2]) < 11 or int(code[:2]) > 82:
        return _("The first two digits are not a province code (11 to 82).")
    if len(code) == 12 and code[6:9] == "000":
        return _("A 12-digit code must name a township (digits 7 to 9 not all zero).")
    if len(code) == 12 and code[4:6] == "00" and code[2:4] != "00":
        # Townships of municipal districts are allowed under cities that have no counties.
        return None
    return None


def division_parent_error(code: str, parent_code: str | None) -> str | None:
    """Checks that a division code lies inside its parent and one level below it."""
    level = division_level(code)
    if parent_code is None:
        return None if level == 2 else _("Only a province may have no parent division.")
    parent_level = division_level(parent_code)
    # Counties governed directly by a province (省直辖县) carry 90 as their city digits.
    if level != parent_level + 1 and not (parent_level == 2 and level == 4 and code[2:4] == "90"):
        return _("A division must be exactly one level below its parent.")
    prefix = {2: 2, 3: 4, 4: 6, 5: 9}[parent_level]
    if code[:prefix] != parent_code[:prefix]:
        return _("The code does not start with its parent's code.")
    return None
