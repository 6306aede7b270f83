"""Following a case: the header's message bell counts unread messages, and opening them (the inbox page or the
case they are about) reads them; tracking and verification are reachable without signing in."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.cases import apply_world
from tests.cases.apply_world import good_post
from yiwang.cases.models import Case, Message

pytestmark = pytest.mark.django_db


def bell(html: str) -> str:
    link = re.search(r'<a href="/my/messages/" class="nav-bell">(.*?)</a>', html, re.S)
    assert link, "the header has no message link"
    badge = re.search(r'class="badge"[^>]*>(\d+)<', link.group(1))
    return badge.group(1) if badge else ""


@pytest.fixture
def world():
    return apply_world.build()


@pytest.fixture
def me(client, world):
    client.force_login(world.applicant.user)
    return client


def test_the_bell_counts_unread_and_the_inbox_reads_what_it_shows(me, world):
    me.post(reverse("cases:apply", args=[world.item.item_code]), good_post(world))
    case = Case.objects.get()
    user = world.applicant.user
    Message.objects.all().delete()
    for i in range(3):
        Message.objects.create(recipient=user, case=case if i else None, text=f"第 {i} 条消息")
    home = me.get("/").content.decode()
    assert bell(home) == "3" and "3 条未读" in home
    inbox = me.get(reverse("cases:messages")).content.decode()
    assert inbox.count('class="unread"') == 3  # shown as new this once
    assert not Message.objects.filter(recipient=user, read_at__isnull=True).exists()
    assert bell(me.get("/").content.decode()) == ""


def test_opening_the_case_reads_its_messages_only(me, world):
    me.post(reverse("cases:apply", args=[world.item.item_code]), good_post(world))
    case = Case.objects.get()
    user = world.applicant.user
    Message.objects.all().delete()
    Message.objects.create(recipient=user, case=case, text="已受理")
    Message.objects.create(recipient=user, case=None, text="系统通知")
    assert bell(me.get("/").content.decode()) == "2"
    me.get(reverse("cases:case", args=[case.case_number]))
    assert list(Message.objects.filter(read_at__isnull=True).values_list("text", flat=True)) == ["系统通知"]
    assert bell(me.get("/").content.decode()) == "1"


def test_anonymous_visitors_find_tracking_and_verification():
    html = Client().get("/").content.decode()
    assert html.count('href="/track/"') >= 3  # header, home page, footer
    assert html.count('href="/verify/"') >= 2  # home page, footer
    assert "nav-bell" not in html
    assert Client().get("/track/").status_code == 200 and Client().get("/verify/").status_code == 200


def test_the_drafts_box_lists_drafts_and_deleting_asks_first(me, world):
    from yiwang.cases.models import Draft
    from yiwang.core.storage import private_storage

    me.post(reverse("cases:apply", args=[world.item.item_code]), good_post(world, action="draft"))
    draft = Draft.objects.get()
    name = draft.materials[0]["file"]
    space = me.get("/my/").content.decode()
    assert 'id="panel-drafts"' in space and "草稿箱" in space and world.item.current.name in space
    delete_url = reverse("cases:draft_delete", args=[draft.pk])
    assert delete_url in space and reverse("cases:apply", args=[world.item.item_code]) in space
    form = me.get(reverse("cases:apply", args=[world.item.item_code])).content.decode()
    assert delete_url in form and 'value="discard"' not in form
    confirm = me.get(delete_url)
    assert confirm.status_code == 200 and "确定删除草稿" in confirm.content.decode()
    assert Draft.objects.exists()  # asking deletes nothing
    done = me.post(delete_url)
    assert done.status_code == 302 and done["Location"].endswith("/my/#panel-drafts")
    assert not Draft.objects.exists() and not private_storage().exists(name)
    assert "暂无草稿" in me.get("/my/").content.decode()


def test_someone_elses_draft_is_not_found(me, world):
    from yiwang.cases.models import Draft

    me.post(reverse("cases:apply", args=[world.item.item_code]), good_post(world, action="draft"))
    draft = Draft.objects.get()
    other = Client()
    other.force_login(world.clerk)
    assert other.get(reverse("cases:draft_delete", args=[draft.pk])).status_code == 404
    assert other.post(reverse("cases:draft_delete", args=[draft.pk])).status_code == 404
    assert Draft.objects.exists()
