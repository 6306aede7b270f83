"""Exports come from files the worker keeps current, with ETag/Last-Modified; anonymous callers are rate-limited."""

import io
import json

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests.factories import make_item
from tests.io.helpers import sign_in
from yiwang.catalog import services
from yiwang.catalog.io import exports
from yiwang.catalog.models import ExportFile

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/catalog/export"
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def writes(monkeypatch):
    """Counts the export files written."""
    calls: list[str] = []
    real = exports.write_export

    def counting(key, stamp=None):
        calls.append(key)
        return real(key, stamp)

    monkeypatch.setattr(exports, "write_export", counting)
    return calls


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_downloads_are_served_from_one_file(client, org, writes):
    make_item(org)
    first = client.get(EXPORT, {"format": "xlsx"})
    assert first.status_code == 200 and first.streaming
    content = body(first)
    assert writes == ["xlsx||"]
    second = client.get(EXPORT, {"format": "xlsx"})
    assert body(second) == content and writes == ["xlsx||"], "the second download reads the same file"
    assert first["ETag"] == second["ETag"] and first["Last-Modified"]
    assert first["Content-Type"].startswith("application/vnd.openxmlformats")
    assert ExportFile.objects.get(key="xlsx||").items == 1


def test_conditional_requests_get_304(client, org):
    make_item(org)
    response = client.get(EXPORT, {"format": "json"})
    etag, modified = response["ETag"], response["Last-Modified"]
    assert client.get(EXPORT, {"format": "json"}, HTTP_IF_NONE_MATCH=etag).status_code == 304
    not_modified = client.get(EXPORT, {"format": "json"}, HTTP_IF_MODIFIED_SINCE=modified)
    assert not_modified.status_code == 304 and not_modified["ETag"] == etag
    assert client.get(EXPORT, {"format": "json"}, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_a_catalog_change_refreshes_the_files(client, org, django_capture_on_commit_callbacks):
    item = make_item(org)
    first = client.get(EXPORT, {"format": "json"})
    assert len(json.loads(body(first))["items"]) == 1
    # Publishing (the editor) and retiring send the catalog's signals; the refresh task writes the files again.
    with django_capture_on_commit_callbacks(execute=True):
        make_item(org, name="新增事项")
    row = ExportFile.objects.get(key="json||")
    assert row.stamp == exports.current_stamp() and row.items == 2
    second = client.get(EXPORT, {"format": "json"})
    assert second["ETag"] != first["ETag"]
    assert "新增事项" in {i["name"] for i in json.loads(body(second))["items"]}
    assert client.get(EXPORT, {"format": "json"}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.retire(item)
    assert ExportFile.objects.get(key="json||").items == 1


def test_filtered_exports_are_files_of_their_own(client, org):
    make_item(org)
    response = client.get(EXPORT, {"format": "json", "organisation": org.credit_code})
    assert len(json.loads(body(response))["items"]) == 1
    assert ExportFile.objects.filter(key=f"json|{org.credit_code}|").exists()


def test_anonymous_callers_are_rate_limited(org, admin_user, settings):
    settings.CATALOG_EXPORT_ANON_RATE = "3/m"
    make_item(org)
    anonymous = Client(REMOTE_ADDR="203.0.113.9")
    assert [anonymous.get(EXPORT).status_code for _ in range(3)] == [200, 200, 200]
    limited = anonymous.get(EXPORT)
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    (problem,) = limited.json()["detail"]
    assert problem["code"] == "rate_limited" and problem["message"] and problem["message_en"]
    # Another address, and a signed-in person, are not affected.
    assert Client(REMOTE_ADDR="203.0.113.10").get(EXPORT).status_code == 200
    staff = Client(REMOTE_ADDR="203.0.113.9")
    sign_in(staff, admin_user)
    assert [staff.get(EXPORT).status_code for _ in range(5)] == [200] * 5


def test_a_large_first_export_is_left_to_the_worker(client, org, admin_user, settings):
    settings.CATALOG_EXPORT_INLINE_ITEMS = 0
    settings.TASKS = DUMMY_TASKS  # the queue is not worked in this test
    make_item(org)
    response = client.get(EXPORT, {"format": "xlsx"})
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response.json()["detail"][0]["code"] == "not_ready"
    assert not ExportFile.objects.exists()
    # The worker writes it; then it is served.
    assert exports.refresh("xlsx||") == 1
    assert client.get(EXPORT, {"format": "xlsx"}).status_code == 200
    # The workbench page says so too.
    sign_in(client, admin_user)
    page = client.get("/workbench/catalog/export/", {"format": "json"})
    assert page.status_code == 503 and "正在准备" in page.content.decode()


def test_cells_stay_text_in_the_workbook(client, org):
    make_item(org, place='=HYPERLINK("http://example.invalid")', hours="+1-1", phone="0552 1234567")
    wb = load_workbook(io.BytesIO(body(client.get(EXPORT, {"format": "xlsx"}))))
    ws = wb["事项"]
    keys = [c.value for c in ws[2]]
    row = {k: ws.cell(row=3, column=i + 1) for i, k in enumerate(keys)}
    assert row["place"].value.startswith("=HYPERLINK") and row["place"].data_type == "s"
    assert row["hours"].value == "+1-1" and row["phone"].value == "0552 1234567"
    assert row["statutory_limit"].data_type == "n"
