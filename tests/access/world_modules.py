"""The records of bundles, rules, ratings, exchange and My Space's address book and drafts box in the authorisation
matrix's world (tests/access/conftest.build_world calls `extend`), each written through its module's own services.

- Rules and bundles: H's item "quick" (no materials, no form) carries an active rule set; the published bundle
  "matrix-bundle" holds it; A applied through the bundle, and the rules decided A's case at once.
- Ratings: A rated case A badly at its accepted stage (a rectification of H, called back by H's reviewer, with an
  evidence file), filed a complaint about it, and holds an SMS invitation; window A01 of the hall has a rating pad.
- Exchange: H provides a public published resource with a data service; the other department holds a grant for it
  and has asked for more (a pending request H decides).
- My Space: one address in A's address book; A's draft of the world's item (conftest writes it).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.factories import make_item
from yiwang.bundles import services as bundles
from yiwang.cases.actions import Caller
from yiwang.cases.models import Channel, Draft
from yiwang.exchange import catalog as exchange_catalog
from yiwang.exchange import grants
from yiwang.identity import space
from yiwang.ratings import services as ratings
from yiwang.ratings.models import Pad
from yiwang.ratings.standard import Stage
from yiwang.rules import services as rules

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n"
RULES = [{"name": "个人申请", "if": {"==": [{"var": "applicant.kind"}, "person"]}, "message": "企业申请转人工"}]
TESTS = [{"name": "个人", "data": {"applicant": {"kind": "person", "level": 2}}, "expect": True}]
PAD_KEY = "matrix-pad-key-0123456789abcdef"


def extend(w) -> None:
    _rules_and_bundles(w)
    _ratings(w)
    _exchange(w)
    a = w.rec["person_a"]
    w.rec["address"] = space.add_address(
        a, recipient="张三", phone="13900001111", address="安徽省蚌埠市蚌山区涂山路 1 号"
    )
    w.rec["case_draft"] = Draft.objects.get(person=a, version=w.rec["item"].current)


def _rules_and_bundles(w) -> None:
    handling, a = w.rec["handling"], w.rec["person_a"]
    quick = make_item(handling, name="小型餐饮备案", materials=[], form_fields=[])
    rule_set = rules.activate(rules.save_rule_set(quick.current, rules=RULES, tests=TESTS))
    bundle = bundles.save_bundle(
        organisation=handling,
        code="matrix-bundle",
        name="我要开小店",
        keywords="开店",
        items=[bundles.ItemSpec(quick.item_code)],
    )
    bundles.set_status(bundle, "published")
    done = bundles.submit(
        Caller.for_user(a.user), bundle, form={"contact_phone": "13900001111"}, channel=Channel.PORTAL
    )
    case = done.cases[0]
    # What the outbox subscriber "rules.decide" does once the submission commits (the world never commits).
    decision = rules.decide(case.pk)
    assert decision is not None and decision.approved
    w.rec.update(
        quick=quick, rule_set=rule_set, bundle=bundle, bundle_app=done.application, bundle_case=case, decision=decision
    )


def _ratings(w) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    a, case = w.rec["person_a"], w.rec["case_a"]
    reviewer, clerk = w.users["reviewer"], w.users["clerk"]
    bad = ratings.Answer(level=1, reasons=["overdue"], comment="等了很久")
    rating = ratings.rate_case(Caller.for_user(a.user), case, bad, channel="portal")
    rect = rating.rectification
    ratings.record_callback(Caller.for_user(reviewer), rect, channel="phone", outcome="confirmed", note="已回访")
    evidence = SimpleUploadedFile("evidence.pdf", PDF, content_type="application/pdf")
    (rect_file,) = ratings.add_files(Caller.for_user(reviewer), rect, [evidence])
    complaint = ratings.file_complaint(
        Caller.for_user(a.user), kind="complaint", about="case", text="窗口办理太慢。", case_number=case.case_number
    )
    invite = ratings.make_invite(case, Stage.ACCEPTED)
    # A clerk sets up a window's pad on the workbench page, which writes the pad itself (there is no service).
    window = w.rec["window"]
    pad = Pad.objects.create(
        window=window, key_hash=ratings.pad_key_hash(PAD_KEY), label="A01", staff=clerk, created_by=clerk
    )
    # Window A02 also serves H: H's evaluator device (the machine client) may send on-site ratings for it.
    from yiwang.orgs.models import Window

    served = Window.objects.get(hall=window.hall, number="A02")
    served.organisations.add(w.rec["handling"])
    rect.refresh_from_db()
    w.rec.update(
        served_window=served,
        rating=rating,
        rect=rect,
        rect_file=rect_file,
        complaint=complaint,
        invite_token=ratings.invite_token(invite),
        pad=pad,
        pad_key=PAD_KEY,
    )


def _exchange(w) -> None:
    handling, other = w.rec["handling"], w.rec["other"]
    fields = [
        {"name": "tyshxydm", "label": "统一社会信用代码", "type": "text", "sensitivity": "internal"},
        {"name": "xkzh", "label": "许可证号", "type": "text", "sensitivity": "internal"},
        {"name": "fddbr", "label": "法定代表人", "type": "text", "sensitivity": "sensitive"},
    ]
    resource = exchange_catalog.save_resource(
        None,
        {
            "code": "SC.SPJY",
            "name": "食品经营许可信息",
            "provider": handling,
            "sharing": "conditional",
            "sharing_basis": "《中华人民共和国食品安全法》第三十五条",
            "fields": fields,
            "subject_kind": "enterprise",
            "subject_field": "tyshxydm",
            "description": "本市食品经营许可证的发放信息",
        },
    )
    service = exchange_catalog.save_service(resource, code="SC.SPJY.BY-CODE", name="按信用代码查询", keys=["tyshxydm"])
    grant = grants.grant_platform_use(resource, other, fields=["tyshxydm", "xkzh"])
    request = grants.request_access(
        resource=resource,
        consumer=other,
        fields=["fddbr"],
        purpose="核验法定代表人",
        legal_basis="《优化营商环境条例》第三十五条",
        valid_until=timezone.localdate() + dt.timedelta(days=365),
    )
    w.rec.update(resource=resource, data_service=service, grant=grant, access_request=request)
