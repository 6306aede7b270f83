"""Builds a deterministic demo city (蚌埠市) as plain data: `generate_city(seed, items) -> CityPlan`.

Every random choice comes from a `random.Random` seeded with a string naming the seed and the
thing being decided, so the same seed gives the same city (codes included) on every machine and
Python version, and one decision never shifts another.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import cache

from yiwang.core.codes import make_credit_code

from .geography import (
    CITY,
    COMMUNITY_WORDS,
    COUNTIES,
    PROVINCE,
    ROADS,
    VILLAGE_SUFFIXES,
    VILLAGE_SURNAMES,
    VILLAGE_WORDS,
)
from .licenses import item_form, type_schema
from .plan import (
    CityPlan,
    DataResourcePlan,
    DivisionPlan,
    HallPlan,
    ItemPlan,
    LicenseTypePlan,
    OrganisationPlan,
    ThemePlan,
    WindowPlan,
)
from .reference import (
    DATA_RESOURCES,
    DEPARTMENTS,
    FEES,
    LICENSE_BY_KEY,
    LICENSE_KINDS,
    MATERIALS,
    MINISTRIES,
    THEME_AUDIENCE,
    THEMES,
    Dept,
    theme_code,
)
from .templates import TEMPLATES

LEVEL_LETTER = {2: "P", 3: "C", 4: "D", 5: "T", 6: "V"}
# How strongly each level is kept when fewer items than the full city are asked for:
# higher levels fill first, villages are the filler (as in real city catalogs).
LEVEL_WEIGHT = {2: 4.0, 3: 4.0, 4: 3.0, 5: 2.0, 6: 1.0}
VARIANTS = {"N": ("new", "新设"), "C": ("change", "变更"), "R": ("renew", "延续"), "X": ("cancel", "注销")}
HANDLING_DIGIT = {"": "0", "new": "1", "change": "2", "renew": "3", "cancel": "4"}
AREA_CODE = "0552"
PHONE_PREFIX = {"340300": "2", "340302": "3", "340303": "2", "340304": "4", "340311": "3"}
PHONE_PREFIX.update({"340321": "8", "340322": "5", "340323": "6", "340000": "0551"})

HOURS = [
    "周一至周五 上午9:00-12:00，下午13:30-17:30（法定节假日除外）",
    "周一至周五 上午8:30-12:00，下午14:30-17:30；周六上午9:00-12:00延时服务",
    "周一至周五 9:00-17:00（中午不休息）；法定节假日除外",
]
VILLAGE_HOURS = "周一至周五 上午8:30-11:30，下午14:30-17:00；农忙时节可预约上门代办"


class DemoError(ValueError):
    """The request cannot be met (e.g. more items than the demo city can implement)."""


def rng_for(seed: int, *parts: object) -> random.Random:
    """A random generator private to one decision (string seeding is stable across Python runs)."""
    return random.Random(":".join([str(seed), *map(str, parts)]))


# ----------------------------------------------------------------------------------------------
# Templates


@dataclass(frozen=True, eq=False)  # identity hash: templates are parsed once
class Template:
    dept: str
    index: int  # 1-based within the department: part of the basic code
    name: str
    item_type: str
    persons: bool
    enterprises: bool
    variants: str
    result: str
    levels: str
    aliases: tuple[str, ...]
    themes: tuple[str, ...]
    materials: tuple[str, ...]
    flags: frozenset[str]

    @property
    def fee_key(self) -> str:
        return next((f[1:] for f in self.flags if f.startswith("$")), "")


@cache
def templates() -> tuple[Template, ...]:
    """Parses templates.TEMPLATES once; raises on an unknown key so a typo never reaches a database."""
    out: list[Template] = []
    dept_order = {d.key: i for i, d in enumerate(DEPARTMENTS)}
    for dept, block in sorted(TEMPLATES.items(), key=lambda kv: dept_order[kv[0]]):
        index = 0
        for raw in block.strip().splitlines():
            if not raw.strip():
                continue
            f = [*raw.split("|"), "", "", "", "", "", "", "", "", ""][:10]
            index += 1
            name, item_type, obj, variants, result, levels, aliases, themes_, mats, flags = (x.strip() for x in f)
            persons, enterprises = "P" in obj, "E" in obj
            if result in LICENSE_BY_KEY:
                # Only whoever can hold the resulting license may apply: its guide names that audience alone.
                persons = LICENSE_BY_KEY[result].holder == "person"
                enterprises = not persons
            t = Template(
                dept=dept,
                index=index,
                name=name,
                item_type=item_type,
                persons=persons,
                enterprises=enterprises,
                variants=variants,
                result=result or ("A" if item_type == "01" else "O"),
                levels=levels or "CD",
                aliases=tuple(a for a in aliases.split(",") if a),
                themes=tuple(t for t in themes_.split(",") if t),
                materials=tuple(m for m in mats.split(",") if m),
                flags=frozenset(x for x in flags.split(",") if x),
            )
            _check_template(t)
            out.append(t)
    return tuple(out)


def _check_template(t: Template) -> None:
    where = f"demo template {t.dept}/{t.index} {t.name}"
    if t.item_type not in {"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "20"}:
        raise DemoError(f"{where}: item type {t.item_type}")
    if not (t.persons or t.enterprises) or not t.aliases:
        raise DemoError(f"{where}: service object and at least one colloquial name are required")
    if t.result not in {"A", "F", "O", "$"} and t.result not in LICENSE_BY_KEY:
        raise DemoError(f"{where}: result {t.result}")
    if set(t.variants) - set(VARIANTS) or set(t.levels) - set("PCDTV"):
        raise DemoError(f"{where}: handling items {t.variants} / levels {t.levels}")
    for theme in t.themes:
        if theme not in THEME_AUDIENCE:
            raise DemoError(f"{where}: theme {theme}")
    if t.fee_key and t.fee_key not in FEES:
        raise DemoError(f"{where}: fee {t.fee_key}")


# ----------------------------------------------------------------------------------------------
# Divisions and organisations


@dataclass
class _Org:
    plan: OrganisationPlan
    level: int
    county_code: str  # "" above county level
    dept: Dept | None


def _divisions(seed: int) -> tuple[list[DivisionPlan], dict[str, list[DivisionPlan]]]:
    divs = [DivisionPlan(PROVINCE[0], PROVINCE[1], 2, None), DivisionPlan(CITY[0], CITY[1], 3, PROVINCE[0])]
    villages_of: dict[str, list[DivisionPlan]] = {}
    for county_code, county_name, _district, _road, towns in COUNTIES:
        divs.append(DivisionPlan(county_code, county_name, 4, CITY[0]))
        serial = {"街道": 0, "镇": 100, "乡": 200}
        for town in towns:
            kind = "街道" if town.endswith("街道") else ("乡" if town.endswith("乡") else "镇")
            serial[kind] += 1
            tcode = f"{county_code}{serial[kind]:03d}000"
            divs.append(DivisionPlan(tcode, town, 5, county_code))
            vs = _villages(seed, tcode, kind)
            villages_of[tcode] = vs
            divs.extend(vs)
    return divs, villages_of


def _villages(seed: int, town_code: str, kind: str) -> list[DivisionPlan]:
    rng = rng_for(seed, "villages", town_code)
    count = rng.randint(7, 12)
    communities = count if kind == "街道" else (rng.randint(1, 2) if kind == "镇" else 0)
    names: list[str] = []
    out: list[DivisionPlan] = []
    words = list(COMMUNITY_WORDS)
    rng.shuffle(words)
    for i in range(communities):
        name = words[i] + "社区"
        names.append(name)
        out.append(DivisionPlan(f"{town_code[:9]}{i + 1:03d}", name, 6, town_code))
    n = 0
    while len(out) < count:
        if rng.random() < 0.15:
            name = rng.choice(VILLAGE_WORDS) + "村"
        else:
            name = rng.choice(VILLAGE_SURNAMES) + rng.choice(VILLAGE_SUFFIXES) + "村"
        if name in names:
            continue
        names.append(name)
        n += 1
        out.append(DivisionPlan(f"{town_code[:9]}{200 + n:03d}", name, 6, town_code))
    return out


class _Codes:
    """Unique credit codes and phone numbers drawn from the seed."""

    def __init__(self, seed: int):
        self.rng = rng_for(seed, "codes")
        self.taken: set[str] = set()
        self.phones: set[str] = set()

    def credit(self, category: str, division6: str) -> str:
        while True:
            code = make_credit_code("1", category, division6, f"{self.rng.randrange(10**8):08d}")
            if code not in self.taken:
                self.taken.add(code)
                return code

    def phone(self, county6: str) -> str:
        prefix = PHONE_PREFIX.get(county6, "2")
        while True:
            if prefix == "0551":
                number = f"0551-6{self.rng.randrange(10**6):06d}"
            else:
                number = f"{AREA_CODE}-{prefix}{self.rng.randrange(10**6):06d}"
            if number not in self.phones:
                self.phones.add(number)
                return number


def _address(rng: random.Random, place: str, county6: str) -> str:
    road = rng.choice(ROADS.get(county6, ROADS["340300"]))
    return f"{place}{road}{rng.randint(1, 999)}号"


def _dept_name(d: Dept, level: int, county: tuple[str, str, bool] | None) -> tuple[str, str, bool] | None:
    """(full name, short name, reports to the city body) of department `d` at a level, or None."""
    if level == 2:
        if d.style == "tax":
            return "国家税务总局安徽省税务局", "省税务局", False
        if d.province is None:
            return None
        return f"安徽省{d.province}", f"省{d.short}", False
    if level == 3:
        if d.style == "tax":
            return "国家税务总局蚌埠市税务局", "市税务局", False
        if d.style == "fire":
            return "蚌埠市消防救援支队", "市消防救援支队", False
        return f"蚌埠市{d.name}", f"市{d.short}", False
    assert county is not None
    _code, cname, district = county
    base = cname[:-1] if len(cname) > 2 else cname
    if (d.counties_only or d.style == "housing_fund") and district:
        return None
    if d.style == "tax":
        full = f"国家税务总局蚌埠市{cname}税务局" if district else f"国家税务总局{cname}税务局"
        return full, f"{base}税务局", True
    if d.style == "fire":
        return f"{cname}消防救援大队", f"{base}消防救援大队", True
    if d.style == "housing_fund":
        return f"蚌埠市住房公积金管理中心{cname}管理部", f"{base}公积金管理部", True
    if d.style == "branch" and district:
        return f"蚌埠市{d.name}{base}分局", f"{base}{d.short}分局", True
    return f"{cname}{d.name}", f"{base}{d.short}", False


def _organisations(seed: int, divs: list[DivisionPlan]) -> list[_Org]:
    codes = _Codes(seed)
    rng = rng_for(seed, "addresses")
    out: list[_Org] = []
    by_key_city: dict[str, str] = {}
    counties = [(c[0], c[1], c[2]) for c in COUNTIES]
    for d in DEPARTMENTS:
        named = _dept_name(d, 2, None)
        if named:
            full, short, _ = named
            plan = OrganisationPlan(
                codes.credit(d.category, "340000"),
                full,
                short,
                d.kind,
                "340000",
                None,
                _address(rng, "安徽省合肥市", "340000"),
                codes.phone("340000"),
                d.key,
            )
            out.append(_Org(plan, 2, "", d))
    city_center = ""
    for d in DEPARTMENTS:
        full, short, _ = _dept_name(d, 3, None)  # type: ignore[misc]
        plan = OrganisationPlan(
            codes.credit(d.category, "340300"),
            full,
            short,
            d.kind,
            "340300",
            None,
            _address(rng, "蚌埠市", "340300"),
            codes.phone("340300"),
            d.key,
        )
        by_key_city[d.key] = plan.credit_code
        if d.key == "zwfw":
            city_center = plan.credit_code
        out.append(_Org(plan, 3, "", d))
    assert city_center
    towns = [v for v in divs if v.level == 5]
    villages = [v for v in divs if v.level == 6]
    county_center: dict[str, str] = {}
    for county in counties:
        code, cname, _district = county
        for d in DEPARTMENTS:
            named = _dept_name(d, 4, county)
            if named is None:
                continue
            full, short, reports = named
            plan = OrganisationPlan(
                codes.credit(d.category, code),
                full,
                short,
                d.kind,
                code,
                by_key_city[d.key] if reports else None,
                _address(rng, f"蚌埠市{cname}", code),
                codes.phone(code),
                d.key,
            )
            if d.key == "zwfw":
                county_center[code] = plan.credit_code
            out.append(_Org(plan, 4, code, d))
    town_center: dict[str, str] = {}
    county_names = {c[0]: c[1] for c in counties}
    for t in towns:
        county6 = t.code[:6]
        plan = OrganisationPlan(
            codes.credit("1", county6),
            f"{t.name}便民服务中心",
            f"{t.name}便民中心",
            "convenience",
            t.code,
            county_center[county6],
            _address(rng, f"蚌埠市{county_names[county6]}{t.name}", county6),
            codes.phone(county6),
        )
        town_center[t.code] = plan.credit_code
        out.append(_Org(plan, 5, county6, None))
    town_names = {t.code: t.name for t in towns}
    for v in villages:
        county6 = v.code[:6]
        assert v.parent_code is not None
        plan = OrganisationPlan(
            codes.credit("1", county6),
            f"{v.name}便民服务中心",
            f"{v.name}便民服务中心"[:40],
            "convenience",
            v.code,
            town_center[v.parent_code],
            f"蚌埠市{county_names[county6]}{town_names[v.parent_code]}{v.name}"
            + ("党群服务中心" if v.name.endswith("社区") else "村民委员会院内"),
            codes.phone(county6),
        )
        out.append(_Org(plan, 6, county6, None))
    return out


# ----------------------------------------------------------------------------------------------
# Halls and windows

DEDICATED = [
    ("ga", "公安户政和出入境专窗"),
    ("bdc", "不动产登记专窗"),
    ("gjj", "住房公积金专窗"),
    ("sw_tax", "税务专窗"),
    ("rs", "社保和就业专窗"),
    ("yb", "医保专窗"),
    ("jt", "交通运输专窗"),
    ("zj", "住建专窗"),
]
COMPREHENSIVE = ["企业开办", "工程建设", "社会事务", "经营许可", "民生服务", "不动产交易"]


def _halls(seed: int, orgs: list[_Org], divs: list[DivisionPlan]) -> tuple[list[HallPlan], dict[str, str]]:
    """Halls of the city and county 政务服务中心 and of every township 便民服务中心.

    Also returns where each organisation's items are handled (the `place` of their guides).
    """
    rng = rng_for(seed, "halls")
    names = {d.code: d.name for d in divs}
    halls: list[HallPlan] = []
    place: dict[str, str] = {}
    by_div: dict[str, list[_Org]] = {}
    for o in orgs:
        by_div.setdefault(o.plan.division_code, []).append(o)
    for o in orgs:
        p = o.plan
        if o.dept is not None and o.dept.key == "zwfw":
            # Departments of this division, and the city bodies serving districts without their own.
            depts = [x for x in by_div[p.division_code] if x.dept is not None and x.dept.key != "zwfw"]
            hall_name = f"{p.name}大厅"
            hours = HOURS[rng.randrange(len(HOURS))]
            windows: list[WindowPlan] = []
            n_comp = 8 if o.level == 3 else 5
            for i in range(n_comp):
                windows.append(
                    WindowPlan(
                        f"A{i + 1:02d}", f"综合受理窗口（{COMPREHENSIVE[i % len(COMPREHENSIVE)]}）", "comprehensive"
                    )
                )
            n = 0
            for key, label in DEDICATED:
                dept_orgs = [x for x in depts if x.dept is not None and x.dept.key == key]
                if not dept_orgs:
                    continue
                n += 1
                number = f"B{n:02d}"
                windows.append(WindowPlan(number, label, "dedicated", [dept_orgs[0].plan.credit_code]))
                place[dept_orgs[0].plan.credit_code] = f"{hall_name} {number} {label}"
            windows.append(WindowPlan("C01", "统一出件窗口（证照领取、邮寄）", "delivery"))
            windows.append(WindowPlan("D01", "帮办代办服务台", "help"))
            if o.level == 3:
                windows.append(WindowPlan("C02", "EMS 邮政速递专窗", "delivery"))
                windows.append(WindowPlan("D02", "咨询引导台", "help"))
            halls.append(HallPlan(hall_name, p.credit_code, p.division_code, p.address, hours, p.phone, windows))
            for x in depts:
                place.setdefault(
                    x.plan.credit_code, f"{hall_name} 综合受理窗口A01-A{n_comp:02d}（{x.plan.short_name}事项）"
                )
            place[p.credit_code] = f"{hall_name} D01 帮办代办服务台"
        elif p.kind == "convenience" and o.level == 5:
            hall_name = f"{names[p.division_code]}便民服务中心大厅"
            windows = [
                WindowPlan("01", "综合受理窗口（社会事务）", "comprehensive", [p.credit_code]),
                WindowPlan("02", "综合受理窗口（社保医保）", "comprehensive", [p.credit_code]),
                WindowPlan("03", "综合受理窗口（农业农村）", "comprehensive", [p.credit_code]),
                WindowPlan("04", "出件窗口", "delivery"),
                WindowPlan("05", "帮办代办窗口", "help"),
            ]
            halls.append(HallPlan(hall_name, p.credit_code, p.division_code, p.address, HOURS[0], p.phone, windows))
            place[p.credit_code] = f"{hall_name}综合受理窗口（{p.address}）"
        elif p.kind == "convenience":
            place[p.credit_code] = f"{p.name}代办窗口（{p.address}）"
    for o in orgs:  # province bodies and any body without a hall: their own office
        place.setdefault(o.plan.credit_code, f"{o.plan.name}政务服务窗口（{o.plan.address}）")
    return halls, place


# ----------------------------------------------------------------------------------------------
# License types, data resources, themes


@cache
def _ministry_code(i: int) -> str:
    return make_credit_code("1", "1", "100000", f"{1000 + i * 37:08d}")


@cache
def license_type_code(key: str) -> str:
    """National type code: the defining ministry's credit code + a 3-digit serial (GB/T 36904 style)."""
    lk = LICENSE_BY_KEY[key]
    return f"{_ministry_code(lk.ministry)}{lk.serial:03d}"


@cache
def data_resource_code(key: str) -> str:
    index = next(i for i, r in enumerate(DATA_RESOURCES, 1) if r.key == key)
    return f"DR340300{index:04d}"


def _license_types(orgs: list[_Org]) -> list[LicenseTypePlan]:
    out = []
    for lk in LICENSE_KINDS:
        issuers = [o.plan.credit_code for o in orgs if o.dept is not None and o.dept.key == lk.issuer]
        out.append(
            LicenseTypePlan(
                license_type_code(lk.key),
                lk.name,
                lk.holder,
                issuers,
                f"{lk.name}（证照类型由{MINISTRIES[lk.ministry]}制定）",
                **type_schema(lk.key),
            )
        )
    return out


def _data_resources(orgs: list[_Org]) -> list[DataResourcePlan]:
    city = {o.dept.key: o.plan for o in orgs if o.level == 3 and o.dept is not None}
    return [
        DataResourcePlan(
            data_resource_code(r.key),
            r.name,
            city[r.provider].credit_code,
            r.sharing,
            list(r.fields),
            f"由{city[r.provider].name}提供，经数据共享交换平台核验",
        )
        for r in DATA_RESOURCES
    ]


def _themes() -> list[ThemePlan]:
    return [ThemePlan(theme_code(code), name, audience, i) for i, (code, name, audience) in enumerate(THEMES, 1)]


# ----------------------------------------------------------------------------------------------
# Items


@dataclass(frozen=True)
class _Candidate:
    org: int  # index in the organisation list
    template: Template
    variant: str  # "" or one of VARIANTS
    level: int
    priority: int  # 0 high-frequency, 1 other


def _universe(orgs: list[_Org]) -> list[_Candidate]:
    """Every (organisation, base item, handling item) the demo city could implement."""
    by_dept = {}
    for t in templates():
        by_dept.setdefault(t.dept, []).append(t)
    county_depts: dict[str, set[str]] = {}
    for o in orgs:
        if o.level == 4 and o.dept is not None:
            county_depts.setdefault(o.county_code, set()).add(o.dept.key)
    out: list[_Candidate] = []
    for i, o in enumerate(orgs):
        letter = LEVEL_LETTER[o.level]
        if o.dept is not None:
            candidates = [t for t in by_dept.get(o.dept.key, []) if letter in t.levels]
        else:
            candidates = [t for t in templates() if letter in t.levels]
        for t in candidates:
            priority = -1 if _showcase(t, o.level) else 0 if "H" in t.flags else 1
            for v in t.variants or "_":
                out.append(_Candidate(i, t, "" if v == "_" else v, o.level, priority))
    return out


# The items of the README's walk (蚌埠市市场监督管理局): in every demo city, however small, and applicable online.
SHOWCASE = {("scjg", "食品经营许可"), ("scjg", "特种设备作业人员资格认定")}


def _showcase(t: Template, level: int) -> bool:
    return level == 3 and (t.dept, t.name) in SHOWCASE


def _select(seed: int, universe: list[_Candidate], wanted: int) -> list[_Candidate]:
    """Picks exactly `wanted` candidates: every level keeps a share, higher levels fill first."""
    if wanted > len(universe):
        raise DemoError(f"the demo city implements at most {len(universe)} items; {wanted} were asked for")
    # The README's walk comes first, so that even a small test city has it.
    showcase = [c for c in universe if c.priority < 0][:wanted]
    wanted -= len(showcase)
    by_level: dict[int, list[_Candidate]] = {}
    for c in universe:
        if c.priority >= 0:
            by_level.setdefault(c.level, []).append(c)
    sizes = {lv: len(cs) for lv, cs in by_level.items()}

    def total(t: float) -> float:
        return sum(min(n, LEVEL_WEIGHT[lv] * t * n) for lv, n in sizes.items())

    lo, hi = 0.0, 1.0
    while total(hi) < wanted:
        hi *= 2
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if total(mid) < wanted else (lo, mid)
    exact = {lv: min(n, LEVEL_WEIGHT[lv] * hi * n) for lv, n in sizes.items()}
    quota = {lv: math.floor(x) for lv, x in exact.items()}
    for lv in sorted(exact, key=lambda lv: (-(exact[lv] - quota[lv]), lv)):
        if sum(quota.values()) >= wanted:
            break
        if quota[lv] < sizes[lv]:
            quota[lv] += 1
    chosen: list[_Candidate] = list(showcase)
    for lv in sorted(by_level):
        rng = rng_for(seed, "select", lv)
        keyed = [(c.priority, rng.random(), c) for c in by_level[lv]]
        keyed.sort(key=lambda k: (k[0], k[1]))
        chosen.extend(k[2] for k in keyed[: quota[lv]])
    chosen.sort(key=lambda c: (c.org, c.template.dept, c.template.index, c.variant))
    return chosen


CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1..199 in Chinese numerals, as law articles are numbered (第三十五条)."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    head = CN_DIGITS[n // 100] + "百"
    if rest == 0:
        return head
    if rest < 10:
        return head + "零" + CN_DIGITS[rest]
    return head + (CN_DIGITS[rest // 10] + "十" + (CN_DIGITS[rest % 10] if rest % 10 else ""))


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


@cache
def _legal_basis(seed: int, t: Template) -> str:
    """The department's laws that share words with the item name (its main law when none does)."""
    rng = rng_for(seed, "law", t.dept, t.index)
    laws = TEMPLATES_LAWS[t.dept]
    words = _bigrams(t.name) | {w for m in t.materials for w in _bigrams(m)}
    scored = sorted(((len(_bigrams(law) & words), -i, law) for i, law in enumerate(laws)), reverse=True)
    picked = [scored[0][2]] if scored[0][0] else [laws[0]]
    if len(scored) > 1 and scored[1][0] and rng.random() < 0.4:
        picked.append(scored[1][2])
    return "；".join(f"{law}第{cn_number(rng.randint(3, 60))}条" for law in picked)


TEMPLATES_LAWS = {d.key: list(d.laws) for d in DEPARTMENTS}
STATUTORY = {
    "01": (20, 20, 20, 15, 30, 45, 60),
    "02": (30,),
    "04": (15,),
    "05": (30, 20, 60),
    "06": (20, 30, 15),
    "07": (45, 60),
    "08": (60,),
    "10": (20, 15, 30),
    "20": (20, 15, 30, 10),
}
IMMEDIATE_SHARE = {"01": 0.12, "02": 0.5, "04": 1.0, "05": 0.05, "06": 0.25, "10": 0.6, "20": 0.45}
STEP_TEXT = {
    "accept": "窗口工作人员查验申请材料，材料齐全、符合法定形式的当场受理；不齐全的一次性告知需要补正的全部内容。",
    "undertake": "承办人员审查申请材料，需要现场核查的组织现场核查，提出审查意见。",
    "review": "科室负责人审核承办意见，对申请事项是否符合法定条件作出审核意见。",
    "approve": "分管负责人作出准予或者不予办理的决定；不予办理的说明理由并告知申请人依法享有的权利。",
    "deliver": "制作办理结果，申请人可选择窗口领取、免费邮寄或者在线获取电子证照。",
}


def _result(t: Template, variant: str, level: int = 3) -> tuple[str, str, str]:
    """(result_type, result_name, result_license_type)."""
    if t.result in LICENSE_BY_KEY:
        if variant == "cancel":
            return "approval", f"准予注销{LICENSE_BY_KEY[t.result].name}的决定", ""
        if level >= 5:
            # A 便民服务中心 accepts and forwards; the county department issues the license itself.
            return "other", f"{LICENSE_BY_KEY[t.result].name}代办转报回执", ""
        return "license", LICENSE_BY_KEY[t.result].name, license_type_code(t.result)
    if t.result == "F":
        return "filing", f"{t.name}回执", ""
    if t.result == "$":
        return "payment", f"{t.name}待遇核定结果（按月或一次性发放至社会保障卡）", ""
    if t.result == "A":
        return "approval", f"准予{t.name}的决定书", ""
    return "other", f"{t.name}办理结果告知单", ""


def _noun(t: Template) -> str:
    if t.result in LICENSE_BY_KEY:
        return LICENSE_BY_KEY[t.result].name
    for suffix in ("成立登记", "设立审批", "设立许可", "核发", "审批", "登记", "核准", "认定"):
        if t.name.endswith(suffix) and len(t.name) > len(suffix) + 2:
            return t.name[: -len(suffix)]
    return t.name


def _aliases(rng: random.Random, t: Template, variant: str) -> list[str]:
    noun = _noun(t)
    if variant in ("", "new"):
        pool = list(t.aliases)
        if variant == "new":
            pool.append(f"新办{noun}")
    elif variant == "change":
        pool = [f"{noun}变更", f"改{noun}上的信息", f"{noun}信息变了怎么办"]
    elif variant == "renew":
        pool = [f"{noun}延续", f"{noun}到期续办", f"{noun}快到期了"]
    else:
        pool = [f"注销{noun}", f"{noun}注销", f"不干了注销{noun}"]
    out: list[str] = []
    for a in pool:
        a = a.strip()[:50]
        if a and a not in out:
            out.append(a)
    keep = min(len(out), 4)
    if keep > 1 and variant in ("change", "renew", "cancel"):
        keep = rng.randint(1, keep)
    return out[:keep]


def _material(key: str, rng: random.Random, item_name: str) -> dict:
    conditional = key.startswith("?")
    key = key.lstrip("?")
    condition = ""
    if "@" in key:
        key, condition = key.split("@", 1)
    if key.startswith("license:"):
        lic = key.removeprefix("license:")
        name, source, data, form = LICENSE_BY_KEY[lic].name, "license", "", "electronic"
    elif key in MATERIALS:
        name, source, lic, data, form, cond = MATERIALS[key]
        condition = condition or cond
    else:
        name, source, lic, data, form = key, "applicant", "", "", rng.choice(("original", "copy", "electronic"))
    if conditional and not condition:
        condition = "存在相关情形的"
    return {
        "name": name,
        "source": source,
        "license_type_code": license_type_code(lic) if lic else "",
        "data_resource_code": data_resource_code(data) if data else "",
        "form": form,
        "copies": 1,
        "requirement": "conditional" if (conditional or (condition and key in MATERIALS)) else "required",
        "condition": condition,
        "notes": "",
    }


def _materials(rng: random.Random, t: Template, variant: str, level: int) -> list[dict]:
    keys: list[str] = []
    form_name = f"{t.name}申请{'书' if t.item_type == '01' else '表'}"
    mats = [
        {
            "name": form_name,
            "source": "applicant",
            "license_type_code": "",
            "data_resource_code": "",
            "form": "original",
            "copies": 1,
            "requirement": "required",
            "condition": "",
            "notes": "可在线填写；窗口提供空白表格和填写示范。",
        }
    ]
    if t.enterprises and not t.persons:
        keys += ["yyzz", "fddb"]
    elif t.persons and not t.enterprises:
        keys += ["sfz"]
    else:
        keys += ["sfz", "?yyzz@申请人为法人或者其他组织的"]
    if variant in ("", "new") and t.result in ("YYZZ", "SFZ"):
        # Whoever applies for their first business license or ID card has none yet.
        keys = [k for k in keys if k.lstrip("?").split("@")[0] != t.result.lower()]
    keys += list(t.materials)
    held = LICENSE_BY_KEY.get(t.result)
    if variant == "change":
        keys += ["变更事项的证明材料"]
    holder = "person" if t.persons else "enterprise"
    if variant in ("change", "renew", "cancel") and held is not None and held.holder == holder:
        # The license being changed, first (never cut): an e-license when the applicant holds it (免证办).
        keys.insert(0, f"license:{held.key}")
    elif variant in ("renew", "cancel"):
        keys += ["yj"]
    if "?wts" not in keys and "wts" not in keys and "V" not in t.flags and rng.random() < 0.5:
        keys.append("?wts")
    if level >= 5 and rng.random() < 0.3:
        keys.append("cjzm")
    seen = {form_name}
    for key in keys:
        m = _material(key, rng, t.name)
        if m["name"] in seen:
            continue
        seen.add(m["name"])
        mats.append(m)
    mats = mats[:8]
    for i, m in enumerate(mats, 1):
        m["order"] = i
        if m["form"] == "copy":
            m["copies"] = rng.choice((1, 1, 2))
    return mats


def _split_days(total: int, kinds: list[str], rng: random.Random) -> list[int]:
    days = [0] * len(kinds)
    if total <= 0:
        return days
    weights = {"accept": 1, "undertake": 3, "review": 2, "approve": 1, "deliver": 0}
    budget = total if rng.random() < 0.6 else max(1, total - rng.randint(0, max(0, total // 4)))
    sum_w = sum(weights[k] for k in kinds) or 1
    for i, k in enumerate(kinds):
        days[i] = math.floor(budget * weights[k] / sum_w)
    rest = budget - sum(days)
    idx = kinds.index("undertake") if "undertake" in kinds else 0
    days[idx] += rest
    return days


def _steps(rng: random.Random, t: Template, immediate: bool, promised_wd: int, level: int) -> list[dict]:
    if immediate:
        kinds = ["accept", "approve", "deliver"]
        names = ["受理", "审核办结", "送达"]
    elif t.item_type == "01":
        kinds = ["accept", "undertake", "review", "approve", "deliver"]
        names = ["受理", "审查", "审核", "决定", "办结送达"]
    elif level >= 5:
        kinds = ["accept", "undertake", "review", "approve"]
        names = ["受理（便民服务中心）", "初审", "审核", "审批（县级主管部门）"]
    else:
        kinds = ["accept", "undertake", "approve", "deliver"]
        names = ["受理", "承办", "审批", "办结送达"]
    days = _split_days(0 if immediate else promised_wd, kinds, rng)
    return [
        {"order": i, "kind": k, "name": n, "days": d, "description": STEP_TEXT[k]}
        for i, (k, n, d) in enumerate(zip(kinds, names, days, strict=True), 1)
    ]


def _conditions(t: Template, variant: str, level: int) -> str:
    who = []
    if t.persons:
        who.append("具有完全民事行为能力的自然人（未成年人由监护人代为申请）")
    if t.enterprises:
        who.append("依法设立的法人或者其他组织")
    parts = [f"申请人为{'或'.join(who)}。", "申请材料齐全、符合法定形式，内容真实有效。"]
    if t.item_type == "01":
        parts.append(f"符合{TEMPLATES_LAWS[t.dept][0]}及相关规定的条件和标准。")
    elif t.item_type in ("05", "20") and t.persons:
        parts.append("属于本行政区域内的服务对象，符合相关政策规定的条件。")
    if variant == "change":
        parts.append("原证照（批准文件）在有效期内，登记事项发生变化。")
    elif variant == "renew":
        parts.append("在有效期届满三十日前提出延续申请，且持续符合原条件。")
    elif variant == "cancel":
        parts.append("不再从事相关活动，或者依法应当注销的情形。")
    if level >= 5:
        parts.append("可就近在便民服务中心提交，由中心代为受理、转报县级主管部门办理。")
    return "".join(parts)


def _item(seed: int, c: _Candidate, o: _Org, competent: str, place: str, hours: str, phone: str) -> ItemPlan:
    t = c.template
    variant, label = VARIANTS[c.variant] if c.variant else ("", "")
    catalog_code = f"{t.item_type}{DEPT_INDEX[t.dept]:03d}{t.index:04d}000"
    item_code = f"{o.plan.credit_code}{catalog_code}{HANDLING_DIGIT[variant]}"
    rng = rng_for(seed, "item", item_code)
    name = f"{t.name}（{label}）" if label else t.name

    statutory = rng.choice(STATUTORY.get(t.item_type, (20,)))
    unit = "nd" if t.item_type == "07" else "wd"
    if t.dept == "bdc":
        statutory = 30
    share = IMMEDIATE_SHARE.get(t.item_type, 0.1)
    if variant == "cancel":
        share = max(share, 0.5)
    immediate = "I" in t.flags or (rng.random() < share and "V" not in t.flags and t.result != "$")
    promised = 0 if immediate else max(1, min(statutory, round(statutory * rng.uniform(0.05, 0.45))))
    promised_wd = promised if unit == "wd" else math.floor(promised * 5 / 7)

    if _showcase(t, c.level):
        depth = 4
    elif "V" in t.flags:
        depth = rng.choice((2, 3, 3))
    elif c.level >= 5:
        depth = rng.choices((1, 2, 3, 4), weights=(1, 3, 4, 3))[0]
    else:
        depth = rng.choices((2, 3, 4), weights=(1, 3, 6))[0]
    if depth == 4:
        visits = 0
    elif depth == 3:
        visits = 1
    else:
        visits = rng.choice((1, 1, 1, 2))

    fees = [{"name": n, "standard": s, "basis": b} for n, s, b in FEES.get(t.fee_key, [])]
    result_type, result_name, result_license = _result(t, variant, c.level)
    form_fields, result_fields = item_form(t.result) if result_license else ([], {})
    lifecycle = {"start", "change", "close"}
    keys = [k for k in t.themes if not variant or k not in lifecycle]
    if variant == "new" and "start" in t.themes:
        keys.append("start")
    if t.enterprises and variant == "change":
        keys.append("change")
    if t.enterprises and variant == "cancel":
        keys.append("close")
    themes = [theme_code(k) for k in keys]
    themes = sorted(set(themes))

    version = {
        "name": name,
        "aliases": _aliases(rng, t, variant),
        "item_type": t.item_type,
        "level": c.level,
        "competent_department": competent,
        "legal_basis": _legal_basis(seed, t),
        "for_persons": t.persons,
        "for_enterprises": t.enterprises,
        "acceptance_conditions": _conditions(t, variant, c.level),
        "statutory_limit": statutory,
        "statutory_unit": unit,
        "promised_limit": promised,
        "promised_unit": unit,
        "handling_kind": 1 if immediate else 2,
        "visits_required": visits,
        "online_depth": depth,
        "fee_required": bool(fees),
        "fees": fees,
        "place": place,
        "hours": hours,
        "phone": phone,
        "complaint_phone": "12345",
        "result_type": result_type,
        "result_name": result_name,
        "result_license_type": result_license,
        "form_fields": form_fields,
        "result_fields": result_fields,
        "change_note": "",
    }
    return ItemPlan(
        item_code=item_code,
        catalog_code=catalog_code,
        handling_item=variant,
        organisation_code=o.plan.credit_code,
        version=version,
        materials=_materials(rng, t, variant, c.level),
        steps=_steps(rng, t, immediate, promised_wd, c.level),
        themes=themes,
    )


DEPT_INDEX = {d.key: i for i, d in enumerate(DEPARTMENTS, 1)}


@cache
def universe_size() -> int:
    """How many items the demo city can implement at most (the same for every seed ± villages)."""
    divs, _ = _divisions(0)
    return len(_universe(_organisations(0, divs)))


def generate_city(seed: int = 2026, items: int = 15000) -> CityPlan:
    """Generates the demo city for `seed` with exactly `items` service items, as plain data.

    The result is a `CityPlan` (see plan.py): divisions (province 安徽省 → city 蚌埠市 → its 7 real
    counties/districts → their real townships → generated villages and communities), about 1,000
    organisations (departments at province, city and county level, a 政务服务中心 per city and
    county, a 便民服务中心 per township and village), halls with their windows, license types,
    data resources, themes and the items. Each item is a dict-shaped first version with materials,
    steps and theme codes, valid under catalog.validation, with unique 31-character codes.
    """
    if items < 1:
        raise DemoError("ask for at least one item")
    divs, _villages_of = _divisions(seed)
    orgs = _organisations(seed, divs)
    halls, place = _halls(seed, orgs, divs)
    hall_hours = {h.organisation_code: h.hours for h in halls}
    chosen = _select(seed, _universe(orgs), items)

    # The competent department of township/village items: the county body (or the city body
    # serving a district that has none of its own).
    body: dict[tuple[str, str], _Org] = {}
    for o in orgs:
        if o.dept is not None and o.level in (3, 4):
            body[(o.county_code or "340300", o.dept.key)] = o
    county_center_hours = {}
    for o in orgs:
        if o.dept is not None and o.dept.key == "zwfw":
            county_center_hours[o.county_code or "340300"] = hall_hours.get(o.plan.credit_code, HOURS[0])

    plans: list[ItemPlan] = []
    for c in chosen:
        o = orgs[c.org]
        if o.level >= 5:
            head = body.get((o.county_code, c.template.dept)) or body[("340300", c.template.dept)]
            competent = head.plan.name
            hours = VILLAGE_HOURS if o.level == 6 else hall_hours.get(o.plan.credit_code, HOURS[0])
        else:
            competent = o.plan.name
            hours = county_center_hours.get(o.county_code or "340300", HOURS[0]) if o.level > 2 else HOURS[0]
        plans.append(_item(seed, c, o, competent, place[o.plan.credit_code], hours, o.plan.phone))

    return CityPlan(
        seed=seed,
        divisions=divs,
        organisations=[o.plan for o in orgs],
        halls=halls,
        license_types=_license_types(orgs),
        data_resources=_data_resources(orgs),
        themes=_themes(),
        items=plans,
    )
