"""The knowledge base (write, four-eyes review, versions, search in words/pinyin/initials) and email intake."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

import pytest
from django.utils import timezone

from tests.factories import make_item
from yiwang.core.errors import ProblemsError
from yiwang.hotline import knowledge, mailbox
from yiwang.hotline.models import Channel, KnowledgeStatus, OrderType, WorkOrder

from .conftest import cat, client_for

pytestmark = pytest.mark.django_db

NEXT_YEAR = timezone.localdate() + dt.timedelta(days=365)


def publish(hw, title, answer, aliases="", **kw):
    entry = knowledge.create_entry(
        organisation=hw.dept, user=hw.handler, title=title, answer=answer, aliases=aliases, review_due=NEXT_YEAR, **kw
    )
    v = entry.versions.get()
    knowledge.submit(v, hw.handler)
    knowledge.review(v, hw.handler2, True)
    entry.refresh_from_db()
    return entry


def test_four_eyes_and_versions(hw):
    entry = knowledge.create_entry(
        organisation=hw.dept,
        user=hw.handler,
        title="占道经营怎么投诉",
        answer="拨打12345或通过网站反映。",
        review_due=NEXT_YEAR,
    )
    v = entry.versions.get()
    knowledge.submit(v, hw.handler)
    with pytest.raises(ProblemsError):
        knowledge.review(v, hw.handler, True)  # the author cannot review
    knowledge.review(v, hw.handler2, True)
    entry.refresh_from_db()
    assert entry.current == v and knowledge.search("占道经营")[0].entry == entry
    v2 = knowledge.draft(
        entry, hw.handler, title="占道经营如何投诉", answer="可拨打12345热线，或在网上提交。", review_due=NEXT_YEAR
    )
    assert v2.number == 2 and entry.current.number == 1  # published text never changes in place
    knowledge.submit(v2, hw.handler)
    knowledge.review(v2, hw.handler2, True)
    entry.refresh_from_db()
    assert entry.current.number == 2
    assert entry.versions.get(number=1).status == KnowledgeStatus.SUPERSEDED
    knowledge.retire(entry, hw.handler)
    assert knowledge.search("占道经营") == []


def test_search_finds_words_colloquial_and_pinyin(hw):
    item = make_item(hw.dept)
    e = publish(
        hw, "居住证怎么办理", "携带身份证、居住证明到派出所办理。", aliases="暂住证", item_codes=[item.item_code]
    )
    publish(hw, "公积金如何提取", "身份证和银行卡，在公积金中心办理。")
    assert knowledge.search("居住证")[0].entry == e
    assert knowledge.search("暂住证")[0].entry == e
    assert knowledge.search("juzhuzheng")[0].entry == e
    assert knowledge.search("jzz")[0].entry == e
    assert knowledge.search("") == []
    assert e.current.items.get() == item


def test_bad_entries_are_refused_per_field(hw):
    with pytest.raises(ProblemsError) as exc:
        knowledge.create_entry(
            organisation=hw.dept, user=hw.handler, title="x", answer="短", review_due=timezone.localdate()
        )
    assert {p.field for p in exc.value.problems} == {"title", "answer", "review_due"}
    with pytest.raises(ProblemsError) as exc:
        knowledge.create_entry(
            organisation=hw.dept,
            user=hw.handler,
            title="好问题",
            answer="很好的答案。",
            review_due=NEXT_YEAR,
            item_codes=["NOPE"],
        )
    assert exc.value.problems[0].field == "items"


def test_knowledge_pages(hw):
    hd = client_for(hw.handler)
    r = hd.post(
        "/workbench/hotline/knowledge/new/",
        {
            "organisation": hw.dept.pk,
            "title": "路灯坏了找谁",
            "answer": "城管局负责路灯维修。",
            "review_due": NEXT_YEAR.isoformat(),
            "public": "1",
        },
    )
    assert r.status_code == 302
    key = r["Location"].rstrip("/").split("/")[-1]
    assert hd.post(f"/workbench/hotline/knowledge/{key}/submit/").status_code == 302
    # Another department's handler does not review it.
    assert client_for(hw.other_handler).post(f"/workbench/hotline/knowledge/{key}/approve/").status_code in (403, 404)
    assert client_for(hw.handler2).post(f"/workbench/hotline/knowledge/{key}/approve/").status_code == 302
    assert client_for(hw.operator).get("/workbench/hotline/knowledge/", {"q": "路灯"}).context["hits"]
    assert client_for(hw.handler).get(f"/workbench/hotline/knowledge/{key}/").status_code == 200


def _eml(tmp_path, name, subject, body, msg_id, sender="市民 <citizen@example.cn>"):
    m = EmailMessage()
    m["From"], m["Subject"], m["Message-ID"] = sender, subject, msg_id
    m.set_content(body)
    (tmp_path / name).write_bytes(m.as_bytes())


def test_mail_intake_from_a_directory(hw, settings, tmp_path):
    settings.HOTLINE_MAILBOX = "directory"
    settings.HOTLINE_MAILBOX_OPTIONS = {"directory": str(tmp_path)}
    _eml(tmp_path, "1.eml", "投诉：夜间施工噪音", "工地每晚十一点后还在施工，严重扰民。", "<a@x>")
    _eml(tmp_path, "2.eml", "", "", "<b@x>")  # empty: refused, does not stop the others
    (tmp_path / "3.eml").write_bytes(b"\x00\x01garbage")
    _eml(tmp_path, "4.eml", "咨询", "请问老年证在哪里办理？", "<c@x>")
    result = mailbox.fetch()
    assert len(result.created) == 2 and len(result.failed) == 2
    complaint = WorkOrder.objects.get(title__contains="噪音")
    assert complaint.channel == Channel.EMAIL and complaint.order_type == OrderType.COMPLAINT
    assert complaint.caller_email == "citizen@example.cn"
    assert (tmp_path / "done" / "1.eml").exists() and (tmp_path / "failed" / "2.eml").exists()
    # The same message again makes no second order.
    _eml(tmp_path, "5.eml", "投诉：夜间施工噪音", "工地每晚十一点后还在施工，严重扰民。", "<a@x>")
    again = mailbox.fetch()
    assert again.duplicates == 1 and WorkOrder.objects.count() == 2


def test_mailbox_options_are_checked(settings):
    from yiwang.core import plugins

    settings.HOTLINE_MAILBOX = "imap"
    settings.HOTLINE_MAILBOX_OPTIONS = {"host": "", "user": "x"}
    errors = plugins.lookup("hotline.mailbox").check_messages()
    assert errors and "host" in errors[0].msg
    cat  # noqa: B018 - keeps the shared fixture module imported
