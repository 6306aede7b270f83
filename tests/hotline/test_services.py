"""The work order loop through the services: intake, dispatch, sign, reply, callback, conclusion, and refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yiwang.core.errors import ProblemsError
from yiwang.hotline import deadlines, services
from yiwang.hotline.models import (
    Assignment,
    Caller,
    DailyStat,
    DecisionRequest,
    OrderType,
    Satisfaction,
    State,
    Urgency,
    WorkOrder,
    WorkOrderEvent,
)

from .conftest import cat, new_order

pytestmark = pytest.mark.django_db


def actions(order) -> list[str]:
    return list(WorkOrderEvent.objects.filter(order=order).order_by("seq").values_list("action", flat=True))


def test_intake_records_the_caller_encrypted_and_sets_the_deadline(hw):
    order = new_order(hw)
    assert order.state == State.RECEIVED and len(order.number) == 14
    assert order.limit_amount == 13 and order.limit_unit == "wd" and order.policy.version == 1
    assert order.due_at > order.received_at and order.warn_at < order.due_at
    caller = Caller.objects.get()
    assert caller.phone == "13912345678"
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM hotline_caller")
        stored = cur.fetchone()[0]
    assert "13912345678" not in stored and stored.startswith("sm4gcm:")
    assert services.find_caller("139 1234 5678") == caller
    assert actions(order) == ["receive"]
    assert DailyStat.objects.get().received == 1


def test_urgent_orders_have_two_hours(hw):
    order = new_order(hw, urgency=Urgency.URGENT)
    assert order.limit_unit == "h" and order.due_at - order.received_at == dt.timedelta(hours=2)


def test_consultations_count_three_working_days_on_the_official_calendar(hw):
    # Received on Wednesday 30 September 2026: 1–8 October are the National Day holiday, 10 October is a make-up
    # working day (Saturday). Working days after: 9 Oct (Fri), 10 Oct (Sat, make-up), 12 Oct (Mon).
    at = timezone.make_aware(dt.datetime(2026, 9, 30, 10, 0))
    order = new_order(hw, order_type=OrderType.CONSULT, received_at=at)
    assert timezone.localdate(order.due_at) == deadlines.due(at, 3, "wd").date()
    from yiwang.calendar import workdays

    assert timezone.localdate(order.due_at) == workdays.add_working_days(dt.date(2026, 9, 30), 3)


def test_bad_input_gives_field_errors_and_writes_nothing(hw):
    with pytest.raises(ProblemsError) as exc:
        services.create_order(
            who=hw.op, order_type="gossip", category=None, content="短", caller_phone="12", latitude=95, longitude=1
        )
    fields = {p.field for p in exc.value.problems}
    assert {"order_type", "category", "content", "caller_phone", "location"} <= fields
    assert WorkOrder.objects.count() == 0 and Caller.objects.count() == 0


def test_full_loop_dispatch_sign_reply_callback_conclude(hw, django_capture_on_commit_callbacks):
    order = new_order(hw)
    services.dispatch(order, hw.op, hw.dept)
    with pytest.raises(ProblemsError):  # dispatching twice (routing firing twice) is refused
        services.dispatch(order, hw.op, hw.dept)
    services.sign(order, hw.hd, [hw.dept.pk])
    services.progress(order, hw.hd, "已安排人员现场查看", [hw.dept.pk])
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(order, hw.hd, "已于当日完成路面修补，感谢反映。", [hw.dept.pk])
    order.refresh_from_db()
    assert order.state == State.REPLIED and order.on_time is True
    with django_capture_on_commit_callbacks(execute=True):
        services.callback(order, hw.op, reached=True, satisfaction=Satisfaction.SATISFIED)
    order.refresh_from_db()
    assert order.state == State.CONCLUDED and order.concluded_at is not None
    assert actions(order)[:6] == ["receive", "dispatch", "sign", "progress", "reply", "sms"]
    assert actions(order)[-2:] == ["conclude", "sms"]
    row = DailyStat.objects.get(department_id=hw.dept.pk)
    assert (row.dispatched, row.concluded, row.on_time, row.rated, row.satisfied) == (1, 1, 1, 1, 1)


def test_unsatisfied_reopens_once_then_concludes(hw):
    order = new_order(hw)
    services.dispatch(order, hw.op, hw.dept)
    services.sign(order, hw.hd, [hw.dept.pk])
    services.reply(order, hw.hd, "已处理完毕，路面已修补。", [hw.dept.pk])
    services.callback(order, hw.op, reached=True, satisfaction=Satisfaction.UNSATISFIED, note="没修好")
    order.refresh_from_db()
    assert order.state == State.HANDLING and order.reopened == 1
    services.reply(order, hw.hd, "已重新修补并回访现场。", [hw.dept.pk])
    services.callback(order, hw.op, reached=True, satisfaction=Satisfaction.VERY_UNSATISFIED)
    order.refresh_from_db()
    assert order.state == State.CONCLUDED and order.satisfaction == Satisfaction.VERY_UNSATISFIED
    assert "reopen" in actions(order)


def test_callback_not_reached_keeps_it_open(hw):
    order = new_order(hw)
    services.dispatch(order, hw.op, hw.dept)
    services.sign(order, hw.hd, [hw.dept.pk])
    services.reply(order, hw.hd, "已处理完毕，路面已修补。", [hw.dept.pk])
    services.callback(order, hw.op, reached=False)
    order.refresh_from_db()
    assert order.state == State.REPLIED
    services.conclude(order, hw.op, "三次回访未接通")
    order.refresh_from_db()
    assert order.state == State.CONCLUDED


def test_send_back_once_and_the_centre_decides(hw):
    order = new_order(hw)
    services.dispatch(order, hw.op, hw.dept)
    services.request_send_back(order, hw.hd, "不属于本单位职责，应由市场监管局处理", [hw.dept.pk])
    order.refresh_from_db()
    assert order.state == State.RETURNED and order.pending_decision
    req = DecisionRequest.objects.get()
    services.decide(order, hw.boss, req.pk, approve=False, note="属于城管职责")
    order.refresh_from_db()
    assert order.state == State.DISPATCHED
    with pytest.raises(ProblemsError) as exc:  # once per department
        services.request_send_back(order, hw.hd, "再次退单", [hw.dept.pk])
    assert exc.value.problems[0].code == "once"


def test_approved_send_back_redispatches(hw):
    order = new_order(hw)
    services.dispatch(order, hw.op, hw.dept)
    services.sign(order, hw.hd, [hw.dept.pk])
    services.request_send_back(order, hw.hd, "职责不符", [hw.dept.pk])
    req = DecisionRequest.objects.get()
    services.decide(order, hw.boss, req.pk, approve=True, redispatch_to=hw.other)
    order.refresh_from_db()
    assert order.state == State.DISPATCHED and order.department == hw.other
    assert Assignment.objects.get(order=order, organisation=hw.dept).state == "returned"
    assert DailyStat.objects.filter(department_id=hw.dept.pk).get().sent_back == 1


def test_extension_moves_the_deadline(hw):
    order = new_order(hw)
    services.dispatch(order, hw.op, hw.dept)
    services.sign(order, hw.hd, [hw.dept.pk])
    before = WorkOrder.objects.get(pk=order.pk).due_at
    services.request_extension(order, hw.hd, 5, "需协调施工单位", [hw.dept.pk])
    req = DecisionRequest.objects.get()
    services.decide(order, hw.boss, req.pk, approve=True)
    after = WorkOrder.objects.get(pk=order.pk)
    assert after.due_at > before and after.extension_amount == 5 and not after.pending_decision


def test_joint_handling_waits_for_co_departments(hw):
    order = new_order(hw)
    services.dispatch(order, hw.op, hw.dept, co_departments=[hw.other])
    services.sign(order, hw.hd, [hw.dept.pk])
    with pytest.raises(ProblemsError) as exc:
        services.reply(order, hw.hd, "牵头单位答复内容。", [hw.dept.pk])
    assert exc.value.problems[0].field == "co_departments"
    hd2 = hw.who(hw.other_handler, "hotline_handler", hw.other)
    services.sign(order, hd2, [hw.other.pk])
    services.co_reply(order, hd2, "已检查周边商户。", [hw.other.pk])
    services.reply(order, hw.hd, "牵头单位答复内容。", [hw.dept.pk])
    assert WorkOrder.objects.get(pk=order.pk).state == State.REPLIED


def test_department_not_assigned_is_refused(hw):
    order = new_order(hw)
    services.dispatch(order, hw.op, hw.dept)
    with pytest.raises(ProblemsError):
        services.sign(order, hw.hd, [hw.other.pk])


def test_direct_conclusion_counts_first_contact(hw):
    order = new_order(hw, order_type=OrderType.CONSULT, category=cat("policy"))
    services.conclude_direct(order, hw.op, "可在政务服务网在线办理，无需到现场。")
    order.refresh_from_db()
    assert order.state == State.CONCLUDED and order.first_contact
    assert DailyStat.objects.get().first_contact == 1


def test_merging_answers_every_caller(hw, settings, django_capture_on_commit_callbacks):
    from yiwang.identity.providers import OutboxSmsSender

    settings.SMS_PROVIDER = "outbox"
    OutboxSmsSender.outbox.clear()
    master = new_order(hw)
    dup = new_order(hw, caller_phone="13800001111", content="东风路胜利路路口路面塌了个坑")
    services.merge(dup, hw.op, master)
    dup.refresh_from_db()
    assert dup.state == State.MERGED and dup.master == master
    services.dispatch(master, hw.op, hw.dept)
    services.sign(master, hw.hd, [hw.dept.pk])
    services.reply(master, hw.hd, "已完成修补。", [hw.dept.pk])
    with django_capture_on_commit_callbacks(execute=True):
        services.callback(master, hw.op, reached=True, satisfaction=Satisfaction.SATISFIED)
    dup.refresh_from_db()
    assert dup.concluded_at is not None
    to = [m.to for m in OutboxSmsSender.outbox]
    assert "13800001111" in to and "13912345678" in to
    assert "master_concluded" in actions(dup)


def test_timers_write_warnings_once(hw):
    order = new_order(hw, urgency=Urgency.URGENT)
    later = timezone.now() + dt.timedelta(hours=3)
    assert services.sweep_timers(later) == {"warn": 0, "overdue": 1}
    assert services.sweep_timers(later) == {"warn": 0, "overdue": 0}
    assert actions(order) == ["receive", "overdue"]
    assert DailyStat.objects.get().overdue == 1


def test_rebuilding_rollups_from_events_gives_the_same_figures(hw):
    order = new_order(hw)
    services.dispatch(order, hw.op, hw.dept)
    services.sign(order, hw.hd, [hw.dept.pk])
    services.reply(order, hw.hd, "已完成修补。", [hw.dept.pk])
    services.callback(order, hw.op, reached=True, satisfaction=Satisfaction.BASIC)
    new_order(hw, order_type=OrderType.CONSULT)
    fields = (
        "day",
        "order_type",
        "category_id",
        "channel",
        "department_id",
        "received",
        "dispatched",
        "concluded",
        "on_time",
        "rated",
        "satisfied",
    )
    before = sorted(DailyStat.objects.values_list(*fields))
    from yiwang.hotline import rollups

    rollups.rebuild()
    assert sorted(DailyStat.objects.values_list(*fields)) == before


def test_events_are_append_only(hw):
    ev = WorkOrderEvent.objects.get(order=new_order(hw))
    with pytest.raises(RuntimeError):
        ev.save()
    with pytest.raises(RuntimeError):
        ev.delete()


def test_a_report_hides_the_reporter(hw):
    order = new_order(hw, order_type=OrderType.REPORT)
    assert order.hide_reporter
