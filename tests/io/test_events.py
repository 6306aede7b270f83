"""The bulk import tells the catalog's listeners about every version it publishes, a batch at a time."""

import pytest
from django.db import IntegrityError

from tests.factories import make_item
from tests.io.helpers import item_obj, json_file
from yiwang.catalog import services
from yiwang.catalog.io import import_catalog, service
from yiwang.catalog.models import ItemVersion, SearchEntry, ServiceItem, VersionStatus
from yiwang.catalog.signals import on_published, versions_published
from yiwang.core.errors import ProblemsError

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """What a listener written with `on_published` hears, call by call."""
    calls: list[tuple[list[int], list[int]]] = []

    @on_published("tests.io.heard")
    def listener(version_ids, item_ids):
        calls.append((version_ids, item_ids))

    yield calls
    from yiwang.catalog.signals import version_published

    version_published.disconnect(dispatch_uid="tests.io.heard.one")
    versions_published.disconnect(dispatch_uid="tests.io.heard.many")


@pytest.fixture
def batches():
    """The raw `versions_published` signals: one per committed batch."""
    sent: list[dict] = []

    def receiver(sender, **kwargs):
        sent.append(kwargs)

    versions_published.connect(receiver, dispatch_uid="tests.io.batches")
    yield sent
    versions_published.disconnect(dispatch_uid="tests.io.batches")


def test_every_imported_version_is_heard_in_batches(org, settings, heard, batches, django_capture_on_commit_callbacks):
    settings.CATALOG_IMPORT_BATCH_ITEMS = 2
    objs = [item_obj(org) for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        import_catalog(json_file(objs), channel="api")
    published = set(ItemVersion.objects.filter(status=VersionStatus.PUBLISHED).values_list("pk", "item_id"))
    assert len(published) == 5
    assert [len(b["version_ids"]) for b in batches] == [2, 2, 1]
    assert {(v, i) for vs, items in heard for v, i in zip(vs, items, strict=True)} == published
    assert all(b["channel"] == "api" and b["previous_ids"] == [] for b in batches)
    # The search index is one of the listeners: every imported item is findable.
    assert SearchEntry.objects.count() == 5

    # A second import changes three items: their new versions are heard, with the versions they retire.
    heard.clear()
    batches.clear()
    old = dict(ItemVersion.objects.filter(status=VersionStatus.PUBLISHED).values_list("item__item_code", "pk"))
    changed = [dict(o, phone="0552-7654321") for o in objs[:3]]
    with django_capture_on_commit_callbacks(execute=True):
        result = import_catalog(json_file(changed + objs[3:]))
    assert (result.new_versions, result.unchanged) == (3, 2)
    new = set(
        ItemVersion.objects.filter(status=VersionStatus.PUBLISHED, phone="0552-7654321").values_list("pk", flat=True)
    )
    assert {v for vs, _items in heard for v in vs} == new
    assert {v for b in batches for v in b["previous_ids"]} == {old[o["item_code"]] for o in changed}


def test_the_editor_publications_reach_the_same_listener(org, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        item = make_item(org)
    version = ItemVersion.objects.get(item=item, status=VersionStatus.PUBLISHED)
    assert ([version.pk], [item.pk]) in heard


def test_nothing_is_heard_from_a_dry_run_or_a_refused_file(org, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_catalog(json_file([item_obj(org)]), dry_run=True)
        with pytest.raises(ProblemsError):
            import_catalog(json_file([item_obj(org), item_obj(org, promised_limit=999)]))
    assert heard == []


def test_a_conflict_keeps_the_batches_before_it(
    org, settings, monkeypatch, batches, django_capture_on_commit_callbacks
):
    settings.CATALOG_IMPORT_BATCH_ITEMS = 2
    original = service._Plan._write_batch
    calls = []

    def failing_second(self, batch, actor, channel):
        calls.append(len(batch))
        if len(calls) == 2:
            raise IntegrityError("UNIQUE constraint failed: catalog_serviceitem.item_code")
        return original(self, batch, actor, channel)

    monkeypatch.setattr(service._Plan, "_write_batch", failing_second)
    objs = [item_obj(org) for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ProblemsError) as info:
        import_catalog(json_file(objs))
    (problem,) = info.value.as_list()
    assert problem["code"] == "conflict" and "2 items were written" in problem["message_en"]
    assert ServiceItem.objects.count() == 2 and len(batches) == 1
    # Importing the same file again writes the rest; the first two are unchanged.
    monkeypatch.setattr(service._Plan, "_write_batch", original)
    result = import_catalog(json_file(objs))
    assert (result.created, result.unchanged) == (3, 2)


def test_publishing_through_the_editor_still_sends_one_version(org, django_capture_on_commit_callbacks):
    from yiwang.catalog.signals import version_published

    got = []
    version_published.connect(
        lambda sender, version, **kw: got.append(version.pk), dispatch_uid="tests.io.one", weak=False
    )
    try:
        item = make_item(org)
        draft = services.start_draft(item)
        with django_capture_on_commit_callbacks(execute=True):
            services.publish(draft)
        assert got == [draft.pk]
    finally:
        version_published.disconnect(dispatch_uid="tests.io.one")
