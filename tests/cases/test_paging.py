"""Lists page by keyset, never by offset: the API's `after=`, My Space's "older"/"newer", the feed's `after=`."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.factories import OrganisationFactory, make_item
from yiwang.cases.models import Case, Message
from yiwang.core import keyset
from yiwang.identity.models import Person

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def heavy():
    """A year of generated cases; the person with the most of them, signed in."""
    org = OrganisationFactory(name="蚌埠市市场监督管理局")
    make_item(org)
    call_command("generate_cases", cases=400, years=1, seed=3, persons=4, enterprises=2, stdout=StringIO())
    from django.contrib.auth import get_user_model

    person = max(Person.objects.all(), key=lambda p: Case.objects.filter(person=p, enterprise__isnull=True).count())
    person.user = get_user_model().objects.create_user("heavy", password="x-correct-horse")
    person.save(update_fields=["user"])
    c = Client()
    c.force_login(person.user)
    expected = list(
        Case.objects.filter(person=person, enterprise__isnull=True)
        .order_by("-submitted_at", "-id")
        .values_list("case_number", flat=True)
    )
    assert len(expected) > 45
    return c, expected


def test_api_pages_by_case_number_without_gaps_or_repeats(heavy):
    c, expected = heavy
    seen: list[str] = []
    url = "/api/v1/cases/?mine=true&limit=20"
    while True:
        rows = c.get(url).json()
        if not rows:
            break
        seen += [r["case_number"] for r in rows]
        url = f"/api/v1/cases/?mine=true&limit=20&after={rows[-1]['case_number']}"
    assert seen == expected


def test_api_refuses_a_cursor_outside_the_list(heavy):
    c, _expected = heavy
    other = Case.objects.exclude(case_number__in=_expected).first()
    for bad in ("340300000000000000X", other.case_number):
        r = c.get(f"/api/v1/cases/?mine=true&after={bad}")
        assert r.status_code == 400
        assert r.json()["detail"][0]["field"] == "after"


def test_my_cases_page_walks_older_and_back_newer(heavy):
    c, expected = heavy
    r = c.get("/my/cases/")
    page = r.context["page"]
    assert [x.case_number for x in page] == expected[:20] and page.newer is None and page.older
    pages = [[x.case_number for x in page]]
    while page.older:
        page = c.get("/my/cases/", {"older": page.older}).context["page"]
        pages.append([x.case_number for x in page])
    assert [n for p in pages for n in p] == expected
    # and back, page by page, to the first
    back = c.get("/my/cases/", {"newer": page.newer}).context["page"]
    assert [x.case_number for x in back] == pages[-2]
    assert c.get("/my/cases/", {"older": "garbage"}).context["page"].rows[0].case_number == expected[0]


def test_keyset_keeps_rows_with_the_same_moment_apart():
    """Rows sharing a timestamp are ordered by id, so none is skipped or shown twice at a page boundary."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("m", password="x-correct-horse")
    at = timezone.now().replace(microsecond=0)
    for i in range(7):
        Message.objects.create(recipient=user, text=f"m{i}", created_at=at if i < 5 else at - dt.timedelta(seconds=i))
    qs = Message.objects.filter(recipient=user)
    expected = list(qs.order_by("-created_at", "-id").values_list("text", flat=True))
    got, page = [], keyset.page(qs, "created_at", 2)
    while True:
        got += [m.text for m in page]
        if not page.older:
            break
        page = keyset.page(qs, "created_at", 2, older=page.older)
    assert got == expected
    assert keyset.parse(keyset.cursor(at, 9)) == (at, 9)
    assert keyset.parse("x.y") is None and keyset.parse(None) is None
