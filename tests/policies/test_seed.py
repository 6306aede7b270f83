"""`seed_policies`: 50 realistic policies published, the demo enterprises matched, 李四's company offered its grant."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import OrganisationFactory
from yiwang.identity.models import Enterprise
from yiwang.policies import matching
from yiwang.policies.models import Grant, GrantState, Match, Policy, VersionStatus

pytestmark = pytest.mark.django_db


def test_seed_policies_publishes_fifty_and_matches_li_sis_company():
    OrganisationFactory(name="蚌埠市市场监督管理局")
    OrganisationFactory(name="蚌埠市人力资源和社会保障局")
    with pytest.raises(CommandError):
        call_command("seed_policies", stdout=StringIO())  # no demo identities yet: nothing written
    assert not Policy.objects.exists()
    call_command("demo_identities", stdout=StringIO())
    out = StringIO()
    call_command("seed_policies", "--enterprises", "30", stdout=out)
    assert Policy.objects.filter(current__status=VersionStatus.PUBLISHED).count() == 50
    assert "〔2026〕" in Policy.objects.first().current.doc_number
    company = Enterprise.objects.get(name="蚌埠淮河食品有限公司")
    assert Match.objects.filter(enterprise=company, eligible=True).count() >= 3
    assert Match.objects.filter(eligible=True).exclude(enterprise=company).exists()
    grant = Grant.objects.get(enterprise=company, round__policy__code="P3403002026FOOD1")
    assert grant.state == GrantState.APPROVED
    found = {f.version.policy.code for f in matching.verdicts_for(company) if f.verdict.eligible}
    assert "P3403002026FOOD1" in found
    again = StringIO()
    call_command("seed_policies", "--if-empty", stdout=again)
    assert "nothing to do" in again.getvalue()
