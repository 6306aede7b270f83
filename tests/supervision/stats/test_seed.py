"""`stats_seed_demo` (a `make demo` step): a year of case history, the statistics rebuilt, last month ranked."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from tests.factories import OrganisationFactory, make_item
from yiwang.supervision.models import Ranking, StatCase, StatRollup

pytestmark = pytest.mark.django_db(transaction=True)  # the generator commits its chunks


def test_refuses_without_a_catalog_with_a_message():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("stats_seed_demo", cases=10, stdout=StringIO())


def test_a_year_of_history_then_nothing_more_with_if_empty():
    org = OrganisationFactory(name="蚌埠市市场监督管理局")
    make_item(org, promised_limit=5, statutory_limit=20)
    make_item(
        org,
        handling_kind=1,
        promised_limit=0,
        statutory_limit=5,
        steps=[{"kind": "accept", "name": "受理", "days": 0}, {"kind": "approve", "name": "批准", "days": 0}],
    )
    out = StringIO()
    call_command("stats_seed_demo", cases=400, stdout=out)
    assert "ranking" in out.getvalue()
    assert StatCase.objects.count() == 400
    days = StatCase.objects.values("received_day").distinct().count()
    assert days > 150  # spread over the year, not one day
    totals = StatRollup.objects.filter(period="day").aggregate(r=Sum("received"), c=Sum("concluded"))
    assert totals["r"] == 400 and 0 < totals["c"] <= 400
    assert StatCase.objects.filter(outcome="").exists()  # some still open
    assert Ranking.objects.count() == 1
    again = StringIO()
    call_command("stats_seed_demo", "--if-empty", cases=400, stdout=again)
    assert "nothing added" in again.getvalue() and StatCase.objects.count() == 400
