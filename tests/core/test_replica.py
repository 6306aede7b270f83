"""Read-replica routing (core.replica): which reads may leave the primary, and that nothing changes without one.

These run on every database: the "replica" alias here is a second connection to the test database itself, and a
spy records where the router sent each read. tests/core/test_replica_live.py does the same against a real
streaming replica (bin/run-with-replica).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.db.utils import load_backend
from django.test import Client, override_settings

from tests.factories import OrganisationFactory, make_item, staff
from yiwang.core import replica
from yiwang.orgs.models import Role


def test_without_a_replica_everything_stays_as_it_was():
    assert "replica" not in settings.DATABASES
    assert not getattr(settings, "DATABASE_ROUTERS", [])
    with replica.reading():
        assert not replica.would_read_from_replica()


@pytest.mark.django_db
def test_without_a_replica_writes_set_no_cookie():
    org = OrganisationFactory()
    admin = staff(org, Role.CATALOG_ADMIN, username="cat")
    item = make_item(org, publish=False)
    c = Client()
    c.force_login(admin)
    r = c.post(f"/api/v1/catalog/items/{item.item_code}/drafts/current/publish", content_type="application/json")
    assert r.status_code == 200
    assert replica.PIN_COOKIE not in r.cookies


@pytest.fixture
def mirrored(transactional_db, monkeypatch):
    """A "replica" alias on the test database itself, the router installed, and a log of the router's choices.

    It is added after the test database is set up (transactional_db first), so the test case's own guard against
    unlisted databases does not cover it; the tests commit, so the second connection sees their rows."""
    cfg = dict(connections["default"].settings_dict)
    # A connection made by hand (not from settings): the test case's guard lets such connections through.
    connections["replica"] = load_backend(cfg["ENGINE"]).DatabaseWrapper(cfg, "replica")
    chosen: list[tuple[str, str | None]] = []
    real = replica.Router.db_for_read

    def spy(self, model, **hints):
        alias = real(self, model, **hints)
        chosen.append((model._meta.label, alias))
        return alias

    monkeypatch.setattr(replica.Router, "db_for_read", spy)
    with override_settings(
        DATABASES={**settings.DATABASES, "replica": cfg},
        DATABASE_ROUTERS=["yiwang.core.replica.Router"],
        REPLICA_PIN_SECONDS=30,
    ):
        yield chosen
    connections["replica"].close()
    del connections["replica"]


def _names(response) -> set[str]:
    return {hit["name"] for hit in response.json()["items"]}


def _to_replica(chosen) -> set[str]:
    return {label for label, alias in chosen if alias == "replica"}


def test_search_reads_from_the_replica_until_the_person_writes(mirrored):
    org = OrganisationFactory()
    admin = staff(org, Role.CATALOG_ADMIN, username="cat")
    item = make_item(org, name="甲乙丙测试许可")
    draft_item = make_item(org, publish=False, name="丁戊己测试许可")
    anonymous = Client()

    mirrored.clear()
    r = anonymous.get("/api/v1/catalog/search", {"q": "甲乙丙测试许可"})
    assert r.status_code == 200 and _names(r) == {"甲乙丙测试许可"}
    assert _to_replica(mirrored)
    assert replica.PIN_COOKIE not in r.cookies
    # the search page too
    mirrored.clear()
    assert anonymous.get("/search/", {"q": item.current.name}).status_code == 200
    assert _to_replica(mirrored)

    # Pages that are not read-only work never read from the replica, even on GET.
    mirrored.clear()
    assert anonymous.get(f"/items/{item.item_code}/").status_code == 200
    assert not _to_replica(mirrored)

    # A write (publishing) answers with the pin, and the writer's next searches read from the primary.
    c = Client()
    c.force_login(admin)
    r = c.post(f"/api/v1/catalog/items/{draft_item.item_code}/drafts/current/publish", content_type="application/json")
    assert r.status_code == 200
    assert r.cookies[replica.PIN_COOKIE]["max-age"] == 30
    mirrored.clear()
    assert "丁戊己测试许可" in _names(c.get("/api/v1/catalog/search", {"q": "丁戊己测试许可"}))
    assert not _to_replica(mirrored)
    # Once the pin has expired (the browser drops the cookie), the replica again.
    del c.cookies[replica.PIN_COOKIE]
    mirrored.clear()
    c.get("/api/v1/catalog/search", {"q": "丁戊己测试许可"})
    assert _to_replica(mirrored)


def test_unsafe_methods_transactions_and_current_data_stay_on_the_primary(mirrored):
    org = OrganisationFactory()
    admin = staff(org, Role.CATALOG_ADMIN, username="cat")
    with replica.reading():
        assert replica.would_read_from_replica()
        with transaction.atomic():
            assert not replica.would_read_from_replica()  # a transaction reads what it wrote
    assert not replica.would_read_from_replica()  # not declared read-only work

    router = replica.Router()
    from django.contrib.sessions.models import Session

    with replica.reading():
        assert router.db_for_read(Session) is None  # sessions, cache, counters, tokens: always current

    # A POST to a read-only endpoint still reads from the primary, and pins.
    c = Client()
    c.force_login(admin)
    mirrored.clear()
    r = c.post("/api/v1/licenses/verify", {"document": {}}, content_type="application/json")
    assert r.status_code in (200, 400, 422)
    assert not _to_replica(mirrored)
    assert replica.PIN_COOKIE in r.cookies

    # Migrations never run on the replica.
    assert router.allow_migrate("replica", "cases") is False
    assert router.allow_migrate("default", "cases") is None


def test_public_verification_reads_from_the_replica(mirrored):
    from yiwang.licenses.identifiers import build

    identifier = build("BUSINESSLICENSE", "91340300MA2N000001", "2026000001", 1)  # well formed, not issued
    mirrored.clear()
    r = Client().get(f"/api/v1/licenses/verify/{identifier}")
    assert r.status_code == 200 and r.json()["outcome"] == "not_found"
    assert "licenses.License" in _to_replica(mirrored)
    mirrored.clear()
    assert Client().get(f"/verify/{identifier}/").status_code == 200
    assert "licenses.License" in _to_replica(mirrored)


def test_hotline_statistics_read_from_the_replica(mirrored):
    from tests.hotline.conftest import build, client_for

    world = build()
    boss = client_for(world.chief)
    mirrored.clear()
    assert boss.get("/workbench/hotline/stats/").status_code == 200
    assert _to_replica(mirrored)
    mirrored.clear()
    assert boss.get("/api/v1/hotline/stats").status_code == 200
    assert _to_replica(mirrored)
    # the same people's work pages stay on the primary
    mirrored.clear()
    assert boss.get("/workbench/hotline/rules/").status_code == 200
    assert not _to_replica(mirrored)
