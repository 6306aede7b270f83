"""The index follows publish and retire, and a full rebuild gives the same index."""

from yiwang.catalog import services
from yiwang.catalog.models import SearchDoc, SearchEntry, SearchTerm, SearchToken
from yiwang.catalog.search import index_items, rebuild_index, search


def _snapshot():
    """The whole index by content (doc ids differ between an incremental index and a rebuild)."""
    postings = sorted(SearchToken.objects.values_list("doc__key", "token", "weight"))
    docs = sorted(SearchDoc.objects.values_list("key", "group_key", "entries", "lead", "lead_boost"))
    entries = sorted(SearchEntry.objects.values_list("id", "text__key", "department__key", "group_key", "boost"))
    terms = dict(SearchTerm.objects.filter(df__gt=0).values_list("token", "df"))
    doc_counts = dict(SearchTerm.objects.filter(df__gt=0).values_list("token", "docs"))
    return postings, docs, entries, terms, doc_counts


def test_every_published_item_is_indexed(city):
    assert SearchEntry.objects.count() == 11
    entry = SearchEntry.objects.get(item=city["id_card"])
    assert entry.name == "居民身份证申领"
    assert entry.group_key == "2000000000040"
    assert entry.division_name == "蚌埠市"
    assert "办身份证" in entry.aliases.split("\n")
    assert SearchTerm.objects.get(token="#all").df == 11


def test_identical_implementations_share_their_postings(city):
    license_entries = list(SearchEntry.objects.filter(group_key__startswith="010000000001"))
    assert len(license_entries) == 3
    assert len({e.text_id for e in license_entries}) == 1  # one text doc for the three counties
    assert len({e.department_id for e in license_entries}) == 3  # each its own department
    text = SearchDoc.objects.get(pk=license_entries[0].text_id)
    assert text.entries == 3 and text.lead == city["license_city"].pk  # city level leads
    assert SearchToken.objects.filter(token="yyzz", doc=text).count() == 1
    assert SearchTerm.objects.get(token="yyzz").df == 4  # entries, for idf: 3 licences + the sole trader's
    assert SearchTerm.objects.get(token="=营业执照核发").docs == 1


def test_retired_item_disappears(city, django_capture_on_commit_callbacks):
    assert search("身份证").hits[0].entry.item_id == city["id_card"].pk
    entry = SearchEntry.objects.get(item=city["id_card"])
    with django_capture_on_commit_callbacks(execute=True):
        services.retire(city["id_card"])
    assert not SearchEntry.objects.filter(item=city["id_card"]).exists()
    # Its docs were its own: they and their postings are gone.
    assert not SearchDoc.objects.filter(pk__in=[entry.text_id, entry.department_id]).exists()
    assert not SearchToken.objects.filter(doc_id__in=[entry.text_id, entry.department_id]).exists()
    assert "居民身份证申领" not in {h.entry.name for h in search("身份证").hits}
    assert SearchTerm.objects.get(token="#all").df == 10


def test_new_version_new_alias_is_found(city, django_capture_on_commit_callbacks):
    item = city["hygiene"]
    assert search("美容美发").total == 0
    with django_capture_on_commit_callbacks(execute=True):
        draft = services.start_draft(item)
        services.update_draft(draft, version={"aliases": ["卫生许可证", "美容美发卫生证"], "change_note": "新增俗称"})
        services.publish(draft)
    assert search("美容美发").hits[0].entry.item_id == item.pk
    hit = search("美容美发卫生证").hits[0]
    assert hit.entry.item_id == item.pk
    assert "美容美发卫生证" in hit.matched_aliases
    assert SearchEntry.objects.get(item=item).version_id == draft.pk


def test_incremental_index_equals_rebuild(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.retire(city["cancel"])
        draft = services.start_draft(city["pension"])
        services.update_draft(draft, version={"aliases": ["社保转移", "养老保险关系转移"]})
        services.publish(draft)
    incremental = _snapshot()
    figures = rebuild_index()
    assert figures["entries"] == 10
    assert _snapshot() == incremental


def test_index_items_is_idempotent(city):
    before = _snapshot()
    assert index_items([city["food_city"].pk, city["food_city"].pk]) == 1
    assert index_items([]) == 0
    assert _snapshot() == before


def test_reindex_command(city):
    from io import StringIO

    from django.core.management import call_command

    SearchToken.objects.all().delete()
    SearchEntry.objects.all().delete()
    out = StringIO()
    call_command("reindex_catalog", stdout=out)
    assert "11" in out.getvalue()
    assert search("yyzz").hits[0].entry.name == "营业执照核发"


def test_one_implementation_changing_leaves_the_shared_doc(city, django_capture_on_commit_callbacks):
    shared = SearchEntry.objects.get(item=city["license_city"]).text_id
    with django_capture_on_commit_callbacks(execute=True):
        draft = services.start_draft(city["license_city"])
        services.update_draft(draft, version={"aliases": ["办营业执照", "开公司执照", "办执照"]})
        services.publish(draft)
    moved = SearchEntry.objects.get(item=city["license_city"])
    assert moved.text_id != shared
    left = SearchDoc.objects.get(pk=shared)
    assert left.entries == 2 and left.lead in {city["license_lzh"].pk, city["license_hy"].pk}
    hit = search("营业执照核发").hits[0]
    assert hit.entry.item_id == city["license_city"].pk and hit.implementations == 3
    assert search("办执照").hits[0].entry.item_id == city["license_city"].pk
    incremental = _snapshot()
    rebuild_index()
    assert _snapshot() == incremental


def test_department_weights_follow_the_word_alone(city):
    """A search computes department weights instead of reading them: they must match the index."""
    from yiwang.catalog.searching.indexer import department_weight

    rows = SearchToken.objects.filter(token__startswith="d:").values_list("token", "weight")
    assert rows
    for token, weight in rows:
        assert weight == department_weight(token), token
