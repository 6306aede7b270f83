import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Property tests check logic, not speed: on a shared or loaded CI machine an example may take longer than
# hypothesis' default 200 ms deadline, which would fail a correct test at random.
hypothesis_settings.register_profile("yiwang", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("yiwang")

LOCALE = Path(__file__).resolve().parents[1] / "src" / "yiwang" / "locale"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--reverse",
        action="store_true",
        help="run the tests in reverse order (Django's grouping kept), to find tests that depend on order",
    )


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]):
    """With --reverse, reverses the collected tests before pytest-django sorts them into Django's groups (tests
    in a transaction, then transactional ones, then those without a database); its sort is stable, so each group
    runs in reverse order."""
    if config.getoption("reverse"):
        items.reverse()
    return (yield)


# Packages whose files share a world built once per package (a package-scoped fixture): under pytest-xdist their
# files go to one worker together, so the world is built once rather than on every worker.
SHARED_WORLD_PACKAGES = ("tests/access/",)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile` (pyproject.toml), with the files of each SHARED_WORLD_PACKAGES package as one unit.

    (`--dist loadgroup` with xdist_group marks would say the same, but pytest 9.2 drops the group from the node
    ids: pytest-xdist issue 1386.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class FileOrSharedPackage(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = super()._split_scope(nodeid)
            return next((package for package in SHARED_WORLD_PACKAGES if path.startswith(package)), path)

    return FileOrSharedPackage(config, log)


def pytest_configure(config: pytest.Config) -> None:
    """Compiles the translation catalogs when a .po is newer than its .mo (make does it too; this is for a bare
    `pytest` after a pull), so the Chinese pages under test are the committed ones."""
    if not shutil.which("msgfmt"):
        return
    for po in LOCALE.glob("*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)  # noqa: S603, S607


@pytest.fixture(autouse=True)
def _chinese_by_default(settings):
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache: pages cache what they computed (the home page's popular items), and
    a value cached by one test must not show up in the next one's database."""
    from django.core.cache import caches

    from yiwang.core.counters import CounterCache

    for cache in caches.all(initialized_only=True):
        if not isinstance(cache, CounterCache):  # its rows live in the test's database, rolled back or flushed
            cache.clear()
    # The per-process memo of a published version's steps: SQLite reuses the ids of rolled-back rows, so the next
    # test's version may carry an id the memo already knows with other steps.
    from yiwang.cases import services

    services._process_of.cache_clear()
    # Likewise the compiled eligibility rules of published policy versions, kept per process by version id.
    from yiwang.policies import eligibility

    eligibility._COMPILED.clear()


# Host names the tests use for webhook receivers and other outbound calls, and the (public) addresses they resolve
# to. Tests never ask the real DNS: core.netguard resolves every receiver, and a name not listed here does not
# resolve. A test that needs another answer sets `fake_dns[name] = [addresses]`.
FAKE_DNS = {"example.gov.cn": ["1.2.3.4"], "dept.example.gov.cn": ["1.2.3.5"], "hooks.example.com": ["1.2.3.6"]}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    import ipaddress
    import socket

    from yiwang.core import netguard

    answers = {name: list(addresses) for name, addresses in FAKE_DNS.items()}

    def resolve(host: str, port: int) -> list:
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ipaddress.ip_address(a) for a in answers[host]]

    monkeypatch.setattr(netguard, "resolve", resolve)
    return answers


@pytest.fixture(autouse=True)
def _one_rate_limit_window(monkeypatch) -> None:
    """django-ratelimit counts in fixed one-minute windows: a test making 21 requests on a loaded machine could
    straddle two windows and never see its 429. Every test runs inside one instant of that clock."""
    import time
    from types import SimpleNamespace

    import django_ratelimit.core

    now = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: now))
