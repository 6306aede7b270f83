"""The delivery choice on the apply form: window, free EMS to an address-book entry, or electronic; the case
keeps a copy of the address and the clerk's delivery starts from the choice."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.cases import apply_world
from tests.cases.apply_world import good_post
from tests.factories import person
from yiwang.cases import services as cases
from yiwang.cases.models import Case, CaseEvent, Draft
from yiwang.identity import space
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db
HOME = "安徽省蚌埠市蚌山区胜利西路 100 号"


@pytest.fixture
def world():
    return apply_world.build()


@pytest.fixture
def me(client, world):
    client.force_login(world.applicant.user)
    return client


@pytest.fixture
def home(world):
    return space.add_address(world.applicant, recipient="张三", phone="13912345678", address=HOME, label="家")


def apply_url(world):
    return reverse("cases:apply", args=[world.item.item_code])


def test_the_form_offers_the_three_ways_with_the_default_address_masked(me, world, home):
    html = me.get(apply_url(world)).content.decode()
    assert 'id="delivery"' in html and "领取结果的方式" in html
    assert 'name="delivery" value="pickup" checked' in html
    assert 'value="post"' in html and 'value="electronic"' in html
    assert f'name="delivery_address" value="{home.pk}" checked' in html  # the default entry
    assert "安徽省蚌埠市****" in html and "胜利西路" not in html and "139****5678" in html
    assert "next=%2Fapply%2F" in html  # the address-book link comes back to this form


def test_ems_to_an_address_book_entry_is_copied_into_the_case(me, world, home):
    response = me.post(apply_url(world), good_post(world, delivery="post", delivery_address=str(home.pk)))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.delivery_choice == "post" and HOME in case.delivery_choice_address
    assert "13912345678" in case.delivery_choice_address and case.delivery == "" and case.delivered_at is None
    assert CaseEvent.objects.get(case=case, action="submit").data["delivery"] == "post"
    receipt = me.get(response["Location"]).content.decode()
    assert "结果送达" in receipt and "邮寄送达" in receipt
    space.delete_address(world.applicant, home.pk)  # the case keeps its own copy
    case.refresh_from_db()
    assert HOME in case.delivery_choice_address


def test_the_clerks_delivery_form_starts_from_the_choice(me, world, home, django_capture_on_commit_callbacks):
    me.post(apply_url(world), good_post(world, delivery="post", delivery_address=str(home.pk)))
    case = Case.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.accept(case, world.clerk_who())
        for user, role in ((world.reviewer, Role.REVIEWER),) * 2 + ((world.approver, Role.APPROVER),):
            who = world.staff_who(user, role)
            cases.claim(case, who)
            case = cases.complete_step(case, who, decision="pass", opinion="同意")
    clerk = Client()
    clerk.force_login(world.clerk)
    html = clerk.get(f"/workbench/cases/{case.case_number}/").content.decode()
    assert 'id="dl-post" value="post" checked' in html
    assert 'id="dl-pickup" value="pickup" checked' not in html
    assert HOME in html.split('id="dl-addr"')[1].split("</textarea>")[0]
    assert 'id="dl-chosen"' in html


def test_ems_without_an_address_is_marked_and_nothing_is_submitted(me, world):
    response = me.post(apply_url(world), good_post(world, delivery="post"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="e-delivery_address"' in html and "收件地址" in html
    assert 'name="delivery" value="post" checked' in html  # the choice stays
    assert not Case.objects.exists()
    assert Draft.objects.filter(person=world.applicant).exists()  # the good file was kept


def test_someone_elses_address_and_an_unknown_way_are_refused(me, world):
    other = person("李四")
    theirs = space.add_address(other, recipient="李四", phone="13800000000", address="安徽省合肥市蜀山区长江西路 1 号")
    r = me.post(apply_url(world), good_post(world, delivery="post", delivery_address=str(theirs.pk)))
    assert r.status_code == 400 and "长江西路" not in r.content.decode()
    r = me.post(apply_url(world), good_post(world, key="k-2", delivery="drone"))
    assert r.status_code == 400 and 'id="e-delivery"' in r.content.decode()
    assert not Case.objects.exists()


def test_no_choice_leaves_it_to_the_clerk_and_electronic_is_recorded(me, world):
    me.post(apply_url(world), good_post(world))
    assert Case.objects.get().delivery_choice == ""
    me.post(apply_url(world), good_post(world, key="k-2", delivery="electronic"))
    assert Case.objects.order_by("-pk").first().delivery_choice == "electronic"
