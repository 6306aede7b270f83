"""The hard bits of guides.py, directly: limits and their compression, phones, badges, version numbers."""

import pytest
from django.utils.translation import gettext

from yiwang.catalog import guides
from yiwang.catalog.models import ItemVersion


def version(**kw) -> ItemVersion:
    data = {
        "statutory_limit": 20,
        "statutory_unit": "wd",
        "promised_limit": 5,
        "promised_unit": "wd",
        "handling_kind": 2,
    }
    data.update(kw)
    return ItemVersion(**data)


def test_promise_compression_in_the_same_unit():
    limits = guides.time_limits(version())
    assert limits["saved_percent"] == 75
    assert "15" in limits["saved"] and "75%" in limits["saved"]


def test_promise_compression_across_units_is_approximate():
    limits = guides.time_limits(version(statutory_limit=2, statutory_unit="mo", promised_limit=15))
    # 2 months ≈ 60 calendar days; 15 working days ≈ 21 calendar days → about 65% shorter.
    assert limits["saved_percent"] == 65
    assert "65%" in limits["saved"]


def test_no_compression_when_promise_equals_statute():
    limits = guides.time_limits(version(promised_limit=20))
    assert limits["saved"] == "" and limits["saved_percent"] is None


def test_on_the_spot_items():
    limits = guides.time_limits(version(handling_kind=1, promised_limit=0))
    assert limits["promised"] == gettext("Done on the spot")
    assert limits["saved_percent"] == 100


def test_zero_statutory_limit_does_not_divide_by_zero():
    assert guides.time_limits(version(statutory_limit=0, promised_limit=0))["saved_percent"] is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0552-1234567", [("0552-1234567", "tel:05521234567")]),
        ("0552-1234567，0552-7654321", [("0552-1234567", "tel:05521234567"), ("0552-7654321", "tel:05527654321")]),
        ("12345; (0552)3112345", [("12345", "tel:12345"), ("(0552)3112345", "tel:05523112345")]),
        ("+86 552 1234567", [("+86 552 1234567", "tel:+865521234567")]),
        ("", []),
    ],
)
def test_phone_links(text, expected):
    assert guides.phone_links(text) == expected


def test_visit_badges():
    assert guides.visits_badge(0)["text"] == gettext("Zero visits")
    assert guides.visits_badge(1)["text"] == gettext("At most one visit")
    assert guides.visits_badge(3)["text"] == gettext("%(count)s visits") % {"count": 3}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, None), ("", None), ("3", 3), ("0", False), ("-1", False), ("x", False), ("1" * 12, False), ("²", False)],
)
def test_parse_version_param(raw, expected):
    assert guides.parse_version_param(raw) is expected or guides.parse_version_param(raw) == expected


def test_online_depth_tells_whether_applying_online_is_possible():
    assert guides.online_depth(version(online_depth=2))["online"] is False
    assert guides.online_depth(version(online_depth=3))["online"] is True
    assert guides.online_depth(version(online_depth=4))["help"]
