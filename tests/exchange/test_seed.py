"""`yiwang seed_exchange` on a small demo city: resources usable with services, records and grants, call history;
idempotent; fails loudly without the city. Then the demo citizen's shared-data material is offered and fetched."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from yiwang.cases import uploads
from yiwang.catalog.models import Material
from yiwang.exchange import query
from yiwang.exchange.models import CallDay, DataCall, DataResource, DataService, Grant, ProvidedRecord
from yiwang.identity.models import Person

pytestmark = pytest.mark.django_db


def run(*args, **kwargs) -> str:
    out = StringIO()
    call_command("seed_exchange", *args, stdout=out, **kwargs)
    return out.getvalue()


def test_the_demo_resources_are_usable_and_seeding_is_idempotent():
    with pytest.raises(CommandError):
        run()
    call_command("seed_demo", seed=11, items=300, no_index=True, stdout=StringIO())
    call_command("demo_identities", stdout=StringIO())
    output = run("--if-empty")
    resources = list(DataResource.objects.filter(code__startswith="DR340300"))
    assert len(resources) == 20
    for r in resources:
        assert r.subject_field and r.version >= 2 and r.services.count() == 1, r.code
        assert all(isinstance(f, dict) and f["name"] for f in r.fields)
    assert ProvidedRecord.objects.count() > 20 and Grant.objects.exists()
    assert DataCall.objects.count() > 100 and CallDay.objects.count() > 10
    assert "grants" in output
    counts = (DataService.objects.count(), Grant.objects.count(), ProvidedRecord.objects.count())
    assert "nothing seeded" in run("--if-empty")
    run()  # a plain run brings the set-up up to date without duplicating anything
    assert (DataService.objects.count(), Grant.objects.count(), ProvidedRecord.objects.count()) == counts

    # The demo citizen: a granted person resource used by an item answers with his record.
    zhang = Person.objects.get(name="张三")
    grant = Grant.objects.filter(resource__subject_kind="person").select_related("resource", "consumer").first()
    material = Material.objects.filter(data_resource_code=grant.resource.code).first()
    assert material is not None
    found = uploads.shared_data_for(zhang, grant.resource.code, grant.consumer)
    assert found is not None and found.available, found
    answer = query.call(
        query.Consumer(grant.consumer),
        grant.resource.services.get(),
        {grant.resource.subject_field: zhang.doc_number},
        purpose="演示",
    )
    assert answer.found
