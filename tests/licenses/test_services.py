"""The write path: issue, change, renew, suspend, revoke, keys, uses, and the refusals (nothing half-written)."""

import datetime as dt

import pytest

from tests import factories
from tests.licenses.conftest import business_fields
from yiwang.core.errors import ProblemsError
from yiwang.identity import services as identity
from yiwang.identity.models import AgentPermission
from yiwang.licenses import keys, services
from yiwang.licenses.models import License, LicenseEvent, LicenseUse, SigningKey, Status
from yiwang.licenses.verification import verdict_for, verify_identifier


def issue_business(business_type, bureau, company, **kw):
    return services.issue(
        license_type=business_type,
        issuer=bureau,
        holder_number=company.credit_code,
        holder_name=company.name,
        fields=business_fields(**kw),
    )


def issue_teacher(teacher_type, bureau, holder, **kw):
    return services.issue(
        license_type=teacher_type,
        issuer=bureau,
        holder_number=holder.doc_number,
        holder_name=holder.name,
        fields={"subject": "数学", "level": "小学"},
        **kw,
    )


def test_issue_signs_and_links_the_holder(business_type, teacher_type, bureau, company, holder):
    lic = issue_business(business_type, bureau, company, capital="1,000.50")
    assert lic.enterprise == company and lic.holder_code == company.credit_code and lic.holder_number == ""
    assert lic.field_values["capital"] == "1000.5"
    assert verify_identifier(lic.identifier).outcome == "valid"
    assert list(lic.events.values_list("kind", flat=True)) == [LicenseEvent.Kind.ISSUED]
    t = issue_teacher(teacher_type, bureau, holder)
    assert t.person == holder and t.holder_number == holder.doc_number
    # five-year validity: the day before the fifth anniversary
    assert t.expires_on == services.add_months(t.issued_on, 60) - dt.timedelta(days=1)
    assert list(services.licenses_for(person=holder)) == [t]
    assert list(services.licenses_for(enterprise=company)) == [lic]
    # the document number is stored encrypted
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT holder_number FROM licenses_license WHERE id = %s", [t.pk])
        assert holder.doc_number not in c.fetchone()[0]


def test_serials_follow_each_other(business_type, bureau, company):
    a = issue_business(business_type, bureau, company)
    b = issue_business(business_type, bureau, company)
    assert int(b.serial) == int(a.serial) + 1


def test_bad_input_reports_every_field_and_writes_nothing(business_type, teacher_type, bureau, holder):
    with pytest.raises(ProblemsError) as exc:
        services.issue(
            license_type=business_type,
            issuer=bureau,
            holder_number="91340300MA2XXXXXX1",
            holder_name="",
            fields={"enterprise_type": "合作社", "capital": "很多", "founded": "昨天", "colour": "红"},
        )
    fields = {p.field for p in exc.value.problems}
    assert {
        "holder_number",
        "holder_name",
        "fields.enterprise_type",
        "fields.capital",
        "fields.founded",
        "fields.legal_rep",
        "fields.colour",
    } <= fields
    assert all(p.as_dict()["message"] and p.as_dict()["message_en"] for p in exc.value.problems)
    with pytest.raises(ProblemsError) as exc:
        services.issue(
            license_type=teacher_type,
            issuer=bureau,
            holder_number="340302199001011234",
            holder_name="王小明",
            fields={"subject": "数学", "level": "小学"},
        )
    assert exc.value.problems[0].field == "holder_number"
    assert not License.objects.exists() and not LicenseEvent.objects.exists()


def test_issuer_must_issue_the_type(business_type, company):
    other = factories.OrganisationFactory()
    with pytest.raises(ProblemsError) as exc:
        issue_business(business_type, other, company)
    assert exc.value.problems[0].code == "not_an_issuer"


def test_change_makes_a_new_signed_version(business_type, bureau, company, approver):
    v1 = issue_business(business_type, bureau, company)
    v2 = services.change(v1, fields=business_fields(capital="200"), reason="增资", actor=approver)
    v1.refresh_from_db()
    assert v2.version == 2 and v2.serial == v1.serial and v2.previous == v1 and v1.next == v2
    assert v2.identifier.split(".")[-2] == "002"
    assert v1.status == Status.SUPERSEDED
    assert verify_identifier(v1.identifier).outcome == "superseded"
    assert verify_identifier(v2.identifier).outcome == "valid"
    assert v2.field_values["capital"] == "200"
    with pytest.raises(ProblemsError):
        services.change(v1, fields=business_fields(), reason="again")
    with pytest.raises(ProblemsError):
        services.change(v2, fields=business_fields(), reason="")


def test_renew_restarts_the_validity(teacher_type, bureau, holder):
    old = issue_teacher(teacher_type, bureau, holder, issued_on="2019-03-01")
    assert old.expires_on == dt.date(2024, 2, 29)
    assert verify_identifier(old.identifier).outcome == "expired"
    new = services.renew(old, issued_on=dt.date(2024, 3, 1))
    assert new.expires_on == dt.date(2029, 2, 28) and new.version == 2
    assert verify_identifier(new.identifier).outcome == "valid"


def test_suspend_reinstate_revoke(business_type, bureau, company):
    lic = issue_business(business_type, bureau, company)
    services.suspend(lic, reason="涉嫌违法经营，立案调查")
    assert verify_identifier(lic.identifier).outcome == "suspended"
    with pytest.raises(ProblemsError):
        services.suspend(lic, reason="again")
    services.reinstate(lic, reason="调查结束")
    assert verify_identifier(lic.identifier).outcome == "valid"
    with pytest.raises(ProblemsError):
        services.revoke(lic, reason=" ")
    services.revoke(lic, reason="吊销营业执照")
    assert verify_identifier(lic.identifier).outcome == "revoked"
    with pytest.raises(ProblemsError):
        services.reinstate(lic, reason="x")
    kinds = list(lic.events.values_list("kind", flat=True))
    assert kinds == ["issued", "suspended", "reinstated", "revoked"]


def test_tampered_registry_row_verifies_as_forged(business_type, bureau, company):
    lic = issue_business(business_type, bureau, company)
    License.objects.filter(pk=lic.pk).update(field_values={**lic.field_values, "capital": "99999"})
    assert verify_identifier(lic.identifier).outcome == "forged"
    License.objects.filter(pk=lic.pk).update(field_values=lic.field_values, holder_name="别的公司")
    assert verify_identifier(lic.identifier).outcome == "forged"


def test_rotation_keeps_old_licenses_valid(business_type, bureau, company):
    old = issue_business(business_type, bureau, company)
    first = old.signing_key
    second = keys.rotate(bureau)
    new = issue_business(business_type, bureau, company)
    assert new.signing_key == second and second != first
    first.refresh_from_db()
    assert first.rotated_at is not None and first.revoked_at is None
    assert verify_identifier(old.identifier).outcome == "valid"
    assert verify_identifier(new.identifier).outcome == "valid"


def test_revoked_key_and_resigning(business_type, bureau, company):
    lic = issue_business(business_type, bureau, company)
    key = lic.signing_key
    keys.revoke(key, "私钥泄露")
    assert verify_identifier(lic.identifier).outcome == "key_revoked"
    assert keys.current_key(bureau) != key  # a fresh key is made for new licenses
    assert services.resign_key_licenses(key) == 1
    new = License.objects.get(previous=lic)
    assert new.signing_key != key and verify_identifier(new.identifier).outcome == "valid"
    assert SigningKey.objects.filter(organisation=bureau).count() == 2


def test_private_keys_are_encrypted_files_outside_the_database(business_type, bureau, company, settings):
    lic = issue_business(business_type, bureau, company)
    path = settings.LICENSE_KEYSTORE_DIR / f"{lic.signing_key.key_id}.pem"
    text = path.read_text()
    assert "ENCRYPTED PRIVATE KEY" in text
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    fresh = keys.FileKeyStore()
    assert fresh.get(lic.signing_key.key_id).public_key() is not None
    with pytest.raises(ValueError):
        keys.FileKeyStore(secret=b"wrong").get(lic.signing_key.key_id)


def test_issue_from_case(business_type, teacher_type, bureau, company, holder):
    lic = services.issue_from_case(
        holder=company, license_type=business_type, fields=business_fields(), issuer=bureau, case_number="BB2024000123"
    )
    assert lic.case_number == "BB2024000123" and lic.trust_level == "A"
    assert lic.events.get().case_number == "BB2024000123"
    with pytest.raises(ProblemsError):
        services.issue_from_case(
            holder=holder, license_type=business_type, fields=business_fields(), issuer=bureau, case_number="X1"
        )
    t = services.issue_from_case(
        holder=holder,
        license_type=teacher_type,
        fields={"subject": "语文", "level": "高级中学"},
        issuer=bureau,
        case_number="BB2024000124",
    )
    assert t.person == holder


def test_use_by_the_holder_and_refusal_for_others(teacher_type, business_type, bureau, holder, company):
    t = issue_teacher(teacher_type, bureau, holder)
    use = services.use_license(t, presenter=holder, purpose="教师资格认定", case_number="BB1")
    assert use.license == t and LicenseUse.objects.count() == 1
    stranger = factories.person("赵六")
    with pytest.raises(ProblemsError) as exc:
        services.use_license(t, presenter=stranger, purpose="冒用")
    assert exc.value.problems[0].code == "not_holder"
    # enterprise license: the legal representative, or an agent with the licenses permission
    b = issue_business(business_type, bureau, company)
    services.use_license(b, presenter=holder, purpose="食品经营许可申请")
    with pytest.raises(ProblemsError):
        services.use_license(b, presenter=stranger, purpose="x")
    identity.grant_agent(
        enterprise=company, person=stranger, permissions=[AgentPermission.LICENSES], granted_by=holder.user
    )
    services.use_license(b, presenter=stranger, purpose="代办")
    services.revoke(b, reason="吊销")
    with pytest.raises(ProblemsError) as exc:
        services.use_license(b, presenter=holder, purpose="x")
    assert exc.value.problems[0].code == "not_valid"
    assert LicenseUse.objects.count() == 3


def test_verdict_for_checks_the_signature(business_type, bureau, company):
    lic = issue_business(business_type, bureau, company)
    assert verdict_for(lic).ok
    lic.signature = bytes(lic.signature)[:-2] + b"\x00\x01"
    assert verdict_for(lic).outcome == "forged"
