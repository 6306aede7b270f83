"""Bulk issuance signs on every core: the forked path gives the same, verifiable licenses as the single one."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests import factories
from yiwang.core.codes import citizen_check_char
from yiwang.licenses import importer
from yiwang.licenses.models import License, LicenseEvent
from yiwang.licenses.verification import verdict_for

pytestmark = pytest.mark.django_db(transaction=True)


def _rows(lt, orgs, n):
    rows = [["license_type", "issuer", "holder_number", "holder_name", "issued_on", "subject", "level"]]
    for i in range(n):
        first17 = f"340302{1960 + i % 40}{i % 12 + 1:02d}{i % 28 + 1:02d}{i % 1000:03d}"
        org = orgs[i % len(orgs)]
        rows.append(
            [lt.code, org.credit_code, first17 + citizen_check_char(first17), f"王{i}", "2024-03-01", "数学", "小学"]
        )
    return rows


@pytest.mark.parametrize("workers", [1, 2])
def test_forked_signing_writes_every_row_once_in_order(teacher_type, bureau, monkeypatch, workers):
    monkeypatch.setattr(importer, "BATCH", 7)  # many batches from a few rows
    second = factories.OrganisationFactory(name="怀远县市场监督管理局")
    teacher_type.issuers.add(second)
    holder = factories.person("王1")
    good, problems, count = importer.validate(_rows(teacher_type, [bureau, second], 60))
    assert not problems and count == 60
    with transaction.atomic():
        created = importer.write(good, workers=workers)
    assert len(created) == len(set(created)) == 60 == License.objects.count()
    assert set(created) == set(License.objects.values_list("identifier", flat=True))
    assert LicenseEvent.objects.filter(kind="imported").count() == 60
    for lic in License.objects.select_related("license_type", "issuer", "signing_key")[:60]:
        assert verdict_for(lic).ok, lic.identifier
        assert lic.holder_number.startswith("340302")  # decrypts: encrypted in the worker with the same keys
    assert sorted(License.objects.filter(issuer=bureau).values_list("serial", flat=True)) == [
        f"{n:010d}" for n in range(1, 31)
    ]
    assert holder is not None


def test_a_failure_while_inserting_leaves_nothing(teacher_type, bureau, monkeypatch):
    monkeypatch.setattr(importer, "BATCH", 10)
    good, problems, _ = importer.validate(_rows(teacher_type, [bureau], 40))
    assert not problems
    calls = {"n": 0}
    real = importer.insert_rows

    def flaky(table, columns, rows, **kw):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("disk full")
        return real(table, columns, rows, **kw)

    monkeypatch.setattr(importer, "insert_rows", flaky)
    with pytest.raises(RuntimeError), transaction.atomic():
        importer.write(good, workers=2)
    assert not License.objects.exists() and not LicenseEvent.objects.exists()


def test_workers_follow_size_and_setting(settings):
    assert importer.workers_for(10) == 1
    settings.LICENSE_IMPORT_WORKERS = 4
    assert importer.workers_for(1_000_000) == 4
    settings.LICENSE_IMPORT_WORKERS = 1
    assert importer.workers_for(1_000_000) == 1
