"""An item's minimum real-name level: stored per version, validated, carried by new drafts, imported, exported
(optional last column), shown in the guide and the API, and checked by identity.verification.level_problem."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from tests.factories import OrganisationFactory, make_item, person
from tests.io.helpers import edit_xlsx, item_obj, json_file, xlsx_file
from yiwang.catalog import services
from yiwang.catalog.io import formats as F
from yiwang.catalog.io import import_catalog, iter_json, published_versions, write_xlsx
from yiwang.catalog.models import ServiceItem
from yiwang.core.errors import ProblemsError
from yiwang.identity.models import Level
from yiwang.identity.verification import level_problem

pytestmark = pytest.mark.django_db


def test_default_is_no_requirement_and_a_new_draft_keeps_the_level():
    item = make_item()
    assert item.current.min_identity_level == 0
    item = make_item(min_identity_level=Level.ID)
    assert item.current.min_identity_level == Level.ID
    draft = services.start_draft(item)
    assert draft.min_identity_level == Level.ID


def test_an_out_of_range_level_is_refused_on_its_field():
    with pytest.raises(ProblemsError) as err:
        make_item(min_identity_level=7)
    assert any(p["field"] == "min_identity_level" for p in err.value.as_list())


def test_the_guide_shows_the_required_level(client):
    item = make_item(min_identity_level=Level.ID)
    for url in (f"/items/{item.item_code}/", f"/m/items/{item.item_code}/", f"/items/{item.item_code}/print/"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert r.context["identity_level"]["level"] == Level.ID
        assert str(r.context["identity_level"]["text"]) in r.content.decode()
    plain = client.get(f"/items/{make_item().item_code}/")
    assert plain.context["identity_level"]["level"] == 0
    assert str(plain.context["identity_level"]["text"]) in plain.content.decode()


def test_the_api_returns_and_accepts_the_level(client):
    item = make_item(min_identity_level=Level.STRONG)
    body = client.get(f"/api/v1/catalog/items/{item.item_code}").json()
    assert body["version"]["min_identity_level"] == Level.STRONG


def test_export_writes_the_column_last_and_import_reads_it():
    org = OrganisationFactory()
    obj = item_obj(org, min_identity_level=2)
    result = import_catalog(json_file([obj]), organisations=None)
    assert result.created == 1
    version = ServiceItem.objects.get(item_code=obj["item_code"]).current
    assert version.min_identity_level == 2
    exported = json.loads("".join(iter_json(published_versions())))
    assert exported["items"][0]["min_identity_level"] == 2
    buf = io.BytesIO()
    write_xlsx(published_versions(), buf)
    buf.seek(0)
    ws = load_workbook(buf)[F.ITEMS]
    keys = [c.value for c in ws[2]]
    assert keys[-1] == "min_identity_level"
    assert ws.cell(row=3, column=len(keys)).value == "身份证件核验"


def test_files_without_the_column_import_with_level_0():
    org = OrganisationFactory()
    obj = item_obj(org)
    obj.pop("min_identity_level", None)
    assert import_catalog(json_file([obj])).created == 1

    other = item_obj(org)

    def drop_last_column(wb):
        ws = wb[F.ITEMS]
        ws.delete_cols(len(list(ws[2])))

    buf = edit_xlsx(xlsx_file([other]), drop_last_column)
    assert import_catalog(buf).created == 1
    levels = set(ServiceItem.objects.values_list("current__min_identity_level", flat=True))
    assert levels == {0}


def test_a_bad_level_in_a_file_is_reported_at_its_cell():
    org = OrganisationFactory()
    with pytest.raises(ProblemsError) as err:
        import_catalog(json_file([item_obj(org, min_identity_level="五级")]))
    problems = err.value.as_list()
    assert any("min_identity_level" in (p.get("column") or p.get("key") or p["field"]) for p in problems)
    assert not ServiceItem.objects.exists()


def test_level_problem_against_a_real_version():
    item = make_item(min_identity_level=Level.ID)
    weak = person("张三", level=Level.PHONE)
    strong = person("李四", level=Level.ID)
    assert level_problem(weak, item.current) is not None
    assert level_problem(strong, item.current) is None
    assert level_problem(None, make_item().current) is None
