"""Import and export through the API, the workbench pages and the management commands, with permissions."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tests.factories import OrganisationFactory, UserFactory, make_item, staff
from tests.io.helpers import item_obj, json_file, sign_in, xlsx_file
from yiwang.catalog.models import CatalogEvent, ServiceItem
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db

IMPORT = "/api/v1/catalog/import"


def upload(buf, name):
    buf.seek(0)
    buf.name = name
    return buf


# -- API ----------------------------------------------------------------------------------------------


def test_api_import_requires_a_signed_in_catalog_admin(client, org):
    response = client.post(IMPORT, {"file": upload(json_file([item_obj(org)]), "c.json")})
    assert response.status_code == 401
    clerk = staff(org, role=Role.WINDOW_CLERK)
    sign_in(client, clerk)
    response = client.post(IMPORT, {"file": upload(json_file([item_obj(org)]), "c.json")})
    assert response.status_code == 403 and response.json()["detail"][0]["code"] == "forbidden"
    assert not ServiceItem.objects.exists()


def test_api_import_dry_run_then_real(client, org, admin_user):
    sign_in(client, admin_user)
    buf = xlsx_file([item_obj(org), item_obj(org)])
    response = client.post(IMPORT, {"file": upload(buf, "c.xlsx"), "dry_run": "true"})
    assert response.status_code == 200, response.content
    assert response.json() | {"open_drafts": []} == {
        "format": "xlsx",
        "items": 2,
        "created": 2,
        "new_versions": 0,
        "unchanged": 0,
        "dry_run": True,
        "open_drafts": [],
    }
    assert not ServiceItem.objects.exists()
    response = client.post(IMPORT, {"file": upload(buf, "c.xlsx")})
    assert response.status_code == 200 and response.json()["created"] == 2
    assert ServiceItem.objects.filter(current__isnull=False).count() == 2
    assert set(CatalogEvent.objects.values_list("channel", "actor")) == {("api", admin_user.pk)}


def test_api_import_refusal_lists_problems(client, org, admin_user):
    sign_in(client, admin_user)
    response = client.post(IMPORT, {"file": upload(xlsx_file([item_obj(org, promised_limit=90)]), "c.xlsx")})
    assert response.status_code == 400
    (p,) = response.json()["detail"]
    assert (p["sheet"], p["row"], p["column"], p["field"]) == ("事项", 3, "承诺时限", "promised_limit")
    assert p["message_en"] == "The promised time limit cannot be longer than the statutory time limit."


def test_admin_of_another_organisation_is_refused_per_row(client, org):
    mine = OrganisationFactory()
    user = staff(mine)
    sign_in(client, user)
    buf = json_file([item_obj(mine), item_obj(org)])
    response = client.post(IMPORT, {"file": upload(buf, "c.json")})
    assert response.status_code == 400
    (p,) = response.json()["detail"]
    assert (p["row"], p["column"], p["code"]) == (2, "credit_code", "forbidden")
    assert not ServiceItem.objects.exists()


def test_export_is_public_and_streams(client, org):
    make_item(org)
    response = client.get("/api/v1/catalog/export?format=json")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"].startswith("attachment")
    doc = json.loads(b"".join(response.streaming_content))
    assert len(doc["items"]) == 1
    response = client.get("/api/v1/catalog/export?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/api/v1/catalog/export?format=csv").status_code == 400


def test_unpublished_items_are_not_exported(client, org):
    make_item(org, publish=False)
    doc = json.loads(b"".join(client.get("/api/v1/catalog/export").streaming_content))
    assert doc["items"] == []


def test_openapi_documents_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/catalog/import" in paths and "/api/v1/catalog/export" in paths


# -- pages --------------------------------------------------------------------------------------------


def test_pages_need_a_catalog_admin(client, org):
    for url in ("/workbench/catalog/import/", "/workbench/catalog/export/"):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    sign_in(client, staff(org, role=Role.WINDOW_CLERK))
    assert client.get("/workbench/catalog/import/").status_code == 403
    assert client.get("/workbench/catalog/export/").status_code == 403
    client.force_login(UserFactory())  # not staff at all
    assert client.get("/workbench/catalog/import/").status_code == 302


def test_import_page_flow(client, org, admin_user):
    sign_in(client, admin_user)
    page = client.get("/workbench/catalog/import/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'enctype="multipart/form-data"' in html and "csrfmiddlewaretoken" in html
    # A bad file: the table of problems, nothing written.
    bad = upload(xlsx_file([item_obj(org), item_obj(org, online_depth="Ⅸ")]), "bad.xlsx")
    response = client.post("/workbench/catalog/import/", {"file": bad})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<table" in html and "网上办理深度" in html and "事项" in html and ">4<" in html
    assert not ServiceItem.objects.exists()
    # Dry run, then the real import.
    good = xlsx_file([item_obj(org)])
    response = client.post("/workbench/catalog/import/", {"file": upload(good, "good.xlsx"), "dry_run": "on"})
    assert response.status_code == 200 and not ServiceItem.objects.exists()
    response = client.post("/workbench/catalog/import/", {"file": upload(good, "good.xlsx")})
    assert response.status_code == 200
    assert ServiceItem.objects.filter(current__isnull=False).count() == 1
    assert CatalogEvent.objects.get().channel == "import"


def test_import_page_is_csrf_protected(org, admin_user):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, admin_user)
    response = client.post("/workbench/catalog/import/", {"file": upload(json_file([item_obj(org)]), "c.json")})
    assert response.status_code == 403 and not ServiceItem.objects.exists()


def test_export_page_downloads_with_filters(client, org, admin_user):
    make_item(org)
    sign_in(client, admin_user)
    page = client.get("/workbench/catalog/export/")
    assert page.status_code == 200 and org.credit_code in page.content.decode()
    response = client.get("/workbench/catalog/export/", {"format": "json", "organisation": org.credit_code})
    assert len(json.loads(b"".join(response.streaming_content))["items"]) == 1
    response = client.get("/workbench/catalog/export/", {"format": "xlsx", "division": "340300"})
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    response = client.get("/workbench/catalog/export/", {"format": "json", "organisation": "X" * 18})
    assert response.status_code == 400 and "field-error" in response.content.decode()


# -- commands -----------------------------------------------------------------------------------------


def test_commands_export_and_import(tmp_path, org):
    make_item(org)
    out = tmp_path / "c.xlsx"
    call_command("export_catalog", "--format", "xlsx", "-o", str(out), stdout=io.StringIO())
    ServiceItem.objects.all().delete()
    stdout = io.StringIO()
    call_command("import_catalog", str(out), "--dry-run", stdout=stdout)
    assert "would create 1" in stdout.getvalue() and not ServiceItem.objects.exists()
    call_command("import_catalog", str(out), stdout=stdout)
    assert ServiceItem.objects.count() == 1
    js = tmp_path / "c.json"
    call_command("export_catalog", "--format", "json", "-o", str(js), stdout=io.StringIO())
    assert json.loads(js.read_text())["items"][0]["credit_code"] == org.credit_code


def test_import_command_lists_problems_and_fails(tmp_path, org):
    path = tmp_path / "bad.json"
    path.write_bytes(json_file([item_obj(org, promised_limit=90)]).getvalue())
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_catalog", str(path), stderr=stderr)
    assert "items 1 promised_limit" in stderr.getvalue()
    with pytest.raises(CommandError):
        call_command("import_catalog", str(tmp_path / "missing.xlsx"))
