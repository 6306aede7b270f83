"""`seed_bundles`: the demo bundle and 秒批 item exist after `make demo`, and walking them works end to end."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import person
from yiwang.bundles import services
from yiwang.bundles.models import Bundle
from yiwang.cases.actions import Caller
from yiwang.cases.models import Case
from yiwang.rules.models import RuleSet

pytestmark = pytest.mark.django_db


def test_demo_bundle_is_seeded_once_and_walks(django_capture_on_commit_callbacks):
    with pytest.raises(CommandError):
        call_command("seed_bundles", stdout=StringIO())  # no catalog yet: a clear error, nothing written
    assert not Bundle.objects.exists()
    call_command("seed_demo", seed=11, items=300, no_index=True, stdout=StringIO())
    out = StringIO()
    call_command("seed_bundles", "--if-empty", stdout=out)
    bundle = Bundle.objects.get(code="newborn")
    assert bundle.status == "published" and bundle.items.count() == 3
    instant = bundle.items.order_by("order").last()
    assert RuleSet.objects.get(version=instant.item.current, status="active")
    call_command("seed_bundles", "--if-empty", stdout=out)
    assert Bundle.objects.count() == 1 and "nothing seeded" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("seed_bundles", stdout=StringIO())

    citizen = person("孙八", phone="13912345678", level=2)
    form = {"insure_baby": True, "contact_phone": "13912345678"}
    for f in services.merged_fields(bundle):  # fill every other required field of the demo's forms
        if f.required and f.name not in form:
            form[f.name] = f.choices[0][0] if f.choices else ("1" if f.type == "number" else "示例")
    with django_capture_on_commit_callbacks(execute=True):
        done = services.submit(Caller.for_user(citizen.user), bundle, form=form, channel="portal")
    states = [Case.objects.get(pk=c.pk).state for c in done.cases]
    assert len(states) == 3 and states[-1] == "approved" and states[:2] == ["submitted", "submitted"]
