"""The plain-data shape of a generated demo city (no Django models, so benchmarks and exporters can use it).

Organisations, windows, license types, data resources and items refer to each other by code
(credit code, division code, license type code, data resource code, theme code), never by
database id, so a plan can be written to any database or serialised as JSON.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class DivisionPlan:
    code: str  # GB/T 2260: 6 digits (province, city, county) or 12 (township, village)
    name: str
    level: int  # 2 province … 6 village
    parent_code: str | None


@dataclass
class OrganisationPlan:
    credit_code: str  # GB 32100, valid and unique
    name: str
    short_name: str
    kind: str  # orgs.OrgKind value
    division_code: str
    parent_code: str | None  # credit code of the parent organisation
    address: str
    phone: str
    dept_key: str = ""  # reference.DEPARTMENTS key, "" for convenience centres


@dataclass
class WindowPlan:
    number: str
    name: str
    kind: str  # orgs.WindowKind value
    organisation_codes: list[str] = field(default_factory=list)


@dataclass
class HallPlan:
    name: str
    organisation_code: str
    division_code: str
    address: str
    hours: str
    phone: str
    windows: list[WindowPlan] = field(default_factory=list)


@dataclass
class LicenseTypePlan:
    code: str
    name: str
    holder_kind: str  # person | enterprise
    issuer_codes: list[str]
    description: str = ""
    # What the certificate shows and how it is numbered (licenses.LicenseType fields; see demo/licenses.py).
    fields: list[dict] = field(default_factory=list)
    layout: dict = field(default_factory=dict)
    validity_years: int | None = None
    number_field: str = ""
    number_pattern: str = ""


@dataclass
class DataResourcePlan:
    code: str
    name: str
    provider_code: str
    sharing: str
    fields: list[str]
    description: str = ""


@dataclass
class ThemePlan:
    code: str
    name: str
    audience: str
    order: int


@dataclass
class ItemPlan:
    """One implemented item with its first (published) version, in the create_item input shape."""

    item_code: str  # 31 chars: credit code + basic code + handling digit
    catalog_code: str  # 12 chars, starts with the item type
    handling_item: str  # "" | new | change | renew | cancel
    organisation_code: str
    version: dict[str, Any]  # services.VERSION_FIELDS
    materials: list[dict[str, Any]]  # services.MATERIAL_FIELDS
    steps: list[dict[str, Any]]  # services.STEP_FIELDS without countersign_org_id
    themes: list[str]  # theme codes


@dataclass
class CityPlan:
    """A whole generated city: everything `write_city` writes, in writing order."""

    seed: int
    divisions: list[DivisionPlan]
    organisations: list[OrganisationPlan]
    halls: list[HallPlan]
    license_types: list[LicenseTypePlan]
    data_resources: list[DataResourcePlan]
    themes: list[ThemePlan]
    items: list[ItemPlan]

    def summary(self) -> dict[str, int]:
        """Counts worth printing: divisions and items per level, organisations, halls, windows, ..."""
        out: dict[str, int] = {}
        div_levels = Counter(d.level for d in self.divisions)
        for level in sorted(div_levels):
            out[f"divisions.level{level}"] = div_levels[level]
        out["divisions"] = len(self.divisions)
        out["organisations"] = len(self.organisations)
        out["halls"] = len(self.halls)
        out["windows"] = sum(len(h.windows) for h in self.halls)
        out["license_types"] = len(self.license_types)
        out["data_resources"] = len(self.data_resources)
        out["themes"] = len(self.themes)
        out["items"] = len(self.items)
        item_levels = Counter(i.version["level"] for i in self.items)
        for level in sorted(item_levels):
            out[f"items.level{level}"] = item_levels[level]
        out["base_items"] = len({i.catalog_code for i in self.items})
        out["materials"] = sum(len(i.materials) for i in self.items)
        out["steps"] = sum(len(i.steps) for i in self.items)
        return out

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form of the whole plan."""
        return asdict(self)
