"""`yiwang seed_ratings` on a small demo city: ratings over several departments, the bad reviews of 市场监管局 at
every stage of rectification, a case left for 张三 to rate; idempotent with --if-empty; fails loudly."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from yiwang.ratings import rollup
from yiwang.ratings.models import Rating, Rectification

pytestmark = pytest.mark.django_db


def test_the_demo_ratings(settings):
    settings.RATINGS_SMS_INVITE = False
    with pytest.raises(CommandError):
        call_command("seed_ratings", stdout=StringIO())
    call_command("seed_demo", seed=11, items=300, no_index=True, stdout=StringIO())
    call_command("demo_accounts", stdout=StringIO())
    call_command("demo_identities", stdout=StringIO())
    out = StringIO()
    call_command("seed_ratings", "--if-empty", stdout=out)
    assert "张三 can rate case" in out.getvalue()
    ratings = Rating.objects.all()
    assert ratings.values("organisation").distinct().count() >= 3
    states = set(Rectification.objects.values_list("state", flat=True))
    assert {"open", "verified", "classified", "submitted", "appealed", "closed"} <= states
    before = ratings.count()
    again = StringIO()
    call_command("seed_ratings", "--if-empty", stdout=again)
    assert "nothing seeded" in again.getvalue() and Rating.objects.count() == before
    snapshot = rollup.snapshot()
    rollup.rebuild()
    assert rollup.snapshot() == snapshot
