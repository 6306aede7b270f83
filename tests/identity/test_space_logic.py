"""My Space's rules tested directly: prefill, reuse, file checks, the panel registry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import timezone

from tests.identity.test_space_fixtures import EXE, JPEG, PDF, PNG, fixture_company, fixture_owner, fixture_rep  # noqa: F401
from yiwang.core.errors import ProblemsError
from yiwang.identity import services, space
from yiwang.identity.models import DataUse, ReusableMaterial, ReuseCategory

pytestmark = pytest.mark.django_db


def upload(content: bytes, name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def store(subject, content=PDF, title="身份证复印件", name="scan.pdf", **kw):
    return space.store_material(subject, upload=upload(content, name), title=title, uploaded_by=subject.user, **kw)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (PDF, ("application/pdf", "pdf")),
        (PNG, ("image/png", "png")),
        (JPEG, ("image/jpeg", "jpg")),
        (EXE, None),
        (b"<html><script>", None),
        (b"GIF89a", None),
        (b"", None),
        (b"%PD", None),
    ],
)
def test_sniff_decides_by_content(head, expected):
    assert space.sniff(head[:16]) == expected


def test_prefill_returns_full_values_and_records_the_use(owner):
    values = space.prefill(
        owner, ["name", "doc_number", "phone", "address"], used_by="蚌埠市市场监督管理局", purpose="食品经营许可申请"
    )
    assert values == {
        "name": "张三丰",
        "doc_number": owner.doc_number,
        "phone": owner.phone,
        "address": "安徽省蚌埠市龙子湖区东海大道100号",
    }
    use = DataUse.objects.get()
    assert (use.person, use.enterprise, use.category) == (owner, None, ReuseCategory.PROFILE)
    assert use.what == "name, doc_number, phone, address"
    assert (use.used_by, use.purpose) == ("蚌埠市市场监督管理局", "食品经营许可申请")
    assert owner.doc_number not in use.what + use.used_by + use.purpose


def test_prefill_with_consent_off_returns_nothing_and_records_nothing(owner):
    services.set_reuse(ReuseCategory.PROFILE, False, person=owner)
    assert space.prefill(owner, ["name", "phone"], used_by="x", purpose="y") == {}
    assert not DataUse.objects.exists()
    # switching back on works at once
    space.set_consent(owner, ReuseCategory.PROFILE, True)
    assert space.prefill(owner, ["name"], used_by="x", purpose="y") == {"name": "张三丰"}
    assert DataUse.objects.count() == 1


def test_other_categories_do_not_block_profile_prefill(owner):
    space.set_consents(owner, [ReuseCategory.PROFILE])
    assert space.prefill(owner, ["name"], used_by="x", purpose="y") == {"name": "张三丰"}


def test_prefill_refuses_unknown_fields_and_missing_purpose_without_recording(owner):
    with pytest.raises(ProblemsError) as exc:
        space.prefill(owner, ["name", "password", "credit_code"], used_by="", purpose=" ")
    fields = {p.field for p in exc.value.problems}
    assert fields == {"fields", "used_by", "purpose"}
    assert "password" in str(exc.value.problems[0])
    assert not DataUse.objects.exists()


def test_enterprise_prefill_uses_the_enterprise_profile_and_its_own_consent(company, owner):
    values = space.prefill(company, ["name", "credit_code"], used_by="x", purpose="开办")
    assert values == {"name": company.name, "credit_code": company.credit_code}
    assert DataUse.objects.get().enterprise == company
    services.set_reuse(ReuseCategory.PROFILE, False, enterprise=company)
    assert space.prefill(company, ["name"], used_by="x", purpose="开办") == {}
    # the person's own switch is separate
    assert space.prefill(owner, ["name"], used_by="x", purpose="y") == {"name": "张三丰"}


def test_reusable_materials_respect_switch_flag_validity_and_deletion(owner):
    today = timezone.localdate()
    keep = store(owner, title="毕业证书")
    store(owner, title="不复用", reusable=False)
    store(owner, title="已过期", valid_until=today - dt.timedelta(days=1))
    gone = store(owner, title="已删除")
    space.delete_material(gone)
    store(owner, title="今天到期", valid_until=today)
    titles = {m.title for m in space.reusable_materials(owner)}
    assert titles == {"毕业证书", "今天到期"}
    services.set_reuse(ReuseCategory.MATERIALS, False, person=owner)
    assert not space.reusable_materials(owner).exists()
    with pytest.raises(ProblemsError):
        space.use_material(owner, keep.pk, used_by="窗口", purpose="申请")
    assert not DataUse.objects.exists()


def test_use_material_records_each_reuse(owner):
    m = store(owner, title="毕业证书")
    got = space.use_material(owner, m.pk, used_by="蚌埠市人社局", purpose="职称申报", case_number="YW2026000001")
    assert got == m
    use = DataUse.objects.get()
    assert (use.category, use.what, use.case_number) == (ReuseCategory.MATERIALS, "毕业证书", "YW2026000001")


def test_use_material_of_someone_else_is_refused(owner, rep):
    theirs = store(rep)
    with pytest.raises(ProblemsError):
        space.use_material(owner, theirs.pk, used_by="x", purpose="y")


def test_store_checks_everything_before_writing(owner):
    with pytest.raises(ProblemsError) as exc:
        space.store_material(
            owner, upload=upload(EXE, "合同.pdf"), title="", valid_until="2026-13-40", uploaded_by=owner.user
        )
    assert {p.field for p in exc.value.problems} == {"title", "file", "valid_until"}
    assert not ReusableMaterial.objects.exists()


def test_store_keeps_hash_type_size_and_a_name_from_the_content(owner):
    m = store(owner, content=PNG, title="证件照", name="scan.png")
    assert (m.content_type, m.size) == ("image/png", len(PNG))
    assert m.file.name.endswith(".png") and "scan" not in m.file.name
    with m.file.open("rb") as fh:
        assert fh.read() == PNG
    assert space.download_name(m) == "证件照.png"


def test_oversize_is_refused_while_reading(owner, settings):
    big = SimpleUploadedFile("a.pdf", PDF + b"0" * (space.MAX_MATERIAL_BYTES + 1 - len(PDF)))
    with pytest.raises(ProblemsError) as exc:
        space.store_material(owner, upload=big, title="大文件", uploaded_by=owner.user)
    assert exc.value.problems[0].code == "too_large"
    assert not ReusableMaterial.objects.exists()


def test_update_material_refuses_bad_input_without_changing_it(owner):
    m = store(owner)
    with pytest.raises(ProblemsError):
        space.update_material(m, {"title": " ", "reusable": False})
    m.refresh_from_db()
    assert (m.title, m.reusable) == ("身份证复印件", True)
    space.update_material(m, {"reusable": False, "valid_until": "2030-01-31"})
    m.refresh_from_db()
    assert (m.reusable, m.valid_until) == (False, dt.date(2030, 1, 31))
    space.update_material(m, {"valid_until": None})
    m.refresh_from_db()
    assert m.valid_until is None


def test_reveal_only_known_fields(owner):
    assert space.reveal(owner, "doc_number") == owner.doc_number
    with pytest.raises(ProblemsError):
        space.reveal(owner, "doc_number_hash")


def test_consents_default_on_and_set_all_at_once(owner):
    assert all(c["allowed"] for c in space.consents(owner))
    space.set_consents(owner, [ReuseCategory.LICENSES])
    state = {c["category"]: c["allowed"] for c in space.consents(owner)}
    assert state == {"profile": False, "materials": False, "licenses": True, "shared_data": False}
    with pytest.raises(ProblemsError):
        space.set_consents(owner, ["everything"])


def test_panel_registry_lets_other_modules_add_sections(owner, company):
    rf = RequestFactory()
    request = rf.get("/my/")
    request.user = owner.user
    request.session = {}
    try:
        space.register_panel(
            "test_cases",
            title="我的办件",
            template="x.html",
            context=lambda req, subject: {"n": 3} if subject == owner else None,
            order=10,
        )
        space.register_panel(
            "test_licenses", title="我的证照", template="y.html", context=lambda r, s: {}, subjects=["enterprise"]
        )
        keys = {"test_cases", "test_licenses"}
        assert [p["key"] for p in space.panels_for(request, owner) if p["key"] in keys] == ["test_cases"]
        assert [p["key"] for p in space.panels_for(request, company) if p["key"] in keys] == ["test_licenses"]
    finally:
        space.unregister_panel("test_cases")
        space.unregister_panel("test_licenses")
    assert not {p["key"] for p in space.panels_for(request, owner)} & {"test_cases", "test_licenses"}
