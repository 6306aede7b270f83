"""The applicant's journey through the pages: apply → receipt → my case → correction → supplement → result."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.cases import apply_world
from tests.cases.apply_world import good_post, upload
from tests.factories import enterprise, person
from yiwang.cases import services as cases
from yiwang.cases.models import Case, CaseMaterial, Draft, Message, State
from yiwang.core.storage import private_storage
from yiwang.identity.models import AgentPermission
from yiwang.identity.providers import OutboxSmsSender
from yiwang.identity.services import grant_agent
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return apply_world.build()


@pytest.fixture
def me(client, world):
    client.force_login(world.applicant.user)
    return client


def apply_url(world):
    return reverse("cases:apply", args=[world.item.item_code])


def test_guide_shows_the_apply_button_and_the_form_is_prefilled(me, world):
    guide = me.get(reverse("catalog:guide", args=[world.item.item_code])).content.decode()
    assert apply_url(world) in guide
    mobile = me.get(reverse("catalog:guide_mobile", args=[world.item.item_code])).content.decode()
    assert apply_url(world) + "?via=m" in mobile
    page = me.get(apply_url(world))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="13912345678"' in html  # contact phone prefilled from the profile
    for text in ("店铺名称", "经营场所平面图", "健康证明", 'value="paper"', "idempotency_key", "data-show-if"):
        assert text in html, text


def test_apply_is_login_only_and_not_for_depth_one(client, world):
    response = client.get(apply_url(world))
    assert response.status_code == 302 and "sign-in" in response["Location"]
    item = apply_world.make_item(world.org, online_depth=1, visits_required=1)
    client.force_login(world.applicant.user)
    assert client.get(reverse("cases:apply", args=[item.item_code])).status_code == 404
    assert client.get(reverse("cases:apply", args=["0" * 31])).status_code == 404


def test_full_journey(me, world, settings, django_capture_on_commit_callbacks):
    settings.SMS_PROVIDER = "yiwang.identity.providers.OutboxSmsSender"
    OutboxSmsSender.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = me.post(apply_url(world), good_post(world))
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:receipt", args=[case.case_number])
    assert case.state == State.SUBMITTED and case.channel == "portal"
    assert case.form_data["shop_name"] == "张三小吃店" and case.form_data["area"] == 35.5
    assert "branch_address" not in case.form_data  # hidden by its condition
    mats = {m.material_name: m for m in CaseMaterial.objects.filter(case=case)}
    assert mats["食品经营许可申请书"].source == "upload" and mats["食品经营许可申请书"].sha256
    assert private_storage().exists(mats["食品经营许可申请书"].file.name)
    assert mats["经营场所平面图"].source == "paper"

    receipt = me.get(response["Location"]).content.decode()
    assert case.case_number in receipt
    code_shown = [line for line in receipt.splitlines() if "big-code" in line]
    assert len(code_shown) == 2
    again = me.get(response["Location"]).content.decode()
    assert len([line for line in again.splitlines() if "big-code" in line]) == 1  # the code is shown once

    page = me.get(reverse("cases:case", args=[case.case_number])).content.decode()
    assert case.case_number in page and "食品经营许可申请书" in page
    assert Message.objects.filter(recipient=world.applicant.user, case=case).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        cases.request_correction(
            case, world.clerk_who(), [{"material": "食品经营许可申请书", "note": "缺少法定代表人签字"}]
        )
    assert OutboxSmsSender.last_to("13912345678") is not None
    page = me.get(reverse("cases:case", args=[case.case_number])).content.decode()
    assert "缺少法定代表人签字" in page and 'name="item-0"' in page
    bad = me.post(reverse("cases:supplement", args=[case.case_number]), {"item-0": upload("x.pdf", b"")})
    assert bad.status_code == 400 and "x.pdf" in bad.content.decode()
    ok = me.post(reverse("cases:supplement", args=[case.case_number]), {"item-0": upload("签字版.pdf")})
    assert ok.status_code == 302
    case.refresh_from_db()
    assert case.state == State.SUBMITTED

    with django_capture_on_commit_callbacks(execute=True):
        case = cases.accept(case, world.clerk_who())
        for user, role in (
            (world.reviewer, Role.REVIEWER),
            (world.reviewer, Role.REVIEWER),
            (world.approver, Role.APPROVER),
        ):
            who = world.staff_who(user, role)
            cases.claim(case, who)
            case = cases.complete_step(case, who, decision="pass", opinion="内部意见：材料齐全")
        case = cases.deliver(
            case, world.clerk_who(), method="post", address="蚌埠市东海大道1号", tracking_number="EMS9876"
        )
    page = me.get(reverse("cases:case", args=[case.case_number])).content.decode()
    assert "食品经营许可决定书" in page and "EMS9876" in page
    assert "内部意见" not in page  # internal opinions never reach the applicant
    assert world.reviewer.username not in page and world.approver.username not in page  # no staff account names
    texts = list(Message.objects.filter(recipient=world.applicant.user).values_list("text", flat=True))
    assert any("EMS9876" in t for t in texts) and len(texts) >= 5
    my_space = me.get(reverse("identity:my_space")).content.decode()
    assert case.case_number in my_space and reverse("cases:messages") in my_space


def test_same_idempotency_key_twice_gives_one_case(me, world):
    first = me.post(apply_url(world), good_post(world, key="retry-1"))
    second = me.post(apply_url(world), good_post(world, key="retry-1"))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Case.objects.count() == 1
    assert CaseMaterial.objects.filter(source="upload").count() == 1
    third = me.post(apply_url(world), good_post(world, key="retry-2"))
    assert third["Location"] != first["Location"] and Case.objects.count() == 2


def test_bad_input_shows_a_message_per_field_and_saves_nothing(me, world):
    post = good_post(
        world,
        shop_name="",
        area="很多",
        kind="bank",
        contact_phone="12345",
        manager_id="340302199001011234",
        supplier_code="91340300MA2N0000X1",
        email="not-an-email",
        has_branch="on",
        branch_address="",
        **{f"m{world.application_form.pk}": "", f"m{world.application_form.pk}-file": None},
    )
    response = me.post(apply_url(world), post)
    assert response.status_code == 400
    html = response.content.decode()
    for fid in ("shop_name", "area", "kind", "contact_phone", "manager_id", "supplier_code", "email", "branch_address"):
        assert f'id="e-{fid}"' in html, fid
    assert f'id="me-{world.application_form.pk}"' in html
    assert 'value="很多"' in html  # what was typed comes back
    assert Case.objects.count() == 0 and Draft.objects.count() == 0


def test_draft_is_saved_with_its_file_and_resumed(me, world):
    post = good_post(world, action="draft", shop_name="草稿店", area="")
    response = me.post(apply_url(world), post)
    assert response.status_code == 302
    draft = Draft.objects.get()
    assert draft.form_data["shop_name"] == "草稿店" and len([m for m in draft.materials if m["file"]]) == 1
    page = me.get(apply_url(world)).content.decode()
    assert 'value="草稿店"' in page and 'value="draft"' in page
    post = good_post(world, **{f"m{world.application_form.pk}": "draft", f"m{world.application_form.pk}-file": None})
    response = me.post(apply_url(world), post)
    assert response.status_code == 302
    case = Case.objects.get()
    stored = CaseMaterial.objects.get(case=case, material_name="食品经营许可申请书")
    assert stored.file.name == draft.materials[0]["file"] and private_storage().exists(stored.file.name)
    assert Draft.objects.count() == 0


def test_discarding_a_draft_deletes_its_files(me, world):
    me.post(apply_url(world), good_post(world, action="draft"))
    name = Draft.objects.get().materials[0]["file"]
    assert private_storage().exists(name)
    # Deleting asks first (issue 18): the form's button leads to a confirmation, which deletes.
    asked = me.post(apply_url(world), {"action": "discard"})
    draft = Draft.objects.get()
    assert asked.status_code == 302 and reverse("cases:draft_delete", args=[draft.pk]) in asked["Location"]
    me.post(reverse("cases:draft_delete", args=[draft.pk]), {"next": apply_url(world)})
    assert Draft.objects.count() == 0 and not private_storage().exists(name)


def test_reuse_a_material_from_my_space(me, world):
    """A stored material is offered only in the slot it fits: the ID card copy never for the 申请书."""
    from yiwang.identity import space

    id_copy = space.store_material(
        world.applicant,
        upload=upload("身份证.png", apply_world.PNG, "image/png"),
        title="身份证复印件",
        uploaded_by=world.applicant.user,
    )
    stored = space.store_material(
        world.applicant,
        upload=upload("申请书.png", apply_world.PNG, "image/png"),
        title="食品经营许可申请书（签字版）",
        uploaded_by=world.applicant.user,
    )
    page = me.get(apply_url(world)).content.decode()
    assert f'value="space:{stored.pk}"' in page and f'value="space:{id_copy.pk}"' not in page
    wrong = good_post(
        world, **{f"m{world.application_form.pk}": f"space:{id_copy.pk}", f"m{world.application_form.pk}-file": None}
    )
    assert me.post(apply_url(world), wrong).status_code == 400
    post = good_post(
        world, **{f"m{world.application_form.pk}": f"space:{stored.pk}", f"m{world.application_form.pk}-file": None}
    )
    assert me.post(apply_url(world), post).status_code == 302
    m = CaseMaterial.objects.get(material_name="食品经营许可申请书")
    assert m.source == "my_space" and m.sha256 == stored.sha256
    assert space.uses(world.applicant).filter(case_number=m.case.case_number).exists()


def test_level_too_low_is_refused_with_a_way_to_raise_it(client, world):
    item = apply_world.make_item(world.org, min_identity_level=3)
    client.force_login(world.applicant.user)
    response = client.get(reverse("cases:apply", args=[item.item_code]))
    assert response.status_code == 403
    html = response.content.decode()
    assert "#level" in html and "3" in html


def test_agent_applies_for_the_enterprise_with_the_apply_permission(client, world):
    boss = person("李四")
    company = enterprise("蚌埠好味道餐饮有限公司", legal_rep=boss)
    grant_agent(
        enterprise=company, person=world.applicant, permissions=[AgentPermission.VIEW_CASES], granted_by=boss.user
    )
    client.force_login(world.applicant.user)
    session = client.session
    session["acting_for"] = company.pk
    session.save()
    assert client.get(apply_url(world)).status_code == 403  # no "apply" permission yet
    grant_agent(
        enterprise=company,
        person=world.applicant,
        permissions=[AgentPermission.APPLY, AgentPermission.VIEW_CASES],
        granted_by=boss.user,
    )
    assert client.post(apply_url(world), good_post(world)).status_code == 302
    case = Case.objects.get()
    assert case.enterprise == company and case.person == world.applicant and case.applicant_name == company.name
    assert case.case_number in client.get(reverse("cases:my_cases")).content.decode()


def test_another_persons_case_is_404_like_a_missing_one(client, world):
    client.force_login(world.applicant.user)
    client.post(apply_url(world), good_post(world))
    case = Case.objects.get()
    stranger = person("王五")
    client.force_login(stranger.user)
    for name in ("cases:case", "cases:withdraw", "cases:progress_pdf", "cases:receipt"):
        assert client.get(reverse(name, args=[case.case_number])).status_code == 404, name
    assert client.get(reverse("cases:case", args=["3403002511230000019"])).status_code == 404
    notice_number = "X"
    assert client.get(reverse("cases:notice", args=[notice_number])).status_code == 404


def test_withdraw_asks_first_then_ends_the_case(me, world):
    me.post(apply_url(world), good_post(world))
    case = Case.objects.get()
    confirm = me.get(reverse("cases:withdraw", args=[case.case_number]))
    assert confirm.status_code == 200 and 'name="reason"' in confirm.content.decode()
    assert Case.objects.get().state == State.SUBMITTED
    assert me.post(reverse("cases:withdraw", args=[case.case_number]), {"reason": "不需要了"}).status_code == 302
    assert Case.objects.get().state == State.WITHDRAWN
    again = me.post(reverse("cases:withdraw", args=[case.case_number]), {"reason": ""})
    assert again.status_code == 400


def test_kiosk_applies_with_the_kiosk_channel_and_signs_out(client, world):
    client.force_login(world.applicant.user)
    page = client.get(reverse("cases:kiosk_apply", args=[world.item.item_code])).content.decode()
    assert "kiosk" in page and "data-idle" in page
    response = client.post(reverse("cases:kiosk_apply", args=[world.item.item_code]), good_post(world))
    case = Case.objects.get()
    assert case.channel == "kiosk"
    receipt = client.get(response["Location"]).content.decode()
    assert case.case_number in receipt
    assert client.get(reverse("cases:my_cases")).status_code == 302  # signed out


def test_mobile_channel_from_the_phone_guide(me, world):
    me.post(apply_url(world) + "?via=m", good_post(world, via="m"))
    assert Case.objects.get().channel == "mobile"


def test_a_refused_file_does_not_cost_the_files_that_passed(me, world):
    """One bad upload: the good one is kept as a draft file, shown as chosen, and used on the next submit."""
    post = good_post(
        world,
        **{
            f"m{world.floor_plan.pk}": "upload",
            f"m{world.floor_plan.pk}-file": upload("fake.pdf", b"this is not a pdf", "application/pdf"),
        },
    )
    response = me.post(apply_url(world), post)
    assert response.status_code == 400
    html = response.content.decode()
    assert "fake.pdf" in html and Case.objects.count() == 0
    draft = Draft.objects.get()
    kept = [m for m in draft.materials if m["catalog_material_id"] == world.application_form.pk]
    assert len(kept) == 1 and private_storage().exists(kept[0]["file"])
    assert f'name="m{world.application_form.pk}" value="draft" checked' in html
    assert "kept-files" in html
    # Fixing the bad file alone is enough: the page posts the kept file's choice back.
    fixed = good_post(
        world,
        **{
            f"m{world.application_form.pk}": "draft",
            f"m{world.application_form.pk}-file": None,
            f"m{world.floor_plan.pk}": "upload",
            f"m{world.floor_plan.pk}-file": upload("平面图.png", apply_world.PNG, "image/png"),
        },
    )
    assert me.post(apply_url(world), fixed).status_code == 302
    case = Case.objects.get()
    mats = {m.material_name: m for m in CaseMaterial.objects.filter(case=case)}
    assert mats["食品经营许可申请书"].file.name == kept[0]["file"]
    assert mats["经营场所平面图"].content_type == "image/png"
    assert Draft.objects.count() == 0


def test_a_form_error_keeps_the_files_that_passed(me, world):
    response = me.post(apply_url(world), good_post(world, shop_name=""))
    assert response.status_code == 400
    assert f'name="m{world.application_form.pk}" value="draft" checked' in response.content.decode()
    assert len(Draft.objects.get().materials) >= 1
