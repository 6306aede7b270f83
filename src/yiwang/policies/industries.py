"""The industry code table (GB/T 4754-2017 国民经济行业分类): 20 sections (门类 A–T) and 97 divisions (大类 01–97).

Loaded once per process from `data/gbt4754_2017.json`. An enterprise's industry is held as a code such as "C39"
or "3911" (section letter optional, then the division's two digits, then any finer digits); a policy names the
sections or divisions it is for ("C", "39"). `parse` turns either form into (section, division).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "gbt4754_2017.json"


@dataclass(frozen=True)
class Industry:
    code: str  # "C" for a section, "39" for a division
    name: str
    section: str
    name_en: str = ""

    @property
    def is_section(self) -> bool:
        return self.code.isalpha()


@lru_cache(maxsize=1)
def table() -> dict[str, Industry]:
    """Every section and division by code, in the standard's order."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    out: dict[str, Industry] = {}
    for s in data["sections"]:
        out[s["code"]] = Industry(s["code"], s["name"], s["code"], s.get("name_en", ""))
        for code, name in s["divisions"]:
            out[code] = Industry(code, name, s["code"])
    return out


def sections() -> list[Industry]:
    return [i for i in table().values() if i.is_section]


def divisions() -> list[Industry]:
    return [i for i in table().values() if not i.is_section]


def parse(code: str | None) -> tuple[str, str] | None:
    """(section, division) of an industry code ("C3911", "3911", "C39", "39"), or None when it is not one."""
    raw = (code or "").strip().upper()
    if raw[:1].isalpha():
        raw = raw[1:]
    division = raw[:2]
    found = table().get(division) if len(division) == 2 and division.isdigit() else None
    if found is None:
        return None
    if code and code.strip()[:1].isalpha() and code.strip()[:1].upper() != found.section:
        return None
    return found.section, division


def is_code(code: str) -> bool:
    """Whether `code` names a section or a division (what a policy may list)."""
    return code in table()


def name_of(code: str) -> str:
    found = table().get(code)
    return found.name if found else code
