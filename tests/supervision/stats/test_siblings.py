"""Ratings and 12345 tickets reach the rollups through their outbox payloads only (supervision never reads their
tables): the latest event wins, repeats and older events change nothing, and a rebuild gives the same rows."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import OrganisationFactory
from yiwang.core import outbox
from yiwang.supervision import rollup
from yiwang.supervision.models import StatRollup

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 3)


def day_row(org_id: int) -> StatRollup:
    return StatRollup.objects.get(period="day", day=DAY, organisation_id=org_id, item_id=0, channel="")


def rating(org_id: int, **kw) -> dict:
    return {"rating_id": 7, "organisation_id": org_id, "level": 1, "day": DAY.isoformat(), "counted": True} | kw


def test_a_rating_is_counted_once_rectified_then_removed_by_an_appeal():
    org = OrganisationFactory()
    assert rollup.on_rating_event(10, rating(org.pk, rectified=None))
    r = day_row(org.pk)
    assert (r.ratings, r.rating_sum, r.bad_ratings, r.rectified) == (1, 1, 1, 0)
    assert not rollup.on_rating_event(10, rating(org.pk))  # handed twice
    assert rollup.on_rating_event(12, rating(org.pk, rectified=True))
    assert not rollup.on_rating_event(11, rating(org.pk, rectified=False))  # older than the last one seen
    r.refresh_from_db()
    assert (r.ratings, r.bad_ratings, r.rectified) == (1, 1, 1)
    assert rollup.on_rating_event(13, rating(org.pk, rectified=None, action="classify"))
    r.refresh_from_db()
    assert r.rectified == 1  # unknown in this event: kept
    before = rollup.snapshot()
    rollup.rebuild()
    assert rollup.snapshot() == before
    assert rollup.on_rating_event(14, rating(org.pk, counted=False))
    r = day_row(org.pk)  # the rebuild wrote new rows
    assert (r.ratings, r.bad_ratings, r.rectified) == (0, 0, 0)


def test_incomplete_payloads_are_ignored():
    assert not rollup.on_rating_event(1, {"rating_id": 1})
    assert not rollup.on_ticket_event(1, {"ticket_id": "x"})


def test_a_ticket_moves_with_its_dispatch_and_arrives_through_the_outbox():
    a, b = OrganisationFactory(), OrganisationFactory()
    outbox.publish(
        "hotline.ticket_changed",
        {"ticket_id": 5, "organisation_id": a.pk, "kind": "complaint", "day": DAY.isoformat()},
        key="hotline.order:5",
    )
    outbox.drain()
    assert (day_row(a.pk).tickets, day_row(a.pk).complaints) == (1, 1)
    outbox.publish(
        "hotline.ticket_changed",
        {"ticket_id": 5, "organisation_id": b.pk, "kind": "complaint", "day": DAY.isoformat()},
        key="hotline.order:5",
    )
    outbox.drain()
    assert day_row(a.pk).tickets == 0 and day_row(b.pk).tickets == 1
