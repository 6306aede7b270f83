"""A guide costs the same number of queries however many materials, steps, themes and versions it has."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import staff
from tests.guide.helpers import login, new_version, rich_item

pytestmark = pytest.mark.django_db

# item, version, materials, steps, themes, division names, license and data names, version list
MAX_QUERIES = 9


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["catalog:guide", "catalog:guide_mobile", "catalog:guide_print"])
def test_query_count_does_not_grow_with_the_guide(client, name):
    small = rich_item()
    big = rich_item(extra_materials=25, extra_themes=6)
    new_version(big, change_note="第二版")
    new_version(big, change_note="第三版")
    small_count = count(client, reverse(name, args=[small.item_code]))
    big_count = count(client, reverse(name, args=[big.item_code]))
    assert small_count == big_count
    assert big_count <= MAX_QUERIES


def test_desktop_guide_query_budget(client, django_assert_max_num_queries):
    item = rich_item(extra_materials=10)
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(reverse("catalog:guide", args=[item.item_code]))


def test_pdf_query_budget(client, django_assert_max_num_queries):
    item = rich_item(extra_materials=10)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(reverse("catalog:guide_pdf", args=[item.item_code])).status_code == 200


def test_draft_preview_query_budget(client, django_assert_max_num_queries):
    item = rich_item()
    from yiwang.catalog import services

    services.start_draft(item)
    login(client, staff(item.organisation))
    from yiwang.calendar import workdays

    workdays.snapshot()  # the process's calendar copy is warm, as it is after a server's first request
    # session, user, the scope check, the staff banner's one-row calendar version check, the header's unread
    # messages count and the staff navigation's roles (one each, whatever the data)
    with django_assert_max_num_queries(MAX_QUERIES + 7):
        assert client.get(reverse("catalog:guide", args=[item.item_code]), {"version": 2}).status_code == 200
