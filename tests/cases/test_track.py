"""Anonymous lookup by case number and query code; my cases list; messages."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from tests.cases import apply_world
from yiwang.cases import services as cases
from yiwang.cases.models import Case, Message
from yiwang.identity.providers import OutboxSmsSender

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(client, django_capture_on_commit_callbacks):
    cache.clear()
    world = apply_world.build()
    with django_capture_on_commit_callbacks(execute=True):
        case, _ = cases.submit(
            version=world.version,
            person=world.applicant,
            who=cases.Who(user=world.applicant.user, name="张三"),
            form_data={"shop_name": "x"},
            idempotency_key="t1",
        )
    return world, case


def test_lookup_with_the_right_code_shows_state_and_timeline_only(client, submitted):
    _world, case = submitted
    response = client.post(reverse("cases:track"), {"case_number": case.case_number, "query_code": case.query_code})
    assert response.status_code == 200
    html = response.content.decode()
    assert (case.item_name in html and "张*" in html) or "*三" in html
    assert "张三" not in html  # the name is masked
    assert "13912345678" not in html and "shop_name" not in html


def test_wrong_code_and_missing_case_get_the_same_answer(client, submitted):
    _world, case = submitted
    wrong = client.post(reverse("cases:track"), {"case_number": case.case_number, "query_code": "ZZZZZZ"})
    missing_number = case.case_number[:-7] + "999999"
    from yiwang.cases.services import _check_char

    missing_number = missing_number[:18] + _check_char(missing_number[:18])
    missing = client.post(reverse("cases:track"), {"case_number": missing_number, "query_code": "ZZZZZZ"})
    assert wrong.status_code == missing.status_code == 404

    def body(r):
        html = r.content.decode()
        return html[html.find('role="alert"') : html.find("</p>", html.find('role="alert"'))]

    assert body(wrong) == body(missing) and body(wrong)


def test_a_typo_in_the_number_is_caught_by_the_check_character(client, submitted):
    _world, case = submitted
    typo = case.case_number[:-1] + ("0" if case.case_number[-1] != "0" else "1")
    response = client.post(reverse("cases:track"), {"case_number": typo, "query_code": "ABCDEF"})
    assert response.status_code == 400 and 'id="e-case_number"' in response.content.decode()
    short = client.post(reverse("cases:track"), {"case_number": "123", "query_code": "ABCDEF"})
    assert short.status_code == 400


def test_lookups_are_rate_limited(client, submitted):
    _world, case = submitted
    statuses = [
        client.post(reverse("cases:track"), {"case_number": case.case_number, "query_code": "WRONG1"}).status_code
        for _ in range(21)
    ]
    assert statuses[:20] == [404] * 20 and statuses[20] == 429
    cache.clear()


def test_my_cases_lists_own_cases_paged_and_filtered(client, submitted):
    world, case = submitted
    client.force_login(world.applicant.user)
    html = client.get(reverse("cases:my_cases")).content.decode()
    assert case.case_number in html
    assert case.case_number in client.get(reverse("cases:my_cases") + "?state=open").content.decode()
    assert case.case_number not in client.get(reverse("cases:my_cases") + "?state=closed").content.decode()
    assert client.get(reverse("cases:my_cases") + "?page=999").status_code == 200


def test_my_cases_list_queries_do_not_grow(client, submitted, django_assert_max_num_queries):
    world, _case = submitted
    for i in range(5):
        cases.submit(
            version=world.version,
            person=world.applicant,
            who=cases.Who(user=world.applicant.user, name="张三"),
            idempotency_key=f"more{i}",
        )
    client.force_login(world.applicant.user)
    client.get(reverse("cases:my_cases"))
    with django_assert_max_num_queries(12):
        client.get(reverse("cases:my_cases"))


def test_messages_are_written_once_and_marked_read(client, submitted, django_capture_on_commit_callbacks, settings):
    settings.SMS_PROVIDER = "yiwang.identity.providers.OutboxSmsSender"
    OutboxSmsSender.clear()
    world, case = submitted
    assert Message.objects.filter(recipient=world.applicant.user).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        cases.accept(case, world.clerk_who())
        cases.claim(case, world.staff_who(world.reviewer, "reviewer"))  # internal: no message
    assert OutboxSmsSender.last_to("13912345678") is not None  # acceptance is worth an SMS
    assert mail.outbox and case.case_number in mail.outbox[-1].body
    assert Message.objects.filter(recipient=world.applicant.user).count() == 2
    client.force_login(world.applicant.user)
    html = client.get(reverse("cases:messages")).content.decode()
    assert case.case_number in html
    client.post(reverse("cases:messages"))
    assert not Message.objects.filter(recipient=world.applicant.user, read_at__isnull=True).exists()


def test_receiver_is_idempotent_per_event(submitted):
    from yiwang.cases.models import CaseEvent
    from yiwang.cases.notify import on_case_changed

    _world, case = submitted
    ev = CaseEvent.objects.filter(case=case).first()
    on_case_changed(sender=Case, case_id=case.pk, event_id=ev.pk, action="submit")
    assert Message.objects.filter(case=case).count() == 1
