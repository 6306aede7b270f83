"""Large catalog files are imported by the worker: 202 with a job, its progress and outcome on the API and a page."""

import uuid

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from tests.factories import OrganisationFactory, staff
from tests.identity.test_clients import bearer, new_client, token
from tests.io.helpers import item_obj, json_file, sign_in, xlsx_file
from yiwang.catalog.io import jobs
from yiwang.catalog.models import ImportJob, ServiceItem

pytestmark = pytest.mark.django_db

IMPORT = "/api/v1/catalog/import"
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def small_sync_limit(settings):
    """Any file over 1 KiB goes to the worker (the tasks run at once with the test settings' immediate backend)."""
    settings.CATALOG_IMPORT_SYNC_MAX_BYTES = 1024


def upload(buf, name: str):
    buf.seek(0)
    buf.name = name
    return buf


def test_a_large_file_is_a_job_the_api_follows(client, org, admin_user):
    sign_in(client, admin_user)
    response = client.post(IMPORT, {"file": upload(xlsx_file([item_obj(org), item_obj(org)]), "big.xlsx")})
    assert response.status_code == 202, response.content
    job = response.json()
    assert response["Location"] == f"/api/v1/catalog/imports/{job['id']}"
    # The test settings run tasks at once, so the job is already done when the answer comes.
    assert (job["state"], job["percent"], job["filename"], job["dry_run"]) == ("done", 100, "big.xlsx", False)
    assert job["result"]["created"] == 2 and job["result"]["format"] == "xlsx"
    assert ServiceItem.objects.filter(current__isnull=False).count() == 2

    again = client.get(response["Location"])
    assert again.status_code == 200 and again.json()["id"] == job["id"] and again.json()["state"] == "done"
    # The stored upload is deleted once read.
    stored = ImportJob.objects.get(pk=job["id"])
    assert not stored.file and not default_storage.listdir("imports/catalog")[1]


def test_a_job_is_seen_by_its_starter_only(client, org, admin_user):
    sign_in(client, admin_user)
    location = client.post(IMPORT, {"file": upload(json_file([item_obj(org)]), "c.json")})["Location"]
    assert client.get(location).status_code == 200
    other = Client()
    sign_in(other, staff(org))
    response = other.get(location)
    assert response.status_code == 404 and response.json()["detail"][0]["code"] == "not_found"
    assert Client().get(location).status_code == 401
    assert client.get(f"/api/v1/catalog/imports/{uuid.uuid4()}").status_code == 404


def test_a_file_with_problems_makes_a_refused_job(client, org, admin_user):
    sign_in(client, admin_user)
    bad = json_file([item_obj(org), item_obj(org, promised_limit=90), item_obj(org, online_depth="Ⅸ")])
    job = client.post(IMPORT, {"file": upload(bad, "bad.json")}).json()
    assert job["state"] == "refused" and job["problem_count"] == 2 and job["result"] is None
    assert {(p["row"], p["field"]) for p in job["problems"]} == {
        (2, "promised_limit"),
        (3, "online_depth"),
    }
    assert all(p["message"] and p["message_en"] for p in job["problems"])
    assert not ServiceItem.objects.exists()


def test_nothing_is_imported_inside_the_request(client, org, admin_user, settings):
    settings.TASKS = DUMMY_TASKS  # a queue nobody works: what the request itself does
    sign_in(client, admin_user)
    response = client.post(IMPORT, {"file": upload(json_file([item_obj(org) for _ in range(3)]), "c.json")})
    assert response.status_code == 202
    job = response.json()
    assert (job["state"], job["phase"], job["percent"]) == ("queued", "", 0)
    assert not ServiceItem.objects.exists()
    # The worker's part, with progress written as it goes.
    settings.CATALOG_IMPORT_BATCH_ITEMS = 1
    seen = []
    real = jobs._Progress.__call__

    def spy(self, phase, done, total):
        seen.append(phase)
        real(self, phase, done, total)

    jobs._Progress.__call__ = spy
    try:
        assert jobs.run_job(job["id"]) == "done"
    finally:
        jobs._Progress.__call__ = real
    assert {"reading", "checking", "writing"} <= set(seen)
    done = client.get(response["Location"]).json()
    assert (done["state"], done["result"]["created"], done["phase"]) == ("done", 3, "writing")
    assert done["started_at"] and done["finished_at"]
    assert ServiceItem.objects.count() == 3
    assert jobs.run_job(job["id"]) == "done", "a job runs once"


def test_a_dry_run_job_writes_nothing(client, org, admin_user):
    sign_in(client, admin_user)
    job = client.post(IMPORT, {"file": upload(json_file([item_obj(org)]), "c.json"), "dry_run": "true"}).json()
    assert job["state"] == "done" and job["dry_run"] and job["result"]["created"] == 1
    assert not ServiceItem.objects.exists()


def test_a_crash_is_a_failed_job_not_a_lost_one(client, org, admin_user, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(jobs, "import_catalog", boom)
    sign_in(client, admin_user)
    job = client.post(IMPORT, {"file": upload(json_file([item_obj(org)]), "c.json")}).json()
    assert job["state"] == "failed" and "disk on fire" in job["error"]


def test_a_small_file_is_still_answered_at_once(client, org, admin_user, settings):
    settings.CATALOG_IMPORT_SYNC_MAX_BYTES = 10 * 1024 * 1024
    sign_in(client, admin_user)
    response = client.post(IMPORT, {"file": upload(json_file([item_obj(org)]), "c.json")})
    assert response.status_code == 200 and response.json()["created"] == 1
    assert not ImportJob.objects.exists()


def test_a_machine_client_follows_its_own_jobs(org):
    mc, secret = new_client(org)
    auth = bearer(token(mc, secret))
    other_org = OrganisationFactory()
    response = Client().post(
        IMPORT, {"file": upload(json_file([item_obj(org), item_obj(other_org)]), "c.json")}, **auth
    )
    assert response.status_code == 202
    job = Client().get(response["Location"], **auth).json()
    # Its reach is its own organisation: the other one's item is a problem, as in a direct import.
    assert job["state"] == "refused" and [p["code"] for p in job["problems"]] == ["forbidden"]
    other_mc, other_secret = new_client(org)
    assert Client().get(response["Location"], **bearer(token(other_mc, other_secret))).status_code == 404


# -- pages ------------------------------------------------------------------------------------------------


def test_the_page_sends_a_large_file_to_the_worker_and_shows_the_job(client, org, admin_user):
    sign_in(client, admin_user)
    response = client.post("/workbench/catalog/import/", {"file": upload(xlsx_file([item_obj(org)]), "big.xlsx")})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/workbench/catalog/imports/{job.pk}/"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "big.xlsx" in html and 'http-equiv="refresh"' not in html
    assert "已导入并发布" in html or "imported and published" in html
    # The import page lists the person's background imports.
    assert f"/workbench/catalog/imports/{job.pk}/" in client.get("/workbench/catalog/import/").content.decode()
    other = Client()
    sign_in(other, staff(org))
    assert other.get(response["Location"]).status_code == 404


def test_a_running_job_page_shows_progress_and_reloads(client, org, admin_user):
    job = ImportJob.objects.create(
        created_by=admin_user,
        filename="city.xlsx",
        state=ImportJob.State.RUNNING,
        phase="writing",
        done=500,
        total=2000,
    )
    sign_in(client, admin_user)
    html = client.get(f"/workbench/catalog/imports/{job.pk}/").content.decode()
    assert 'http-equiv="refresh"' in html and "<progress" in html and 'value="55"' in html
    assert "500 / 2,000" in html or "500 / 2000" in html


def test_a_refused_job_page_lists_the_problems(client, org, admin_user):
    sign_in(client, admin_user)
    bad = upload(xlsx_file([item_obj(org), item_obj(org, online_depth="Ⅸ")]), "bad.xlsx")
    response = client.post("/workbench/catalog/import/", {"file": bad})
    html = client.get(response["Location"]).content.decode()
    assert "<table" in html and "网上办理深度" in html and ">4<" in html
