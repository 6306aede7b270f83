"""Certificate numbers from a license type's numbering rule: the rule checked, the number built, the sequence kept
per (type, issuer, year) in the database — also under concurrent issuance — and never given twice."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from hypothesis import given
from hypothesis import strategies as st

from tests import factories
from tests.licenses.test_pages_import import csv_bytes
from yiwang.core.errors import ProblemsError
from yiwang.licenses import importer, numbering, services
from yiwang.licenses.models import HolderKind, License, LicenseType

FIELDS = [
    {
        "name": "kind",
        "label": "主体业态",
        "type": "choice",
        "required": True,
        "choices": ["食品销售经营者", "餐饮服务经营者"],
    },
    {"name": "certificate_no", "label": "许可证编号", "type": "text", "required": True},
]
JY = "JY{choice:kind}{division}{serial:6}{check}"


def make_type(bureau, pattern: str = JY, code: str = "11100000MB0143028R002") -> LicenseType:
    lt = LicenseType.objects.create(
        code=code,
        name="食品经营许可证",
        holder_kind=HolderKind.ENTERPRISE,
        fields=FIELDS,
        number_field="certificate_no",
        number_pattern=pattern,
    )
    lt.issuers.add(bureau)
    return lt


def issue(lt, bureau, n: int, day: dt.date | None = None) -> License:
    return services.issue(
        license_type=lt,
        issuer=bureau,
        holder_number=factories.make_credit_code("9", "1", "340300", f"{30000000 + n:08d}"),
        holder_name=f"蚌埠第{n}食品有限公司",
        fields={"kind": "餐饮服务经营者"},
        issued_on=day,
    )


# --- the rule ---------------------------------------------------------------------------------------------------


@given(st.text("0123456789", min_size=1, max_size=20), st.data())
def test_the_check_digit_catches_every_single_digit_error(digits, data):
    at = data.draw(st.integers(0, len(digits) - 1))
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != digits[at]]))
    assert numbering.check_digit(digits) != numbering.check_digit(digits[:at] + wrong + digits[at + 1 :])


SPECS = [{**f, "choices": f.get("choices", [])} for f in FIELDS]


@pytest.mark.parametrize(
    ("pattern", "number_field", "words"),
    [
        ("JY{serial:6}", "", "number_field"),
        ("", "certificate_no", "number_pattern"),
        ("JY{serial:6}", "nope", "number_field"),
        ("JY{serial:6}", "kind", "number_field"),
        ("JY{division}", "certificate_no", "number_pattern"),
        ("JY{serial:6}{serial:2}", "certificate_no", "number_pattern"),
        ("JY{serial:0}", "certificate_no", "number_pattern"),
        ("JY{serial:13}", "certificate_no", "number_pattern"),
        ("JY{check}{serial:6}", "certificate_no", "number_pattern"),
        ("JY{colour}{serial:6}", "certificate_no", "number_pattern"),
        ("JY{choice:certificate_no}{serial:6}", "certificate_no", "number_pattern"),
        ("J Y{serial:6}", "certificate_no", "number_pattern"),
    ],
)
def test_bad_rules_are_named(pattern, number_field, words):
    problems = numbering.pattern_problems(pattern, number_field, SPECS)
    assert problems and words in {p.field for p in problems}


def test_good_rules_pass():
    for pattern in (JY, "{yy}{division}{serial:5}", "粤食{year}第{serial:4}号", "TZZY{division}{year}{serial:6}"):
        assert numbering.pattern_problems(pattern, "certificate_no", SPECS) == [], pattern
    assert numbering.pattern_problems("", "", SPECS) == []


@pytest.mark.django_db
def test_the_admin_form_refuses_a_bad_rule():
    lt = LicenseType(code="X", name="x", holder_kind="enterprise", fields=FIELDS, number_pattern="JY{division}")
    with pytest.raises(ValidationError) as caught:
        lt.clean()
    assert "number_pattern" in caught.value.message_dict and "number_field" in caught.value.message_dict


@pytest.mark.django_db
def test_the_food_business_license_number():
    bureau = factories.OrganisationFactory()  # in 蚌埠市, 340300
    lt = make_type(bureau)
    number = numbering.render(JY, 42, bureau, dt.date(2026, 3, 1), {"kind": "餐饮服务经营者"}, lt.field_specs())
    assert number[:15] == "JY2340300000042" and len(number) == 16  # JY + 14 digits
    assert number[-1] == numbering.check_digit("2340300000042")


# --- the sequence -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_issuing_numbers_one_after_another_and_keeps_the_number_on_change():
    bureau = factories.OrganisationFactory()
    lt = make_type(bureau)
    first, second = issue(lt, bureau, 1), issue(lt, bureau, 2)
    assert first.certificate_no.startswith("JY2340300000001") and second.certificate_no.startswith("JY2340300000002")
    assert first.field_values["certificate_no"] == first.certificate_no
    changed = services.change(first, fields={"kind": "食品销售经营者"}, reason="业态变更")
    assert changed.certificate_no == first.certificate_no and changed.version == 2
    given = services.issue(
        license_type=lt,
        issuer=bureau,
        holder_number=factories.make_credit_code("9", "1", "340300", "39999999"),
        holder_name="蚌埠旧证食品有限公司",
        fields={"kind": "食品销售经营者", "certificate_no": "JY1340300999999X"},
    )
    assert given.certificate_no == "JY1340300999999X"  # a number already on paper is kept


@pytest.mark.django_db
def test_a_rule_showing_the_year_restarts_each_year_and_one_without_never_does():
    bureau = factories.OrganisationFactory()
    yearly = make_type(bureau, "SP{year}{serial:4}", code="11100000MB0143028R003")
    endless = make_type(bureau, "JY{serial:4}", code="11100000MB0143028R004")
    numbers = [
        issue(lt, bureau, i, dt.date(y, 6, 1)).certificate_no
        for i, (lt, y) in enumerate(
            [(yearly, 2025), (yearly, 2025), (yearly, 2026), (endless, 2025), (endless, 2026)], 1
        )
    ]
    assert numbers == ["SP20250001", "SP20250002", "SP20260001", "JY0001", "JY0002"]


@pytest.mark.django_db
def test_numbers_run_out_with_a_clear_refusal():
    bureau = factories.OrganisationFactory()
    lt = make_type(bureau, "JY{serial:1}")
    for i in range(9):
        issue(lt, bureau, i)
    with pytest.raises(ProblemsError) as caught:
        issue(lt, bureau, 10)
    assert caught.value.problems[0].code == "exhausted"
    assert License.objects.count() == 9


@pytest.mark.django_db
def test_the_database_refuses_the_same_number_twice():
    bureau = factories.OrganisationFactory()
    lt = make_type(bureau)
    lic = issue(lt, bureau, 1)
    twin = License.objects.get(pk=lic.pk)
    twin.pk, twin.identifier, twin.serial = None, lic.identifier + "X", "9999999999"
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


@pytest.mark.django_db
def test_the_importer_numbers_rows_without_a_number():
    bureau = factories.OrganisationFactory()
    lt = make_type(bureau)
    header = ["license_type", "issuer", "holder_number", "holder_name", "kind", "certificate_no"]
    rows = [header] + [
        [
            lt.code,
            bureau.credit_code,
            factories.make_credit_code("9", "1", "340300", f"{40000000 + i:08d}"),
            f"第{i}店",
            "食品销售经营者",
            "JY1340300888888X" if i == 2 else "",
        ]
        for i in range(3)
    ]
    result = importer.import_licenses(csv_bytes(rows), "a.csv")
    assert result.problems == [] and result.created == 3
    numbers = sorted(License.objects.values_list("certificate_no", flat=True))
    assert [n[:15] for n in numbers] == ["JY1340300000001", "JY1340300000002", "JY1340300888888"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuers_never_share_a_number():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite in memory has one connection; the row lock race needs PostgreSQL")
    bureau = factories.OrganisationFactory()
    lt = make_type(bureau)
    issue(lt, bureau, 0)  # the counter row exists; the threads race on incrementing it
    barrier = threading.Barrier(6)
    errors: list[Exception] = []

    def one(n: int) -> None:
        try:
            barrier.wait()
            issue(lt, bureau, n)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(1, 7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    serials = sorted(int(n[9:15]) for n in License.objects.values_list("certificate_no", flat=True))
    assert serials == list(range(1, 8))
