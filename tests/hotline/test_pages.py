"""Pages: the citizen's request and tracking, the operator's intake, the workbench steps, who may see what."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import person
from yiwang.hotline import services
from yiwang.hotline.models import Category, Channel, OrderType, State, WorkOrder

from .conftest import cat, client_for, new_order

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_citizen_reports_online_and_follows_it(hw):
    c = Client()
    assert c.get("/12345/").status_code == 200
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = c.post(
        "/12345/",
        {
            "order_type": "complaint",
            "category": "noise",
            "content": "小区旁工地夜间施工噪音很大，影响休息。",
            "address": "龙子湖区东风路 1 号",
            "latitude": "32.91",
            "longitude": "117.39",
            "caller_phone": "13911112222",
            "photos": [SimpleUploadedFile("a.png", PNG, "image/png")],
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    order = WorkOrder.objects.get()
    assert order.channel == Channel.WEB and order.attachments.count() == 1
    receipt = c.get(r["Location"])
    code = receipt.context["code"]
    assert order.number in receipt.content.decode()
    page = c.get("/12345/track/", {"number": order.number, "code": code})
    assert page.status_code == 200 and "order" in page.context
    wrong = c.get("/12345/track/", {"number": order.number, "code": "XXXXXX"})
    assert wrong.context.get("not_found")
    # Someone else's browser does not get the receipt.
    assert Client().get(r["Location"]).status_code == 404


def test_citizen_form_errors_are_per_field(hw):
    r = Client().post("/12345/", {"order_type": "complaint", "content": "短", "caller_phone": "123"})
    assert r.status_code == 400
    problems = r.context["problems"]
    assert {"category", "content", "caller_phone"} <= set(problems)
    assert WorkOrder.objects.count() == 0


def test_signed_in_citizen_sees_their_requests(hw):
    p = person("赵六")
    c = client_for(p.user)
    c.post("/12345/", {"order_type": "consult", "category": "policy", "content": "请问新生儿医保怎么办理？"})
    order = WorkOrder.objects.get()
    assert order.person == p
    assert order.number in c.get("/12345/mine/").content.decode()
    assert c.get(f"/12345/mine/{order.number}/").status_code == 200
    other = client_for(person("孙七").user)
    assert other.get(f"/12345/mine/{order.number}/").status_code == 404


def test_operator_intake_records_and_dispatches(hw):
    from yiwang.hotline.models import RoutingRule

    RoutingRule.objects.create(position=10, name="道路归城管", category=cat("urban"), department=hw.dept)
    c = client_for(hw.operator)
    assert c.get("/workbench/hotline/intake/").status_code == 200
    r = c.post(
        "/workbench/hotline/intake/",
        {
            "op": "dispatch",
            "caller_phone": "13955556666",
            "caller_name": "李女士",
            "order_type": "complaint",
            "category": "road",
            "content": "胜利路井盖缺失，很危险。",
            "address": "胜利路 100 号",
            "department": str(hw.dept.pk),
            "intake_key": "k1",
        },
    )
    assert r.status_code == 302
    order = WorkOrder.objects.get()
    assert order.state == State.DISPATCHED and order.department == hw.dept and order.channel == Channel.PHONE
    assert order.routing_rule is not None
    # The same key again (a double press) records nothing more.
    c.post(
        "/workbench/hotline/intake/",
        {
            "op": "save",
            "caller_phone": "13955556666",
            "order_type": "complaint",
            "category": "road",
            "content": "胜利路井盖缺失，很危险。",
            "intake_key": "k1",
        },
    )
    assert WorkOrder.objects.count() == 1
    # The caller's history shows on the next call.
    page = c.post("/workbench/hotline/intake/", {"op": "lookup", "caller_phone": "13955556666"})
    assert order.number in page.content.decode()


def test_intake_answer_on_the_spot(hw):
    c = client_for(hw.operator)
    r = c.post(
        "/workbench/hotline/intake/",
        {
            "op": "answer",
            "order_type": "consult",
            "category": "policy",
            "content": "公积金提取需要什么材料？",
            "answer": "身份证和银行卡即可。",
        },
    )
    assert r.status_code == 302
    assert WorkOrder.objects.get().state == State.CONCLUDED


def test_workbench_steps_through_pages(hw):
    order = new_order(hw)
    op, hd, boss = client_for(hw.operator), client_for(hw.handler), client_for(hw.chief)
    assert op.get(f"/workbench/hotline/orders/{order.number}/").status_code == 200
    # The department does not see it before it is dispatched to them.
    assert hd.get(f"/workbench/hotline/orders/{order.number}/").status_code == 404
    r = op.post(f"/workbench/hotline/orders/{order.number}/dispatch/", {"department": hw.dept.pk})
    assert r.status_code == 302
    assert hd.get(f"/workbench/hotline/orders/{order.number}/").status_code == 200
    # An operator cannot sign for the department (403: they see the order).
    assert op.post(f"/workbench/hotline/orders/{order.number}/sign/").status_code == 403
    assert hd.post(f"/workbench/hotline/orders/{order.number}/sign/").status_code == 302
    bad = hd.post(f"/workbench/hotline/orders/{order.number}/reply/", {"text": "短"})
    assert bad.status_code == 400 and "text" in bad.context["problems"]
    assert (
        hd.post(f"/workbench/hotline/orders/{order.number}/reply/", {"text": "已修复完毕，谢谢。"}).status_code == 302
    )
    assert (
        op.post(
            f"/workbench/hotline/orders/{order.number}/callback/", {"reached": "1", "satisfaction": "satisfied"}
        ).status_code
        == 302
    )
    order.refresh_from_db()
    assert order.state == State.CONCLUDED
    assert boss.get("/workbench/hotline/stats/").status_code == 200
    assert boss.get("/workbench/hotline/rules/").status_code == 200
    assert op.get("/workbench/hotline/rules/").status_code == 403


def test_reporter_hidden_from_department(hw):
    order = new_order(hw, order_type=OrderType.REPORT, caller_name="举报人甲")
    services.dispatch(order, hw.op, hw.dept)
    page = client_for(hw.handler).get(f"/workbench/hotline/orders/{order.number}/").content.decode()
    assert "举报人" not in page and "5678" not in page
    op_page = client_for(hw.operator).get(f"/workbench/hotline/orders/{order.number}/").content.decode()
    assert "举报人甲" in op_page and "139****5678" in op_page


def test_people_are_refused_the_workbench(hw):
    c = client_for(person("路人").user)
    assert c.get("/workbench/hotline/").status_code == 403
    assert Client().get("/workbench/hotline/").status_code == 302


def test_grid_inspector_reports_with_a_photo(hw):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for(hw.town_handler)
    assert c.get("/workbench/hotline/grid/").status_code == 200
    r = c.post(
        "/workbench/hotline/grid/",
        {
            "category": "sanitation",
            "content": "垃圾堆积未清运。",
            "latitude": "32.95",
            "longitude": "117.35",
            "photos": [SimpleUploadedFile("p.png", PNG, "image/png")],
        },
    )
    assert r.status_code == 302
    order = WorkOrder.objects.get()
    assert order.channel == Channel.GRID and order.geo_cell
    bad = c.post(
        "/workbench/hotline/grid/",
        {
            "category": "sanitation",
            "content": "垃圾堆积未清运。",
            "photos": [SimpleUploadedFile("p.exe", b"MZ....", "image/png")],
        },
    )
    assert bad.status_code == 400 and "photos" in bad.context["problems"]


def test_categories_exist(hw):
    assert Category.objects.filter(parent__isnull=True).count() >= 8
