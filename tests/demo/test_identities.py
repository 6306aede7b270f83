"""`yiwang demo_identities`: deterministic libraries and the demo applicants, idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from yiwang.core.codes import credit_code_error
from yiwang.identity.models import (
    Agent,
    Enterprise,
    LegalPersonRecord,
    Level,
    Person,
    PopulationRecord,
    Verification,
)

pytestmark = pytest.mark.django_db


def test_demo_identities_build_the_libraries_and_accounts_idempotently():
    out = StringIO()
    call_command("demo_identities", stdout=out)
    assert "13900000001" in out.getvalue() and "Yiwang-demo-2026" in out.getvalue()
    assert PopulationRecord.objects.count() == 2004
    assert LegalPersonRecord.objects.count() == 300
    assert all(credit_code_error(c) is None for c in LegalPersonRecord.objects.values_list("credit_code", flat=True))
    persons = {p.name: p for p in Person.objects.all()}
    assert set(persons) == {"张三", "李四", "王五", "Emily Johnson"}
    assert all(p.level == Level.ID for p in persons.values())
    assert persons["Emily Johnson"].doc_type == "foreign_permanent" and persons["Emily Johnson"].nationality == "USA"
    company = Enterprise.objects.get()
    assert company.legal_rep == persons["李四"] and company.level == Level.ID
    agent = Agent.objects.get()
    assert agent.person == persons["王五"] and sorted(agent.permissions) == ["apply", "view_cases"]
    verifications = Verification.objects.count()
    hashes = set(PopulationRecord.objects.values_list("doc_number_hash", flat=True))

    call_command("demo_identities", stdout=StringIO())
    assert PopulationRecord.objects.count() == 2004 and LegalPersonRecord.objects.count() == 300
    assert set(PopulationRecord.objects.values_list("doc_number_hash", flat=True)) == hashes
    assert Person.objects.count() == 4 and Agent.objects.count() == 1
    assert Verification.objects.count() == verifications


def test_zhang_san_signs_in_with_his_mobile_or_id_number():
    call_command("demo_identities", stdout=StringIO())
    zhang = Person.objects.get(name="张三")
    request = RequestFactory().post("/sign-in/")
    for identifier in ("13900000001", zhang.doc_number):
        user = authenticate(request, username=identifier, password="Yiwang-demo-2026")
        assert user is not None and user.pk == zhang.user_id, identifier
