"""The read replica against a real PostgreSQL streaming replica on loopback (pg_basebackup): run with

    bin/run-with-replica .venv/bin/pytest -m replica tests/core/test_replica_live.py

The test database the suite creates on the primary streams to the replica like everything else. Pausing the
replica's replay makes the lag visible: a search that does not find what the primary already has read the replica;
the person who has just written finds it all the same (read-your-writes), everyone else once replay resumes.
"""

from __future__ import annotations

import os
import time

import dj_database_url
import pytest
from django.conf import settings
from django.db import connections
from django.db.utils import load_backend
from django.test import Client, override_settings

from tests.factories import OrganisationFactory, make_item, staff
from yiwang.catalog.models import SearchEntry
from yiwang.core import replica
from yiwang.orgs.models import Role

pytestmark = [
    pytest.mark.replica,
    pytest.mark.skipif(
        not os.environ.get("YIWANG_TEST_REPLICA_URL"), reason="needs a streaming replica (bin/run-with-replica)"
    ),
]


def _scalar(alias: str, sql: str, params=()):
    with connections[alias].cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


def _caught_up(timeout: float = 60.0) -> None:
    """Waits until the replica has replayed everything the primary has written so far."""
    target = _scalar("default", "SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _scalar("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]):
            return
        time.sleep(0.05)
    raise AssertionError("the replica did not catch up")


def _set_replay(paused: bool) -> None:
    _scalar("replica", f"SELECT {'pg_wal_replay_pause' if paused else 'pg_wal_replay_resume'}()::text")
    if paused:
        deadline = time.monotonic() + 30
        while _scalar("replica", "SELECT pg_get_wal_replay_pause_state()") != "paused":
            assert time.monotonic() < deadline, "replay did not pause"
            time.sleep(0.05)


@pytest.fixture
def live_replica(transactional_db):
    if connections["default"].vendor != "postgresql":
        pytest.skip("the streaming replica is a PostgreSQL feature")
    url = dj_database_url.parse(os.environ["YIWANG_TEST_REPLICA_URL"])
    primary = connections["default"].settings_dict
    # The same (test) database, on the replica server.
    cfg = {**primary, "HOST": url["HOST"], "PORT": url["PORT"], "USER": url["USER"], "PASSWORD": url["PASSWORD"]}
    connections["replica"] = load_backend(cfg["ENGINE"]).DatabaseWrapper(cfg, "replica")
    assert _scalar("replica", "SELECT pg_is_in_recovery()"), "YIWANG_TEST_REPLICA_URL is not a standby"
    with override_settings(
        DATABASES={**settings.DATABASES, "replica": cfg},
        DATABASE_ROUTERS=["yiwang.core.replica.Router"],
        REPLICA_PIN_SECONDS=30,
    ):
        yield
    _set_replay(False)
    connections["replica"].close()
    del connections["replica"]


def _names(response) -> set[str]:
    assert response.status_code == 200, response.content[:300]
    return {hit["name"] for hit in response.json()["items"]}


def test_search_reads_the_replica_and_a_writer_reads_their_own_write(live_replica):
    org = OrganisationFactory()
    admin = staff(org, Role.CATALOG_ADMIN, username="cat")
    make_item(org, name="甲乙丙测试许可")
    draft = make_item(org, publish=False, name="丁戊己测试许可")
    _caught_up()
    public = Client()
    assert "甲乙丙测试许可" in _names(public.get("/api/v1/catalog/search", {"q": "甲乙丙测试许可"}))

    _set_replay(True)  # from here the replica lags behind the primary
    writer = Client()
    writer.force_login(admin)
    r = writer.post(f"/api/v1/catalog/items/{draft.item_code}/drafts/current/publish", content_type="application/json")
    assert r.status_code == 200
    assert replica.PIN_COOKIE in r.cookies
    assert SearchEntry.objects.filter(name="丁戊己测试许可").exists()  # on the primary

    # The public search reads the replica, which has not replayed the publication yet.
    assert "丁戊己测试许可" not in _names(public.get("/api/v1/catalog/search", {"q": "丁戊己测试许可"}))
    assert "丁戊己测试许可" not in _names(public.get("/api/v1/catalog/search", {"q": "丁戊己"}))
    # The writer is pinned to the primary: they see what they just published.
    assert "丁戊己测试许可" in _names(writer.get("/api/v1/catalog/search", {"q": "丁戊己测试许可"}))
    # When the pin is gone, the writer reads the replica like everyone.
    del writer.cookies[replica.PIN_COOKIE]
    assert "丁戊己测试许可" not in _names(writer.get("/api/v1/catalog/search", {"q": "丁戊己测试许可"}))

    _set_replay(False)
    _caught_up()
    assert "丁戊己测试许可" in _names(public.get("/api/v1/catalog/search", {"q": "丁戊己测试许可"}))
    # The replica really served reads: its own statistics count them.
    assert _scalar("replica", "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()") > 0


def test_pages_that_are_not_read_only_work_never_see_the_lag(live_replica):
    org = OrganisationFactory()
    item = make_item(org, publish=False, name="庚辛壬测试许可")
    admin = staff(org, Role.CATALOG_ADMIN, username="cat2")
    _caught_up()
    _set_replay(True)
    writer = Client()
    writer.force_login(admin)
    assert (
        writer.post(
            f"/api/v1/catalog/items/{item.item_code}/drafts/current/publish", content_type="application/json"
        ).status_code
        == 200
    )
    # The guide page is not routed to the replica: anyone sees the published item at once.
    assert Client().get(f"/items/{item.item_code}/").status_code == 200
