"""`yiwang seed_supervision_cards` on a small demo city: cards (yellow and red) for 市场监管局, a correction order and
a watch entry of the demo supervisor; idempotent with --if-empty; fails loudly without the demo city."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from yiwang.supervision.models import Card, CorrectionOrder, Watch

pytestmark = pytest.mark.django_db


def test_the_demo_cards():
    with pytest.raises(CommandError):
        call_command("seed_supervision_cards", stdout=StringIO())
    call_command("seed_demo", seed=11, items=300, no_index=True, stdout=StringIO())
    call_command("demo_accounts", stdout=StringIO())
    call_command("demo_identities", stdout=StringIO())
    out = StringIO()
    call_command("seed_supervision_cards", "--if-empty", stdout=out)
    assert "cases aged" in out.getvalue()
    levels = set(Card.objects.filter(organisation__name="蚌埠市市场监督管理局").values_list("level", flat=True))
    assert levels == {"yellow", "red"}
    assert CorrectionOrder.objects.filter(issued_by__username="supervisor").count() == 1
    assert Watch.objects.filter(user__username="supervisor").count() == 1
    before = Card.objects.count()
    again = StringIO()
    call_command("seed_supervision_cards", "--if-empty", stdout=again)
    assert "nothing to do" in again.getvalue() and Card.objects.count() == before
