"""Factories for the verification, staff-tool and library tests: staff in a demo-like division, library rows."""

from __future__ import annotations

from typing import Any

from tests.factories import OrganisationFactory, division_chain, staff
from yiwang.identity.models import LegalPersonRecord, PopulationRecord, RecordStatus
from yiwang.identity.verification import library_hash
from yiwang.orgs.models import Organisation, Role


def org(**kwargs: Any) -> Organisation:
    return OrganisationFactory(**kwargs)


def other_county_org() -> Organisation:
    """An organisation in another county (蚌山区), outside a 龙子湖区 supervisor's reach."""
    from yiwang.orgs.models import Division

    _province, city, _county = division_chain()
    county, _ = Division.objects.get_or_create(code="340303", defaults={"name": "蚌山区", "parent": city})
    return OrganisationFactory(division=county)


def clerk(organisation: Organisation | None = None, **kwargs: Any):
    return staff(organisation or org(), Role.WINDOW_CLERK, **kwargs)


def member(role: str, organisation: Organisation | None = None, **kwargs: Any):
    return staff(organisation or org(), role, **kwargs)


def in_library(person, *, name: str | None = None, status: str = RecordStatus.NORMAL) -> PopulationRecord:
    """Puts a registered person into the population library (optionally under another name or status)."""
    return PopulationRecord.objects.create(
        doc_type=person.doc_type,
        doc_number_hash=library_hash(person.doc_type, person.doc_number),
        name=person.name if name is None else name,
        status=status,
        source="test",
    )


def legal_record(enterprise, *, rep=None, **overrides: Any) -> LegalPersonRecord:
    data: dict[str, Any] = {
        "credit_code": enterprise.credit_code,
        "name": enterprise.name,
        "legal_rep_name": enterprise.legal_rep_name,
        "legal_rep_doc_hash": library_hash(rep.doc_type, rep.doc_number) if rep else "",
        "source": "test",
    }
    data.update(overrides)
    return LegalPersonRecord.objects.create(**data)
