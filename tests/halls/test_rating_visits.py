"""A finished queue ticket is rated on the spot (一次一评): halls offers its tickets to ratings through the
"ratings.visit_sources" hook, and the ticket's own phone page links to the rating."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.halls.world import build, by
from yiwang.halls import services
from yiwang.halls.models import TicketSource
from yiwang.ratings.models import Rating

pytestmark = pytest.mark.django_db


def served(w):
    window = w["windows"][0]
    services.open_window(window, by(w["clerk"]))
    ticket, _created = services.take_ticket(w["line"], source=TicketSource.KIOSK, by=services.By(channel="kiosk"))
    services.call_next(window, by(w["clerk"]))
    return window, ticket


def test_the_ticket_page_links_to_the_rating_once_the_visit_is_finished(client):
    w = build()
    window, ticket = served(w)
    page = client.get(reverse("halls:ticket", args=[ticket.key]))
    assert page.status_code == 200 and b"/rate/visit/" not in page.content  # called, not finished yet
    services.finish(window, by(w["clerk"]))
    page = client.get(reverse("halls:ticket", args=[ticket.key]))
    link = f"/rate/visit/?source=halls&amp;ticket={ticket.pk}&amp;code={ticket.key}"
    assert link.encode() in page.content

    form = client.get(link.replace("&amp;", "&"))
    assert form.status_code == 200
    data = {"source": "halls", "ticket": str(ticket.pk), "code": ticket.key, "level": "5"}
    answer = client.post(reverse("ratings:by_visit"), data)
    assert answer.status_code in (200, 302), answer.content.decode()[:2000]
    rating = Rating.objects.get(visit_key=f"halls:{ticket.pk}")
    assert rating.level == 5
    assert rating.window_id == window.pk
    assert list(rating.staff.values_list("user_id", flat=True)) == [w["clerk"].pk]  # the clerk who served


def test_a_wrong_code_or_an_unfinished_ticket_is_not_found(client):
    w = build()
    window, ticket = served(w)
    url = reverse("ratings:by_visit")
    assert client.get(url, {"source": "halls", "ticket": ticket.pk, "code": ticket.key}).status_code == 404
    services.finish(window, by(w["clerk"]))
    assert client.get(url, {"source": "halls", "ticket": ticket.pk, "code": "x" * 32}).status_code == 404
    assert client.get(url, {"source": "halls", "ticket": "1e9", "code": ticket.key}).status_code == 404
    assert client.get(url, {"source": "halls", "ticket": ticket.pk, "code": ticket.key}).status_code == 200


def test_the_window_pad_offers_the_visit_just_finished():
    from yiwang.ratings import visits

    w = build()
    window, ticket = served(w)
    assert visits.latest_at_window(window.pk) is None
    services.finish(window, by(w["clerk"]))
    visit = visits.latest_at_window(window.pk)
    assert visit is not None and visit.ticket == str(ticket.pk) and visit.window_id == window.pk
